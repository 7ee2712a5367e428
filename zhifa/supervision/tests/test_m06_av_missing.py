"""M06: an on-site action the jurisdiction's AV list says must be recorded in full, without its recording once the
upload limit has run (IM-M §17, §19, §20; AZ-R §10–11, §14, §17)."""

import datetime as dt

import pytest

from zhifa.core.testing import query_count
from zhifa.rules.services import rule_version_create
from zhifa.supervision.problems.m06_av_missing import MandatoryAvMissing
from zhifa.supervision.registry import REGISTRY, Level

from . import s3_world as w

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-04")]
MODEL = MandatoryAvMissing()
DAY = dt.date(2026, 6, 10)


def run(today=DAY, **kw):
    return w.levels(MODEL.evaluate(w.context(MODEL, today, **kw)))


def seizure(desk, ends: dt.datetime, *, form="seizure_decision", minutes=30):
    """An on-site seizure (扣押: on the national mandatory list) that ended at `ends`."""
    case = w.case(desk, opened=ends.date() - dt.timedelta(days=3), action_type="coercion", stage="investigation")
    extra = {"items": "涉案车辆一辆", "legal_basis": "《行政强制法》第二十二条", "period": "三十日"} if form == "seizure_decision" else {}
    doc = w.document(desk, case, form, w.on_site(desk, ends - dt.timedelta(minutes=minutes), minutes=minutes, **extra),
                     ends + dt.timedelta(minutes=5))
    return case, doc


def test_registered_with_its_basis():
    assert REGISTRY["M06"] is not None and "国办发〔2018〕118号" in MandatoryAvMissing.basis
    assert "records.recording_uploaded" in MandatoryAvMissing.triggers


def test_planted_seizure_without_recording_alarms_and_recorded_control_does_not(desk):
    bad, _ = seizure(desk, w.at(DAY - dt.timedelta(days=2), 10))
    good, doc = seizure(desk, w.at(DAY - dt.timedelta(days=2), 10))
    w.recording(desk, good, started=w.at(DAY - dt.timedelta(days=2), 9, 30), minutes=30, document_=doc,
                uploaded=w.at(DAY - dt.timedelta(days=2), 12), due=w.at(DAY - dt.timedelta(days=1), 10))
    hits = list(MODEL.evaluate(w.context(MODEL, DAY)))
    assert w.levels(hits) == {bad.pk: Level.ALARM}
    assert "应当全程音像记录" in hits[0].detail and "尚无音像记录" in hits[0].detail


def test_boundary_warning_from_four_fifths_of_the_limit(desk):
    """No upload rule at the place (the national baseline sets none): 24 hours. The run judges at the end of its day
    (23:59:59): an action that ended 19.2 hours before (4/5 of 24) warns; one that ended a second later does not."""
    at_mark, _ = seizure(desk, w.at(DAY, 4, 47) + dt.timedelta(seconds=59))
    before, _ = seizure(desk, w.at(DAY, 4, 48))
    assert run() == {at_mark.pk: Level.WARNING}
    assert before.pk not in run()


def test_boundary_alarm_only_past_the_limit(desk):
    on_limit, _ = seizure(desk, w.at(DAY - dt.timedelta(days=1), 23, 59) + dt.timedelta(seconds=59))
    past, _ = seizure(desk, w.at(DAY - dt.timedelta(days=1), 23, 59) + dt.timedelta(seconds=58))
    assert run() == {on_limit.pk: Level.WARNING, past.pk: Level.ALARM}


def test_the_jurisdictions_two_working_days(desk):
    """AZ-R §17: two working days to the end of the last one. Ended on Thursday 4 June 2026: due Monday 8 June."""
    rule_version_create(key="recording.upload_limit", value={
        "unit": "working_days", "amount": 2, "remote": {"rule": "after_return", "unit": "working_days", "amount": 2}},
        effective_from=dt.date(2022, 7, 6), source="AZ-R 第十七条", jurisdiction=desk.place, actor=None)
    case, _ = seizure(desk, w.at(dt.date(2026, 6, 4), 10))
    assert run(dt.date(2026, 6, 5)) == {}
    assert run(dt.date(2026, 6, 8)) == {case.pk: Level.WARNING}
    assert run(dt.date(2026, 6, 9)) == {case.pk: Level.ALARM}


def test_an_activity_off_the_mandatory_list_needs_no_recording(desk):
    """An inspection (调查取证) is on the national list of what is recorded as circumstances require, not in full."""
    case = w.case(desk, opened=DAY - dt.timedelta(days=5), action_type="inspection", stage="investigation")
    w.document(desk, case, "inspection_record", w.on_site(desk, w.at(DAY - dt.timedelta(days=3), 9)),
               w.at(DAY - dt.timedelta(days=3), 12))
    assert run() == {}


def test_a_ticked_mandatory_activity_on_an_inspection_counts(desk):
    case = w.case(desk, opened=DAY - dt.timedelta(days=5), action_type="inspection", stage="investigation")
    w.document(desk, case, "inspection_record",
               w.on_site(desk, w.at(DAY - dt.timedelta(days=3), 9), activities=["seal"]),
               w.at(DAY - dt.timedelta(days=3), 12))
    assert run() == {case.pk: Level.ALARM}


def test_partial_coverage_warns_once_the_limit_has_run(desk):
    case, doc = seizure(desk, w.at(DAY - dt.timedelta(days=2), 10))
    w.recording(desk, case, started=w.at(DAY - dt.timedelta(days=2), 9, 30), minutes=10, document_=doc,
                uploaded=w.at(DAY - dt.timedelta(days=2), 12), due=w.at(DAY - dt.timedelta(days=1), 10))
    hits = list(MODEL.evaluate(w.context(MODEL, DAY)))
    assert w.levels(hits) == {case.pk: Level.WARNING} and "未覆盖全过程" in hits[0].detail
    assert run(DAY - dt.timedelta(days=2)) == {}  # still within the limit
    assert run(overrides={"partial_coverage": False}) == {}


def test_narrowed_to_the_run(desk, tree):
    one, _ = seizure(desk, w.at(DAY - dt.timedelta(days=2), 10))
    two, _ = seizure(desk, w.at(DAY - dt.timedelta(days=2), 10))
    assert run(case_ids={one.pk}) == {one.pk: Level.ALARM}
    assert run(agency_ids={tree.agency_b1.pk}) == {}
    assert set(run(agency_ids={desk.agency.pk})) == {one.pk, two.pk}


def test_bulk_queries_do_not_grow_with_cases(desk):
    def count():
        return query_count(lambda: list(MODEL.evaluate(w.context(MODEL, DAY))))

    for _ in range(2):
        seizure(desk, w.at(DAY - dt.timedelta(days=2), 10))
    two = count()
    for i in range(18):
        case, doc = seizure(desk, w.at(DAY - dt.timedelta(days=2), 10))
        if i % 2:
            w.recording(desk, case, started=w.at(DAY - dt.timedelta(days=2), 9, 30), minutes=10, document_=doc,
                        uploaded=w.at(DAY - dt.timedelta(days=2), 12), due=w.at(DAY - dt.timedelta(days=1), 10))
    assert len(run()) == 20
    assert count() == two
