"""M04: enforcement by an officer without a certificate in force that day, or with fewer than two certified officers
on site (《行政处罚法》第四十二条; IM-M §8)."""

import datetime as dt

import pytest
from django.utils import timezone

from zhifa.core.testing import query_count
from zhifa.org.models import CertificateSuspension
from zhifa.org.tests.factories import CertificateFactory, PersonFactory
from zhifa.supervision.problems.m04_officers import OfficersCertified
from zhifa.supervision.registry import REGISTRY, Level

from . import s3_world as w

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-04")]
MODEL = OfficersCertified()


def day():
    return timezone.localdate() - dt.timedelta(days=10)


def run(today=None, **kw):
    return w.levels(MODEL.evaluate(w.context(MODEL, today or timezone.localdate(), **kw)))


def officer(desk, *, valid_from=None, valid_to=None, **cert):
    person = PersonFactory(agency=desk.agency, unit=desk.unit)
    CertificateFactory(person=person, valid_from=valid_from or day() - dt.timedelta(days=300),
                       valid_to=valid_to or day() + dt.timedelta(days=300), **({"area": desk.place} | cert))
    return person


def inspection(desk, officers, *, form="inspection_record", on=None):
    case = w.case(desk, opened=(on or day()) - dt.timedelta(days=1), action_type="inspection", stage="investigation")
    w.document(desk, case, form, w.on_site(desk, w.at(on or day()), officers=officers), w.at(on or day(), 15))
    return case


def test_registered_with_its_basis_and_triggers():
    assert REGISTRY["M04"] is not None and "第四十二条" in OfficersCertified.basis
    assert {"cases.document_recorded", "cases.document_corrected", "records.recording_uploaded"} <= set(
        OfficersCertified.triggers)


def test_planted_expired_certificate_alarms_and_clean_control_does_not(desk):
    """Planted: an inspection record names an officer whose certificate expired the day before the inspection.
    Control: the same record by the desk's two certified officers."""
    lapsed = officer(desk, valid_to=day() - dt.timedelta(days=1))
    bad = inspection(desk, [desk.officers[0], lapsed])
    good = inspection(desk, desk.officers)
    hits = list(MODEL.evaluate(w.context(MODEL, timezone.localdate())))
    assert w.levels(hits) == {bad.pk: Level.ALARM}
    assert "过期" in hits[0].detail and lapsed.name in hits[0].detail
    # One uncertified of two: also fewer than two certified officers on site.
    assert {p["problem"] for p in hits[0].evidence["problems"]} == {"uncertified", "too_few"}
    assert good.pk not in w.levels(hits)


def test_boundary_certificate_valid_through_the_day_of_work(desk):
    """Valid to the very day of the work: in force. Valid from the next day: not yet."""
    last_day = inspection(desk, [desk.officers[0], officer(desk, valid_to=day())])
    not_yet = inspection(desk, [desk.officers[0], officer(desk, valid_from=day() + dt.timedelta(days=1))])
    assert run() == {not_yet.pk: Level.ALARM}
    assert last_day.pk not in run()


def test_suspension_covering_the_day_counts_and_a_lift_on_the_day_restores(desk):
    suspended, lifted = officer(desk), officer(desk)
    CertificateSuspension.objects.create(certificate=suspended.certificates.get(), starts_on=day(), reason="违纪调查")
    CertificateSuspension.objects.create(certificate=lifted.certificates.get(), starts_on=day() - dt.timedelta(days=5),
                                         reason="违纪调查", lifted_on=day(), lift_reason="调查结束")
    bad = inspection(desk, [desk.officers[0], suspended])
    good = inspection(desk, [desk.officers[0], lifted])
    hits = run()
    assert hits == {bad.pk: Level.ALARM}
    assert good.pk not in hits


def test_a_revocation_counts_from_its_own_day(desk):
    """Work done before the certificate was revoked was done with a valid one; work on the day of revocation was not."""
    later, same_day = officer(desk), officer(desk)
    for person, when in ((later, day() + dt.timedelta(days=2)), (same_day, day())):
        cert = person.certificates.get()
        cert.revoked_at = w.at(when, 8)
        cert.save()
    clean = inspection(desk, [desk.officers[0], later])
    bad = inspection(desk, [desk.officers[0], same_day])
    assert run() == {bad.pk: Level.ALARM}
    assert clean.pk not in run()


def test_certificate_of_another_field_or_area_is_no_certificate_here(desk, tree):
    other_field = officer(desk, category="transport")
    other_area = officer(desk, area=tree.b1)
    a = inspection(desk, [desk.officers[0], other_field])
    b = inspection(desk, [desk.officers[0], other_area])
    hits = list(MODEL.evaluate(w.context(MODEL, timezone.localdate())))
    assert w.levels(hits) == {a.pk: Level.ALARM, b.pk: Level.ALARM}
    assert all("没有本执法类别、覆盖执法地点的执法证件" in h.detail for h in hits)


def test_fewer_than_two_on_site_but_one_officer_may_sign_an_office_form(desk):
    """On site (an inquiry record): two certified officers at least. A decision drafted in the office is no on-site
    action: one officer named is no defect of this model."""
    alone = inspection(desk, [desk.officers[0]], form="inquiry_record")
    office = w.case(desk, opened=day(), action_type="penalty")
    w.document(desk, office, "penalty_decision", {
        "time": w.at(day()).isoformat(), "place": "局机关", "officers": [desk.officers[0].pk], "target": "某某商店",
        "content": "作出处罚决定", "process": "审批", "facts": "…", "legal_basis": "…", "penalty": "警告",
        "remedies": "…"}, w.at(day(), 16))
    hits = list(MODEL.evaluate(w.context(MODEL, timezone.localdate())))
    assert w.levels(hits) == {alone.pk: Level.ALARM}
    assert "持证执法人员 1 人，少于 2 人" in hits[0].detail


def test_the_minimum_is_the_jurisdictions_parameter(desk):
    case = inspection(desk, desk.officers)
    assert run() == {}
    assert run(overrides={"min_officers_on_site": 3}) == {case.pk: Level.ALARM}


def test_a_correction_naming_certified_officers_clears_it(desk):
    lapsed = officer(desk, valid_to=day() - dt.timedelta(days=1))
    case = w.case(desk, opened=day(), action_type="inspection", stage="investigation")
    first = w.document(desk, case, "inspection_record", w.on_site(desk, w.at(day()), officers=[lapsed, desk.officers[0]]),
                       w.at(day(), 15))
    assert run() == {case.pk: Level.ALARM}
    w.document(desk, case, "inspection_record", w.on_site(desk, w.at(day())), w.at(day(), 17), supersedes=first)
    assert run() == {}


def test_a_recording_by_an_uncertified_officer(desk):
    lapsed = officer(desk, valid_to=day() - dt.timedelta(days=1))
    case = w.case(desk, opened=day(), action_type="coercion", stage="investigation")
    w.recording(desk, case, started=w.at(day()), uploaded=w.at(day(), 18), officer=lapsed, due=w.at(day() + dt.timedelta(days=1)))
    hits = list(MODEL.evaluate(w.context(MODEL, timezone.localdate())))
    assert w.levels(hits) == {case.pk: Level.ALARM} and "音像记录" in hits[0].detail


def test_narrowed_to_the_cases_and_agencies_of_the_run(desk, tree):
    lapsed = officer(desk, valid_to=day() - dt.timedelta(days=1))
    one, two = (inspection(desk, [desk.officers[0], lapsed]) for _ in range(2))
    assert run(case_ids={one.pk}) == {one.pk: Level.ALARM}
    assert run(agency_ids={tree.agency_b1.pk}) == {}
    assert run(agency_ids={desk.agency.pk}) == {one.pk: Level.ALARM, two.pk: Level.ALARM}


def test_bulk_queries_do_not_grow_with_cases(desk):
    lapsed = officer(desk, valid_to=day() - dt.timedelta(days=1))

    def count():
        return query_count(lambda: list(MODEL.evaluate(w.context(MODEL, timezone.localdate()))))

    for _ in range(2):
        inspection(desk, [desk.officers[0], lapsed])
    two = count()
    for _ in range(18):
        inspection(desk, [lapsed, PersonFactory(agency=desk.agency)])
    assert len(run()) == 20
    assert count() == two
