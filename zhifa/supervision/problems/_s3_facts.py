"""Facts about many cases at once that several problem models read (M04 M05 M06 M07 M10 M11 M19 M24).

Every function here takes the run's Context and answers for all the cases it covers in a constant number of
queries, whatever their number: a nightly run over every case never queries per case. Nothing registers here (the
module holds no model; the package imports it with the others, harmlessly).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.db.models import Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from zhifa.cases.models import Case, Document, DocumentRendition, Stage, StageChange
from zhifa.review.workflow import DECISION_FORMS

from ..registry import Context

# The stages a case is in once its decision is taken (cases.workflow: the move "decide" leads out of the decision
# stage into service and enforcement, then the archive).
DECIDED_STAGES = (Stage.SERVICE_ENFORCEMENT, Stage.ARCHIVE)


def case_q(ctx: Context, prefix: str = "") -> Q:
    """The cases the run covers, as a filter on a model reaching the case by `prefix` ("" on Case itself, "case__"
    on a case's rows): the event's cases, the agencies asked for, or everything."""
    q = Q()
    if ctx.case_ids is not None:
        q &= Q(**{f"{prefix}pk__in" if not prefix else f"{prefix}id__in": sorted(ctx.case_ids)})
    if ctx.agency_ids is not None:
        q &= Q(**{f"{prefix}agency_id__in": sorted(ctx.agency_ids)})
    return q


def cases(ctx: Context) -> QuerySet[Case]:
    return Case.objects.filter(case_q(ctx))


def end_of(ctx: Context) -> dt.datetime:
    """The last moment of `ctx.today`: a run as of a day reads nothing entered after it."""
    return timezone.make_aware(dt.datetime.combine(ctx.today, dt.time(23, 59, 59)))


def now_for(ctx: Context) -> dt.datetime:
    """The moment a run judges hour-precise time limits at: now when the run is for today, else the end of
    `ctx.today` (a run as of another day, a test or a replay)."""
    if ctx.today == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(dt.datetime.combine(ctx.today, dt.time(23, 59, 59)))


def decided_at(ctx: Context, *, forms=DECISION_FORMS) -> dict[int, dt.datetime]:
    """{case id: when its decision was taken} for the cases of the run whose decision is taken, as of the end of
    `ctx.today`: the earlier of the move out of the decision stage (作出决定) and the first issue (签发, the agency's
    seal) of a decision document. Two queries."""
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
    return out


def decided_cases(ctx: Context, *, forms=DECISION_FORMS) -> QuerySet[Case]:
    """The cases of the run whose decision may be taken: a move out of the decision stage, or a decision document
    issued. A superset of `decided_at` (which also holds them to `ctx.today`), for use as a subquery: a nightly run
    over every case never sends a list of ids."""
    moved = StageChange.objects.filter(case=OuterRef("pk"), to_stage=Stage.SERVICE_ENFORCEMENT)
    issued = DocumentRendition.objects.filter(document__case=OuterRef("pk"), document__form__in=forms)
    return cases(ctx).filter(Exists(moved) | Exists(issued))


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


def current_documents(case_scope, forms) -> dict[int, list[SimpleNamespace]]:
    """{case id: its documents in force (no later version supersedes them) of `forms`}, oldest first, as rows with
    pk, case_id, form, elements, recorded_at and version (what cases.decisions.facts_of and the models read). One
    query. `case_scope`: a queryset of cases (sent as a subquery)."""
    out: dict[int, list[SimpleNamespace]] = {}
    for row in (Document.objects.filter(case__in=case_scope.values("pk"), form__in=forms, superseded_by__isnull=True)
                .order_by("recorded_at", "id").values("id", "case_id", "form", "elements", "recorded_at", "version")):
        out.setdefault(row["case_id"], []).append(SimpleNamespace(pk=row["id"], **row))
    return out


class Params:
    """`ctx.params` read once per agency in a run."""

    def __init__(self, ctx: Context):
        self._ctx, self._seen = ctx, {}

    def __call__(self, agency_id: int) -> dict:
        if agency_id not in self._seen:
            self._seen[agency_id] = self._ctx.params(agency_id)
        return self._seen[agency_id]


def local(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"
