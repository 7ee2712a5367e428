"""A certificate suspension (暂扣) is append-only (STYLE habit 6, review18 finding 14): the one change a row ever
sees is its single lift, through the service; any other save, a delete, and bulk update/delete are refused."""

import datetime as dt

import pytest

from zhifa.core.errors import ZhifaError
from zhifa.org import services
from zhifa.org.models import LIFT_FIELDS, CertificateSuspension, Field
from zhifa.org.tests.factories import CertificateFactory, PersonFactory

D = dt.date


@pytest.fixture
def suspension(tree, users):
    person = PersonFactory(agency=tree.agency_a1, name="暂扣员")
    cert = CertificateFactory(person=person, number="T-AO-1", category=Field.MARKET, area=tree.a1,
                              valid_from=D(2025, 1, 1), valid_to=D(2027, 12, 31))
    return services.certificate_suspend(certificate=cert, starts_on=D(2026, 6, 1), ends_on=D(2026, 6, 30),
                                        reason="暂扣审查", actor=users.county_a1_supervisor)


def _refused(call):
    with pytest.raises(ZhifaError) as exc:
        call()
    assert exc.value.code == "append_only"
    assert "暂扣记录只能追加" in exc.value.message


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_other_fields_deletes_and_bulk_writes_are_refused(suspension):
    row = CertificateSuspension.objects.get(pk=suspension.pk)
    row.reason = "改写的原因"
    _refused(row.save)
    _refused(lambda: row.save(update_fields=["reason"]))
    row.ends_on = D(2026, 12, 31)  # a lift that also moves the planned end is still an edit of another field
    _refused(lambda: row.save(update_fields=[*LIFT_FIELDS, "ends_on"]))
    _refused(lambda: row.save(update_fields=list(LIFT_FIELDS)))  # "lift" without a lift date
    _refused(row.delete)
    _refused(lambda: CertificateSuspension.objects.filter(pk=row.pk).update(reason="x"))
    _refused(lambda: CertificateSuspension.objects.filter(pk=row.pk).update(lifted_on=D(2026, 6, 5)))
    _refused(lambda: CertificateSuspension.objects.filter(pk=row.pk).delete())
    stored = CertificateSuspension.objects.get(pk=row.pk)
    assert (stored.reason, stored.ends_on, stored.lifted_on) == ("暂扣审查", D(2026, 6, 30), None)


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_the_single_lift_is_allowed_once_and_only_once(suspension, users):
    services.certificate_suspension_lift(suspension=suspension, lifted_on=D(2026, 6, 10), reason="审查结束",
                                         actor=users.county_a1_supervisor)
    row = CertificateSuspension.objects.get(pk=suspension.pk)
    assert row.lifted_on == D(2026, 6, 10)
    row.lifted_on, row.lift_reason = D(2026, 6, 20), "再改一次"  # past the service's own check, the model refuses
    _refused(lambda: row.save(update_fields=list(LIFT_FIELDS)))
    assert CertificateSuspension.objects.get(pk=row.pk).lifted_on == D(2026, 6, 10)
