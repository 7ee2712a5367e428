"""M07: an AV record uploaded after the jurisdiction's upload limit (IM-M §20: 24 hours; AZ-R §17: two working
days)."""

import datetime as dt

import pytest

from zhifa.core.testing import query_count
from zhifa.rules.services import rule_version_create
from zhifa.supervision.problems.m07_av_late import AvUploadedLate
from zhifa.supervision.registry import REGISTRY, Level

from . import s3_world as w

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-04")]
MODEL = AvUploadedLate()
DAY = dt.date(2026, 6, 10)
STARTED = w.at(DAY, 9)  # a 30-minute clip: ends 09:30
DUE = w.at(DAY + dt.timedelta(days=1), 9, 30)  # IM-M §20: 24 hours after it ended
TODAY = DAY + dt.timedelta(days=5)


def run(**kw):
    return w.levels(MODEL.evaluate(w.context(MODEL, TODAY, **kw)))


def clip(desk, uploaded, **kw):
    case = w.case(desk, opened=DAY - dt.timedelta(days=1), action_type="coercion", stage="investigation")
    w.recording(desk, case, started=STARTED, uploaded=uploaded, **({"due": DUE} | kw))
    return case


def test_registered_with_its_basis():
    assert REGISTRY["M07"] is not None and "国办发〔2018〕118号" in AvUploadedLate.basis
    assert AvUploadedLate.triggers == ("records.recording_uploaded",)


def test_planted_late_upload_and_clean_control(desk):
    late = clip(desk, DUE + dt.timedelta(hours=3))
    clip(desk, DUE - dt.timedelta(hours=3))
    hits = list(MODEL.evaluate(w.context(MODEL, TODAY)))
    assert w.levels(hits) == {late.pk: Level.WARNING}
    assert "逾期 3.0 小时" in hits[0].detail and hits[0].due == DAY + dt.timedelta(days=1)


def test_boundaries_on_time_at_the_limit_warning_just_past_alarm_a_day_late(desk):
    on_limit = clip(desk, DUE)
    just_past = clip(desk, DUE + dt.timedelta(minutes=1))
    one_day = clip(desk, DUE + dt.timedelta(hours=24))
    more = clip(desk, DUE + dt.timedelta(hours=24, minutes=1))
    assert run() == {just_past.pk: Level.WARNING, one_day.pk: Level.WARNING, more.pk: Level.ALARM}
    assert on_limit.pk not in run()
    assert run(overrides={"alarm_hours_late": 0.01})[just_past.pk] == Level.ALARM


def test_remote_work_without_a_fixed_limit_is_never_late(desk):
    """IM-M §20 second paragraph: remote work uploads as soon as conditions allow (no deadline moment)."""
    clip(desk, DUE + dt.timedelta(days=3), due=None)
    assert run() == {}


def test_a_recording_without_a_deadline_row_is_held_to_the_places_rule(desk):
    """The deadline the records app would have given it: the place's rule, through records.services.upload_due."""
    rule_version_create(key="recording.upload_limit", value={"unit": "hours", "amount": 24,
                        "remote": {"rule": "when_possible"}}, effective_from=dt.date(2020, 4, 1),
                        source="IM-M 第二十条", jurisdiction=desk.place, actor=None)
    late = clip(desk, DUE + dt.timedelta(hours=30), deadline=False)
    clip(desk, DUE - dt.timedelta(hours=1), deadline=False)
    assert run() == {late.pk: Level.ALARM}


def test_the_two_working_days_of_anze_over_a_weekend(desk):
    """AZ-R §17: a clip ended on Friday 5 June 2026 is due at the end of Tuesday 9 June; uploaded on Monday it is in
    time, on Wednesday it is late (the deadline row, as records computes it, says so)."""
    rule_version_create(key="recording.upload_limit", value={
        "unit": "working_days", "amount": 2, "remote": {"rule": "after_return", "unit": "working_days", "amount": 2}},
        effective_from=dt.date(2022, 7, 6), source="AZ-R 第十七条", jurisdiction=desk.place, actor=None)
    friday = w.at(dt.date(2026, 6, 5), 9)
    in_time = w.case(desk, opened=dt.date(2026, 6, 4), action_type="coercion", stage="investigation")
    late = w.case(desk, opened=dt.date(2026, 6, 4), action_type="coercion", stage="investigation")
    w.recording(desk, in_time, started=friday, uploaded=w.at(dt.date(2026, 6, 8), 9), deadline=False)
    w.recording(desk, late, started=friday, uploaded=w.at(dt.date(2026, 6, 10), 9), deadline=False)
    hits = list(MODEL.evaluate(w.context(MODEL, TODAY)))
    assert w.levels(hits) == {late.pk: Level.WARNING}
    assert "2026-06-09 23:59" in hits[0].detail


def test_narrowed_to_the_run(desk, tree):
    one, two = clip(desk, DUE + dt.timedelta(hours=2)), clip(desk, DUE + dt.timedelta(hours=2))
    assert run(case_ids={one.pk}) == {one.pk: Level.WARNING}
    assert run(agency_ids={tree.agency_b1.pk}) == {}
    assert set(run(agency_ids={desk.agency.pk})) == {one.pk, two.pk}


def test_bulk_queries_do_not_grow_with_cases(desk):
    rule_version_create(key="recording.upload_limit", value={"unit": "hours", "amount": 24,
                        "remote": {"rule": "when_possible"}}, effective_from=dt.date(2020, 4, 1),
                        source="IM-M 第二十条", jurisdiction=desk.place, actor=None)

    def count():
        return query_count(lambda: list(MODEL.evaluate(w.context(MODEL, TODAY))))

    for _ in range(2):
        clip(desk, DUE + dt.timedelta(hours=2))
        clip(desk, DUE + dt.timedelta(hours=2), deadline=False)
    two = count()
    for _ in range(18):
        clip(desk, DUE + dt.timedelta(hours=30))
        clip(desk, DUE + dt.timedelta(hours=30), deadline=False)
    assert len(run()) == 40
    assert count() == two
