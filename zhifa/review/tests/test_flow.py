"""A major penalty from determination to the signed decision (REV-01, REV-04, REV-07, REV-12)."""

import pytest

from zhifa.cases import services as case_services
from zhifa.cases.models import Stage
from zhifa.core.errors import ZhifaError
from zhifa.ledger.models import Entry
from zhifa.review import services
from zhifa.review.models import Review
from zhifa.review.workflow import State

from .conftest import agree, assigned, checklist, submitted


@pytest.mark.req("REV-01")
@pytest.mark.req("REV-12")
@pytest.mark.django_db
def test_a_major_penalty_is_decided_only_after_its_review_passed(desk, office):
    review = assigned(submitted(desk, office), office)
    case = review.case
    with pytest.raises(ZhifaError) as exc:
        case_services.case_advance(case=case, actor=desk.head)
    assert exc.value.code == "review_required"
    agree(review, office)
    review.refresh_from_db()
    assert review.state == State.PASSED and review.passed_at is not None
    case = case_services.case_advance(case=case, actor=desk.head)
    assert case.stage == Stage.SERVICE_ENFORCEMENT
    actors = {s.action: s.actor.username for s in Review.objects.get(pk=review.pk).steps.all()}
    assert actors == {"submit": "off_a1", "opinion": "rev_a1"}
    kinds = list(Entry.objects.filter(subject=f"cases.case:{case.pk}").values_list("kind", flat=True))
    assert {"review.determined", "review.submitted", "review.opinion", "review.opinion_given"} <= set(kinds)
    assert "review.step" not in kinds  # the generic kind of before issue 17 is no longer written


@pytest.mark.req("REV-07")
@pytest.mark.django_db
def test_a_correct_opinion_is_adopted_and_the_case_resubmitted(desk, office):
    review = assigned(submitted(desk, office), office)
    services.opinion_record(review=review, kind="correct", grounds=["discretion_improper"],
                            checklist=checklist(review, {"discretion": "罚款数额偏高"}), text="请按裁量基准调整",
                            actor=office.reviewer_user)
    review = services.response_record(review=review, adopt=True, actor=desk.head)
    assert review.state == State.TO_RESUBMIT
    draft = review.case.documents.get(form="penalty_decision")
    case_services.document_record(case=review.case, form="penalty_decision", supersedes=draft,
                                  correction_reason="按审核意见调整罚款", actor=desk.officer,
                                  elements=draft.elements | {"penalty": "罚款十万元"})
    review = services.review_resubmit(review=review, actor=desk.officer, note="已调整")
    assert review.round == 2 and review.state == State.SUBMITTED
    agree(review, office)
    case = case_services.case_advance(case=review.case, actor=desk.head)
    assert case.stage == Stage.SERVICE_ENFORCEMENT
