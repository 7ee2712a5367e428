"""Suspending (暂扣) an enforcement certificate and lifting the suspension (ORG-03): recorded by the justice bureau,
logged, never edited or deleted, and respected by every count and check of who may enforce."""

import datetime as dt
import json

import pytest

from zhifa.core.errors import PermissionDeniedError, ZhifaError
from zhifa.core.models import ApiToken
from zhifa.ledger.models import Entry
from zhifa.org import selectors, services
from zhifa.org.models import CertificateSuspension, Field
from zhifa.org.tests.factories import CertificateFactory, PersonFactory

D = dt.date


@pytest.fixture
def cert(tree):
    person = PersonFactory(agency=tree.agency_a1, name="暂扣员")
    return CertificateFactory(person=person, number="T-SUS-1", category=Field.MARKET, area=tree.a1,
                              valid_from=D(2025, 1, 1), valid_to=D(2027, 12, 31))


def _eligible(cert, tree, on):
    return selectors.officer_eligibility(cert.person, field=Field.MARKET, jurisdiction=tree.a1, on=on)


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_a_suspension_covers_its_days_and_names_the_certificate(cert, tree, users):
    """Suspended from 1 June through 30 June: the day before and the day after are fine, every day in between is
    refused with the certificate's number and the reason."""
    services.certificate_suspend(certificate=cert, starts_on=D(2026, 6, 1), ends_on=D(2026, 6, 30),
                                 reason="涉嫌违规执法，暂扣审查", actor=users.county_a1_supervisor)
    assert _eligible(cert, tree, D(2026, 5, 31)).ok and _eligible(cert, tree, D(2026, 7, 1)).ok
    for day in (D(2026, 6, 1), D(2026, 6, 15), D(2026, 6, 30)):
        result = _eligible(cert, tree, day)
        assert not result.ok and result.code == "officer_certificate_suspended"
        assert "执法证 T-SUS-1 已暂扣" in result.message and "涉嫌违规执法" in result.message
    # the counts of certified officers agree with the check (valid_certificate_q)
    people = selectors.person_list_for(actor=users.county_a1_supervisor, certified_on=D(2026, 6, 15))
    assert cert.person not in people
    assert cert.person in selectors.person_list_for(actor=users.county_a1_supervisor, certified_on=D(2026, 7, 1))


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_lifting_is_recorded_once_and_the_suspension_row_stays(cert, tree, users):
    sup = users.county_a1_supervisor
    suspension = services.certificate_suspend(certificate=cert, starts_on=D(2026, 6, 1), reason="暂扣审查", actor=sup)
    assert not _eligible(cert, tree, D(2027, 1, 1)).ok  # open-ended until lifted
    services.certificate_suspension_lift(suspension=suspension, lifted_on=D(2026, 6, 10), reason="审查结束", actor=sup)
    assert not _eligible(cert, tree, D(2026, 6, 9)).ok and _eligible(cert, tree, D(2026, 6, 10)).ok
    with pytest.raises(ZhifaError) as exc:
        services.certificate_suspension_lift(suspension=suspension, lifted_on=D(2026, 6, 20), reason="再次", actor=sup)
    assert exc.value.code == "certificate_suspension_already_lifted"
    row = CertificateSuspension.objects.get()
    assert (row.starts_on, row.reason, row.lifted_on, row.lift_reason) == (D(2026, 6, 1), "暂扣审查", D(2026, 6, 10), "审查结束")
    kinds = list(Entry.objects.filter(subject="org.certificate:T-SUS-1").order_by("id").values_list("kind", "payload"))
    assert [k for k, _ in kinds][-2:] == ["org.certificate_suspended", "org.certificate_suspension_lifted"]
    assert json.loads(kinds[-1][1])["lifted_on"] == "2026-06-10"


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_suspension_is_refused_without_reason_overlapping_or_by_someone_who_does_not_manage_certificates(cert, users):
    sup = users.county_a1_supervisor
    for kw, code in [({"reason": " "}, "certificate_suspension_invalid"),
                     ({"ends_on": D(2026, 5, 1)}, "certificate_suspension_invalid")]:
        with pytest.raises(ZhifaError) as exc:
            services.certificate_suspend(certificate=cert, starts_on=D(2026, 6, 1), actor=sup, **({"reason": "审查"} | kw))
        assert exc.value.code == code
    services.certificate_suspend(certificate=cert, starts_on=D(2026, 6, 1), ends_on=D(2026, 6, 30), reason="审查",
                                 actor=sup)
    with pytest.raises(ZhifaError) as exc:
        services.certificate_suspend(certificate=cert, starts_on=D(2026, 6, 30), reason="再审查", actor=sup)
    assert exc.value.code == "certificate_suspension_overlaps"
    assert services.certificate_suspend(certificate=cert, starts_on=D(2026, 7, 1), reason="再审查", actor=sup)
    for actor in (users.head_a1, users.officer_a1):  # the agency itself does not withhold its officers' certificates
        with pytest.raises(PermissionDeniedError):
            services.certificate_suspend(certificate=cert, starts_on=D(2026, 9, 1), reason="审查", actor=actor)
    assert CertificateSuspension.objects.count() == 2


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_suspending_and_lifting_through_the_api(client, cert, users, tree):
    _row, raw = ApiToken.issue(user=users.county_a1_supervisor, name="测试")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    response = client.post(f"/api/org/certificates/{cert.pk}/suspensions",
                           {"starts_on": "2026-06-01", "reason": "涉嫌违规执法"}, content_type="application/json",
                           **headers)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["certificate_number"] == "T-SUS-1" and body["ends_on"] is None and body["lifted_on"] is None
    again = client.post(f"/api/org/certificates/{cert.pk}/suspensions", {"starts_on": "2026-07-01", "reason": "再审查"},
                        content_type="application/json", **headers)
    assert again.status_code == 400 and again.json()["code"] == "certificate_suspension_overlaps"
    eligibility = client.get(f"/api/org/people/{cert.person_id}/eligibility?field=market&jurisdiction={tree.a1.code}"
                             "&on=2026-06-02", **headers).json()
    assert eligibility["code"] == "officer_certificate_suspended" and eligibility["certificate_number"] == "T-SUS-1"
    lifted = client.post(f"/api/org/certificate-suspensions/{body['id']}/lift",
                         {"lifted_on": "2026-06-05", "reason": "审查结束"}, content_type="application/json", **headers)
    assert lifted.status_code == 200 and lifted.json()["lifted_on"] == "2026-06-05"
    detail = client.get(f"/api/org/people/{cert.person_id}", **headers).json()
    assert detail["certificates"][0]["suspensions"][0]["lift_reason"] == "审查结束"

    # an agency head may read the person but not suspend; someone else's supervisor gets the uniform 404
    _row, raw = ApiToken.issue(user=users.head_a1, name="测试")
    denied = client.post(f"/api/org/certificates/{cert.pk}/suspensions", {"starts_on": "2026-09-01", "reason": "审查"},
                         content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
    from zhifa.core.permissions import Role
    from zhifa.org.tests.factories import UserFactory, grant
    stranger = grant(UserFactory(username="sup_b1"), Role.SUPERVISOR, jurisdiction=tree.b1)
    _row, raw = ApiToken.issue(user=stranger, name="测试")
    hidden = client.post(f"/api/org/certificates/{cert.pk}/suspensions", {"starts_on": "2026-09-01", "reason": "审查"},
                         content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert hidden.status_code == 404
    assert CertificateSuspension.objects.count() == 1


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_the_person_page_shows_the_suspension(client, cert, users):
    services.certificate_suspend(certificate=cert, starts_on=D(2020, 1, 1), reason="涉嫌违规执法，暂扣审查",
                                 actor=users.county_a1_supervisor)
    client.force_login(users.head_a1)
    page = client.get(f"/org/people/{cert.person_id}/").content.decode()
    assert "已暂扣" in page and "涉嫌违规执法，暂扣审查" in page and "2020-01-01" in page
