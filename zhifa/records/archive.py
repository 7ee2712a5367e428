"""Archiving and destruction of the case file (REC-11, REC-12; IM-M §22–23; AZ-R §6, §17, §20).

Moving a case to the archive stage seals its case file in the same transaction: the digest of the
ordered index goes into the log, and the retention period comes from the jurisdiction's rules
(`casefile.retention`). Nothing can be destroyed before that period ends. Afterwards the handling
side may propose destruction and the agency head decides; an approval destroys the recordings' bytes
through the evidence store (each disposal logged) and leaves the index, the digests and the log, so
what existed and who destroyed it on whose approval stays provable.

Text records stay: their elements are the payloads of log entries whose hashes the Merkle tree
commits to, so erasing them would break every proof after them. See docs/records.md.
"""

import datetime as dt
import hashlib

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from zhifa.cases.models import Stage
from zhifa.core.errors import ZhifaError
from zhifa.ledger.canonical import canonical_json
from zhifa.ledger.models import BlobDisposal
from zhifa.ledger.services import evidence_dispose, record_event
from zhifa.org import permissions as org_perms
from zhifa.rules.selectors import rule_get

from . import events
from .casefile import case_index
from .errors import RecordErrorCode
from .models import CaseFileSeal, DisposalRequest, Recording


def retention_for(case, *, on: dt.date) -> tuple[int | None, str]:
    """(years or None for permanent, rule source): the action type's period, else the procedure's, else the default."""
    rule = rule_get("casefile.retention", jurisdiction=case.place, as_of=on)
    # The catalogue requires "default", so the search always ends.
    key = next(k for k in (case.action_type, case.procedure, "default") if k in rule.value)
    return rule.value[key], f"{rule.version.source}（{rule.version.effective_from}）"


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def casefile_seal(case, actor) -> CaseFileSeal | None:
    """After-advance hook: on reaching the archive stage, seal the case file."""
    if case.stage != Stage.ARCHIVE:
        return None
    today = timezone.localdate()
    years, source = retention_for(case, on=today)
    index = case_index(case)
    digest = hashlib.sha256(canonical_json(index).encode()).hexdigest()
    retain_until = _add_years(today, years) if years else None
    entry = record_event(events.CASE_FILE_SEALED, subject=f"cases.case:{case.pk}", actor=actor, payload={
        "index_sha256": digest, "items": len(index["items"]), "retention_years": years,
        "retain_until": retain_until.isoformat() if retain_until else None, "rule": source[:300]})
    return CaseFileSeal.objects.create(case=case, sealed_by=actor, index_sha256=digest, items=len(index["items"]),
                                       retention_years=years, retain_until=retain_until, rule=source[:300], entry=entry)


def is_destroyed(case) -> bool:
    return DisposalRequest.objects.filter(case=case, status="approved").exists()


def _seal_of(case) -> CaseFileSeal:
    seal = CaseFileSeal.objects.filter(case=case).first()
    if seal is None:
        raise ZhifaError(RecordErrorCode.NOT_SEALED, "案件尚未归档，案卷未封存，不能申请销毁。")
    return seal


def _retention_ended(seal: CaseFileSeal, today: dt.date) -> None:
    if seal.retain_until is None:
        raise ZhifaError(RecordErrorCode.RETENTION, "该案卷为永久保管，不得销毁。")
    if today <= seal.retain_until:
        raise ZhifaError(RecordErrorCode.RETENTION,
                         f"该案卷保管期限至 {seal.retain_until} 届满，保管期限内不得销毁（《中华人民共和国档案法》）。")


def disposal_request(*, case, reason: str, actor) -> DisposalRequest:
    org_perms.require(actor, "records.request_disposal", agency=case.agency)
    _retention_ended(_seal_of(case), timezone.localdate())
    if not reason.strip():
        raise ZhifaError(RecordErrorCode.DISPOSAL, "请写明销毁理由（鉴定意见）。")
    if is_destroyed(case):
        raise ZhifaError(RecordErrorCode.DESTROYED, "该案卷已经批准销毁。")
    try:
        with transaction.atomic():
            item = DisposalRequest.objects.create(case=case, reason=reason.strip(), requested_by=actor)
            record_event(events.DISPOSAL_REQUESTED, subject=f"cases.case:{case.pk}", actor=actor,
                         payload={"request": item.pk, "reason": item.reason})
            return item
    except IntegrityError as exc:
        raise ZhifaError(RecordErrorCode.DISPOSAL, "该案卷已有待审批的销毁申请。") from exc


def disposal_decide(*, request: DisposalRequest, approve: bool, note: str, actor) -> DisposalRequest:
    """The head decides. An approval destroys the case's recordings whose bytes no other case still needs."""
    case = request.case
    org_perms.require(actor, "records.approve_disposal", agency=case.agency)
    if request.status != "pending":
        raise ZhifaError(RecordErrorCode.DISPOSAL, "该申请已经审批。")
    if request.requested_by_id == actor.pk:
        raise ZhifaError(RecordErrorCode.DISPOSAL, "申请人不能审批自己的销毁申请。")
    if not note.strip():
        raise ZhifaError(RecordErrorCode.DISPOSAL, "请填写审批意见。")
    today = timezone.localdate()
    if approve:
        _retention_ended(_seal_of(case), today)
    with transaction.atomic():
        locked = DisposalRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != "pending":
            raise ZhifaError(RecordErrorCode.DISPOSAL, "该申请已经审批。")
        status = "approved" if approve else "refused"
        record_event(events.DISPOSAL_DECIDED, subject=f"cases.case:{case.pk}", actor=actor,
                     payload={"request": request.pk, "approve": approve, "note": note.strip()})
        destroyed, kept = [], []
        if approve:
            authority = f"案卷 {case.number} 销毁申请 #{request.pk}，{actor.get_username()} 于 {today} 批准"
            blobs = {r.blob_id: r.blob for r in Recording.objects.filter(case=case).select_related("blob")}
            # Content-addressed storage: a clip filed in another case too stays until that case may go.
            still_needed = set(Recording.objects.filter(blob_id__in=blobs).exclude(case=case).filter(
                Q(case__seal__isnull=True) | Q(case__seal__retain_until__isnull=True)
                | Q(case__seal__retain_until__gte=today)).values_list("blob_id", flat=True))
            gone = set(BlobDisposal.objects.filter(blob_id__in=blobs).values_list("blob_id", flat=True))
            for blob_id, blob in sorted(blobs.items()):
                if blob_id in gone:
                    continue
                if blob_id in still_needed:
                    kept.append(blob.sha256)
                    continue
                evidence_dispose(blob, actor=actor, authority=authority)
                destroyed.append(blob.sha256)
            record_event(events.CASE_FILE_DESTROYED, subject=f"cases.case:{case.pk}", actor=actor,
                         payload={"request": request.pk, "destroyed": destroyed, "kept_for_other_cases": kept})
        DisposalRequest.objects.filter(pk=request.pk).update(status=status, decided_at=timezone.now(), decided_by=actor,
                                                             decision_note=note.strip())
    request.refresh_from_db()
    return request
