"""Minors at the moment of publication (issue 15 §4; PUB-06, IM-M §11 (一)): every natural-person party and every
age the text states are checked again at submission, approval and every republication — not only at collection —
and a minor found blocks the move, is logged, and leaves the minor exemption as the way out."""

import json

import pytest

from zhifa.cases import services as case_services
from zhifa.core.errors import ZhifaError
from zhifa.ledger.models import Entry
from zhifa.publicity import minors, services
from zhifa.publicity.models import Publication
from zhifa.publicity.workflow import ExemptionGround, State, UpdateReason

from .conftest import MINOR_ID, decided_case


def _found(pub) -> list[dict]:
    return [json.loads(e.payload) for e in Entry.objects.filter(kind="publicity.minor_found", subject=pub.subject)]


def _add_minor(d, case):
    case_services.party_add(case=case, kind="natural", name="李小明", id_number=MINOR_ID, actor=d.officer)


@pytest.mark.parametrize("text", ["当事人王某（16岁）", "时年十六周岁", "未满十八周岁", "十七岁", "１５岁",
                                  "十八周岁以下", "不满14周岁", "两岁"])
def test_ages_under_eighteen_are_found(text):
    assert minors.minor_ages(f"经查，{text}，销售过期食品。")


@pytest.mark.parametrize("text", ["当事人（45岁）", "年满十八周岁", "二十五周岁", "18岁", "罚款二百元", "2024年3月",
                                  "未满六十周岁"])
def test_adult_ages_and_other_numbers_are_not(text):
    assert not minors.minor_ages(f"经查，{text}，销售过期食品。")


@pytest.mark.req("PUB-06")
def test_a_minor_party_added_after_collection_blocks_approval(pubdesk):
    d = pubdesk
    case = decided_case(d)
    pub = Publication.objects.get(case=case)
    assert not pub.minor_party
    services.publication_submit(publication=pub, actor=d.editor)
    _add_minor(d, case)
    with pytest.raises(ZhifaError) as e:
        services.publication_approve(publication=pub, actor=d.approver)
    assert e.value.code == "publicity_party_is_minor" and "未满十八周岁" in e.value.message
    assert "申请不予公开" in e.value.message
    pub.refresh_from_db()
    assert pub.state == State.SUBMITTED and pub.minor_party and pub.published_entry is None
    [logged] = _found(pub)
    assert logged["action"] == "approve" and logged["findings"][0]["source"] == "party"
    assert "李小明" not in json.dumps(logged, ensure_ascii=False)
    # The way out is the exemption the code already has; it cannot be turned down on this ground.
    services.exemption_request(publication=pub, actor=d.editor, ground=ExemptionGround.MINOR, explanation="新增未成年当事人")
    with pytest.raises(ZhifaError):
        services.exemption_decide(publication=pub, actor=d.approver, approve=False, note="应当公开")
    assert services.exemption_decide(publication=pub, actor=d.approver, approve=True).state == State.EXEMPTED


@pytest.mark.req("PUB-06")
def test_an_age_in_the_text_blocks_submission(pubdesk):
    d = pubdesk
    pub = Publication.objects.get(case=decided_case(d, facts="当事人之子（十六周岁）在店内销售过期食品。"))
    with pytest.raises(ZhifaError) as e:
        services.publication_submit(publication=pub, actor=d.editor)
    assert e.value.code == "publicity_party_is_minor" and "十六周岁" in e.value.message
    assert _found(pub)[0]["findings"][0]["source"] == "text"


@pytest.mark.req("PUB-06")
def test_an_age_in_the_text_blocks_approval(pubdesk):
    d = pubdesk
    pub = Publication.objects.get(case=decided_case(d))
    services.publication_submit(publication=pub, actor=d.editor)
    # As if the text had been taken again with the age in it after submission.
    Publication.objects.filter(pk=pub.pk).update(original_text=pub.original_text + "\n当事人未满十八周岁。")
    with pytest.raises(ZhifaError) as e:
        services.publication_approve(publication=pub, actor=d.approver)
    assert e.value.code == "publicity_party_is_minor" and "未满十八周岁" in e.value.message


@pytest.mark.req("PUB-06")
def test_republication_rechecks(pubdesk):
    d = pubdesk
    case = decided_case(d)
    v1 = Publication.objects.get(case=case)
    services.publication_submit(publication=v1, actor=d.editor)
    v1 = services.publication_approve(publication=v1, actor=d.approver)
    v2 = services.decision_collect(case=case, actor=d.editor, decided_on=v1.decided_on, supersedes=v1,
                                   update_reason=UpdateReason.CORRECTION)
    services.publication_submit(publication=v2, actor=d.editor)
    _add_minor(d, case)
    with pytest.raises(ZhifaError) as e:
        services.publication_approve(publication=v2, actor=d.approver)
    assert e.value.code == "publicity_party_is_minor"
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert v2.state == State.SUBMITTED and v2.minor_party and _found(v2)
    assert v1.state == State.PUBLISHED  # unchanged here; taking it down is the withdrawal's decision
