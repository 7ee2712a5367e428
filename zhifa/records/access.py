"""Confidentiality and access to records (REC-13, REC-14).

IM-M §24: supervisory, judicial, procuratorial, police and audit organs may consult and copy;
parties and interested persons may consult and copy their own records. AZ-R §18: beyond that,
records are not disclosed without the head's approval; AZ-R §20: nothing goes out without the
legal procedure. Every request is decided by the head and what was shown is recorded.
"""


from django.db import transaction
from django.utils import timezone

from zhifa.core import idnumbers
from zhifa.core.errors import ZhifaError
from zhifa.ledger.services import identifier_commitment, record_event
from zhifa.org import permissions as org_perms

from . import events
from .errors import RecordErrorCode
from .models import AccessRequest, CaseMarking, Confidentiality, Recording, RequesterKind

STATE_ORGANS = ("监察", "法院", "审判", "检察", "公安", "审计")


def case_mark(*, case, kind: str, note: str, actor) -> CaseMarking:
    org_perms.require(actor, "records.decide_access", agency=case.agency)
    if kind not in Confidentiality.values or not note.strip():
        raise ZhifaError(RecordErrorCode.ACCESS_INVALID, "请选择保密类别并说明依据。")
    with transaction.atomic():
        record_event(events.CASE_MARKED, subject=f"cases.case:{case.pk}", actor=actor, payload={"kind": kind, "note": note})
        return CaseMarking.objects.create(case=case, kind=kind, note=note.strip(), marked_by=actor)


def access_request_create(*, case, requester_kind: str, requester_name: str, purpose: str, actor, copy: bool = False,
                          requester_id_number: str = "", organ: str = "") -> AccessRequest:
    """Register a request (entered by agency staff on receipt)."""
    org_perms.require(actor, "records.upload", agency=case.agency)
    if requester_kind not in RequesterKind.values or not requester_name.strip() or not purpose.strip():
        raise ZhifaError(RecordErrorCode.ACCESS_INVALID, "请填写申请人类别、申请人和事由。")
    # Stored party numbers are normalised by core.idnumbers; so is the requester's (full-width, spaces, x).
    requester_id_number = idnumbers.normalise(requester_id_number)
    if requester_kind == RequesterKind.PARTY:
        ids = {p.id_number for p in case.parties.all()}
        if requester_id_number not in ids:
            raise ZhifaError(RecordErrorCode.ACCESS_NOT_PARTY, "申请人不是本案当事人（身份证号或信用代码不符）。")
    if requester_kind == RequesterKind.STATE_ORGAN and not any(word in organ for word in STATE_ORGANS):
        raise ZhifaError(RecordErrorCode.ACCESS_INVALID, "国家机关应为监察、审判、检察、公安或审计机关。")
    with transaction.atomic():
        request = AccessRequest.objects.create(
            case=case, requester_kind=requester_kind, requester_name=requester_name.strip(),
            requester_id_number=requester_id_number, organ=organ.strip(), purpose=purpose.strip(),
            copy=copy, created_by=actor)
        record_event(events.ACCESS_REQUESTED, subject=f"cases.case:{case.pk}", actor=actor, payload={
            "request": request.pk, "kind": requester_kind, "name": request.requester_name, "organ": request.organ,
            "purpose": request.purpose, "copy": copy,
            "id_hmac": identifier_commitment(request.requester_id_number) if request.requester_id_number else None})
        return request


def access_request_decide(*, request: AccessRequest, approve: bool, reason: str, actor,
                          shown: list[dict] | None = None) -> AccessRequest:
    """The head decides; an approval states exactly which records were shown or copied."""
    case = request.case
    org_perms.require(actor, "records.decide_access", agency=case.agency)
    if request.status != "pending":
        raise ZhifaError(RecordErrorCode.ACCESS_DECIDED, "该申请已经审批。")
    if not reason.strip():
        raise ZhifaError(RecordErrorCode.ACCESS_INVALID, "请写明审批理由。")
    shown = shown or []
    if approve:
        if not shown:
            raise ZhifaError(RecordErrorCode.ACCESS_INVALID, "批准时应当写明提供了哪些记录。")
        documents = set(case.documents.values_list("pk", flat=True))
        recordings = set(Recording.objects.filter(case=case).values_list("pk", flat=True))
        for item in shown:
            pool = documents if item.get("type") == "document" else recordings if item.get("type") == "recording" else set()
            if item.get("id") not in pool:
                raise ZhifaError(RecordErrorCode.ACCESS_INVALID, "所列记录不属于本案。")
        secret = case.markings.filter(kind=Confidentiality.STATE_SECRET).exists()
        if secret and request.requester_kind != RequesterKind.STATE_ORGAN:
            raise ZhifaError(RecordErrorCode.ACCESS_SECRET, "本案记录涉及国家秘密，只能依保密规定向有权国家机关提供（《中华人民共和国保守国家秘密法》）。")
    with transaction.atomic():
        request.status = "approved" if approve else "refused"
        request.decided_at, request.decided_by = timezone.now(), actor
        request.decision_reason, request.shown = reason.strip(), shown if approve else []
        request.save(update_fields=["status", "decided_at", "decided_by", "decision_reason", "shown"])
        record_event(events.ACCESS_DECIDED, subject=f"cases.case:{case.pk}", actor=actor, payload={
            "request": request.pk, "approved": approve, "reason": request.decision_reason, "shown": request.shown})
        return request
