"""Joint decisions: the lead agency organises the review, the others take part and sign (REV-10)."""

import pytest

from zhifa.cases import services as case_services
from zhifa.cases.models import Stage
from zhifa.core.errors import PermissionDeniedError, ZhifaError
from zhifa.core.permissions import Role
from zhifa.org.tests.factories import UserFactory, grant
from zhifa.review import selectors, services
from zhifa.review.workflow import State

from .conftest import agree, assigned, decision_case, determine


@pytest.mark.req("REV-10")
@pytest.mark.django_db
def test_a_joint_decision_passes_when_every_agency_has_signed(client, desk, office, tree):
    partner = tree.agency_a2
    partner_head = grant(UserFactory(username="rh_a2"), Role.REVIEW_HEAD, agency=partner)
    case = decision_case(desk)
    with pytest.raises(ZhifaError):  # not itself
        determine(case, desk, joint_agencies=[desk.agency.pk])
    determine(case, desk, joint_agencies=[partner.pk])
    review = assigned(services.review_submit(case=case, actor=desk.officer), office)
    assert selectors.review_get_for(actor=partner_head, case=case) == review  # the partner takes part
    client.force_login(partner_head)
    assert client.get(f"/api/review/cases/{case.pk}").status_code == 200
    agree(review, office)
    review.refresh_from_db()
    assert review.state == State.JOINT_SIGNING
    with pytest.raises(ZhifaError):
        case_services.case_advance(case=case, actor=desk.head)
    with pytest.raises(PermissionDeniedError):  # the lead agency does not sign for its partner
        services.cosign(review=review, agency=partner, concur=True, actor=office.review_head)
    with pytest.raises(ZhifaError):
        services.cosign(review=review, agency=tree.agency_b1, concur=True,
                        actor=grant(UserFactory(), Role.REVIEW_HEAD, agency=tree.agency_b1))
    services.cosign(review=review, agency=partner, concur=True, note="同意", actor=partner_head)
    review.refresh_from_db()
    assert review.state == State.PASSED
    assert case_services.case_advance(case=case, actor=desk.head).stage == Stage.SERVICE_ENFORCEMENT


@pytest.mark.req("REV-10")
@pytest.mark.django_db
def test_a_dissenting_partner_sends_the_opinion_back(desk, office, tree):
    partner = tree.agency_a2
    partner_head = grant(UserFactory(username="rh_a2"), Role.REVIEW_HEAD, agency=partner)
    case = decision_case(desk)
    determine(case, desk, joint_agencies=[partner.pk])
    review = assigned(services.review_submit(case=case, actor=desk.officer), office)
    agree(review, office)
    with pytest.raises(ZhifaError):
        services.cosign(review=review, agency=partner, concur=False, actor=partner_head)  # a dissent gives reasons
    services.cosign(review=review, agency=partner, concur=False, note="罚款数额超出我局裁量基准", actor=partner_head)
    review.refresh_from_db()
    assert review.state == State.SUBMITTED
    agree(review, office)
    services.cosign(review=review, agency=partner, concur=True, actor=partner_head)
    review.refresh_from_db()
    assert review.state == State.PASSED


@pytest.mark.req("REV-10")
@pytest.mark.django_db
def test_other_agencies_do_not_see_the_review(client, desk, office, tree):
    case = decision_case(desk)
    determine(case, desk)
    services.review_submit(case=case, actor=desk.officer)
    outsider = grant(UserFactory(), Role.REVIEW_HEAD, agency=tree.agency_b1)
    client.force_login(outsider)
    assert client.get(f"/api/review/cases/{case.pk}").status_code == 404
    assert client.get(f"/review/cases/{case.pk}/").status_code == 404
