"""Case-file evaluation campaigns API: the same services as the pages (STYLE habit 1). Errors: {code, message[,
details]} through the project's one mapping (config/api.py turns every ZhifaError into its status and body)."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from zhifa.core.api import Day, Id, Pagination, column
from zhifa.core.errors import NotFoundError, ZhifaError
from zhifa.org.models import Agency

from . import selectors, services
from .errors import EvalErrorCode
from .models import EvalCampaign, State
from .selectors import CampaignView
from .views import require_view
from .workflow import organiser_may

router = Router(tags=["案卷评查"])


class EvalCampaignCreateIn(Schema):
    organiser_id: Id = Field(description="组织评查的司法行政部门；机关自查时为本机关")
    title: column(EvalCampaign, "title")
    basis: str = Field("", max_length=5000)
    agency_ids: list[Id] = Field([], max_length=2000)
    all_agencies: bool = False
    action_types: list[str] = Field(max_length=20)
    period_from: Day = Field(description="归档日期自")
    period_to: Day = Field(description="归档日期至")
    sample_size: int | None = Field(None, description="每个机关抽取案卷数（与抽取比例二选一）")
    sample_ratio: Decimal | None = Field(None, description="每个机关抽取比例（0.001—1，向上取整，至少一件）")
    self_check: bool = False
    evaluator_ids: list[Id] = Field([], max_length=200)
    lead_id: Id | None = None


class EvalCampaignAmendIn(Schema):
    """The whole plan again (what the form posts): the fields not changed are sent as they are."""

    title: column(EvalCampaign, "title")
    basis: str = Field("", max_length=5000)
    agency_ids: list[Id] = Field([], max_length=2000)
    all_agencies: bool = False
    action_types: list[str] = Field(max_length=20)
    period_from: Day = Field(description="归档日期自")
    period_to: Day = Field(description="归档日期至")
    sample_size: int | None = Field(None, description="每个机关抽取案卷数（与抽取比例二选一）")
    sample_ratio: Decimal | None = Field(None, description="每个机关抽取比例（0.001—1，向上取整，至少一件）")
    self_check: bool = False


class EvalActionIn(Schema):
    summary: str = Field("", max_length=20000, description="完成评查（close）时的评查情况综述")
    reason: str = Field("", max_length=2000, description="撤销（cancel）的理由")
    evaluator_ids: list[Id] = Field([], max_length=200, description="确定评查人员（add_evaluators）")
    assignments: list[tuple[Id, Id]] | None = Field(None, max_length=5000,
                                                    description="分配（assign）：[[案卷编号, 评查人员编号], …]；不填则自动分配")


class EvalMarkIn(Schema):
    item: str = Field(max_length=20)
    passed: bool
    errors: int = Field(1, ge=0, le=1000)
    reason: str = Field("", max_length=2000, description="改判机器评分时必填")


class EvalFileActionIn(Schema):
    marks: list[EvalMarkIn] = Field([], max_length=200, description="评分（score/self_score/reconcile）；未列出的机器评定项目视为确认")
    reason: str = Field("", max_length=2000, description="回避（recuse）的理由")
    note: str = Field("", max_length=2000, description="复核意见（reconcile）")
    text: str = Field("", max_length=5000, description="整改情况（rectify）")


class EvalCampaignOut(Schema):
    id: int
    organiser_id: int
    organiser: str
    title: str
    state: str
    period_from: dt.date
    period_to: dt.date
    sample_size: int | None
    sample_ratio: str | None
    self_check: bool
    action_types: list[str]
    closed_on: dt.date | None


class EvalDrawOut(Schema):
    population_size: int
    population_sha256: str
    population_log_entry_id: int
    seed: str
    rule: str


class EvalResultOut(Schema):
    id: int
    score: float
    grade: str
    deductions: list[tuple[str, float]]
    vetoed_by: list[str]
    machine_points: int
    rectification_due_on: dt.date | None
    rectified_on: dt.date | None


class EvalFileOut(Schema):
    id: int
    case_id: int
    case_number: str
    agency_id: int
    order: int
    evaluator_ids: list[int]
    result: EvalResultOut | None


class EvalStepOut(Schema):
    action: str
    from_state: str
    to_state: str
    actor: str
    at: dt.datetime
    note: str
    log_entry_id: int


class EvalCampaignDetailOut(EvalCampaignOut):
    agency_ids: list[int]
    evaluator_ids: list[int]
    lead_id: int
    standards: dict[str, int | None] = Field(description="{执法行为类别: 评查标准的规则版本编号}")
    side: Literal["organiser", "reader"]
    draw: EvalDrawOut | None
    files: list[EvalFileOut]
    to_reconcile: list[int]
    report_number: str | None
    steps: list[EvalStepOut]


class EvalMachineOut(Schema):
    item: str
    check: str
    passed: bool | None
    errors: int
    evidence: list[str]


class EvalVerdictOut(Schema):
    id: int
    phase: str
    scorer_id: int
    score: float
    grade: str
    machine_points: int
    deductions: list[tuple[str, float]]


class EvalFileDetailOut(EvalFileOut):
    machine: list[EvalMachineOut]
    verdicts: list[EvalVerdictOut]


def _out(c: EvalCampaign) -> dict:
    return {"id": c.pk, "organiser_id": c.organiser_id, "organiser": c.organiser.name, "title": c.title,
            "state": c.state, "period_from": c.period_from, "period_to": c.period_to, "sample_size": c.sample_size,
            "sample_ratio": str(c.sample_ratio) if c.sample_ratio is not None else None, "self_check": c.self_check,
            "action_types": c.action_types, "closed_on": c.closed_on}


def _result(view: CampaignView, f) -> dict | None:
    r = getattr(f, "result", None)
    if r is None or not view.shows_results(f):
        return None
    rect = getattr(r, "rectification", None)
    report = getattr(rect, "report", None) if rect is not None else None
    return {"id": r.pk, "score": float(r.score), "grade": r.grade, "deductions": [tuple(d) for d in r.deductions],
            "vetoed_by": r.vetoed_by, "machine_points": r.machine_points,
            "rectification_due_on": rect.due_on if rect else None, "rectified_on": report.reported_on if report else None}


def _file(view, f) -> dict:
    return {"id": f.pk, "case_id": f.case_id, "case_number": f.case.number, "agency_id": f.agency_id, "order": f.order,
            "evaluator_ids": [a.evaluator_id for a in f.assignments.all() if not hasattr(a, "recusal")]
            if view.shows_evaluators() else [],
            "result": _result(view, f)}


def _detail(view: CampaignView) -> dict:
    c = view.campaign
    d = getattr(c, "draw", None) if view.organiser else None
    report = getattr(c, "report", None)
    return _out(c) | {
        "agency_ids": sorted(a.pk for a in c.agencies.all()), "lead_id": c.lead_id,
        "evaluator_ids": [e.user_id for e in c.evaluators.all()] if view.shows_evaluators() else [],
        "standards": {t: s.get("rule_version_id") for t, s in c.standards.items()},
        "side": "organiser" if view.organiser else "reader",
        "draw": None if d is None else {"population_size": d.population.size, "population_sha256": d.population.digest,
                                        "population_log_entry_id": d.population.entry_id, "seed": d.seed,
                                        "rule": d.rule},
        "files": [_file(view, f) for f in view.files().select_related("result__rectification__report")],
        "to_reconcile": services.to_reconcile(c) if view.lead and c.state == State.SCORING else [],
        "report_number": report.number if report is not None else None,
        "steps": [{"action": s.action, "from_state": s.from_state, "to_state": s.to_state, "actor": str(s.actor),
                   "at": s.at, "note": s.note, "log_entry_id": s.entry_id} for s in view.steps()]}


def _get(request, pk: int) -> CampaignView:
    return selectors.campaign_get_for(actor=request.user, pk=pk, request=request)


@router.get("/", response=list[EvalCampaignOut], summary="案卷评查列表（组织机关、评查人员与被评查机关各见其范围）")
@paginate(Pagination, rows=lambda rows, request: [_out(c) for c in rows])
def eval_campaign_list(request, state: column(EvalCampaign, "state") | None = None):
    require_view(request)
    return selectors.campaign_list_for(actor=request.user, state=state or "")


@router.get("/{campaign_id}", response=EvalCampaignDetailOut, summary="案卷评查详情：范围、抽取记录、案卷、结果与过程")
def eval_campaign_detail(request, campaign_id: Id):
    return _detail(_get(request, campaign_id))


@router.post("/", response={201: EvalCampaignDetailOut}, summary="组织案卷评查（司法行政部门评查或机关自查）")
def eval_campaign_create(request, payload: EvalCampaignCreateIn):
    from django.contrib.auth import get_user_model

    organiser = Agency.objects.filter(pk=payload.organiser_id).select_related("jurisdiction").first()
    if organiser is None:
        raise NotFoundError()
    users = list(get_user_model().objects.filter(pk__in=payload.evaluator_ids))
    missing = set(payload.evaluator_ids) - {u.pk for u in users}
    lead = get_user_model().objects.filter(pk=payload.lead_id).first() if payload.lead_id else None
    if (payload.lead_id and lead is None  # an unknown lead is refused (after who may), never replaced by the opener
            and organiser_may(EvalCampaign(organiser=organiser), request.user)):
        raise ZhifaError(EvalErrorCode.LEAD_NOT_ELIGIBLE, "评查组长不存在。", details={"field": "lead"})
    c = services.campaign_create(
        actor=request.user, organiser=organiser, title=payload.title, basis=payload.basis,
        agency_ids=payload.agency_ids, all_agencies=payload.all_agencies, action_types=payload.action_types,
        period_from=payload.period_from, period_to=payload.period_to, sample_size=payload.sample_size,
        sample_ratio=payload.sample_ratio, self_check=payload.self_check,
        evaluators=users + sorted(missing), lead=lead)
    return Status(201, _detail(_get(request, c.pk)))


@router.put("/{campaign_id}/plan", response=EvalCampaignDetailOut,
            summary="修改评查方案（草拟状态，抽取前）：范围、归档期间、抽取数量或比例、是否先自查；组织机关、组长和评查人员不变")
def eval_campaign_amend(request, campaign_id: Id, payload: EvalCampaignAmendIn):
    c = _get(request, campaign_id).campaign
    services.campaign_amend(
        campaign=c, actor=request.user, title=payload.title, basis=payload.basis, agency_ids=payload.agency_ids,
        all_agencies=payload.all_agencies, action_types=payload.action_types, period_from=payload.period_from,
        period_to=payload.period_to, sample_size=payload.sample_size, sample_ratio=payload.sample_ratio,
        self_check=payload.self_check)
    return _detail(_get(request, campaign_id))


MOVE_NAMES = Literal["draw", "add_evaluators", "spot_check", "assign", "close", "cancel"]


@router.post("/{campaign_id}/actions/{move}", response=EvalCampaignDetailOut,
             summary="案卷评查的办理：抽取（draw）、确定评查人员（add_evaluators）、开始评查（spot_check）、分配（assign）、"
                     "完成（close）、撤销（cancel）")
def eval_campaign_act(request, campaign_id: Id, move: MOVE_NAMES, payload: EvalActionIn):
    from django.contrib.auth import get_user_model

    c = _get(request, campaign_id).campaign
    if move == "draw":
        services.campaign_draw(campaign=c, actor=request.user)
    elif move == "add_evaluators":
        users = list(get_user_model().objects.filter(pk__in=payload.evaluator_ids))
        services.evaluators_add(campaign=c, actor=request.user,
                                users=users + sorted(set(payload.evaluator_ids) - {u.pk for u in users}))
    elif move == "spot_check":
        services.spot_check(campaign=c, actor=request.user)
    elif move == "assign":
        services.assign(campaign=c, actor=request.user,
                        pairs=[tuple(p) for p in payload.assignments] if payload.assignments is not None else None)
    elif move == "close":
        services.campaign_close(campaign=c, actor=request.user, summary=payload.summary)
    elif move == "cancel":
        services.campaign_cancel(campaign=c, actor=request.user, reason=payload.reason)
    return _detail(_get(request, campaign_id))


@router.get("/{campaign_id}/files/{file_id}", response=EvalFileDetailOut,
            summary="一件评查案卷：系统预评分（含依据）、评分记录与结果（按阅读者的范围）")
def eval_file_detail(request, campaign_id: Id, file_id: Id):
    view = _get(request, campaign_id)
    d = selectors.file_detail(view, file_id)
    return _file(view, d["file"]) | {
        "machine": [{"item": m.item, "check": m.check_code, "passed": m.passed, "errors": m.errors,
                     "evidence": m.evidence} for m in d["machine"].values()],
        "verdicts": [{"id": v.pk, "phase": v.phase, "scorer_id": v.scorer_id, "score": float(v.score),
                      "grade": v.grade, "machine_points": v.machine_points,
                      "deductions": [tuple(x) for x in v.deductions]} for v in d["verdicts"]]}


FILE_MOVES = Literal["score", "self_score", "reconcile", "recuse", "rectify"]


@router.post("/{campaign_id}/files/{file_id}/actions/{move}", response=EvalFileDetailOut,
             summary="案卷的办理：评分（score）、自查评分（self_score）、复核确定（reconcile）、回避（recuse）、报告整改（rectify）")
def eval_file_act(request, campaign_id: Id, file_id: Id, move: FILE_MOVES, payload: EvalFileActionIn):
    view = _get(request, campaign_id)
    c = view.campaign
    f = selectors.file_detail(view, file_id)["file"]
    marks = [m.dict() for m in payload.marks]
    if move == "score":
        services.score(campaign=c, actor=request.user, file_id=f.pk, marks=marks)
    elif move == "self_score":
        services.self_score(campaign=c, actor=request.user, file_id=f.pk, marks=marks)
    elif move == "reconcile":
        services.reconcile(campaign=c, actor=request.user, file_id=f.pk, marks=marks, note=payload.note)
    elif move == "recuse":
        services.recuse(campaign=c, actor=request.user, file_id=f.pk, reason=payload.reason)
    elif move == "rectify":
        result = getattr(f, "result", None)
        services.rectify(campaign=c, actor=request.user, result_id=result.pk if result else 0, text=payload.text)
    return eval_file_detail(request, campaign_id, file_id)

