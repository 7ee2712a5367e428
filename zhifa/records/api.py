"""Records API: devices, recordings, confidentiality marks and access requests (same services as the pages).
Recordings are uploaded through tus (`/api/tus/`) or the case page."""

import datetime as dt

from ninja import Router, Schema, Status
from ninja.pagination import paginate
from ninja.security import django_auth

from zhifa.cases.selectors import case_content_for, case_get_for
from zhifa.core.api import Id, Pagination, Year, column
from zhifa.core.errors import NotFoundError, ZhifaError
from zhifa.org import permissions as org_perms
from zhifa.org.selectors import agency_get_for

from . import access, archive, selectors, services
from .errors import RecordErrorCode
from .findings import KINDS, findings_for, page_key
from .models import AccessRequest, CaseFileSeal, CaseMarking, Device, DisposalRequest
from .statistics import record_statistics

router = Router(tags=["音像记录与查阅"])


class DeviceIn(Schema):
    agency_id: Id
    kind: column(Device, "kind")
    serial: column(Device, "serial")
    label: column(Device, "label") = ""


class RecordingOut(Schema):
    id: int
    activity: str
    document_id: int | None
    device: str
    officer_id: int
    sha256: str
    started_at: dt.datetime
    ended_at: dt.datetime
    duration_seconds: float | None
    due_at: dt.datetime | None
    late: bool
    log_entry_id: int


class MarkIn(Schema):
    kind: column(CaseMarking, "kind")
    note: str


class AccessIn(Schema):
    requester_kind: column(AccessRequest, "requester_kind")
    requester_name: column(AccessRequest, "requester_name")
    purpose: str
    wants_copy: bool = False
    requester_id_number: str = ""
    organ: str = ""


class AccessDecisionIn(Schema):
    approve: bool
    reason: str
    shown: list[dict] = []


class AccessOut(Schema):
    id: int
    status: str
    requester_kind: str
    requester_name: str
    shown: list[dict]


@router.get("/upload-allowed", response={204: None}, auth=django_auth, summary="本会话能否上传音像记录（供反向代理）")
def upload_allowed(request):
    """nginx asks this (auth_request, deploy/nginx/zhifa.conf) before it reads the body of a page upload, which may
    be 8 GB: only a signed-in session that passed the second factor and may upload recordings somewhere gets its
    body buffered (review finding 4). 204, or 401 (no session, expired, second factor missing) or 403. The view
    still checks the case; bearer tokens upload through tus, so only the session counts here."""
    org_perms.require(request.user, "records.upload", request=request)
    return Status(204, None)


class DeviceOut(Schema):
    id: int
    serial: str


@router.post("/devices", response={201: DeviceOut}, summary="登记音像记录设备")
def device_create(request, payload: DeviceIn):
    agency = agency_get_for(actor=request.user, id=payload.agency_id, request=request)
    device = services.device_register(agency=agency, kind=payload.kind, serial=payload.serial, label=payload.label,
                                      actor=request.user)
    return Status(201, {"id": device.pk, "serial": device.serial})


@router.get("/cases/{case_id}/recordings", response=list[RecordingOut], summary="案件的音像记录")
def recordings(request, case_id: Id):
    case = case_content_for(actor=request.user, id=case_id, what="recordings", request=request)  # REC-15
    return [{"id": r.pk, "activity": r.activity, "document_id": r.document_id, "device": r.device.serial,
             "officer_id": r.officer_id, "sha256": r.blob.sha256, "started_at": r.started_at, "ended_at": r.ended_at,
             "duration_seconds": r.duration_seconds, "due_at": r.deadline.due_at, "late": r.deadline.late,
             "log_entry_id": r.entry_id} for r in selectors.recordings_for(case)]


class MarkingOut(Schema):
    id: int
    kind: str


@router.post("/cases/{case_id}/markings", response={201: MarkingOut}, summary="标注保密类别（负责人）")
def mark(request, case_id: Id, payload: MarkIn):
    case = case_get_for(actor=request.user, id=case_id, request=request)
    marking = access.case_mark(case=case, kind=payload.kind, note=payload.note, actor=request.user)
    return Status(201, {"id": marking.pk, "kind": marking.kind})


@router.post("/cases/{case_id}/access-requests", response={201: AccessOut}, summary="登记查阅、复制申请")
def access_create(request, case_id: Id, payload: AccessIn):
    case = case_get_for(actor=request.user, id=case_id, request=request)
    data = payload.dict()
    data["copy"] = data.pop("wants_copy")
    return Status(201, access.access_request_create(case=case, actor=request.user, **data))


@router.post("/access-requests/{request_id}/decision", response=AccessOut, summary="审批查阅、复制申请（负责人）")
def access_decide(request, request_id: Id, payload: AccessDecisionIn):
    item = AccessRequest.objects.filter(pk=request_id).select_related("case__agency").first()
    if item is None:
        raise ZhifaError(RecordErrorCode.ACCESS_INVALID, "未找到该申请。", status=404)
    try:
        case_get_for(actor=request.user, id=item.case_id, request=request)
    except NotFoundError:
        raise ZhifaError(RecordErrorCode.ACCESS_INVALID, "未找到该申请。", status=404) from None
    return access.access_request_decide(request=item, approve=payload.approve, reason=payload.reason,
                                        shown=payload.shown, actor=request.user)


class SealOut(Schema):
    sealed_at: dt.datetime
    index_sha256: str
    items: int
    retention_years: int | None
    retain_until: dt.date | None
    rule: str
    log_entry_id: int


class DisposalIn(Schema):
    reason: str


class DisposalDecisionIn(Schema):
    approve: bool
    note: str


class DisposalOut(Schema):
    id: int
    case_id: int
    status: str
    reason: str
    decision_note: str


@router.get("/cases/{case_id}/seal", response=SealOut, summary="案卷封存与保管期限")
def seal(request, case_id: Id):
    case = case_content_for(actor=request.user, id=case_id, what="seal", request=request)  # REC-15
    item = CaseFileSeal.objects.filter(case=case).first()
    if item is None:
        raise ZhifaError(RecordErrorCode.NOT_SEALED, "案件尚未归档，案卷未封存。", status=404)
    return {"sealed_at": item.sealed_at, "index_sha256": item.index_sha256, "items": item.items,
            "retention_years": item.retention_years, "retain_until": item.retain_until, "rule": item.rule,
            "log_entry_id": item.entry_id}


@router.post("/cases/{case_id}/disposals", response={201: DisposalOut}, summary="申请销毁保管期满的案卷")
def disposal_create(request, case_id: Id, payload: DisposalIn):
    case = case_get_for(actor=request.user, id=case_id, request=request)
    return Status(201, archive.disposal_request(case=case, reason=payload.reason, actor=request.user))


@router.post("/disposals/{disposal_id}/decision", response=DisposalOut, summary="审批案卷销毁申请（机关负责人）")
def disposal_decide(request, disposal_id: Id, payload: DisposalDecisionIn):
    item = DisposalRequest.objects.filter(pk=disposal_id).select_related("case__agency").first()
    if item is None:
        raise ZhifaError(RecordErrorCode.DISPOSAL, "未找到该申请。", status=404)
    try:
        case_get_for(actor=request.user, id=item.case_id, request=request)
    except NotFoundError:
        raise ZhifaError(RecordErrorCode.DISPOSAL, "未找到该申请。", status=404) from None
    return archive.disposal_decide(request=item, approve=payload.approve, note=payload.note, actor=request.user)


class RecordFindingOut(Schema):
    kind: str
    label: str
    basis: str
    case_id: int
    case_number: str
    agency: str
    detail: str
    at: dt.datetime | None


class StatisticsOut(Schema):
    agency_id: int
    agency: str
    cases_opened: int
    cases_archived: int
    by_stage: dict[str, int]
    recordings: int
    recorded_seconds: int
    recorded_hours: float
    late_uploads: int
    remote_uploads: int
    findings: dict[str, int]


@router.get("/findings", response=list[RecordFindingOut], summary="全过程记录问题（国办发〔2018〕118号“全面推行执法全过程记录制度”）")
@paginate(Pagination, key=page_key, rows=lambda rows, request: [
    {"kind": f.kind, "label": f.label, "basis": f.basis, "case_id": f.case_id, "case_number": f.case_number,
     "agency": f.agency, "detail": f.detail, "at": f.at} for f in rows])
def findings(request, kind: str | None = None, agency_id: Id | None = None):
    org_perms.require(request.user, "records.view_findings", request=request)
    if kind is not None and kind not in KINDS:
        raise ZhifaError("record_finding_kind_unknown", f"未知的问题类别：{kind}，可选：{'、'.join(KINDS)}。")
    # A report derived from several tables, computed in full (as the page does): paged by its key.
    return findings_for(actor=request.user, kinds=[kind] if kind else None, agency_id=agency_id)


@router.get("/statistics", response=list[StatisticsOut], summary="全过程记录统计（按执法主体）")
def statistics(request, year: Year):
    org_perms.require(request.user, "records.view_findings", request=request)
    return [vars(r) for r in record_statistics(actor=request.user, year=year)]
