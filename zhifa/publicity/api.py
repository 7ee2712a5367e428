"""Publicity API (staff): the same services and selectors as the pages (STYLE habit 1), so the same rules,
permissions and ledger entries. Errors are {code, message}; the codes are `PublicityErrorCode`. The public
reads the portal and its feeds (`/portal/<code>/feed.json`), not this API."""

import datetime as dt
from typing import Annotated, Any

from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from zhifa.core.api import Id, Pagination, RowOut, Year
from zhifa.core.errors import ZhifaError
from zhifa.org import permissions as org_perms
from zhifa.org import selectors as org_selectors
from zhifa.org.models import Agency
from zhifa.rules.catalogue import MASK_KINDS

from . import selectors, services
from .errors import PublicityErrorCode
from .models import AnnualReport, Mask, MaskRemovalRequest, Publication, Request
from .workflow import EDITABLE, MaskLift, mask_lift

router = Router(tags=["执法公示"])
Position = Annotated[int, Field(ge=0, le=2**31 - 1, description="在原文中的位置（字符序号）")]
Figure = Annotated[int, Field(ge=0, le=2**31 - 1)]


class PublicationOut(RowOut):
    id: int
    kind: str
    agency_id: int
    agency: str
    title: str
    state: str
    version: int
    supersedes_id: int | None
    case_id: int | None
    action_type: str
    mode: str
    decided_on: dt.date | None
    due_on: dt.date | None
    due_provisional: bool
    minor_party: bool
    exemption_ground: str
    published_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    withdrawal_trigger: str


class RemovalRequestOut(Schema):
    id: int
    state: str
    reason: str
    legal_basis: str
    requested_by: str
    requested_at: dt.datetime
    decided_by: str | None
    decision_note: str


class MaskOut(Schema):
    id: int
    start: int
    end: int
    kind: str
    label: str
    text: str | None = Field(description="被隐去的原文：仅对可查看原文者给出")
    origin: str
    reason: str
    added_by: str | None
    added_at: dt.datetime
    removed: bool
    removal_reason: str | None
    lift_rule: str
    removal_requests: list[RemovalRequestOut]
    log_entry_id: int


class PublicationStepOut(Schema):
    action: str
    from_state: str = Field(alias="from")
    to: str
    actor: str | None
    at: dt.datetime
    note: str
    data: dict[str, Any]
    log_entry_id: int


class PublicationDetailOut(PublicationOut):
    """The unmasked fields (`target_name`, `target_code`, `fields`, `original_text`) are null for those who may
    not see the original."""

    target_name: str | None
    target_code: str | None
    fields: dict[str, Any] | None
    rows: list[Any]
    public_text: str
    original_text: str | None
    published_log_entry_id: int | None
    withdrawal_basis: str
    update_reason: str
    masks: list[MaskOut]
    timeline: list[PublicationStepOut]


class RemovalRequestedOut(PublicationDetailOut):
    removal_request_id: int


# The step's source state goes out as "from" (a Python keyword, so an alias).
DETAIL = {"by_alias": True}


def _summary(p: Publication) -> dict:
    return {"id": p.pk, "kind": p.kind, "agency_id": p.agency_id, "agency": p.agency.name, "title": p.title,
            "state": p.state, "version": p.version, "supersedes_id": p.supersedes_id, "case_id": p.case_id,
            "action_type": p.action_type, "mode": p.mode, "decided_on": p.decided_on, "due_on": p.due_on,
            "due_provisional": p.due_provisional, "minor_party": p.minor_party,
            "exemption_ground": p.exemption_ground, "published_at": p.published_at, "withdrawn_at": p.withdrawn_at,
            "withdrawal_trigger": p.withdrawal_trigger}


def _mask(m: Mask, original: str | None, minor: bool = False) -> dict:
    removal = getattr(m, "removal", None)
    return {"id": m.pk, "start": m.start, "end": m.end, "kind": m.kind, "label": MASK_KINDS.get(m.kind, "其他"),
            "text": original[m.start:m.end] if original is not None else None, "origin": m.origin,
            "reason": m.reason, "added_by": str(m.added_by) if m.added_by_id else None, "added_at": m.added_at,
            "removed": removal is not None, "removal_reason": removal.reason if removal else None,
            "lift_rule": MaskLift.NEVER if minor else mask_lift(m.kind),
            "removal_requests": [{"id": r.pk, "state": r.state, "reason": r.reason, "legal_basis": r.legal_basis,
                                  "requested_by": str(r.requested_by), "requested_at": r.requested_at,
                                  "decided_by": str(r.decided_by) if r.decided_by_id else None,
                                  "decision_note": r.decision_note} for r in m.removal_requests.all()],
            "log_entry_id": m.entry_id}


def _detail(request, pub: Publication) -> dict:
    # The unmasked decision — the original, the parties' names and credit code, the summary's fields (names,
    # facts) — only for those who edit or approve the item, as on the page (selectors.may_see_original); everyone
    # else reads the masked public text (issue 14, review #2).
    see = selectors.may_see_original(request.user, pub)
    original = pub.original_text if see else None
    minor = pub.kind == "decision" and bool(pub.minor_party or services.minor_findings(pub))
    return {**_summary(pub), "target_name": pub.target_name if see else None,
            "target_code": pub.target_code if see else None, "fields": pub.fields if see else None, "rows": pub.rows,
            "public_text": services.public_text(pub) if pub.state in EDITABLE else pub.public_text,
            "original_text": original, "published_log_entry_id": pub.published_entry_id,
            "withdrawal_basis": pub.withdrawal_basis, "update_reason": pub.update_reason,
            "masks": [_mask(m, original, minor) for m in selectors.masks_of(pub)] if pub.kind == "decision" else [],
            "timeline": [{"action": s.action, "from": s.from_state, "to": s.to_state, "actor": str(s.actor) if s.actor_id else None,
                          "at": s.at, "note": s.note, "data": s.data, "log_entry_id": s.entry_id}
                         for s in selectors.timeline(pub)]}


def _pub(request, publication_id: Id) -> Publication:
    return selectors.publication_get_for(actor=request.user, id=publication_id, request=request)


@router.get("/items", response=list[PublicationOut], summary="公示信息（在本人权限范围内）")
@paginate(Pagination, rows=lambda pubs, request: [_summary(p) for p in pubs])
def item_list(request, state: str = "", kind: str = "", overdue: bool = False):
    # The page's rule (it answers 403, logged, without the permission), not an empty list.
    org_perms.require(request.user, "publicity.view", request=request)
    if overdue:
        qs = selectors.overdue_for(actor=request.user)
    else:
        qs = selectors.publication_list_for(actor=request.user, states=[state] if state else None,
                                            kind=kind or None).order_by("-id")
    return qs


@router.get("/queue", response=list[PublicationOut], summary="待办：待提交、待审核、不予公开待批准，期限最近的在前")
@paginate(Pagination, rows=lambda pubs, request: [_summary(p) for p in pubs])
def queue(request):
    # The page's rule (it answers 403, logged, without the permission), not an empty list.
    org_perms.require(request.user, "publicity.view", request=request)
    return selectors.queue_for(actor=request.user)


@router.get("/items/{publication_id}", response=PublicationDetailOut, **DETAIL, summary="一条公示信息：隐去处理、流转记录")
def item_get(request, publication_id: Id):
    return _detail(request, _pub(request, publication_id))


class NoteIn(Schema):
    note: str = ""


class ReasonIn(Schema):
    reason: str


class MaskRemoveIn(Schema):
    reason: str
    legal_basis: str = Field("", description="法律依据：取消对自然人姓名、联系方式、住址等的隐去时必填，并须经另一名审核人批准")


class MaskRemovalDecisionIn(Schema):
    approve: bool
    note: str = ""


class ModeIn(Schema):
    mode: str


class MaskIn(Schema):
    kind: str
    reason: str
    text: str = ""
    start: Position | None = None
    end: Position | None = None


class ExemptionIn(Schema):
    ground: str
    explanation: str


class ExemptionDecisionIn(Schema):
    approve: bool
    note: str = ""
    exception: str = ""


class WithdrawIn(Schema):
    trigger: str
    basis: str
    note: str = ""


@router.post("/items/{publication_id}/submit", response=PublicationDetailOut, **DETAIL, summary="提交审核")
def item_submit(request, publication_id: Id, payload: NoteIn):
    pub = services.publication_submit(publication=_pub(request, publication_id), actor=request.user, note=payload.note)
    return _detail(request, pub)


@router.post("/items/{publication_id}/return", response=PublicationDetailOut, **DETAIL, summary="退回修改")
def item_return(request, publication_id: Id, payload: ReasonIn):
    pub = services.publication_return(publication=_pub(request, publication_id), actor=request.user,
                                      reason=payload.reason)
    return _detail(request, pub)


@router.post("/items/{publication_id}/approve", response=PublicationDetailOut, **DETAIL, summary="审核通过并发布（审核人不得为提交人）")
def item_approve(request, publication_id: Id, payload: NoteIn):
    pub = services.publication_approve(publication=_pub(request, publication_id), actor=request.user,
                                       note=payload.note)
    return _detail(request, pub)


@router.post("/items/{publication_id}/recollect", response={201: PublicationDetailOut}, **DETAIL,
             summary="按另一公开方式重新采集（原草稿被新版本替代）")
def item_recollect(request, publication_id: Id, payload: ModeIn):
    pub = services.decision_recollect(publication=_pub(request, publication_id), actor=request.user,
                                      mode=payload.mode)
    return Status(201, _detail(request, pub))


@router.post("/items/{publication_id}/masks", response={201: PublicationDetailOut}, **DETAIL,
             summary="补充隐去：按位置（start/end）或按文字（text，全部出现处）")
def mask_add(request, publication_id: Id, payload: MaskIn):
    pub = _pub(request, publication_id)
    services.mask_add(publication=pub, actor=request.user, kind=payload.kind, reason=payload.reason,
                      text=payload.text.strip(), start=payload.start, end=payload.end)
    return Status(201, _detail(request, pub))


@router.post("/items/{publication_id}/masks/{mask_id}/remove", response={200: PublicationDetailOut, 202: RemovalRequestedOut}, **DETAIL,
             summary="取消隐去：可直接取消的（200）；须批准的载明法律依据后提出申请（202，隐去保留至批准）；身份证号码、涉及未成年人的不得取消")
def mask_remove(request, publication_id: Id, mask_id: Id, payload: MaskRemoveIn):
    pub = _pub(request, publication_id)
    mask = pub.masks.filter(pk=mask_id).first()
    if mask is None:
        raise ZhifaError(PublicityErrorCode.MASK_INVALID, "没有该隐去处理。", status=404)
    done = services.mask_remove(mask=mask, actor=request.user, reason=payload.reason, legal_basis=payload.legal_basis)
    if isinstance(done, MaskRemovalRequest):
        return Status(202, {**_detail(request, pub), "removal_request_id": done.pk})
    return _detail(request, pub)


@router.post("/items/{publication_id}/mask-removals/{request_id}/decide", response=PublicationDetailOut, **DETAIL,
             summary="批准或不批准取消隐去（须为申请人以外的审核人）")
def mask_removal_decide(request, publication_id: Id, request_id: Id, payload: MaskRemovalDecisionIn):
    pub = _pub(request, publication_id)
    removal_request = MaskRemovalRequest.objects.filter(pk=request_id, mask__publication=pub).first()
    if removal_request is None:
        raise ZhifaError(PublicityErrorCode.MASK_INVALID, "没有该取消隐去申请。", status=404)
    services.mask_removal_decide(removal_request=removal_request, actor=request.user, approve=payload.approve,
                                 note=payload.note)
    return _detail(request, pub)


@router.post("/items/{publication_id}/exemption", response=PublicationDetailOut, **DETAIL, summary="申请不予公开（须有法定情形）")
def exemption_request(request, publication_id: Id, payload: ExemptionIn):
    pub = services.exemption_request(publication=_pub(request, publication_id), actor=request.user,
                                     ground=payload.ground, explanation=payload.explanation)
    return _detail(request, pub)


@router.post("/items/{publication_id}/exemption/decision", response=PublicationDetailOut, **DETAIL, summary="批准或不批准不予公开")
def exemption_decide(request, publication_id: Id, payload: ExemptionDecisionIn):
    pub = services.exemption_decide(publication=_pub(request, publication_id), actor=request.user,
                                    approve=payload.approve, note=payload.note, exception=payload.exception)
    return _detail(request, pub)


@router.post("/items/{publication_id}/withdraw", response=PublicationDetailOut, **DETAIL, summary="立即撤下（撤销、确认违法、复议、判决等）")
def item_withdraw(request, publication_id: Id, payload: WithdrawIn):
    pub = services.publication_withdraw(publication=_pub(request, publication_id), actor=request.user,
                                        trigger=payload.trigger, basis=payload.basis, note=payload.note)
    return _detail(request, pub)


# --- basic-information lists ---------------------------------------------------------------------------------

class ListIn(Schema):
    agency_id: Id
    kind: str
    title: str
    rows: list[dict[str, Any]]
    supersedes_id: Id | None = None
    update_reason: str = ""


def _agency(request, agency_id: int, permission: str) -> Agency:
    return org_selectors.agency_get_for(actor=request.user, id=agency_id, permission=permission, request=request)


def _supersedes(request, supersedes_id: int | None) -> Publication | None:
    if not supersedes_id:
        return None
    return _pub(request, supersedes_id)


@router.post("/lists", response={201: PublicationDetailOut}, **DETAIL, summary="录入清单（新版本须说明更新原因）")
def list_create(request, payload: ListIn):
    pub = services.list_collect(agency=_agency(request, payload.agency_id, "publicity.edit"), kind=payload.kind,
                                title=payload.title, rows=payload.rows, actor=request.user,
                                supersedes=_supersedes(request, payload.supersedes_id),
                                update_reason=payload.update_reason)
    return Status(201, _detail(request, pub))


@router.post("/lists/import", response={201: PublicationDetailOut}, **DETAIL, summary="从 Excel 导入清单（按表头名称对应字段）")
def list_import(request, agency_id: Form[Id], kind: Form[str], title: Form[str], sheet: File[UploadedFile],
                supersedes_id: Form[Id | None] = None, update_reason: Form[str] = ""):
    agency = _agency(request, agency_id, "publicity.edit")
    rows = services.list_read_xlsx(kind=kind, content=sheet.read())
    pub = services.list_collect(agency=agency, kind=kind, title=title, rows=rows, actor=request.user,
                                supersedes=_supersedes(request, supersedes_id), update_reason=update_reason)
    return Status(201, _detail(request, pub))


# --- requests from the public ----------------------------------------------------------------------------------

class RequestOut(RowOut):
    id: int
    reference: str
    kind: str
    agency_id: int
    publication_id: int | None
    state: str
    received_at: dt.datetime
    due_on: dt.date | None
    due_provisional: bool
    forwarded_to_id: int | None
    closed_at: dt.datetime | None


class EvidenceOut(Schema):
    name: str
    sha256: str
    size: int


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    state: str
    received_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    reason: str


class RequestStepOut(Schema):
    action: str
    to: str
    actor: str | None
    at: dt.datetime
    note: str
    log_entry_id: int


class RequestDetailOut(RequestOut):
    requester_name: str
    requester_contact: str
    content: str
    answer: str
    evidence: list[EvidenceOut]
    attachments: list[AttachmentOut]
    steps: list[RequestStepOut]


def _request_out(r: Request, *, full: bool = False) -> dict:
    out = {"id": r.pk, "reference": r.reference, "kind": r.kind, "agency_id": r.agency_id,
           "publication_id": r.publication_id, "state": r.state, "received_at": r.received_at, "due_on": r.due_on,
           "due_provisional": r.due_provisional, "forwarded_to_id": r.forwarded_to_id, "closed_at": r.closed_at}
    if full:
        out |= {"requester_name": r.requester_name, "requester_contact": r.requester_contact, "content": r.content,
                "answer": r.answer,
                "evidence": [{"name": e.name, "sha256": e.blob.sha256, "size": e.blob.size}
                             for e in r.evidence.select_related("blob")],
                # What the public sent (issue 14 §2): quarantined until staff decide on each file (accepted: in
                # the evidence store above; rejected: deleted); the bytes are served on the staff page only.
                "attachments": [{"id": a.pk, "name": a.name, "content_type": a.content_type, "size": a.size,
                                 "sha256": a.sha256, "state": a.state, "received_at": a.received_at,
                                 "decided_by": str(a.decided_by) if a.decided_by_id else None,
                                 "decided_at": a.decided_at, "reason": a.reason}
                                for a in selectors.request_attachments(r)],
                "steps": [{"action": s.action, "to": s.to_state, "actor": str(s.actor) if s.actor_id else None,
                           "at": s.at, "note": s.note, "log_entry_id": s.entry_id}
                          for s in r.steps.select_related("actor")]}
    return out


class RequestActIn(Schema):
    action: str
    note: str = ""
    forward_to_id: Id | None = None


@router.get("/requests", response=list[RequestOut], summary="更正、投诉与依申请公开")
@paginate(Pagination, rows=lambda reqs, request: [_request_out(r) for r in reqs])
def request_list(request, open_only: bool = False):
    return selectors.request_list_for(actor=request.user, open_only=open_only)


@router.get("/requests/{request_id}", response=RequestDetailOut, summary="一件申请：证据与办理记录")
def request_get(request, request_id: Id):
    return _request_out(selectors.request_get_for(actor=request.user, id=request_id, request=request), full=True)


@router.post("/requests/{request_id}/act", response=RequestDetailOut,
             summary="办理：verify 核查、correct 更正、reject 不予更正、answer 答复、forward 转送有权机关")
def request_act(request, request_id: Id, payload: RequestActIn):
    req = selectors.request_get_for(actor=request.user, id=request_id, request=request)
    forward_to = None
    if payload.forward_to_id:
        forward_to = Agency.objects.filter(pk=payload.forward_to_id).first()
        if forward_to is None:
            raise ZhifaError(PublicityErrorCode.FORWARD_TARGET, "转送的机关不存在。")
    req = services.request_act(request=req, actor=request.user, action=payload.action, note=payload.note,
                               forward_to=forward_to)
    return _request_out(req, full=True)


class AttachmentDecideIn(Schema):
    decision: str = Field(description="accept 存入证据库；reject 不予接收并删除（须填理由）")
    reason: str = ""


@router.post("/requests/{request_id}/attachments/{attachment_id}/decide", response=RequestDetailOut,
             summary="审查申请人提交的一个文件：存入证据库或不予接收（须说明理由）")
def request_attachment_decide(request, request_id: Id, attachment_id: Id, payload: AttachmentDecideIn):
    attachment = selectors.request_attachment_for_decision(actor=request.user, request_id=request_id,
                                                           id=attachment_id, request=request)
    services.request_attachment_decide(attachment=attachment, actor=request.user, decision=payload.decision,
                                       reason=payload.reason)
    return _request_out(attachment.request, full=True)


# --- annual report ---------------------------------------------------------------------------------------------

class ReportOut(RowOut):
    id: int
    agency_id: int
    year: int
    state: str
    due_on: dt.date | None
    computed: dict[str, Any] = Field(description="系统统计数")
    figures: dict[str, Any] = Field(description="报送数")
    adjustments: dict[str, Any] = Field(description="修改说明")
    narrative: str
    sources: list[Any] = Field(description="汇总来源")
    computed_at: dt.datetime | None
    submitted_at: dt.datetime | None
    published_at: dt.datetime | None


class AgencyRefOut(Schema):
    id: int
    name: str


class ReportDetailOut(ReportOut):
    missing: list[AgencyRefOut] = Field(description="未报送的机关（司法行政部门的年报）")


def _report_out(r: AnnualReport) -> dict:
    return {"id": r.pk, "agency_id": r.agency_id, "year": r.year, "state": r.state, "due_on": r.due_on,
            "computed": r.computed, "figures": r.figures, "adjustments": r.adjustments, "narrative": r.narrative,
            "sources": r.sources, "computed_at": r.computed_at, "submitted_at": r.submitted_at,
            "published_at": r.published_at}


class ReportIn(Schema):
    agency_id: Id
    year: Year


class ReportEditIn(Schema):
    figures: dict[str, Figure]
    reasons: dict[str, str] = {}
    narrative: str = ""


@router.get("/reports", response=list[ReportOut], summary="行政执法统计年报")
@paginate(Pagination, rows=lambda reports, request: [_report_out(r) for r in reports])
def report_list(request):
    return selectors.report_list_for(actor=request.user)


@router.post("/reports", response={201: ReportOut}, summary="按系统数据生成（或重新统计）年报草稿")
def report_compute(request, payload: ReportIn):
    agency = _agency(request, payload.agency_id, "publicity.report")
    return Status(201, _report_out(services.report_compute(agency=agency, year=payload.year, actor=request.user)))


def _report(request, report_id: Id) -> AnnualReport:
    return selectors.report_get_for(actor=request.user, id=report_id, request=request)


@router.get("/reports/{report_id}", response=ReportDetailOut, summary="一份年报（司法行政部门另列未报送的机关）")
def report_get(request, report_id: Id):
    report = _report(request, report_id)
    missing = selectors.report_missing(report.agency, report.year) if report.agency.is_justice_bureau else []
    return _report_out(report) | {"missing": [{"id": a.pk, "name": a.name} for a in missing]}


@router.post("/reports/{report_id}/edit", response=ReportOut, summary="修改报送数（每项修改须说明）")
def report_edit(request, report_id: Id, payload: ReportEditIn):
    report = services.report_edit(report=_report(request, report_id), actor=request.user, figures=payload.figures,
                                  reasons=payload.reasons, narrative=payload.narrative)
    return _report_out(report)


@router.post("/reports/{report_id}/submit", response=ReportOut, summary="报送（本级司法行政部门或上一级）")
def report_submit(request, report_id: Id):
    return _report_out(services.report_submit(report=_report(request, report_id), actor=request.user))


@router.post("/reports/{report_id}/publish", response=ReportOut, summary="在公示平台公开年报")
def report_publish(request, report_id: Id):
    return _report_out(services.report_publish(report=_report(request, report_id), actor=request.user))

