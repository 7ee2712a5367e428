"""Annual assessment API: the same services as the pages (STYLE habit 1). Errors: {code, message[, details]} through
the project's one mapping (config/api.py)."""

from typing import Annotated, Literal

from ninja import Router, Schema, Status
from pydantic import Field

from zhifa.core.api import Day, Id, Offset
from zhifa.core.errors import NotFoundError
from zhifa.org.models import Agency

from . import selectors, services
from .models import Outcome
from .views import require_reader

router = Router(tags=["评议考核"])


class AssessmentCreateIn(Schema):
    bureau_id: Id
    year: int = Field(ge=1, le=9999, description="考核年度")
    title: str = Field("", max_length=200)


class AssessmentActionIn(Schema):
    summary: str = Field("", max_length=20000, description="确定结果（finalise）的考核结果说明")
    reason: str = Field("", max_length=2000, description="撤销（cancel）或评议加减分（score）的理由")
    agency_id: Id | None = Field(None, description="评议加减分（score）的机关")
    points: str = Field("", max_length=20, description="评议加减分（score），在指标体系规定的范围内")


class AssessmentFigureOut(Schema):
    indicator: str
    value: float | None
    points: str
    denominator: float


class AssessmentRowOut(Schema):
    agency_id: int
    agency: str
    rank: int | None = Field(None, description="名次；没有可考核执法记录的机关不参加排名（null）")
    points: str
    qualitative: str
    reason: str
    total: str
    no_records: bool = Field(False, description="无可考核的执法记录：各项指标不计分，不参加排名")
    scored_points: str = Field("", description="计分项目得分（未折算）")
    scored_of: str = Field("", description="计分项目满分（不计分的指标不计入）")
    figures: list[AssessmentFigureOut]


class AssessmentOut(Schema):
    id: int
    bureau_id: int
    bureau: str
    year: int
    title: str
    state: str
    indicators: dict
    rows: list[AssessmentRowOut]


class AssessmentTraceOut(Schema):
    agency_id: int
    indicator: str
    value: float | None
    numerator: float
    denominator: float
    points: str
    source: str
    total_records: int
    records: list[int]
    hits: list[int]
    pending: list[int] = []


class AssessmentOutcomeIn(Schema):
    agency_id: Id
    kind: str = Field(max_length=20)
    result: str = Field(max_length=30)
    decided_on: Day
    reference: str = Field(max_length=200)
    reason: str = Field(max_length=2000)
    supersedes_id: Id | None = None


class AssessmentOutcomeOut(Schema):
    id: int
    agency_id: int
    kind: str
    result: str
    decided_on: Day
    reference: str
    reason: str
    supersedes_id: int | None


def _out(a, visible) -> dict:
    # Once final the ranking is 通报 to every agency assessed (docs/assessment.md): the rows are every agency's,
    # each with its true rank; what lies behind another agency's figures (its records) stays its own.
    rows = selectors.ranking(a) if visible is None or visible else []
    return {"id": a.pk, "bureau_id": a.bureau_id, "bureau": a.bureau.name, "year": a.year, "title": a.title,
            "state": a.state, "indicators": a.indicators,
            "rows": [{"agency_id": r.agency_id, "agency": r.agency, "rank": r.rank, "points": str(r.points),
                      "qualitative": str(r.qualitative), "reason": r.reason, "total": str(r.total),
                      "no_records": r.no_records, "scored_points": f"{r.raw:.2f}", "scored_of": f"{r.scored_of:.2f}",
                      "figures": [{"indicator": k, "value": f["value"], "points": str(f["points"]),
                                   "denominator": f["denominator"]} for k, f in r.figures.items()]} for r in rows]}


@router.get("/", response=list[AssessmentOut], summary="评议考核列表（不含各机关结果）")
def assessment_list(request):
    require_reader(request)
    return [{"id": a.pk, "bureau_id": a.bureau_id, "bureau": a.bureau.name, "year": a.year, "title": a.title,
             "state": a.state, "indicators": a.indicators, "rows": []}
            for a in selectors.assessments_for(request.user)[:200]]


@router.post("/outcomes", response={201: AssessmentOutcomeOut}, summary="登记复议诉讼结果或投诉举报查处结果（更正另行登记）")
def outcome_create(request, payload: AssessmentOutcomeIn):
    agency = Agency.objects.filter(pk=payload.agency_id).select_related("jurisdiction").first()
    if agency is None:
        raise NotFoundError()
    old = Outcome.objects.filter(pk=payload.supersedes_id).first() if payload.supersedes_id else None
    if payload.supersedes_id and old is None:
        raise NotFoundError()
    o = services.outcome_record(actor=request.user, agency=agency, kind=payload.kind, result=payload.result,
                                decided_on=payload.decided_on, reference=payload.reference, reason=payload.reason,
                                supersedes=old)
    return Status(201, {"id": o.pk, "agency_id": o.agency_id, "kind": o.kind, "result": o.result,
                        "decided_on": o.decided_on, "reference": o.reference, "reason": o.reason,
                        "supersedes_id": o.supersedes_id})


@router.get("/{assessment_id}", response=AssessmentOut, summary="评议考核的排名与各机关指标（机关仅见本机关已确定的结果）")
def assessment_detail(request, assessment_id: Id):
    a, visible = selectors.assessment_for(request.user, assessment_id, request=request)
    return _out(a, visible)


@router.get("/{assessment_id}/agencies/{agency_id}/{indicator}", response=AssessmentTraceOut,
            summary="一个指标值所依据的记录（编号分页）")
def assessment_trace(request, assessment_id: Id, agency_id: Id, indicator: Annotated[str, Field(max_length=40)],
                     offset: Offset = 0,
                     limit: Annotated[int, Field(ge=1, le=10000, description="每页记录数（至多 10000）")] = 1000):
    offset, limit = max(0, offset), min(max(1, limit), 10000)
    a, visible = selectors.assessment_for(request.user, assessment_id, request=request)
    if visible is not None and agency_id not in visible:
        raise NotFoundError()
    f = selectors.figure_for(a, agency_id, indicator)
    return {"agency_id": agency_id, "indicator": indicator, "value": f.value, "numerator": f.numerator,
            "denominator": f.denominator, "points": str(f.points), "source": f.source,
            "total_records": len(f.records), "records": f.records[offset:offset + limit],
            "hits": [i for i in f.hits if i in set(f.records[offset:offset + limit])], "pending": f.pending}


@router.post("/", response={201: AssessmentOut}, summary="组织评议考核（本级及下级行政区划的执法机关）")
def assessment_create(request, payload: AssessmentCreateIn):
    bureau = Agency.objects.filter(pk=payload.bureau_id).select_related("jurisdiction").first()
    if bureau is None:
        raise NotFoundError()
    a = services.assessment_create(actor=request.user, bureau=bureau, year=payload.year, title=payload.title)
    a, visible = selectors.assessment_for(request.user, a.pk, request=request)
    return Status(201, _out(a, visible))


@router.post("/{assessment_id}/actions/{move}", response=AssessmentOut,
             summary="评议考核的办理：计算（compute）、评议加减分（score）、确定结果（finalise）、撤销（cancel）")
def assessment_act(request, assessment_id: Id, move: Literal["compute", "score", "finalise", "cancel"],
                   payload: AssessmentActionIn):
    a, _visible = selectors.assessment_for(request.user, assessment_id, request=request)
    user = request.user
    if move == "compute":
        services.assessment_compute(assessment=a, actor=user)
    elif move == "score":
        agency = Agency.objects.filter(pk=payload.agency_id).first() if payload.agency_id else None
        if agency is None:
            raise NotFoundError()
        services.qualitative_score(assessment=a, actor=user, agency=agency, points=payload.points,
                                   reason=payload.reason)
    elif move == "finalise":
        services.assessment_finalise(assessment=a, actor=user, summary=payload.summary)
    else:
        services.assessment_cancel(assessment=a, actor=user, reason=payload.reason)
    a, visible = selectors.assessment_for(request.user, assessment_id, request=request)
    return _out(a, visible)
