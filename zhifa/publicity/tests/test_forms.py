"""The publicity pages' forms read the input; the services and the tables decide (issue 17). Input the page
cannot read is answered with the page's Chinese message and writes nothing."""

import pytest
from django.contrib.messages import get_messages

from zhifa.publicity import forms
from zhifa.publicity.models import AnnualReport, MaskRemoval, MaskRemovalRequest, Publication, Step
from zhifa.publicity.workflow import MOVES, REPORT_MOVES, State

from .conftest import decided_case


def _messages(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request)]


def _written(pub) -> tuple[int, int, int]:
    return Step.objects.filter(publication=pub).count(), MaskRemoval.objects.count(), MaskRemovalRequest.objects.count()


def test_every_form_of_a_move_names_a_move_of_the_table():
    """The tables are the only place a move exists: an item's form names a row of MOVES or none (masks, a new
    collection), a report's form a row of REPORT_MOVES."""
    assert {f.move for f in forms.ITEM_ACTIONS.values()} - {""} == set(MOVES) - {"supersede"}
    assert {f.move for f in forms.REPORT_ACTIONS.values()} == set(REPORT_MOVES)
    assert all(forms.ITEM_ACTIONS[name].move == name for name in set(MOVES) - {"supersede"})


@pytest.mark.req("PUB-05")
@pytest.mark.django_db
@pytest.mark.parametrize(("action", "field", "message"), [("mask_remove", "mask", "没有该隐去处理。"),
                                                          ("mask_removal_approve", "removal", "没有该取消隐去申请。"),
                                                          ("mask_removal_reject", "removal", "没有该取消隐去申请。")])
@pytest.mark.parametrize("value", ["999999", "", "x"])
def test_a_mask_that_is_not_the_items_is_refused_and_nothing_written(client, pubdesk, action, field, message,
                                                                     value):
    pub = Publication.objects.get(case=decided_case(pubdesk))
    before = _written(pub)
    client.force_login(pubdesk.approver)
    response = client.post(f"/publicity/items/{pub.pk}/{action}/", {field: value, "reason": "应当公开",
                                                                     "note": "同意"})
    assert response.status_code == 302 and response.url == f"/publicity/items/{pub.pk}/"
    assert _messages(response) == [message]
    assert _written(pub) == before and Publication.objects.get(pk=pub.pk).state == pub.state


@pytest.mark.django_db
def test_an_unknown_action_is_refused(client, pubdesk):
    pub = Publication.objects.get(case=decided_case(pubdesk))
    client.force_login(pubdesk.editor)
    response = client.post(f"/publicity/items/{pub.pk}/publish_now/", {})
    assert response.status_code == 302 and _messages(response) == ["未知的操作。"]
    assert Publication.objects.get(pk=pub.pk).state == State.COLLECTED


@pytest.mark.req("PUB-11")
@pytest.mark.django_db
@pytest.mark.parametrize("agency", ["", "abc", "999999"])
def test_a_report_for_no_agency_of_ones_own_is_refused(client, pubdesk, agency):
    client.force_login(pubdesk.users.head_a1)
    response = client.post("/publicity/reports/", {"agency": agency, "year": "2025"})
    assert response.status_code == 200 and "请选择机关。" in response.content.decode()
    assert not AnnualReport.objects.exists()


@pytest.mark.django_db
def test_the_forms_clean_what_the_services_read(pubdesk):
    pub = Publication.objects.get(case=decided_case(pubdesk))
    add = forms.MaskAddForm({"kind": "other", "text": "  过期 ", "reason": " 商业秘密"}, publication=pub)
    assert add.is_valid() and add.cleaned_data["text"] == "过期" and add.cleaned_data["reason"] == " 商业秘密"
    mask = pub.masks.first()
    remove = forms.MaskRemoveForm({"mask": str(mask.pk), "reason": "x"}, publication=pub)
    assert remove.is_valid() and remove.cleaned_data["mask"] == mask and remove.cleaned_data["legal_basis"] == ""
    report = forms.ReportComputeForm({"agency": str(pubdesk.agency.pk), "year": "1800"},
                                     agencies=type(pubdesk.agency).objects.all())
    assert report.is_valid() and report.cleaned_data["year"] == 0  # out of range: the service refuses it
