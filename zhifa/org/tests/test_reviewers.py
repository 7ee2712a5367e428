"""Legal review staff: separate unit, qualification, the 5 % ratio, pooled advisers (ORG-04)."""

import datetime as dt

import pytest

from zhifa.core.errors import PermissionDeniedError, ZhifaError
from zhifa.org import selectors, services
from zhifa.org.models import Field, UnitKind
from zhifa.org.tests.factories import (
    AdviserFactory,
    AgencyFactory,
    CertificateFactory,
    PersonFactory,
    UnitFactory,
)

D = dt.date


@pytest.mark.req("ORG-04")
@pytest.mark.django_db
def test_reviewer_sits_in_the_review_unit_and_holds_the_qualification(staffed_agency, users):
    """IM-M §27: a separate review unit; IM-M §28: a first-time reviewer holds the legal qualification."""
    agency = staffed_agency.agency
    with pytest.raises(ZhifaError) as exc:
        services.person_create(agency=agency, name="甲", unit=staffed_agency.handling, is_reviewer=True,
                               legal_qualification_number="A1", actor=users.head_a1)
    assert exc.value.code == "reviewer_not_in_review_unit"
    with pytest.raises(ZhifaError) as exc:
        services.person_create(agency=agency, name="乙", unit=staffed_agency.review, is_reviewer=True, actor=users.head_a1)
    assert exc.value.code == "reviewer_not_qualified"
    ok = services.person_create(agency=agency, name="丙", unit=staffed_agency.review, is_reviewer=True,
                                legal_qualification_number="A201699999999", actor=users.head_a1)
    assert ok.is_reviewer and ok.has_legal_qualification
    with pytest.raises(ZhifaError) as exc:
        services.person_update(person=ok, legal_qualification_number="", actor=users.head_a1)
    assert exc.value.code == "reviewer_not_qualified"


@pytest.mark.req("ORG-04")
@pytest.mark.django_db
def test_unit_of_another_agency_is_refused(staffed_agency, tree, users):
    foreign_unit = UnitFactory(agency=tree.agency_a2)
    with pytest.raises(ZhifaError) as exc:
        services.person_create(agency=staffed_agency.agency, name="丁", unit=foreign_unit, actor=users.head_a1)
    assert exc.value.code == "unit_agency_mismatch"


@pytest.mark.req("ORG-04")
@pytest.mark.django_db
def test_reviewer_ratio_is_five_percent_of_certified_officers(staffed_agency):
    """KY; AZ-V §7: reviewers not fewer than 5 % of the agency's officers. 1 of 20 meets it; 1 of 21 does not."""
    agency = staffed_agency.agency
    ratio = selectors.reviewer_ratio(agency)
    assert (ratio.reviewers, ratio.officers, ratio.required, ratio.meets) == (1, 20, 1, True)
    assert ratio.percent == "5.0%"
    CertificateFactory(person=PersonFactory(agency=agency, unit=staffed_agency.handling))
    ratio = selectors.reviewer_ratio(agency)
    assert (ratio.officers, ratio.required, ratio.meets) == (21, 2, False)


@pytest.mark.req("ORG-04")
@pytest.mark.django_db
def test_only_validly_certified_active_officers_count(staffed_agency):
    agency = staffed_agency.agency
    CertificateFactory(person=PersonFactory(agency=agency), valid_from=D(2018, 1, 1), valid_to=D(2020, 1, 1))  # expired
    PersonFactory(agency=agency)  # no certificate
    CertificateFactory(person=PersonFactory(agency=agency, active=False))  # left the post
    assert selectors.reviewer_ratio(agency, on=D(2026, 6, 1)).officers == 20
    # A reviewer outside the review unit does not count as one.
    PersonFactory(agency=agency, is_reviewer=True, unit=staffed_agency.handling)
    assert selectors.reviewer_ratio(agency).reviewers == 1


@pytest.mark.req("ORG-04")
@pytest.mark.django_db
def test_agency_without_officers_has_no_ratio(tree):
    ratio = selectors.reviewer_ratio(AgencyFactory(jurisdiction=tree.a1))
    assert ratio.ratio is None and ratio.required == 0 and ratio.meets and ratio.percent == "—"


@pytest.mark.req("ORG-04")
@pytest.mark.django_db
def test_pooled_adviser_is_lent_within_the_system_and_the_pool(tree, users):
    """KY; IM-P: legal advisers and public lawyers are pooled and lent within a system."""
    adviser = AdviserFactory(field=Field.MARKET, pool_jurisdiction=tree.city_a)
    loan = services.adviser_lend(adviser=adviser, agency=tree.agency_a1, starts_on=D(2026, 6, 1), ends_on=D(2026, 8, 31),
                                 reason="协助审核", actor=users.head_a1)
    assert list(selectors.advisers_on_loan_to(tree.agency_a1, on=D(2026, 7, 1))) == [loan]
    assert list(selectors.advisers_on_loan_to(tree.agency_a1, on=D(2026, 9, 1))) == []
    assert adviser in selectors.advisers_lendable_to(tree.agency_a1)
    assert adviser not in selectors.advisers_lendable_to(tree.agency_b1)


@pytest.mark.req("ORG-04")
@pytest.mark.django_db
def test_adviser_loan_refusals(tree, users):
    adviser = AdviserFactory(field=Field.MARKET, pool_jurisdiction=tree.city_a)
    env_agency = AgencyFactory(jurisdiction=tree.a1, field=Field.ENVIRONMENT)
    cases = [
        (dict(agency=env_agency), "adviser_wrong_field", users.su),
        (dict(agency=tree.agency_b1), "adviser_out_of_pool", users.su),
        (dict(agency=tree.agency_a1, ends_on=D(2026, 5, 1)), "loan_period_invalid", users.head_a1),
    ]
    for overrides, code, actor in cases:
        kwargs = dict(adviser=adviser, agency=tree.agency_a1, starts_on=D(2026, 6, 1), ends_on=D(2026, 8, 31),
                      reason="协助审核", actor=actor) | overrides
        with pytest.raises(ZhifaError) as exc:
            services.adviser_lend(**kwargs)
        assert exc.value.code == code
    with pytest.raises(PermissionDeniedError):
        services.adviser_lend(adviser=adviser, agency=tree.agency_a2, starts_on=D(2026, 6, 1), ends_on=D(2026, 8, 31),
                              reason="越权", actor=users.head_a1)
    adviser.active = False
    adviser.save()
    with pytest.raises(ZhifaError) as exc:
        services.adviser_lend(adviser=adviser, agency=tree.agency_a1, starts_on=D(2026, 6, 1), ends_on=D(2026, 8, 31),
                              reason="协助", actor=users.su)
    assert exc.value.code == "adviser_inactive"
    assert UnitKind.REVIEW  # the review unit kind exists for the reviewers above


@pytest.mark.req("ORG-04")
@pytest.mark.django_db
def test_shortfall_list_agrees_with_the_ratio_and_is_scoped(staffed_agency, tree, users):
    """The supervisor's list of agencies below 5 % is computed in SQL; it must agree with reviewer_ratio()."""
    assert list(selectors.reviewer_shortfall_for(actor=users.city_a_supervisor)) == []  # 1 of 20 meets
    CertificateFactory(person=PersonFactory(agency=staffed_agency.agency, unit=staffed_agency.handling))
    assert not selectors.reviewer_ratio(staffed_agency.agency).meets
    assert list(selectors.reviewer_shortfall_for(actor=users.city_a_supervisor)) == [staffed_agency.agency]
    assert list(selectors.reviewer_shortfall_for(actor=users.county_a1_supervisor)) == [staffed_agency.agency]
    other = AgencyFactory(jurisdiction=tree.b1)
    CertificateFactory(person=PersonFactory(agency=other))  # 1 officer, 0 reviewers
    assert other not in selectors.reviewer_shortfall_for(actor=users.city_a_supervisor)
    assert other in selectors.reviewer_shortfall_for(actor=users.region_supervisor)
