"""Handling a request from the public offers only the moves its kind and state allow, each with its own message;
the portal's general form offers only what it can submit (PUB-10, PUB-14; tryout findings)."""

import re

import pytest
from django.urls import reverse

from zhifa.core.errors import ZhifaError
from zhifa.org.tests.factories import PersonFactory
from zhifa.publicity import services
from zhifa.publicity.models import Publication, Request
from zhifa.publicity.workflow import REQUEST_MOVES, RequestKind, RequestState, request_moves

from .conftest import decided_case


def _offered(page: str) -> list[str]:
    select = re.search(r'<select id="action" name="action">(.*?)</select>', page, re.S)
    return re.findall(r'<option value="([a-z_]+)">', select.group(1)) if select else []


def _disclosure(d):
    req, _code = services.request_submit(kind="disclosure", agency=d.agency, requester_name="赵六",
                                         requester_contact="13800000000", content="申请公开本局2025年度的行政处罚决定。")
    return req


def _correction(d):
    pub = Publication.objects.filter(case=decided_case(d)).get()
    services.publication_submit(publication=pub, actor=d.editor)
    pub = services.publication_approve(publication=pub, actor=d.approver)
    req, _code = services.request_submit(kind="correction", agency=d.agency, publication=pub, requester_name="张三",
                                         requester_contact="13912345678", content="处罚金额公示有误，应为三千元。")
    return req


@pytest.mark.req("PUB-10")
@pytest.mark.django_db
def test_a_disclosure_request_is_not_offered_correction_moves(pubdesk, client):
    """A 依申请公开 was offered 核实属实，更正并告知 and 经核实不予更正并告知, which are a correction's outcomes."""
    req = _disclosure(pubdesk)
    client.force_login(pubdesk.editor)
    url = reverse("publicity-request", args=[req.pk])
    assert _offered(client.get(url).content.decode()) == ["verify", "answer", "forward"]
    refused = client.post(url, {"action": "correct", "note": "已更正。"}, follow=True).content.decode()
    assert "依申请公开不能“核实属实，更正并告知”" in refused
    req.refresh_from_db()
    assert req.state == RequestState.RECEIVED
    with pytest.raises(ZhifaError) as e:
        services.request_act(request=req, actor=pubdesk.editor, action="reject", note="不予更正。")
    assert e.value.code == "wrong_state" and e.value.status == 409


@pytest.mark.req("PUB-10")
@pytest.mark.django_db
def test_verification_starts_once_and_says_so_and_each_move_has_its_own_message(pubdesk, client):
    """After 开始核实 the page still offered 开始核实, and said "已办理并告知申请人。" though nothing was answered."""
    req = _disclosure(pubdesk)
    PersonFactory(name="公示编辑小刘", agency=pubdesk.agency, user=pubdesk.editor)
    client.force_login(pubdesk.editor)
    url = reverse("publicity-request", args=[req.pk])
    started = client.post(url, {"action": "verify", "note": "已收到，开始核实。"}, follow=True).content.decode()
    assert REQUEST_MOVES["verify"].extra["done"] in started and "已办理并告知申请人" not in started
    assert _offered(started) == ["answer", "forward"]  # no second 开始核实
    assert "公示编辑小刘：核实中" in started and "ed_a1" not in started  # the log names the person
    with pytest.raises(ZhifaError):
        services.request_act(request=req, actor=pubdesk.editor, action="verify", note="again")
    answered = client.post(url, {"action": "answer", "note": "已通过平台公开。"}, follow=True).content.decode()
    assert "已答复申请人。" in answered and _offered(answered) == [] and 'name="action"' not in answered
    req.refresh_from_db()
    assert req.state == RequestState.ANSWERED
    assert len({m.extra["done"] for m in REQUEST_MOVES.values()}) == len(REQUEST_MOVES)


@pytest.mark.req("PUB-10")
@pytest.mark.django_db
def test_a_correction_request_is_offered_the_correction_moves_and_no_answer(pubdesk, client):
    req = _correction(pubdesk)
    client.force_login(pubdesk.editor)
    url = reverse("publicity-request", args=[req.pk])
    assert _offered(client.get(url).content.decode()) == ["verify", "correct", "reject", "forward"]
    done = client.post(url, {"action": "reject", "note": "经核实，公示信息无误。"}, follow=True).content.decode()
    assert REQUEST_MOVES["reject"].extra["done"] in done


@pytest.mark.django_db
def test_the_moves_come_from_the_table():
    for kind in RequestKind.values:
        for state in RequestState.values:
            for move in request_moves(kind, state):
                assert kind in move.extra["kinds"] and state in move.sources
    assert request_moves(RequestKind.COMPLAINT, RequestState.CORRECTED) == []


@pytest.mark.req("PUB-14")
@pytest.mark.django_db
def test_the_portal_form_offers_what_it_can_submit_and_says_where_corrections_are_made(pubdesk, client):
    """The general form's first (default) category was 公示信息更正申请, which it can never submit ("更正申请须
    指明所涉公示信息", and no field for the item). It now offers the kinds it can submit, says corrections are made
    from the item's page, and its default goes through."""
    url = reverse("portal-request-new")
    page = client.get(url).content.decode()
    kinds = re.findall(r'<option value="([a-z]+)"', re.search(r'<select id="kind".*?</select>', page, re.S).group(0))
    assert "correction" not in kinds and kinds[0] in RequestKind.values
    assert "认为信息有误？申请更正" in page and 'id="correction-hint"' in page
    response = client.post(url, {"kind": kinds[0], "agency": pubdesk.agency.pk, "name": "王五",
                                 "contact": "13800000000", "content": "申请公开本局执法人员名单及执法证号。"})
    assert response.status_code == 200 and response.context["done"]["reference"]
    assert Request.objects.get().kind == kinds[0]
    # From an item's page the correction is offered (first) and names the item.
    pub = Publication.objects.filter(case=decided_case(pubdesk)).get()
    services.publication_submit(publication=pub, actor=pubdesk.editor)
    services.publication_approve(publication=pub, actor=pubdesk.approver)
    from_item = client.get(url, {"item": pub.pk}).content.decode()
    assert '<option value="correction"' in from_item and 'id="correction-hint"' not in from_item
    # A correction sent without an item says where to make it.
    refused = client.post(url, {"kind": "correction", "agency": pubdesk.agency.pk, "name": "王五",
                                "contact": "13800000000", "content": "处罚金额公示有误，应为三千元。"})
    assert refused.status_code == 400 and "申请更正”提交" in refused.content.decode()
