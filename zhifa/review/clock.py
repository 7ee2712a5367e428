"""The review clock (REV-06): when a round's time limit ends, from the rules and the pauses.

IM-M §31: five working days from receipt of the materials, five more with the approval of the head in
charge of legal work; the time for supplements is not counted. AZ-V §14: ten working days from receipt
of *complete* materials, ten more with the head's approval; supplements, expert consultation and
requests for interpretation are not counted. So under "complete_materials" the clock starts again on
the day a supplement arrives (the materials were not complete before), and under "receipt" the days
of a supplement are skipped.

Counting follows core.workdays: the start day is not counted. A pause requested on day A and ended on
day B skips A+1..B: the day of the request was a working day of the review, and B, like any start
day, is not counted.
"""

import datetime as dt
from dataclasses import dataclass

from zhifa.core import workdays


@dataclass(frozen=True)
class Pause:
    kind: str
    start: dt.date
    end: dt.date | None


@dataclass(frozen=True)
class Clock:
    started_on: dt.date
    due_on: dt.date | None  # None while paused
    provisional: bool
    paused_since: dt.date | None


def review_clock(*, received_on: dt.date, limit: dict, pauses: list[Pause], extended: bool) -> Clock:
    start = received_on
    periods = []
    for pause in pauses:
        if pause.end is None:
            continue
        if pause.kind == "supplement" and limit["starts"] == "complete_materials":
            start = max(start, pause.end)
        elif pause.end > pause.start:
            periods.append(workdays.DatePeriod(pause.start + dt.timedelta(days=1), pause.end))
    open_pause = next((p for p in pauses if p.end is None), None)
    if open_pause is not None:
        return Clock(start, None, False, open_pause.start)
    days = limit["days"] + (limit["extension_days"] if extended else 0)
    periods = [p for p in periods if p.end > start]
    deadline = workdays.add_working_days(start, days, paused=periods)
    return Clock(start, deadline.due, deadline.provisional, None)


def working_days_left(due_on: dt.date | None, today: dt.date) -> int | None:
    """Working days from today to the due date; negative when overdue, 0 on the last day."""
    if due_on is None:
        return None
    return workdays.working_days_between(today, due_on)
