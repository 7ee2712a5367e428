"""Who may review (REV-03, REV-11, ORG-04)."""

import datetime as dt

import pytest

from zhifa.cases import services as case_services
from zhifa.core.errors import PermissionDeniedError, ZhifaError
from zhifa.core.models import SecurityEvent
from zhifa.org.models import Adviser, AdviserLoan
from zhifa.org.tests.factories import CertificateFactory, PersonFactory, UserFactory
from zhifa.review import services

from .conftest import agree, assigned, submitted


@pytest.mark.req("REV-03")
@pytest.mark.req("ORG-04")
@pytest.mark.django_db
def test_only_reviewers_of_the_review_unit_who_did_not_handle_the_case(desk, office):
    review = submitted(desk, office)
    with pytest.raises(ZhifaError) as exc:  # an officer of the handling unit
        services.reviewer_assign(review=review, person=desk.officers[0], actor=office.review_head)
    assert exc.value.code == "review_reviewer_ineligible"
    # An officer who took part in the case and moved to the review unit afterwards (a reviewer is never assigned
    # to a case: the case's gate refuses it, so the move comes after).
    handler = PersonFactory(agency=desk.agency, unit=desk.unit, is_reviewer=False, name="钱审核", user=UserFactory(),
                            legal_qualification_number="A2016")
    CertificateFactory(person=handler, area=desk.place, valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2030, 1, 1))
    case_services.officer_assign(case=review.case, person=handler, actor=desk.head)  # took part in the case
    type(handler).objects.filter(pk=handler.pk).update(unit=office.unit, is_reviewer=True)
    handler.refresh_from_db()
    with pytest.raises(ZhifaError) as exc:
        services.reviewer_assign(review=review, person=handler, actor=office.review_head)
    assert exc.value.code == "review_reviewer_handled_case"
    with pytest.raises(PermissionDeniedError):
        services.reviewer_assign(review=review, person=office.reviewer, actor=desk.head)
    assert services.reviewer_assign(review=review, person=office.reviewer, actor=office.review_head).first_time


@pytest.mark.req("ORG-04")
@pytest.mark.django_db
def test_a_first_time_reviewer_needs_the_legal_qualification(desk, office):
    review = submitted(desk, office)
    novice = PersonFactory(agency=desk.agency, unit=office.unit, is_reviewer=True, name="孙审核", user=UserFactory())
    with pytest.raises(ZhifaError) as exc:
        services.reviewer_assign(review=review, person=novice, actor=office.review_head)
    assert exc.value.code == "review_first_reviewer_unqualified" and "法律职业资格" in exc.value.message


@pytest.mark.req("ORG-04")
@pytest.mark.django_db
def test_a_legal_adviser_lent_to_the_agency_may_review(client, desk, office, tree):
    review = submitted(desk, office)
    user = UserFactory(username="lawyer")
    person = PersonFactory(agency=office.bureau, name="周律师", user=user)
    adviser = Adviser.objects.create(name="周律师", kind="public_lawyer", field=desk.agency.field, pool_jurisdiction=tree.region,
                                     legal_qualification_number="A2010", person=person)
    with pytest.raises(ZhifaError):  # not on loan
        services.reviewer_assign(review=review, adviser=adviser, actor=office.review_head)
    AdviserLoan.objects.create(adviser=adviser, agency=desk.agency, starts_on=dt.date(2020, 1, 1),
                               ends_on=dt.date(2099, 1, 1), reason="法制审核力量不足", approved_by=office.head)
    services.reviewer_assign(review=review, adviser=adviser, actor=office.review_head)
    client.force_login(user)  # no role in the agency: the assignment is the way in
    assert "出具审核意见" in client.get(f"/review/cases/{review.case_id}/").content.decode()
    services.opinion_record(review=review, kind="agree", text="同意", actor=user,
                            checklist={c: {"finding": "ok"} for c in review.rules["items"]})


@pytest.mark.req("REV-11")
@pytest.mark.django_db
def test_a_reviewer_with_a_direct_interest_recuses_and_cannot_sign(desk, office):
    review = assigned(submitted(desk, office), office)
    assignment = review.assignments.get()
    with pytest.raises(ZhifaError) as exc:
        services.recusal_record(assignment=assignment, reason="", actor=office.reviewer_user)
    assert exc.value.code == "review_reason_required"
    recusal = services.recusal_record(assignment=assignment, reason="当事人系本人近亲属", actor=office.reviewer_user)
    assert recusal.reason == "当事人系本人近亲属" and recusal.entry_id
    with pytest.raises(PermissionDeniedError):
        agree(review, office)
    assert SecurityEvent.objects.filter(permission="review.opinion").exists()
    with pytest.raises(PermissionDeniedError):  # only an assigned reviewer signs, not the unit's head
        services.opinion_record(review=review, kind="agree", checklist={}, text="同意", actor=office.review_head)


@pytest.mark.req("REV-11")
@pytest.mark.django_db
def test_a_recusal_that_commits_while_the_opinion_is_being_signed_wins(desk, office, monkeypatch):
    """The assignment is read before the review's lock (to refuse strangers first) and read again under it: a
    recusal committed in between — simulated by a stale first read — stops the opinion (hostile review, issue 17)."""
    from zhifa.review.models import Opinion
    from zhifa.review.services import opinions  # where opinion_record looks the name up

    review = assigned(submitted(desk, office), office)
    assignment = review.assignments.get()
    services.recusal_record(assignment=assignment, reason="当事人系本人近亲属", actor=office.reviewer_user)
    real = opinions._assignment_of
    calls = []

    def stale_first(review, actor):  # the read before the lock saw the assignment still active
        calls.append(actor)
        return assignment if len(calls) == 1 else real(review, actor)

    monkeypatch.setattr(opinions, "_assignment_of", stale_first)
    with pytest.raises(ZhifaError) as exc:
        agree(review, office)
    assert exc.value.code == "wrong_state" and "回避" in exc.value.message
    assert len(calls) == 2 and not Opinion.objects.filter(review=review).exists()
