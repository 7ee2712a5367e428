"""M03: an open case with no step (stage change, text record) for 30 days."""

import datetime as dt

import pytest

from zhifa.core.testing import query_count
from zhifa.supervision.problems.m03_stalled_case import StalledCase
from zhifa.supervision.registry import Level

from . import s2_builders as b

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-04")]
MODEL = StalledCase()
DAY = dt.date(2026, 3, 2)


def run(today, **kw):
    return b.levels(MODEL.evaluate(b.context(MODEL, today, **kw)))


def test_planted_defect_idle_case_alarms_and_busy_case_is_clean(desk):
    idle = b.case(desk, opened=DAY, stage="investigation")
    b.filed(desk, idle, DAY)
    busy = b.case(desk, opened=DAY, stage="investigation")
    b.filed(desk, busy, DAY)
    b.document(desk, busy, "inquiry_record", {"content": "询问"}, DAY + dt.timedelta(days=20))
    hits = list(MODEL.evaluate(b.context(MODEL, DAY + dt.timedelta(days=31))))
    assert b.levels(hits) == {idle.pk: Level.ALARM}
    assert hits[0].due == DAY + dt.timedelta(days=30) and "已 31 日没有新的办案步骤" in hits[0].detail


def test_boundaries_and_each_kind_of_step_restarts_the_clock(desk):
    case = b.case(desk, opened=DAY)
    assert run(DAY + dt.timedelta(days=23)) == {}
    assert run(DAY + dt.timedelta(days=24)) == {case.pk: Level.WARNING}  # 4/5 of 30
    assert run(DAY + dt.timedelta(days=30)) == {case.pk: Level.WARNING}
    assert run(DAY + dt.timedelta(days=31)) == {case.pk: Level.ALARM}
    b.filed(desk, case, DAY + dt.timedelta(days=31))  # a stage change
    assert run(DAY + dt.timedelta(days=31)) == {}
    b.document(desk, case, "inspection_record", {"content": "检查"}, DAY + dt.timedelta(days=55))  # a record
    assert run(DAY + dt.timedelta(days=62)) == {}
    assert run(DAY + dt.timedelta(days=86)) == {case.pk: Level.ALARM}


def test_archived_cases_every_action_type_and_procedure(desk):
    b.case(desk, opened=DAY, stage="archive")
    simplified = b.case(desk, opened=DAY, procedure="simplified", stage="decision")
    licence = b.case(desk, opened=DAY, action_type="licence", stage="decision")
    assert run(DAY + dt.timedelta(days=40)) == {simplified.pk: Level.ALARM, licence.pk: Level.ALARM}


def test_the_jurisdiction_sets_the_days(desk, tree):
    here = b.case(desk, opened=DAY)
    there = b.case(desk, opened=DAY, agency=tree.agency_b1, place=tree.b1)
    assert run(DAY + dt.timedelta(days=16), per_agency={tree.agency_b1.pk: {"days": 15}}) == {there.pk: Level.ALARM}
    assert run(DAY + dt.timedelta(days=16), agency_ids=[desk.agency.pk]) == {}
    assert run(DAY + dt.timedelta(days=31), case_ids=[here.pk]) == {here.pk: Level.ALARM}


def test_queries_flat_in_cases(desk):
    today = DAY + dt.timedelta(days=40)
    for _ in range(2):
        b.filed(desk, b.case(desk, opened=DAY, stage="investigation"), DAY)
    list(MODEL.evaluate(b.context(MODEL, today)))  # warm what a process caches (the working-day calendar)
    small = query_count(lambda: list(MODEL.evaluate(b.context(MODEL, today))))
    for _ in range(18):
        b.filed(desk, b.case(desk, opened=DAY, stage="investigation"), DAY)
    assert query_count(lambda: list(MODEL.evaluate(b.context(MODEL, today)))) == small
    assert len(run(today)) == 20


def test_an_uploaded_recording_is_a_step(desk):
    """An audio/video record uploaded to the case restarts the clock as a text record does."""
    import io

    import time_machine

    from zhifa.ledger.services import evidence_put, record_event
    from zhifa.records.models import Device, Recording

    case = b.case(desk, opened=DAY, stage="investigation")
    device = Device.objects.create(agency=desk.agency, kind="body_camera", serial="BC-1", registered_by=desk.officer)
    blob = evidence_put(io.BytesIO(b"clip bytes"), name="clip.bin").blob
    with time_machine.travel(b.at(DAY + dt.timedelta(days=25)), tick=False):
        Recording.objects.create(case=case, activity="evidence_taking", device=device, officer=desk.officers[0],
                                 blob=blob, started_at=b.at(DAY), ended_at=b.at(DAY, 11), place="现场",
                                 recorded_by=desk.officer,
                                 entry=record_event("records.recording_uploaded", subject=f"cases.case:{case.pk}"))
    assert run(DAY + dt.timedelta(days=31)) == {}
    assert run(DAY + dt.timedelta(days=56)) == {case.pk: Level.ALARM}
