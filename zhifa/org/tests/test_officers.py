"""Certificates and who may be assigned enforcement work (ORG-03)."""

import datetime as dt

import pytest

from zhifa.core.errors import PermissionDeniedError, ZhifaError
from zhifa.org import selectors, services
from zhifa.org.models import Field
from zhifa.org.tests.factories import CertificateFactory, PersonFactory

D = dt.date


@pytest.fixture
def officer(tree):
    person = PersonFactory(agency=tree.agency_a1, name="持证员")
    CertificateFactory(person=person, number="T-CERT-1", category=Field.MARKET, area=tree.a1,
                       valid_from=D(2025, 1, 1), valid_to=D(2027, 12, 31))
    return person


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_valid_certificate_in_category_and_area_allows_assignment(officer, tree):
    result = selectors.officer_eligibility(officer, field=Field.MARKET, jurisdiction=tree.a1, on=D(2026, 6, 1))
    assert result.ok and result.certificate.number == "T-CERT-1"


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "place", "on", "code"),
    [
        (Field.MARKET, "a1", D(2028, 1, 1), "officer_certificate_expired"),
        (Field.MARKET, "a1", D(2024, 12, 31), "officer_certificate_expired"),  # not yet valid
        (Field.ENVIRONMENT, "a1", D(2026, 6, 1), "officer_wrong_category"),
        (Field.MARKET, "a2", D(2026, 6, 1), "officer_out_of_area"),
        (Field.MARKET, "city_a", D(2026, 6, 1), "officer_out_of_area"),  # a county certificate does not cover the city
    ],
)
def test_out_of_date_category_or_area_refuses_assignment(officer, tree, field, place, on, code):
    result = selectors.officer_eligibility(officer, field=field, jurisdiction=getattr(tree, place), on=on)
    assert not result.ok and result.code == code and result.message
    with pytest.raises(ZhifaError) as exc:
        selectors.officer_assert_eligible(officer, field=field, jurisdiction=getattr(tree, place), on=on)
    assert exc.value.code == code


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_city_certificate_covers_its_counties(tree):
    person = PersonFactory(agency=tree.agency_city_a)
    CertificateFactory(person=person, area=tree.city_a)
    assert selectors.officer_eligibility(person, field=Field.MARKET, jurisdiction=tree.a2, on=D(2026, 6, 1)).ok
    assert not selectors.officer_eligibility(person, field=Field.MARKET, jurisdiction=tree.b1, on=D(2026, 6, 1)).ok


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_no_certificate_or_inactive_officer_cannot_be_assigned(tree):
    uncertified = PersonFactory(agency=tree.agency_a1)
    assert selectors.officer_eligibility(uncertified, field=Field.MARKET, jurisdiction=tree.a1,
                                         on=D(2026, 6, 1)).code == "officer_not_certified"
    retired = PersonFactory(agency=tree.agency_a1, active=False)
    CertificateFactory(person=retired)
    assert selectors.officer_eligibility(retired, field=Field.MARKET, jurisdiction=tree.a1,
                                         on=D(2026, 6, 1)).code == "officer_inactive"


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_revoked_certificate_refuses_assignment(officer, tree, users):
    cert = officer.certificates.get()
    with pytest.raises(PermissionDeniedError):
        services.certificate_revoke(certificate=cert, reason="调离", actor=users.head_a1)
    services.certificate_revoke(certificate=cert, reason="调离执法岗位", actor=users.county_a1_supervisor)
    result = selectors.officer_eligibility(officer, field=Field.MARKET, jurisdiction=tree.a1, on=D(2026, 6, 1))
    assert result.code == "officer_certificate_expired"
    with pytest.raises(ZhifaError) as exc:
        services.certificate_revoke(certificate=cert, reason="再次", actor=users.county_a1_supervisor)
    assert exc.value.code == "certificate_already_revoked"


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_certificate_issue_checks_period_uniqueness_and_scope(officer, tree, users):
    person = PersonFactory(agency=tree.agency_a1)
    with pytest.raises(ZhifaError) as exc:
        services.certificate_issue(person=person, number="X1", category=Field.MARKET, area=tree.a1,
                                   valid_from=D(2026, 1, 2), valid_to=D(2026, 1, 1), actor=users.county_a1_supervisor)
    assert exc.value.code == "certificate_period_invalid"
    with pytest.raises(ZhifaError) as exc:
        services.certificate_issue(person=person, number="T-CERT-1", category=Field.MARKET, area=tree.a1,
                                   valid_from=D(2026, 1, 1), valid_to=D(2027, 1, 1), actor=users.county_a1_supervisor)
    assert exc.value.code == "duplicate"
    other = PersonFactory(agency=tree.agency_b1)
    with pytest.raises(PermissionDeniedError):
        services.certificate_issue(person=other, number="X2", category=Field.MARKET, area=tree.b1,
                                   valid_from=D(2026, 1, 1), valid_to=D(2027, 1, 1), actor=users.county_a1_supervisor)


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_expiring_certificates_are_listed_in_scope(tree, users):
    soon = CertificateFactory(person=PersonFactory(agency=tree.agency_a1), valid_to=D(2026, 6, 20))
    CertificateFactory(person=PersonFactory(agency=tree.agency_b1), valid_to=D(2026, 6, 20))
    listed = list(selectors.certificates_expiring_for(actor=users.county_a1_supervisor, within_days=30, on=D(2026, 6, 1)))
    assert listed == [soon]
