"""Reads of annual assessments: who sees what, the ranking, one agency's result and the records behind a figure.
A fixed number of queries whatever the number of agencies (the ranking page: scores, figures, qualitative)."""

from dataclasses import dataclass, field
from decimal import Decimal

from zhifa.core.errors import NotFoundError
from zhifa.org import permissions as org_perms

from .models import AgencyScore, Assessment, Figure, QualitativeScore, State
from .workflow import BUREAU_PERMISSION, VIEW_PERMISSION

TRACE_LIMIT = 500  # records listed per figure on one page (the API pages further)


def is_bureau_side(user, assessment) -> bool:
    return org_perms.can(user, BUREAU_PERMISSION, jurisdiction=assessment.bureau.jurisdiction)


def visible_agency_ids(user, assessment) -> set[int] | None:
    """None: every agency of the assessment (the bureau's side); else the agencies whose result the user may read
    (their own, once the result is final)."""
    if is_bureau_side(user, assessment):
        return None
    if assessment.state != State.FINALISED:
        return set()
    scope = org_perms.scope_for(user, VIEW_PERMISSION)
    if scope.empty:
        return set()
    return set(assessment.agencies.filter(scope.agency_q()).values_list("pk", flat=True))


def assessment_for(user, pk: int, *, request=None) -> tuple[Assessment, set[int] | None]:
    """The assessment and what of it the user may read; 404 (logged) for one who may read nothing of it."""
    assessment = Assessment.objects.select_related("bureau__jurisdiction").filter(pk=pk).first()
    if assessment is None:
        raise NotFoundError("未找到该评议考核。")
    visible = visible_agency_ids(user, assessment)
    if visible is not None and not visible:
        org_perms.deny(user, VIEW_PERMISSION, request=request, detail=f"assessment:{pk}", not_found=True)
    return assessment, visible


def assessments_for(user):
    """The assessments a user may open: those of bureaus whose jurisdiction the user supervises, and the finalised
    ones covering the user's agencies."""
    sup = org_perms.scope_for(user, BUREAU_PERMISSION)
    view = org_perms.scope_for(user, VIEW_PERMISSION)
    qs = Assessment.objects.select_related("bureau")
    from django.db.models import Q

    q = Q(pk__in=[])
    if not sup.empty:
        q |= sup.agency_q("bureau__")
    if not view.empty:
        q |= Q(state=State.FINALISED, pk__in=Assessment.agencies.through.objects.filter(
            view.agency_q("agency__")).values("assessment_id"))
    return qs.filter(q).distinct()


@dataclass
class Row:
    agency_id: int
    agency: str
    points: Decimal
    qualitative: Decimal = Decimal(0)
    reason: str = ""
    total: Decimal = Decimal(0)
    rank: int | None = 0
    figures: dict = field(default_factory=dict)
    # How the indicators' points were reached (indicators.total_points): the points of the indicators scored
    # (`raw`), out of their weights (`scored_of`), rescaled to the table's `total` when some were exempt
    # (`rescaled`). `no_records`: every indicator the table may exempt is exempt — the agency has no enforcement
    # record to assess (无可考核的执法记录): 0 points and no rank (listed after the ranked agencies).
    raw: Decimal = Decimal(0)
    scored_of: Decimal = Decimal(0)
    out_of: Decimal = Decimal(0)
    rescaled: bool = False
    no_records: bool = False


def ranking(assessment, *, only: set[int] | None = None) -> list[Row]:
    """Per agency of the latest computation: the indicators' points, the qualitative score in force and the total,
    ranked (ties share a rank) among every agency assessed; `only` then keeps the rows of those agencies, each with
    its true rank (the rank is never taken among the rows kept). Three queries."""
    if assessment.computation_id is None:
        return []
    scores = AgencyScore.objects.filter(step_id=assessment.computation_id).select_related("agency")
    figures = Figure.objects.filter(step_id=assessment.computation_id)
    rows = {s.agency_id: Row(s.agency_id, s.agency.name, s.points) for s in scores}
    for agency_id, code, value, points, denominator in figures.values_list("agency_id", "indicator", "value",
                                                                             "points", "denominator"):
        rows[agency_id].figures[code] = {"value": value, "points": points, "denominator": denominator}
    for q in QualitativeScore.objects.filter(assessment=assessment, superseded_by__isnull=True):
        if q.agency_id in rows:
            rows[q.agency_id].qualitative, rows[q.agency_id].reason = q.points, q.reason
    table = assessment.indicators or {}
    for row in rows.values():
        _explain(row, table)
    out = sorted(rows.values(), key=lambda r: (r.no_records, -(r.points + r.qualitative), r.agency, r.agency_id))
    rank, last = 0, None
    for n, row in enumerate(out, start=1):
        row.total = row.points + row.qualitative
        if row.no_records:
            row.rank = None
            continue
        if row.total != last:
            rank, last = n, row.total
        row.rank = rank
    if only is not None:
        out = [r for r in out if r.agency_id in only]
    return out


def is_exempt(figure: dict, item: dict) -> bool:
    return figure.get("value") is None and item.get("if_empty", "full") == "exempt"


def _explain(row: Row, table: dict) -> None:
    """Fill row.raw / scored_of / out_of / rescaled / no_records from the figures stored (the same rule as
    indicators.total_points, which made row.points: the two agree, tested)."""
    items = table.get("indicators", [])
    kept = [i for i in items if not is_exempt(row.figures.get(i["code"], {}), i)]
    row.out_of = Decimal(str(table.get("total", 0)))
    row.no_records = any(i.get("if_empty", "full") == "exempt" for i in items) and \
        not any(i.get("if_empty", "full") == "exempt" for i in kept)
    row.raw = sum((Decimal(str(row.figures.get(i["code"], {}).get("points", 0))) for i in kept), Decimal(0))
    row.scored_of = sum((Decimal(str(i["weight"])) for i in kept), Decimal(0))
    row.rescaled = not row.no_records and len(kept) < len(items)


def show_value(value, kind: str) -> str:
    """An indicator's figure as the pages show it (docs/assessment.md "Number formats"): a rate as a percentage with
    two decimals, a mean score with two decimals and 分, a count as a whole number of 件."""
    if value is None:
        return ""
    if kind == "rate":
        return f"{Decimal(str(value)) * 100:.2f}%"
    if kind == "count":
        return f"{int(value)} 件"
    return f"{Decimal(str(value)):.2f} 分"


def figure_for(assessment, agency_id: int, indicator: str) -> Figure:
    figure = Figure.objects.filter(step_id=assessment.computation_id, agency_id=agency_id,
                                   indicator=indicator).first()
    if figure is None:
        raise NotFoundError("未找到该指标。")
    return figure


def describe(source: str, ids: list[int]) -> list[dict]:
    """The records behind a figure, in words: {id, label, detail, url}. One query per call."""
    from django.urls import NoReverseMatch, reverse

    ids = list(ids)
    if source == "publicity.publication":
        from zhifa.publicity.models import Publication
        rows = Publication.objects.filter(pk__in=ids).values_list("pk", "title", "decided_on", "due_on",
                                                                  "published_at", "state")
        from zhifa.publicity.workflow import State as PublicationState

        labels = dict(PublicationState.choices)
        return [{"id": pk, "label": t, "detail": f"决定 {d}，公示期限 {due}，发布 {_local(p)}" if p else
                 f"决定 {d}，公示期限 {due}，状态：{labels.get(s, s)}", "url": ""} for pk, t, d, due, p, s in rows]
    if source == "cases.document":
        from zhifa.cases.doctypes import FORMS
        from zhifa.cases.models import Document
        rows = Document.objects.filter(pk__in=ids).values_list("pk", "form", "case_id", "case__number", "recorded_at")
        return [{"id": pk, "label": f"{num}《{FORMS[f].title if f in FORMS else f}》", "detail": f"记录于 {_local(at)}",
                 "url": _url(reverse, NoReverseMatch, "case-detail", c)} for pk, f, c, num, at in rows]
    if source == "cases.case":
        from zhifa.cases.models import Case
        rows = Case.objects.filter(pk__in=ids).values_list("pk", "number", "title")
        return [{"id": pk, "label": num, "detail": t, "url": _url(reverse, NoReverseMatch, "case-detail", pk)}
                for pk, num, t in rows]
    if source == "supervision.alert":
        from zhifa.supervision.models import Alert
        from zhifa.supervision.registry import REGISTRY as PROBLEMS
        from zhifa.supervision.workflow import AlertState

        states = dict(AlertState.choices)
        rows = Alert.objects.filter(pk__in=ids).values_list("pk", "model", "detail", "state")
        return [{"id": pk, "label": f"预警：{PROBLEMS[m].name}" if m in PROBLEMS else "监督预警",
                 "detail": f"{d}（{states.get(s, s)}）", "url": ""} for pk, m, d, s in rows]
    if source == "assessment.outcome":
        from .models import Outcome
        return [{"id": o.pk, "label": o.reference, "detail": f"{o.get_kind_display()}：{o.get_result_display()}，"
                 f"{o.decided_on}；{o.reason}", "url": ""} for o in Outcome.objects.filter(pk__in=ids)]
    if source == "evaluation.fileresult":
        from django.apps import apps

        from zhifa.evaluation.standards import GRADE_LABELS

        FileResult = apps.get_model("evaluation", "FileResult")
        rows = FileResult.objects.filter(pk__in=ids).values_list("pk", "file__case__number", "campaign__title",
                                                                 "campaign__closed_on", "score", "grade")
        return [{"id": pk, "label": f"{num}（{title}）", "detail": f"{score:.2f} 分，{GRADE_LABELS.get(grade, grade)}，"
                 f"{closed} 反馈", "url": ""} for pk, num, title, closed, score, grade in rows]
    return [{"id": pk, "label": f"{source}:{pk}", "detail": "", "url": ""} for pk in ids]


def _local(at) -> str:
    """A moment as people here read it: local time (settings.TIME_ZONE), never UTC."""
    from django.utils import timezone

    return f"{timezone.localtime(at):%Y-%m-%d %H:%M}" if at else ""


def _url(reverse, error, name, pk) -> str:
    try:
        return reverse(name, args=[pk])
    except error:
        return ""
