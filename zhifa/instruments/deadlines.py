"""Time limits of supervision instruments, from the rules of the supervising bureau's jurisdiction (issue 20 §4).

The rule `supervision.instrument_days` gives each limit in days or working days, as its source states it
(Shandong's 三十日 are calendar days; Chongqing's 十个工作日 are working days). A limit in days whose last day is a
statutory holiday or rest day ends on the next working day (《民法典》第二百零三条; 《行政处罚法》第八十五条 counts
the same way). Working days come from core.workdays; the starting day is never counted.
"""

import datetime as dt
from dataclasses import dataclass

from zhifa.core import workdays
from zhifa.rules.selectors import rule_get

RULE_KEY = "supervision.instrument_days"


@dataclass(frozen=True)
class Limit:
    due: dt.date
    provisional: bool  # crossed a year whose holiday arrangements are not loaded
    days: int
    unit: str
    source: str


def limits_for(jurisdiction, *, as_of: dt.date) -> tuple[dict, str]:
    """The rule's value and its source for the bureau's jurisdiction as of a day."""
    rule = rule_get(RULE_KEY, jurisdiction=jurisdiction, as_of=as_of)
    return rule.value, rule.version.source


def due(start: dt.date, days: int, unit: str) -> tuple[dt.date, bool]:
    if unit == "working_days":
        deadline = workdays.add_working_days(start, days)
        return deadline.due, deadline.provisional
    day = start + dt.timedelta(days=days)
    provisional = not workdays.year_is_known(day.year)
    while not workdays.is_working_day(day):  # the last day a holiday or rest day: the next working day
        day += dt.timedelta(days=1)
        provisional = provisional or not workdays.year_is_known(day.year)
    return day, provisional


def limit(jurisdiction, which: str, *, start: dt.date) -> Limit:
    """The deadline of one limit ("opinion", "review_request", …) counted from `start`."""
    value, source = limits_for(jurisdiction, as_of=start)
    spec = value[which]
    day, provisional = due(start, spec["days"], spec["unit"])
    return Limit(day, provisional, spec["days"], spec["unit"], source)


def describe(spec: Limit) -> str:
    return f"{spec.days} 个工作日" if spec.unit == "working_days" else f"{spec.days} 日"
