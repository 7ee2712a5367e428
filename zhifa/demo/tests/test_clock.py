"""The demo's clock (tryout18 defect 12: every record stamped 2 a.m.): office hours on working days, in order."""

import datetime as dt

import pytest

from zhifa.core.workdays import is_working_day
from zhifa.demo.clock import LOCAL, latest_slot, schedule, shift_working_days

HOUR = dt.timedelta(hours=1)


@pytest.mark.parametrize(("local", "expected"), [
    ("2026-12-01 05:16", "2026-11-30 15:00"),  # the tryout loaded the demo before dawn: yesterday afternoon
    ("2026-12-01 14:07", "2026-12-01 13:00"),
    ("2026-12-01 10:29", "2026-11-30 15:00"),  # less than an hour into the day
    ("2026-12-01 10:45", "2026-12-01 09:40"),
    ("2026-12-01 21:30", "2026-12-01 16:00"),
])
def test_latest_slot_is_within_office_hours_and_before_now(local, expected):
    now = dt.datetime.strptime(local, "%Y-%m-%d %H:%M").replace(tzinfo=LOCAL)
    slot = latest_slot(now.astimezone(dt.UTC), lead=HOUR)
    assert slot == dt.datetime.strptime(expected, "%Y-%m-%d %H:%M").replace(tzinfo=LOCAL)
    assert slot <= now - HOUR and now - slot < dt.timedelta(hours=24)


@pytest.mark.django_db
def test_schedule_puts_each_form_on_a_working_day_in_order():
    friday = dt.date(2026, 11, 27)
    at = schedule(["filing_approval", "inspection_record", "penalty_notice", "penalty_decision", "service_receipt"],
                  anchor="penalty_decision", on=friday, minutes=7)
    assert at["penalty_decision"] == dt.datetime(2026, 11, 27, 16, 7, tzinfo=LOCAL)
    assert list(at.values()) == sorted(at.values())
    assert all(is_working_day(m.date()) and dt.time(9) <= m.time() <= dt.time(17, 30) for m in at.values())
    assert at["service_receipt"].date() == dt.date(2026, 11, 30)  # the weekend skipped
    assert shift_working_days(friday, -5) == dt.date(2026, 11, 20)
