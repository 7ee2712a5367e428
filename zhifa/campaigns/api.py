"""Special inspections API: the same services as the pages (STYLE habit 1). Errors: {code, message[, details]}
through the project's one mapping (config/api.py turns every ZhifaError into its status and body)."""

import datetime as dt
from typing import Literal

from django.http import Http404
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from zhifa.core.api import Day, Id, Pagination, column
from zhifa.core.errors import NotFoundError
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency

from . import selectors, services
from .models import DEFAULT_CHECKLIST, Campaign
from .selectors import CampaignView
from .views import require_view
from .workflow import BUREAU_PERMISSION

router = Router(tags=["专项监督检查"])


class CampaignCreateIn(Schema):
    bureau_id: Id
    title: column(Campaign, "title")
    basis: str = Field(max_length=5000)
    agency_ids: list[Id] = Field([], max_length=2000)
    all_agencies: bool = False
    action_types: list[str] = Field(max_length=20)
    period_from: Day
    period_to: Day
    # Bounds are the service's (a clear code, campaign_sample_size_invalid), not a bare 422.
    sample_size: int
    # The service's bounds (30 items of 100 characters) give the clear code; these only cap what is parsed.
    checklist: list[str] | None = Field(None, max_length=100, description="检查项目；不填则用默认的五项")


class CampaignAmendIn(Schema):
    """The whole plan again (what the form posts): the fields not changed are sent as they are."""

    title: column(Campaign, "title")
    basis: str = Field(max_length=5000)
    agency_ids: list[Id] = Field([], max_length=2000)
    all_agencies: bool = False
    action_types: list[str] = Field(max_length=20)
    period_from: Day
    period_to: Day
    sample_size: int
    checklist: list[str] = Field(max_length=100)


class CampaignActionIn(Schema):
    summary: str = Field("", max_length=20000, description="形成检查报告（report）时的总体情况")
    text: str = Field("", max_length=20000, description="发布通报（publish）时的通报正文")
    reason: str = Field("", max_length=2000, description="撤销（cancel）的理由；抽取后撤销须不少于 10 个字")
    agency_id: Id | None = Field(None, description="签收通报（acknowledge）的机关")
    note: str = Field("", max_length=2000, description="签收意见")


class CampaignFindingIn(Schema):
    item: int = Field(ge=0, le=1000, strict=True, description="检查项目序号（从 0 起）；true/false 不是序号")
    result: str = Field(max_length=10)
    text: str = Field("", max_length=2000)


class CampaignFindingsIn(Schema):
    sampled_case_id: Id
    results: list[CampaignFindingIn] = Field(max_length=100)


class CampaignOut(Schema):
    id: int
    bureau_id: int
    bureau: str
    title: str
    state: str
    period_from: dt.date
    period_to: dt.date
    sample_size: int
    action_types: list[str]
    published_on: dt.date | None


class CampaignEarlierDrawOut(Schema):
    campaign: int
    title: str
    seed: str


class CampaignDrawOut(Schema):
    population_size: int
    population_sha256: str = Field(description="每件一行“案件编号:机关编号”，按案件编号升序、以换行连接后的 SHA-256")
    population_log_entry_id: int
    seed: str
    rule: str
    earlier_draws: list[CampaignEarlierDrawOut] = Field(description="此前对相同总体的抽取（已撤销）")


class CampaignPopulationOut(Schema):
    campaign: int
    sample_size: int
    population_size: int
    population_sha256: str
    seed: str
    rule: str
    population: list[list[int]] = Field(description="总体：[案件编号, 机关编号]，按案件编号升序")


class CampaignFindingOut(Schema):
    item: int
    check: str
    result: str
    text: str
    supersedes_id: int | None


class CampaignSampledOut(Schema):
    id: int
    case_id: int
    case_number: str
    agency_id: int
    order: int
    score: str
    findings: list[CampaignFindingOut]


class CampaignDocumentOut(Schema):
    id: int
    kind: str
    number: str
    issued_on: dt.date
    sha256: str
    signer_sha256: str
    url: str


class CampaignStepOut(Schema):
    action: str
    from_state: str
    to_state: str
    actor: str
    at: dt.datetime
    note: str
    log_entry_id: int


class CampaignDeliveryOut(Schema):
    agency_id: int
    acknowledged_at: dt.datetime | None


class CampaignDetailOut(CampaignOut):
    basis: str
    agency_ids: list[int]
    checklist: list[str]
    side: Literal["bureau", "agency"]
    draw: CampaignDrawOut | None
    sampled: list[CampaignSampledOut]
    documents: list[CampaignDocumentOut]
    deliveries: list[CampaignDeliveryOut]
    steps: list[CampaignStepOut]


def _out(c: Campaign) -> dict:
    return {"id": c.pk, "bureau_id": c.bureau_id, "bureau": c.bureau.name, "title": c.title, "state": c.state,
            "period_from": c.period_from, "period_to": c.period_to, "sample_size": c.sample_size,
            "action_types": c.action_types, "published_on": c.published_on}


def _detail(view: CampaignView) -> dict:
    c = view.campaign
    d = view.draw
    draw = None if d is None else {
        "population_size": d.population_size, "population_sha256": d.population_digest,
        "population_log_entry_id": d.population_entry_id, "seed": d.seed, "rule": d.rule,
        "earlier_draws": d.earlier}
    return _out(c) | {
        "basis": c.basis, "checklist": c.checklist, "side": "bureau" if view.bureau else "agency",
        "agency_ids": sorted(a.pk for a in c.agencies.all()) if view.bureau else sorted(view.agency_ids),
        "draw": draw,
        "sampled": [{"id": s.pk, "case_id": s.case_id, "case_number": s.case.number, "agency_id": s.agency_id,
                     "order": s.order, "score": s.score,
                     "findings": [{"item": f.item, "check": c.checklist[f.item], "result": f.result, "text": f.text,
                                   "supersedes_id": f.supersedes_id} for f in sorted(s.current, key=lambda f: f.item)]}
                    for s in view.sampled()],
        "documents": [{"id": doc.pk, "kind": doc.kind, "number": doc.number, "issued_on": doc.issued_on,
                       "sha256": doc.blob.sha256, "signer_sha256": doc.signer_sha256,
                       "url": f"/campaigns/{c.pk}/documents/{doc.pk}.pdf"} for doc in view.documents()],
        "deliveries": [{"agency_id": dv.agency_id,
                        "acknowledged_at": dv.receipt.step.at if hasattr(dv, "receipt") else None}
                       for dv in view.deliveries()],
        "steps": [{"action": s.action, "from_state": s.from_state, "to_state": s.to_state, "actor": str(s.actor),
                   "at": s.at, "note": s.note if view.bureau or s.action != "report" else "",
                   "log_entry_id": s.entry_id} for s in view.steps()]}


def _get(request, pk: int) -> CampaignView:
    return selectors.campaign_get_for(actor=request.user, pk=pk, request=request)


@router.get("/", response=list[CampaignOut], summary="专项监督检查列表（组织机关与被检查机关各见其范围）")
@paginate(Pagination, rows=lambda rows, request: [_out(c) for c in rows])
def campaign_list(request, state: column(Campaign, "state") | None = None):
    require_view(request)
    return selectors.campaign_list_for(actor=request.user, state=state or "")


@router.get("/{campaign_id}", response=CampaignDetailOut, summary="专项监督检查详情：范围、抽取记录、检查结果、文书与过程")
def campaign_detail(request, campaign_id: Id):
    return _detail(_get(request, campaign_id))


@router.get("/{campaign_id}/population", response=CampaignPopulationOut,
            summary="专项监督检查抽取的总体（案件编号、机关编号）：通报发布前仅组织机关一方可见")
def campaign_population(request, campaign_id: Id):
    view = _get(request, campaign_id)
    d = getattr(view.campaign, "draw", None)
    if d is None:
        raise NotFoundError("尚未抽取。")
    population = selectors.draw_population(view)
    if population is None:  # an agency before publication: the same 404, the attempt logged
        org_perms.deny(request.user, BUREAU_PERMISSION, request=request, not_found=True,
                       detail=f"campaigns.campaign:{campaign_id} population")
    return {"campaign": view.campaign.pk, "sample_size": view.campaign.sample_size,
            "population_size": d.population_size, "population_sha256": d.population_digest, "seed": d.seed,
            "rule": d.rule, "population": population}


@router.post("/", response={201: CampaignDetailOut}, summary="组织专项监督检查")
def campaign_create(request, payload: CampaignCreateIn):
    bureau = Agency.objects.filter(pk=payload.bureau_id).select_related("jurisdiction").first()
    if bureau is None:
        raise NotFoundError()
    c = services.campaign_create(
        actor=request.user, bureau=bureau, title=payload.title, basis=payload.basis, agency_ids=payload.agency_ids,
        all_agencies=payload.all_agencies, action_types=payload.action_types, period_from=payload.period_from,
        period_to=payload.period_to, sample_size=payload.sample_size,
        checklist=payload.checklist if payload.checklist is not None else list(DEFAULT_CHECKLIST))
    return Status(201, _detail(_get(request, c.pk)))


@router.put("/{campaign_id}/plan", response=CampaignDetailOut,
            summary="修改检查方案（草拟状态，抽取前）：范围、期间、抽取数量和检查项目；组织机关不变")
def campaign_amend(request, campaign_id: Id, payload: CampaignAmendIn):
    view = _get(request, campaign_id)
    services.campaign_amend(
        campaign=view.campaign, actor=request.user, title=payload.title, basis=payload.basis,
        agency_ids=payload.agency_ids, all_agencies=payload.all_agencies, action_types=payload.action_types,
        period_from=payload.period_from, period_to=payload.period_to, sample_size=payload.sample_size,
        checklist=payload.checklist)
    return _detail(_get(request, campaign_id))


MOVE_NAMES = Literal["draw", "report", "publish", "acknowledge", "cancel"]


@router.post("/{campaign_id}/actions/{move}", response=CampaignDetailOut,
             summary="专项监督检查的办理：抽取（draw）、形成报告（report）、发布通报（publish）、签收（acknowledge）、撤销（cancel）")
def campaign_act(request, campaign_id: Id, move: MOVE_NAMES, payload: CampaignActionIn):
    view = _get(request, campaign_id)
    c, user = view.campaign, request.user
    if move == "draw":
        services.campaign_draw(campaign=c, actor=user)
    elif move == "report":
        services.campaign_report(campaign=c, actor=user, summary=payload.summary)
    elif move == "publish":
        services.campaign_publish(campaign=c, actor=user, text=payload.text)
    elif move == "cancel":
        services.campaign_cancel(campaign=c, actor=user, reason=payload.reason)
    else:
        # An agency the notice was sent to; whether the actor signs for it is the service's check (logged).
        agency = Agency.objects.filter(pk=payload.agency_id, campaign_notices__campaign=c).select_related(
            "jurisdiction").first() if payload.agency_id else None
        if agency is None:
            raise Http404()
        services.notice_acknowledge(campaign=c, actor=user, agency=agency, note=payload.note)
    return _detail(_get(request, campaign_id))


@router.post("/{campaign_id}/findings", response=CampaignDetailOut, summary="记录一件抽取案件的检查结果（更正为新记录）")
def campaign_findings(request, campaign_id: Id, payload: CampaignFindingsIn):
    view = _get(request, campaign_id)
    services.findings_record(campaign=view.campaign, actor=request.user, sampled_id=payload.sampled_case_id,
                             results=[r.dict() for r in payload.results])
    return _detail(_get(request, campaign_id))
