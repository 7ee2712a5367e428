"""M22: an instrument not answered or not corrected by its deadline warns at 4/5 of its time and alarms past it;
answered or closed, it no longer triggers (issue 20 §1, §4; SUP-04, SUP-08)."""

import datetime as dt

import pytest
from django.utils import timezone

from zhifa.instruments import services
from zhifa.instruments.problems import M22InstrumentOverdue
from zhifa.supervision.registry import REGISTRY, Context, Level

from .conftest import issue, upload

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-04"), pytest.mark.req("SUP-08")]


def _run(today, agency_ids=None):
    model = REGISTRY["M22"]
    ctx = Context(today=today, case_ids=None, agency_ids=agency_ids,
                  params=lambda agency_id: {**M22InstrumentOverdue.defaults, "enabled": True})
    return list(model.evaluate(ctx))


def test_registered_from_the_instruments_app():
    assert isinstance(REGISTRY["M22"], M22InstrumentOverdue)


def test_planted_overdue_instrument_alarms_and_clean_control_does_not(world):
    """Issued 3 Sep 2026, due 8 Oct: on 9 Oct it alarms. A second agency whose instrument was answered (the
    clean control) raises nothing."""
    late = issue(world, today=dt.date(2026, 9, 3))
    answered = issue(world, today=dt.date(2026, 9, 3), agency=world.tree.agency_a2)
    services.correction_report(instrument=answered, actor=world.head_a2, text="已整改。", files=[upload()])
    hits = _run(dt.date(2026, 10, 9))
    assert [(h.agency_id, h.level) for h in hits] == [(world.agency.pk, Level.ALARM)]
    assert hits[0].case_id is None and hits[0].due == dt.date(2026, 10, 8)
    assert late.number in hits[0].detail and hits[0].evidence["instruments"][0]["id"] == late.pk


def test_warning_at_four_fifths_of_the_time(world):
    """35 days from 3 Sep to 8 Oct: at 28 days (1 Oct) a warning, the day before nothing, on the due day still a
    warning (not yet late)."""
    issue(world, today=dt.date(2026, 9, 3))
    assert _run(dt.date(2026, 9, 30)) == []
    assert [h.level for h in _run(dt.date(2026, 10, 1))] == [Level.WARNING]
    assert [h.level for h in _run(dt.date(2026, 10, 8))] == [Level.WARNING]


def test_returned_report_still_triggers_and_closing_ends_it(world):
    i = issue(world, today=timezone.localdate() - dt.timedelta(days=60))
    i = services.correction_report(instrument=i, actor=world.head, text="已整改。", files=[upload()])
    today = timezone.localdate()
    assert _run(today) == []  # answered
    i = services.report_return(instrument=i, actor=world.sup, reason="未整改到位。")
    assert [h.level for h in _run(today)] == [Level.ALARM]  # not corrected, and past its deadline
    services.instrument_close(instrument=i, actor=world.sup, reason="已另案处理。")
    assert _run(today) == []


def test_narrowed_to_the_agencies_an_event_touched(world):
    issue(world, today=dt.date(2026, 9, 3))
    assert _run(dt.date(2026, 10, 9), agency_ids=frozenset({world.tree.agency_a2.pk})) == []
    assert len(_run(dt.date(2026, 10, 9), agency_ids=frozenset({world.agency.pk}))) == 1


def test_a_reported_correction_closes_the_alarm_on_its_own_event(world, django_capture_on_commit_callbacks):
    """Review: M22's triggers named instrument events whose subject the engine could not place, so an answered
    instrument's alarm stood until the nightly run. The event now re-runs M22 for the instrument's agency."""
    from zhifa.supervision.models import Alert
    from zhifa.supervision.services import run_models

    late = issue(world, today=dt.date(2026, 9, 3))
    run_models(today=dt.date(2026, 10, 9), codes=["M22"])
    assert Alert.objects.filter(model="M22", agency=world.agency, state="open").exists()
    assert list(REGISTRY["M22"].agencies_for_subject(f"instruments.instrument:{late.pk}")) == [world.agency.pk]
    with django_capture_on_commit_callbacks(execute=True):
        services.correction_report(instrument=late, actor=world.head, text="已整改。", files=[upload()])
    assert not Alert.objects.filter(model="M22", agency=world.agency, state="open").exists()
