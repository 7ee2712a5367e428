"""The review page's forms read the input; the services and the table decide (issue 17). Input the page cannot
read is answered with the page's Chinese message and writes nothing; the page comes back (400) with what was
typed (issue 18 §4)."""

import pytest
from django.contrib.messages import get_messages
from django.http import QueryDict

from zhifa.review import forms
from zhifa.review.models import Assignment, Catalogue, CoSignature, Recusal, Review, Step
from zhifa.review.workflow import MOVES, State

from .conftest import assigned, submitted


def _messages(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request)]


def _written(review) -> tuple[int, int, int, int]:
    return (Step.objects.filter(review=review).count(), Recusal.objects.count(), CoSignature.objects.count(),
            Assignment.objects.filter(review=review).count())


def test_every_form_makes_a_move_of_the_table():
    """The table is the only place a move exists: a form names one of its moves, or none (the determination,
    which precedes the review)."""
    assert {f.move for f in forms.ACTIONS.values()} - {""} <= set(MOVES)
    assert [a for a, f in forms.ACTIONS.items() if not f.move] == ["determine"]


@pytest.mark.req("REV-06")
@pytest.mark.django_db
def test_a_pause_with_an_unreadable_date_is_refused_and_nothing_written(client, desk, office):
    review = assigned(submitted(desk, office), office)
    before = _written(review)
    client.force_login(office.reviewer_user)
    response = client.post(f"/review/cases/{review.case_id}/pause/",
                           {"kind": "supplement", "reason": "缺少营业执照复印件", "due_date": "2026/10/09"})
    assert response.status_code == 400  # the page again, with what was typed (issue 18 §4)
    assert _messages(response) == ["输入不完整或格式有误（日期应为 年-月-日）。"]
    assert Review.objects.get(pk=review.pk).state == State.SUBMITTED and _written(review) == before


@pytest.mark.req("REV-11")
@pytest.mark.django_db
@pytest.mark.parametrize(("value", "message"), [("999999", "所选对象不存在。"), ("", "所选对象不存在。"),
                                                ("一", "输入不完整或格式有误（日期应为 年-月-日）。")])
def test_a_recusal_of_no_assignment_of_this_review_is_refused(client, desk, office, value, message):
    review = assigned(submitted(desk, office), office)
    before = _written(review)
    client.force_login(office.review_head)
    response = client.post(f"/review/cases/{review.case_id}/recuse/", {"assignment": value, "reason": "近亲属"})
    assert response.status_code == 400 and _messages(response) == [message]
    assert _written(review) == before


@pytest.mark.req("REV-10")
@pytest.mark.django_db
def test_a_cosignature_for_an_agency_that_is_not_there_is_refused(client, desk, office):
    review = assigned(submitted(desk, office), office)
    before = _written(review)
    client.force_login(office.reviewer_user)
    response = client.post(f"/review/cases/{review.case_id}/cosign/", {"agency": "abc", "concur": "yes"})
    assert response.status_code == 400 and _messages(response) == ["输入不完整或格式有误（日期应为 年-月-日）。"]
    assert _written(review) == before


@pytest.mark.req("REV-03")
@pytest.mark.django_db
def test_an_assignment_of_an_unreadable_person_is_refused(client, desk, office):
    review = submitted(desk, office)
    client.force_login(office.review_head)
    response = client.post(f"/review/cases/{review.case_id}/assign/", {"person": "1; drop table"})
    assert response.status_code == 400 and _messages(response) == ["输入不完整或格式有误（日期应为 年-月-日）。"]
    assert not Assignment.objects.filter(review=review).exists()


@pytest.mark.django_db
def test_the_forms_clean_what_the_services_read(desk, office):
    """Typed values for the services: a date, yes/no answers, amounts without separators, lists as posted."""
    review = submitted(desk, office)
    pause = forms.PauseForm({"kind": "supplement", "reason": " 缺材料 ", "due_date": "2026-10-09"}, case=review.case,
                            review=review)
    assert pause.is_valid() and str(pause.cleaned_data["due_date"]) == "2026-10-09"
    assert pause.cleaned_data["reason"] == " 缺材料 "  # as typed: what an empty reason is, the service says
    assert forms.PauseForm({}, case=review.case, review=review).is_valid()  # no date is no date
    data = QueryDict("fine_amount=12,000&measures=a&measures=b&collective_discussion=on")
    determine = forms.DetermineForm(data, case=review.case, review=None)
    assert determine.is_valid()
    assert determine.cleaned_data["fine_amount"] == "12000" and determine.cleaned_data["property_value"] == "0"
    assert determine.cleaned_data["measures"] == ["a", "b"] and determine.cleaned_data["collective_discussion"]
    decision = forms.ExtensionDecisionForm({"approve": "no"}, case=review.case, review=review)
    assert decision.is_valid() and decision.cleaned_data["approve"] is False


@pytest.mark.req("REV-02")
@pytest.mark.django_db
@pytest.mark.parametrize(("agency", "effective_from", "message"), [
    (None, "2026-01-01", "请选择本机关。"), ("abc", "2026-01-01", "请选择本机关。"),
    ("own", "", "请填写施行日期。"), ("own", "2026/01/01", "请填写施行日期。")])
def test_a_catalogue_without_its_agency_or_date_is_refused_and_nothing_written(client, desk, office, agency,
                                                                               effective_from, message):
    client.force_login(office.head)
    data = {"effective_from": effective_from, "action_type_0": "penalty", "matter_0": "吊销营业执照事项",
            "criterion_0": "measure", "measure_0": "revoke_licence"}
    if agency is not None:
        data["agency"] = desk.agency.pk if agency == "own" else agency
    response = client.post("/review/catalogues/", data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Catalogue.objects.exists()


@pytest.mark.req("REV-02")
@pytest.mark.django_db
def test_the_catalogue_form_reads_the_rows_typed(desk):
    form = forms.CatalogueForm({"agency": str(desk.agency.pk), "effective_from": "2026-01-01", "matter_0": "甲",
                                "criterion_0": "fine_at_least", "amount_0": "", "matter_3": "  ", "matter_7": "乙",
                                "collective_7": "on", "review_all_ordinary": "on"})
    assert form.is_valid()
    items = form.cleaned_data["items"]
    assert [i["matter"] for i in items] == ["甲", "乙"] and items[0]["amount"] is None
    assert items[1]["collective_discussion"] and form.cleaned_data["review_all_ordinary"]
