"""Records API: devices, recordings, confidentiality marks and access requests (same services as the pages).
Recordings are uploaded through tus (`/api/tus/`) or the case page."""

import datetime as dt

from ninja import Router, Schema, Status

from zhifa.cases.selectors import case_get_for
from zhifa.core.errors import NotFoundError, ZhifaError
from zhifa.org.selectors import agency_get_for

from . import access, selectors, services
from .errors import RecordErrorCode
from .models import AccessRequest

router = Router(tags=["音像记录与查阅"])


class DeviceIn(Schema):
    agency_id: int
    kind: str
    serial: str
    label: str = ""


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
    kind: str
    note: str


class AccessIn(Schema):
    requester_kind: str
    requester_name: str
    purpose: str
    wants_copy: bool = False
    requester_id_number: str = ""
    organ: str = ""


class DecisionIn(Schema):
    approve: bool
    reason: str
    shown: list[dict] = []


class AccessOut(Schema):
    id: int
    status: str
    requester_kind: str
    requester_name: str
    shown: list[dict]


@router.post("/devices", response={201: dict}, summary="登记音像记录设备")
def device_create(request, payload: DeviceIn):
    agency = agency_get_for(actor=request.user, id=payload.agency_id, request=request)
    device = services.device_register(agency=agency, kind=payload.kind, serial=payload.serial, label=payload.label,
                                      actor=request.user)
    return Status(201, {"id": device.pk, "serial": device.serial})


@router.get("/cases/{case_id}/recordings", response=list[RecordingOut], summary="案件的音像记录")
def recordings(request, case_id: int):
    case = case_get_for(actor=request.user, id=case_id, request=request)
    return [{"id": r.pk, "activity": r.activity, "document_id": r.document_id, "device": r.device.serial,
             "officer_id": r.officer_id, "sha256": r.blob.sha256, "started_at": r.started_at, "ended_at": r.ended_at,
             "duration_seconds": r.duration_seconds, "due_at": r.deadline.due_at, "late": r.deadline.late,
             "log_entry_id": r.entry_id} for r in selectors.recordings_for(case)]


@router.post("/cases/{case_id}/markings", response={201: dict}, summary="标注保密类别（负责人）")
def mark(request, case_id: int, payload: MarkIn):
    case = case_get_for(actor=request.user, id=case_id, request=request)
    marking = access.case_mark(case=case, kind=payload.kind, note=payload.note, actor=request.user)
    return Status(201, {"id": marking.pk, "kind": marking.kind})


@router.post("/cases/{case_id}/access-requests", response={201: AccessOut}, summary="登记查阅、复制申请")
def access_create(request, case_id: int, payload: AccessIn):
    case = case_get_for(actor=request.user, id=case_id, request=request)
    data = payload.dict()
    data["copy"] = data.pop("wants_copy")
    return Status(201, access.access_request_create(case=case, actor=request.user, **data))


@router.post("/access-requests/{request_id}/decision", response=AccessOut, summary="审批查阅、复制申请（负责人）")
def access_decide(request, request_id: int, payload: DecisionIn):
    item = AccessRequest.objects.filter(pk=request_id).select_related("case__agency").first()
    if item is None:
        raise ZhifaError(RecordErrorCode.ACCESS_INVALID, "未找到该申请。", status=404)
    try:
        case_get_for(actor=request.user, id=item.case_id, request=request)
    except NotFoundError:
        raise ZhifaError(RecordErrorCode.ACCESS_INVALID, "未找到该申请。", status=404) from None
    return access.access_request_decide(request=item, approve=payload.approve, reason=payload.reason,
                                        shown=payload.shown, actor=request.user)
