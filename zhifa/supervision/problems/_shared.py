"""Facts about many cases at once that the problem models share: the cases of a run, when a case was filed and when
decided, the documents in force, the amounts a decision imposes, and the counting of time limits.

One module for all of them (review: two helper modules had grown apart, each with its own parameter cache, its own
reader of current documents and its own day of decision, so M12 counted from another day than M05 M10 M11 M19 M24).
Every function answers for all the cases a run covers in a fixed number of queries, whatever their number: a nightly
run over every case costs the same handful of queries as an event-driven run over one (issue 20 benchmarks). Dates
are the local days of the stored moments (the agency's calendar day). Nothing registers here (the package imports
this module with the others, harmlessly).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from zhifa.cases import decisions
from zhifa.cases.models import Case, Document, DocumentRendition, Stage, StageChange
from zhifa.core import workdays
from zhifa.publicity.models import Publication
from zhifa.review.workflow import DECISION_FORMS

from ..registry import Context, Level

# The day a case is filed (立案): the head's approval moves it out of the start stage (cases.workflow "approve_filing").
FILED = Q(stage_changes__from_stage=Stage.START, stage_changes__to_stage=Stage.INVESTIGATION)
# The stages a case is in once its decision is taken (cases.workflow: the move "decide" leads out of the decision
# stage into service and enforcement, then the archive).
DECIDED_STAGES = (Stage.SERVICE_ENFORCEMENT, Stage.ARCHIVE)


# --- the cases of a run ----------------------------------------------------------------------------------------------

def case_q(ctx: Context, prefix: str = "") -> Q:
    """The cases the run covers, as a filter on a model reaching the case by `prefix` ("" on Case itself, "case__"
    on a case's rows): the event's cases, the agencies asked for, or everything."""
    q = Q()
    if ctx.case_ids is not None:
        q &= Q(**{f"{prefix}pk__in" if not prefix else f"{prefix}id__in": sorted(ctx.case_ids)})
    if ctx.agency_ids is not None:
        q &= Q(**{f"{prefix}agency_id__in": sorted(ctx.agency_ids)})
    return q


def cases_in(ctx: Context, qs: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """The cases of the run (of `qs`, or all): all of them at night, or what the event touched."""
    return (Case.objects.all() if qs is None else qs).filter(case_q(ctx))


def case_rows(case_scope, only: dict | None = None) -> dict[int, SimpleNamespace]:
    """{case id: the case's fields the models read} — pk, agency_id, action_type, procedure and agency.name,
    agency.kind, agency.jurisdiction.level — as plain rows rather than model instances (one query; a nightly run
    builds 100 000 of them). `only`: keep just these ids."""
    out = {}
    for row in case_scope.values("id", "agency_id", "action_type", "procedure", "agency__name", "agency__kind",
                                 "agency__jurisdiction__level"):
        if only is not None and row["id"] not in only:
            continue
        out[row["id"]] = SimpleNamespace(
            pk=row["id"], agency_id=row["agency_id"], action_type=row["action_type"], procedure=row["procedure"],
            agency=SimpleNamespace(name=row["agency__name"], kind=row["agency__kind"],
                                   jurisdiction=SimpleNamespace(level=row["agency__jurisdiction__level"])))
    return out


class Params:
    """`ctx.params(agency_id)`, asked once per agency of a run."""

    def __init__(self, ctx: Context):
        self._ctx, self._seen = ctx, {}

    def __call__(self, agency_id: int) -> dict:
        if agency_id not in self._seen:
            self._seen[agency_id] = self._ctx.params(agency_id)
        return self._seen[agency_id]


# --- days and moments ------------------------------------------------------------------------------------------------

def local_day(moment: dt.datetime | None) -> dt.date | None:
    return None if moment is None else timezone.localdate(moment)


def local(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def end_of(ctx: Context) -> dt.datetime:
    """The last moment of `ctx.today`: a run as of a day reads nothing entered after it."""
    return timezone.make_aware(dt.datetime.combine(ctx.today, dt.time(23, 59, 59)))


def now_for(ctx: Context) -> dt.datetime:
    """The moment a run judges hour-precise time limits at: now when the run is for today, else the end of
    `ctx.today` (a run as of another day, a test or a replay)."""
    return timezone.now() if ctx.today == timezone.localdate() else end_of(ctx)


def element_date(doc, name: str) -> dt.date | None:
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


# --- filed and decided -----------------------------------------------------------------------------------------------

def with_filed(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Each case with `filed_at`, the first move of its table that files it."""
    return qs.annotate(filed_at=Min("stage_changes__at", filter=FILED))


def decided_at(ctx: Context, *, forms=DECISION_FORMS) -> dict[int, dt.datetime]:
    """{case id: when its decision was taken} for the cases of the run whose decision is taken, as of the end of
    `ctx.today`: the earlier of the move out of the decision stage (作出决定) and the first issue (签发, the agency's
    seal) of a decision document. The one day of decision every model counts from. Two queries, once per event's
    run: six models read it, and the engine gives the models of one run the same `ctx.memo`."""
    key = ("decided_at", tuple(forms), ctx.today, tuple(sorted(ctx.case_ids or ())),
           tuple(sorted(ctx.agency_ids or ())))
    if key in ctx.memo:
        return dict(ctx.memo[key])
    until = end_of(ctx)
    out: dict[int, dt.datetime] = {}
    moves = (StageChange.objects.filter(case_q(ctx, "case__"), to_stage=Stage.SERVICE_ENFORCEMENT, at__lte=until)
             .values("case_id").annotate(first=Min("at")))
    for row in moves:
        out[row["case_id"]] = row["first"]
    issues = (DocumentRendition.objects.filter(case_q(ctx, "document__case__"), document__form__in=forms,
                                               issued_at__lte=until)
              .values("document__case_id").annotate(first=Min("issued_at")))
    for row in issues:
        case_id = row["document__case_id"]
        out[case_id] = min(out.get(case_id, row["first"]), row["first"])
    ctx.memo[key] = out
    return dict(out)


def decided_cases(ctx: Context, *, forms=DECISION_FORMS) -> QuerySet[Case]:
    """The cases of the run whose decision may be taken: a move out of the decision stage, or a decision document
    issued. A superset of `decided_at` (which also holds them to `ctx.today`), for use as a subquery: a nightly run
    over every case never sends a list of ids."""
    moved = StageChange.objects.filter(case=OuterRef("pk"), to_stage=Stage.SERVICE_ENFORCEMENT)
    issued = DocumentRendition.objects.filter(document__case=OuterRef("pk"), document__form__in=forms)
    return cases_in(ctx).filter(Exists(moved) | Exists(issued))


# --- documents -------------------------------------------------------------------------------------------------------

def current_documents(case_scope: QuerySet[Case], forms) -> dict[int, list[SimpleNamespace]]:
    """{case id: its documents in force (no later version supersedes them) of `forms`}, oldest first, as rows with
    pk, case_id, form, elements, recorded_at and version (what cases.decisions.facts_of and the models read). One
    query. `case_scope`: a queryset of cases, sent as a subquery, so a nightly run never sends a hundred thousand
    parameters."""
    out: dict[int, list[SimpleNamespace]] = {}
    for row in (Document.objects.filter(case__in=case_scope.values("pk"), form__in=list(forms),
                                        superseded_by__isnull=True)
                .order_by("recorded_at", "id").values("id", "case_id", "form", "elements", "recorded_at", "version")):
        out.setdefault(row["case_id"], []).append(SimpleNamespace(pk=row["id"], **row))
    return out


# The words of a decision that name a fine (罚款; 罚金 as some decisions write it), as cases.services reads the fine
# for the discretion benchmark; the other words of cases.decisions (没收违法所得, 没收非法财物, 违法所得) name
# confiscations, and 罚没款 a total of both that says neither alone.
FINE_WORDS = ("罚款", "罚金")
CONFISCATION_WORDS = ("没收违法所得", "没收非法财物", "违法所得")


@dataclass(frozen=True)
class Amounts:
    """What the decisions given impose, apart (行政处罚法 第九条: a fine and a confiscation of illegal gains or
    property are two kinds of penalty; 第二十八条第二款: gains are confiscated, not fined)."""

    fine: Decimal = Decimal(0)
    confiscated: Decimal = Decimal(0)
    unreadable_fine: bool = False  # a fine is imposed but no amount could be read


def amounts_of(documents) -> Amounts:
    """The fine and the confiscations the decision documents given (rows or Documents with .form and .elements)
    impose, read from the elements cases.decisions reads, with its reader of amounts."""
    fine = confiscated = Decimal(0)
    unreadable = False
    for document in documents:
        for name in decisions.DECISION_ELEMENTS.get(document.form, ()):
            text = unicodedata.normalize("NFKC", str(document.elements.get(name, "")))
            found = decisions._amounts(decisions._AFTER_WORD, text)
            found += [pair for pair in decisions._amounts(decisions._BEFORE_WORD, text) if pair not in found]
            fines = [a for word, a in found if word in FINE_WORDS]
            fine += sum(fines, Decimal(0))
            confiscated += sum((a for word, a in found if word in CONFISCATION_WORDS), Decimal(0))
            unreadable = unreadable or (not fines and re.search(decisions._NOT + r"(?:罚款|罚金)", text) is not None)
    return Amounts(fine=min(fine, decisions.AMOUNT_CEILING), confiscated=min(confiscated, decisions.AMOUNT_CEILING),
                   unreadable_fine=unreadable)


# --- time limits -----------------------------------------------------------------------------------------------------

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


def step_level(today: dt.date, done: dt.date | None, warn_from: dt.date, due: dt.date) -> str | None:
    """A step with a time limit: done after its last day, an alarm (the fact stays); done in time, nothing; not yet
    done, by the day of the run (`level_on`)."""
    if done is not None:
        return Level.ALARM if done > due else None
    return level_on(today, warn_from, due)


def publication_cases(subject: str) -> list[int] | None:
    """The case of a public item an event is about (`publicity.publication:N`), for the engine's event-driven run
    (registry.ProblemModel.cases_for_subject); None for any other subject."""
    family, _, pk = subject.partition(":")
    if family != "publicity.publication" or not pk.isdigit():
        return None
    return [c for c in Publication.objects.filter(pk=int(pk)).values_list("case_id", flat=True) if c is not None]
