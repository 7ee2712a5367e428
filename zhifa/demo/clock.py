"""When the demo's work was done: local office hours (09:00–17:30, Asia/Shanghai) on working days, in the order a case
runs (filing before inspection before the notice before the decision …). The demo enters every record now, through
the services, with the day and time of the work in the record; nothing is edited afterwards."""

import datetime as dt
from zoneinfo import ZoneInfo

from zhifa.core.workdays import is_working_day

LOCAL = ZoneInfo("Asia/Shanghai")
OPEN, CLOSE = dt.time(9, 0), dt.time(17, 30)

# Working days after the previous record, and the local time of day, for each form.
STEP = {
    "filing_approval": (0, dt.time(9, 30)),
    "inspection_record": (1, dt.time(10, 0)),
    "inquiry_record": (1, dt.time(14, 30)),
    "investigation_report": (2, dt.time(10, 30)),
    "penalty_notice": (2, dt.time(15, 0)),
    "penalty_decision": (5, dt.time(16, 0)),  # after the party's time to state a case (行政处罚法 §44, §45)
    "service_receipt": (1, dt.time(10, 0)),
    "closing_report": (8, dt.time(11, 0)),
}


def working_day_on_or_before(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def shift_working_days(day: dt.date, n: int) -> dt.date:
    """`n` working days after (n > 0) or before (n < 0) the working day `day`."""
    step = 1 if n > 0 else -1
    for _ in range(abs(n)):
        day += dt.timedelta(days=step)
        while not is_working_day(day):
            day += dt.timedelta(days=step)
    return day


def at(day: dt.date, time: dt.time, *, minutes: int = 0) -> dt.datetime:
    moment = dt.datetime.combine(day, time, tzinfo=LOCAL) + dt.timedelta(minutes=minutes)
    assert OPEN <= moment.time() <= CLOSE, moment
    return moment


def schedule(forms: list[str], *, anchor: str, on: dt.date, minutes: int = 0) -> dict[str, dt.datetime]:
    """The moment of each form, spaced by STEP, so that `anchor` falls on the working day `on`. `minutes` shifts the
    time of day a little per case, so no two cases look stamped by one clock."""
    offsets, total = {}, 0
    for n, form in enumerate(forms):
        total += STEP[form][0] if n else 0
        offsets[form] = total
    base = offsets[anchor]
    return {form: at(shift_working_days(on, offsets[form] - base), STEP[form][1], minutes=minutes) for form in forms}


def latest_slot(now: dt.datetime, *, lead: dt.timedelta) -> dt.datetime:
    """The latest office-hours moment at least `lead` before `now` (today, or else yesterday afternoon): work whose
    recording must still be within its upload limit (IM-M §20: 24 hours) when the demo enters it."""
    local = now.astimezone(LOCAL) - lead
    latest = local.replace(second=0, microsecond=0, minute=local.minute - local.minute % 10)
    if latest.time() >= dt.time(9, 30):
        return min(latest, at(latest.date(), dt.time(16, 0)))
    return at(local.date() - dt.timedelta(days=1), dt.time(15, 0))
