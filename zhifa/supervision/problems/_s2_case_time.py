"""Bulk reads the case time-limit models share (M01 M02 M03 M08 M09 M12 M13 M14).

Every function here reads a fixed number of queries whatever the number of cases, so a nightly run over every case
costs the same handful of queries as an event-driven run over one (issue 20 benchmarks). Dates are the local days
of the stored moments (the agency's calendar day), computed in Python from one query's rows. Nothing registers here
(the package imports this module with the others, harmlessly).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from zhifa.cases.models import Case, Document, Stage
from zhifa.core import workdays
from zhifa.publicity.models import Publication

from ..registry import Context, Level

# The day a case is filed (立案): the head's approval moves it out of the start stage (cases.workflow "approve_filing").
FILED = Q(stage_changes__from_stage=Stage.START, stage_changes__to_stage=Stage.INVESTIGATION)
# The day a decision is made: the move out of the decision stage ("decide": 作出决定，进入送达执行).
DECIDED = Q(stage_changes__from_stage=Stage.DECISION, stage_changes__to_stage=Stage.SERVICE_ENFORCEMENT)


def cases_in(ctx: Context, qs: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """The cases of the run: all of them at night, or what the event touched (ctx.case_ids / ctx.agency_ids)."""
    qs = Case.objects.all() if qs is None else qs
    if ctx.case_ids is not None:
        qs = qs.filter(pk__in=sorted(ctx.case_ids))
    if ctx.agency_ids is not None:
        qs = qs.filter(agency_id__in=sorted(ctx.agency_ids))
    return qs


def local_day(moment: dt.datetime | None) -> dt.date | None:
    return None if moment is None else timezone.localdate(moment)


def with_filed_and_decided(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Each case with `filed_at` and `decided_at`, the first moves of its table that file and decide it."""
    return qs.annotate(filed_at=Min("stage_changes__at", filter=FILED), decided_at=Min("stage_changes__at", filter=DECIDED))


def current_documents(case_ids_qs, forms: Iterable[str]) -> dict[int, list[Document]]:
    """The current version (not superseded) of each document of the given forms, per case, oldest first: one query.
    `case_ids_qs` is a subquery (`qs.values("id")`), so a nightly run never sends a hundred thousand parameters."""
    out: dict[int, list[Document]] = defaultdict(list)
    rows = (Document.objects.filter(case_id__in=case_ids_qs, form__in=list(forms), superseded_by__isnull=True)
            .only("id", "case_id", "form", "elements", "recorded_at").order_by("recorded_at", "id"))
    for doc in rows:
        out[doc.case_id].append(doc)
    return out


def element_date(doc: Document | None, name: str) -> dt.date | None:
    """A "date" element (cases.doctypes), or the local day of a "datetime" one; None when absent or unreadable."""
    if doc is None:
        return None
    value = doc.elements.get(name)
    if not value:
        return None
    try:
        if len(str(value)) <= 10:
            return dt.date.fromisoformat(str(value))
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()


class ParamCache:
    """ctx.params(agency_id), asked once per agency of a run."""

    def __init__(self, ctx: Context):
        self._ctx, self._seen = ctx, {}

    def __call__(self, agency_id: int) -> dict:
        if agency_id not in self._seen:
            self._seen[agency_id] = self._ctx.params(agency_id)
        return self._seen[agency_id]


def level_of(elapsed: float, limit: float, warning_ratio: float) -> str | None:
    """Issue 20 §3: past the limit an alarm; from `warning_ratio` (4/5) of it a warning; before that nothing."""
    if elapsed > limit:
        return Level.ALARM
    if limit > 0 and elapsed >= limit * warning_ratio:
        return Level.WARNING
    return None


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (29 February falls on 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class Marks:
    """The day a time limit warns (`ratio` of it gone) and its last day, from its start day, in natural or working
    days (zhifa.core.workdays: the start day not counted, 《行政处罚法》第八十五条). Cached per run: cases share start
    days, and a working-day count walks the calendar."""

    def __init__(self):
        self._seen: dict[tuple, tuple[dt.date, dt.date]] = {}

    def __call__(self, start: dt.date, limit: int, ratio: float, *, working: bool) -> tuple[dt.date, dt.date]:
        key = (start, limit, ratio, working)
        if key not in self._seen:
            warn_after = math.ceil(limit * ratio)
            if working:
                self._seen[key] = (workdays.add_working_days(start, warn_after).due,
                                   workdays.add_working_days(start, limit).due)
            else:
                self._seen[key] = (start + dt.timedelta(days=warn_after), start + dt.timedelta(days=limit))
        return self._seen[key]


def level_on(day: dt.date, warn_from: dt.date, due: dt.date) -> str | None:
    """Past the last day an alarm; from the warning day a warning."""
    if day > due:
        return Level.ALARM
    if day >= warn_from:
        return Level.WARNING
    return None


def publication_cases(subject: str) -> list[int] | None:
    """The case of a public item an event is about (`publicity.publication:N`), for the engine's event-driven run
    (registry.ProblemModel.cases_for_subject); None for any other subject."""

    family, _, pk = subject.partition(":")
    if family != "publicity.publication" or not pk.isdigit():
        return None
    return [c for c in Publication.objects.filter(pk=int(pk)).values_list("case_id", flat=True) if c is not None]
