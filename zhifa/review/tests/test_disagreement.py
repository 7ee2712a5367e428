"""Disagreement goes to consultation, then to the head; collective discussion before the decision
(REV-08, REV-09)."""

import pytest
from django.utils import timezone

from zhifa.cases import services as case_services
from zhifa.cases.models import Stage
from zhifa.core.errors import PermissionDeniedError, ZhifaError
from zhifa.review import services
from zhifa.review.workflow import State

from .conftest import agree, assigned, checklist, decision_case, determine

MINUTES = {"participants": "执法大队队长、法制审核科科长", "minutes": "双方就裁量基准的适用交换意见"}


def refused(desk, office):
    case = decision_case(desk)
    determine(case, desk)
    review = assigned(services.review_submit(case=case, actor=desk.officer), office)
    services.opinion_record(review=review, kind="refuse", grounds=["basis_inaccurate"], text="依据不准确",
                            checklist=checklist(review, {"law_applied": "应适用第七十八条"}), actor=office.reviewer_user)
    return review


@pytest.mark.req("REV-08")
@pytest.mark.django_db
def test_no_agreement_goes_to_the_head_who_decides(desk, office):
    review = refused(desk, office)
    with pytest.raises(ZhifaError) as exc:
        services.response_record(review=review, adopt=False, actor=desk.head)  # an objection gives reasons
    assert exc.value.code == "review_reason_required"
    with pytest.raises(PermissionDeniedError):
        services.response_record(review=review, adopt=False, reasons="第七十七条适用于本案情形", actor=desk.officer)
    review = services.response_record(review=review, adopt=False, reasons="第七十七条适用于本案情形", actor=desk.head)
    assert review.state == State.CONSULTING
    review = services.consultation_record(review=review, outcome="no_agreement", actor=office.review_head, **MINUTES)
    assert review.state == State.HEAD_DECIDING
    with pytest.raises(PermissionDeniedError):
        services.head_decision_record(review=review, choice="proceed", reasons="按承办机构意见", actor=office.legal_head)
    review = services.head_decision_record(review=review, choice="proceed", reasons="经研究，第七十七条适用", actor=office.head)
    assert review.state == State.PASSED
    assert case_services.case_advance(case=review.case, actor=desk.head).stage == Stage.SERVICE_ENFORCEMENT
    assert [s.action for s in review.steps.all()] == ["submit", "opinion", "object", "consult_deadlock", "head_decide"]


@pytest.mark.req("REV-08")
@pytest.mark.django_db
def test_the_head_may_follow_the_review_unit_and_consultation_may_settle_it(desk, office):
    review = refused(desk, office)
    services.response_record(review=review, adopt=False, reasons="有不同意见", actor=desk.head)
    services.consultation_record(review=review, outcome="no_agreement", actor=desk.head, **MINUTES)
    review = services.head_decision_record(review=review, choice="adopt_opinion", reasons="依据确不准确", actor=office.head)
    assert review.state == State.NOT_TO_DECIDE
    with pytest.raises(ZhifaError):
        case_services.case_advance(case=review.case, actor=desk.head)
    other = refused(desk, office)
    services.response_record(review=other, adopt=False, reasons="有不同意见", actor=desk.head)
    other = services.consultation_record(review=other, outcome="opinion_withdrawn", actor=office.review_head, **MINUTES)
    assert other.state == State.PASSED


@pytest.mark.req("REV-09")
@pytest.mark.django_db
def test_collective_discussion_is_recorded_before_the_decision(desk, office):
    case = decision_case(desk)
    determine(case, desk, collective_discussion=True)
    review = assigned(services.review_submit(case=case, actor=desk.officer), office)
    agree(review, office)
    with pytest.raises(ZhifaError) as exc:
        case_services.case_advance(case=case, actor=desk.head)
    assert "集体讨论" in exc.value.message
    case_services.document_record(case=case, form="collective_discussion", actor=desk.officer, elements={
        "time": timezone.now().isoformat(), "place": "局会议室", "chair": "局长", "participants": "局领导班子成员",
        "discussion": "听取承办机构和法制审核机构意见", "conclusion": "同意罚款二十万元"})
    assert case_services.case_advance(case=case, actor=desk.head).stage == Stage.SERVICE_ENFORCEMENT
