"""Working days and deadlines (SPEC RULES; PUB-07, REV-06, REC-08).

Official holidays and make-up working days (调休) come from two sources:
1. calendar years an administrator loaded into the database (`CalendarYear`), which win, because
   the State Council publishes each year's notice in November and the package may lag behind;
2. the `chinesecalendar` package (2004–2026 in version 1.11).

A year known to neither is *provisional*. Its statutory holidays are still known: 《全国年节及纪念日放假办法》
fixes them by date, by the lunar calendar and by the Qingming solar term (`STATUTORY_HOLIDAYS`), so they
are computed (lunar dates by `lunardate`, the solar term by `chinesecalendar`) and are not working days.
What only the yearly notice says stays unknown: the weekend days worked in exchange (调休) and the weekdays
given off to bridge a holiday to a weekend. So every deadline that touched such a year is marked *provisional*;
when the year is loaded, `calendar_year_load` (services.py) calls each registered recompute hook so
stored deadlines are corrected — never silently wrong.

Counting follows the Administrative Penalty Law art. 85 (and Civil Code art. 201): the day on
which a period starts is not counted, so "7 working days from the decision" ends on the 7th
working day after the decision date. Periods that do not count (a paused review clock: supplements,
expert consultation — IM-M §31, AZ-V §14) are passed as inclusive date ranges and skipped.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import chinese_calendar
from lunardate import LunarDate

# How long a process trusts its copy of the database calendar. Loading a year invalidates the
# copy in the loading process at once; other processes see it within this many seconds, and the
# recompute hooks (run after commit) correct anything computed in between.
CACHE_SECONDS = 60

_PACKAGE_HOLIDAYS = frozenset(chinese_calendar.constants.holidays)
_PACKAGE_WORKDAYS = frozenset(chinese_calendar.constants.workdays)
PACKAGE_YEARS = frozenset(d.year for d in _PACKAGE_HOLIDAYS)

# 《全国年节及纪念日放假办法》: the days off every citizen has, by the version in force on 1 January (rules are
# data). A day is ("solar", month, day), ("lunar", month, day) in a non-leap lunar month, ("eve",) for 除夕 —
# the day before 正月初一, i.e. the last day of the twelfth lunar month, the 29th or the 30th — or
# ("qingming",) for the day of the Qingming solar term (4 or 5 April).
_NEW_YEAR = (("元旦", ("solar", 1, 1)),)
_NATIONAL_DAY = tuple(("国庆节", ("solar", 10, d)) for d in (1, 2, 3))
_TRADITIONAL = (("清明节", ("qingming",)), ("端午节", ("lunar", 5, 5)), ("中秋节", ("lunar", 8, 15)))
STATUTORY_HOLIDAYS: tuple[tuple[dt.date, str, tuple[tuple[str, tuple], ...]], ...] = (
    (dt.date(1999, 9, 18), "国务院令第270号", _NEW_YEAR
     + tuple(("春节", ("lunar", 1, d)) for d in (1, 2, 3))
     + tuple(("劳动节", ("solar", 5, d)) for d in (1, 2, 3)) + _NATIONAL_DAY),
    (dt.date(2008, 1, 1), "国务院令第513号", _NEW_YEAR
     + (("春节", ("eve",)), ("春节", ("lunar", 1, 1)), ("春节", ("lunar", 1, 2)))
     + (("劳动节", ("solar", 5, 1)),) + _TRADITIONAL + _NATIONAL_DAY),
    (dt.date(2014, 1, 1), "国务院令第644号", _NEW_YEAR
     + tuple(("春节", ("lunar", 1, d)) for d in (1, 2, 3))
     + (("劳动节", ("solar", 5, 1)),) + _TRADITIONAL + _NATIONAL_DAY),
    (dt.date(2025, 1, 1), "国务院令第795号", _NEW_YEAR
     + (("春节", ("eve",)),) + tuple(("春节", ("lunar", 1, d)) for d in (1, 2, 3))
     + (("劳动节", ("solar", 5, 1)), ("劳动节", ("solar", 5, 2))) + _TRADITIONAL + _NATIONAL_DAY),
)


def statutory_version(year: int) -> tuple[dt.date, str, tuple[tuple[str, tuple], ...]]:
    """The version of the holidays regulation in force on 1 January of `year` (the earliest before 2000)."""
    # Compared as tuples: any int is a valid argument, also years no `date` can hold (0, 10000).
    in_force = [v for v in STATUTORY_HOLIDAYS if (v[0].year, v[0].month, v[0].day) <= (year, 1, 1)]
    return in_force[-1] if in_force else STATUTORY_HOLIDAYS[0]


@functools.lru_cache(maxsize=256)
def _statutory(year: int) -> tuple[tuple[dt.date, str], ...]:
    days: dict[dt.date, list[str]] = {}
    try:
        for name, rule in statutory_version(year)[2]:
            match rule:
                case ("solar", month, day):
                    date = dt.date(year, month, day)
                case ("lunar", month, day):
                    date = LunarDate(year, month, day).to_solar_date()
                case ("eve",):
                    date = LunarDate(year, 1, 1).to_solar_date() - dt.timedelta(days=1)
                case ("qingming",):
                    april = chinese_calendar.get_solar_terms(dt.date(year, 4, 1), dt.date(year, 4, 30))
                    date = next(d for d, term in april if term == "清明")
            days.setdefault(date, []).append(name)
    except (ValueError, NotImplementedError):
        return ()  # outside the lunar table (1900–2099): weekends only, as before
    return tuple(sorted((d, "、".join(dict.fromkeys(names))) for d, names in days.items()))


def statutory_holidays(year: int) -> dict[dt.date, str]:
    """The statutory days off of `year` (date → festival), without the notice's 调休 and bridging days.

    Every year has them from the lunar calendar and the solar terms; a year whose notice is not loaded
    counts them and stays provisional.
    """
    return dict(_statutory(year))


@functools.lru_cache(maxsize=256)
def _statutory_dates(year: int) -> frozenset[dt.date]:
    return frozenset(d for d, _name in _statutory(year))


@dataclass(frozen=True)
class DatePeriod:
    """An inclusive range of dates on which a clock does not run."""

    start: dt.date
    end: dt.date

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("period ends before it starts")

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Deadline:
    """A computed due date or moment. `provisional` means a year without calendar data was crossed."""

    due: dt.date | dt.datetime
    provisional: bool = False
    provisional_years: tuple[int, ...] = field(default=())


@dataclass(frozen=True)
class YearData:
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    source: str


class Calendar:
    """An immutable view of every known year; build one with `current()`."""

    def __init__(self, db_years: dict[int, YearData]):
        self.db_years = db_years

    def knows(self, year: int) -> bool:
        return year in self.db_years or year in PACKAGE_YEARS

    def source_of(self, year: int) -> str | None:
        """Where a known year's days come from; None for a provisional year (statutory holidays only)."""
        if year in self.db_years:
            return self.db_years[year].source
        if year in PACKAGE_YEARS:
            return f"chinesecalendar {chinese_calendar.__version__}"
        return None

    def is_working_day(self, day: dt.date) -> bool:
        data = self.db_years.get(day.year)
        if data is not None:
            if day in data.workdays:
                return True
            return day.weekday() < 5 and day not in data.holidays
        if day.year in PACKAGE_YEARS:
            if day in _PACKAGE_WORKDAYS:
                return True
            return day.weekday() < 5 and day not in _PACKAGE_HOLIDAYS
        # Provisional: weekends and the statutory holidays; the notice's 调休 and bridging days are unknown.
        return day.weekday() < 5 and day not in _statutory_dates(day.year)

    def add_working_days(self, start: dt.date, days: int, *, paused: Iterable[DatePeriod] = ()) -> Deadline:
        """The date on which `days` working days after `start` end (the start day not counted)."""
        if days < 0:
            raise ValueError("days must not be negative")
        paused = tuple(paused)
        unknown: set[int] = set()
        day, counted = start, 0
        while counted < days:
            day += dt.timedelta(days=1)
            if any(day in p for p in paused):
                continue
            if not self.knows(day.year):
                unknown.add(day.year)
            if self.is_working_day(day):
                counted += 1
        return Deadline(day, bool(unknown), tuple(sorted(unknown)))

    def working_days_between(self, start: dt.date, end: dt.date, *, paused: Iterable[DatePeriod] = ()) -> int:
        """Working days in (start, end], skipping paused periods; negative if end is before start."""
        if end < start:
            return -self.working_days_between(end, start, paused=paused)
        paused = tuple(paused)
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            if not any(day in p for p in paused) and self.is_working_day(day):
                count += 1
        return count


def add_hours(start: dt.datetime, hours: float, *, paused: Iterable[tuple[dt.datetime, dt.datetime]] = ()) -> Deadline:
    """The moment `hours` clock hours after `start`, extended by any paused interval it overlaps.

    Hour limits (IM-M §20: upload within 24 hours) run on the clock, not on working days.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    due = start + dt.timedelta(hours=hours)
    for p_start, p_end in sorted(paused):
        if p_end <= start or p_start >= due:
            continue
        due += p_end - max(p_start, start)
    return Deadline(due)


# --- the process-wide calendar -------------------------------------------------------------------

_lock = threading.Lock()
_cached: tuple[float, Calendar] | None = None


def _load_db_years() -> dict[int, YearData]:
    from .models import CalendarYear

    years: dict[int, YearData] = {}
    # Only the newest row per year counts (a corrected notice supersedes the earlier one).
    for row in CalendarYear.objects.filter(superseded_by__isnull=True).order_by("year", "id"):
        years[row.year] = YearData(
            holidays=frozenset(dt.date.fromisoformat(d) for d in row.holidays),
            workdays=frozenset(dt.date.fromisoformat(d) for d in row.workdays),
            source=row.source,
        )
    return years


def current() -> Calendar:
    global _cached
    now = time.monotonic()
    cached = _cached
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    with _lock:
        calendar = Calendar(_load_db_years())
        _cached = (now, calendar)
        return calendar


def invalidate() -> None:
    global _cached
    _cached = None


def is_working_day(day: dt.date) -> bool:
    return current().is_working_day(day)


def add_working_days(start: dt.date, days: int, *, paused: Iterable[DatePeriod] = ()) -> Deadline:
    return current().add_working_days(start, days, paused=paused)


def working_days_between(start: dt.date, end: dt.date, *, paused: Iterable[DatePeriod] = ()) -> int:
    return current().working_days_between(start, end, paused=paused)


def year_is_known(year: int) -> bool:
    return current().knows(year)


# --- recompute hooks -----------------------------------------------------------------------------

_recompute_hooks: list[Callable[[int], int]] = []


def register_recompute(hook: Callable[[int], int]) -> Callable[[int], int]:
    """Register `hook(year) -> rows_changed`, called after a calendar year is loaded.

    Each app that stores deadlines registers one that recomputes its provisional deadlines.
    """
    if hook not in _recompute_hooks:
        _recompute_hooks.append(hook)
    return hook


def unregister_recompute(hook: Callable[[int], int]) -> None:
    if hook in _recompute_hooks:
        _recompute_hooks.remove(hook)


def run_recompute_hooks(year: int) -> int:
    return sum(hook(year) or 0 for hook in list(_recompute_hooks))
