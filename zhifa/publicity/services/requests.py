"""Requests from the public (PUB-10, PUB-14): submission, attachments and their quarantine, handling."""

import datetime as dt
import secrets
from functools import partial

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from zhifa.core import workdays
from zhifa.core import workflow as wf
from zhifa.core.errors import NotFoundError, WrongStateError, ZhifaError
from zhifa.ledger.services import evidence_put
from zhifa.org import selectors as org_selectors
from zhifa.org.models import Agency
from zhifa.org.selectors import today as _today
from zhifa.rules.selectors import rule_get

from .. import attachments, events, selectors
from ..errors import PublicityErrorCode
from ..models import Publication, PublicSubmission, Request, RequestAttachment, RequestEvidence
from ..selectors import query_code_hash
from ..workflow import (
    REQUEST_MOVES,
    REQUEST_OPEN,
    AttachmentDecision,
    AttachmentState,
    RequestKind,
    RequestState,
    State,
    Trigger,
)
from ._common import REQUEST, _permission_first, _request_record, _require
from .publication import publication_withdraw

# --- requests from the public (PUB-10, PUB-14) --------------------------------------------------------------

def _reference() -> str:
    return f"GS{timezone.localdate():%Y%m%d}{secrets.randbelow(10 ** 6):06d}"


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    return f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} 字节"


def _rate_check(key: str) -> None:
    """Anonymous submissions per client and in all, over the last window (issue 14 §2).

    Counted in the database, not with a cache-based limiter (django-ratelimit and the like): the web workers,
    their threads and the task worker are separate processes, and without Redis or memcached each process's
    cache would keep its own count, multiplying the limit by the number of processes. The database is shared
    by all of them, and the count is one indexed range query. Two submissions racing from one client may both
    pass the last free slot; the overshoot is bounded by the number of workers."""
    since = timezone.now() - dt.timedelta(minutes=settings.ZHIFA_PUBLIC_RATE_WINDOW_MINUTES)
    recent = PublicSubmission.objects.filter(at__gte=since, kind=PublicSubmission.Kind.SUBMISSION)
    minutes = settings.ZHIFA_PUBLIC_RATE_WINDOW_MINUTES
    if recent.filter(client_key=key).count() >= settings.ZHIFA_PUBLIC_RATE_PER_ADDRESS:
        raise ZhifaError(PublicityErrorCode.RATE_ADDRESS,
                         f"同一网络地址在 {minutes} 分钟内最多提交 {settings.ZHIFA_PUBLIC_RATE_PER_ADDRESS} 件申请，"
                         "请稍后再提交；已填写的内容仍保留在下方。", status=429,
                         details={"retry_after": minutes * 60})
    if recent.count() >= settings.ZHIFA_PUBLIC_RATE_GLOBAL:
        raise ZhifaError(PublicityErrorCode.RATE_GLOBAL,
                         "当前提交的申请较多，系统暂停受理，请稍后再提交；已填写的内容仍保留在下方。"
                         "如情况紧急，请拨打受理机关的咨询电话。", status=429, details={"retry_after": 600})


def request_status_lookup(*, reference: str, code: str, client_address: str):
    """The portal's status page (PUB-14): a request by its reference and query code. Wrong pairs are counted
    per client (the same keyed hash as submissions) and refused with 429 past ZHIFA_PUBLIC_LOOKUP_FAILURES per
    window, so the query code (32 bits) cannot be found by trying values from one address."""
    key = attachments.client_key(client_address)
    minutes = settings.ZHIFA_PUBLIC_RATE_WINDOW_MINUTES
    since = timezone.now() - dt.timedelta(minutes=minutes)
    failures = PublicSubmission.objects.filter(client_key=key, kind=PublicSubmission.Kind.LOOKUP_FAILED, at__gte=since)
    if failures.count() >= settings.ZHIFA_PUBLIC_LOOKUP_FAILURES:
        raise ZhifaError(PublicityErrorCode.LOOKUP_RATE,
                         f"查询码输入错误次数过多，请 {minutes} 分钟后再查询。", status=429,
                         details={"retry_after": minutes * 60})
    try:
        return selectors.request_lookup(reference, code)
    except NotFoundError:
        PublicSubmission.objects.create(client_key=key, kind=PublicSubmission.Kind.LOOKUP_FAILED)
        raise


def _attachments_check(files: list) -> list[tuple]:
    """(upload, its type) for every file, or the first limit it breaks: count, size of each, total, type. The
    sizes are the bytes received, and the type is read from the bytes (attachments.sniff)."""
    files = [f for f in files if f is not None]
    limit = settings.ZHIFA_PUBLIC_ATTACHMENTS_MAX
    if len(files) > limit:
        raise ZhifaError(PublicityErrorCode.ATTACHMENTS_TOO_MANY,
                         f"证明材料最多 {limit} 个文件，本次选择了 {len(files)} 个，请合并或删减后重新选择。",
                         details={"limit": limit, "count": len(files)})
    each, total = settings.ZHIFA_PUBLIC_ATTACHMENT_MAX_BYTES, settings.ZHIFA_PUBLIC_ATTACHMENTS_TOTAL_BYTES
    for upload in files:
        if upload.size > each:
            raise ZhifaError(PublicityErrorCode.ATTACHMENT_TOO_LARGE,
                             f"文件“{attachments.clean_name(upload.name)}”大小为 {_size(upload.size)}，"
                             f"超过单个文件 {_size(each)} 的上限，请压缩后重新选择。",
                             status=413, details={"limit": each, "size": upload.size})
    size = sum(upload.size for upload in files)
    if size > total:
        raise ZhifaError(PublicityErrorCode.ATTACHMENTS_TOO_LARGE,
                         f"证明材料合计 {_size(size)}，超过 {_size(total)} 的上限，请删减或压缩后重新选择。",
                         status=413, details={"limit": total, "size": size})
    checked = []
    for upload in files:
        kind = attachments.sniff(upload)
        if kind is None:
            raise ZhifaError(PublicityErrorCode.ATTACHMENT_TYPE,
                             f"文件“{attachments.clean_name(upload.name)}”不是可接受的类型。证明材料只接受 "
                             f"{attachments.ACCEPTED_LABEL} 格式的文档和图片（按文件内容识别，与扩展名无关），"
                             "请转换后重新选择。", details={"accepted": [t.code for t in attachments.ACCEPTED]})
        checked.append((upload, kind))
    return checked


def request_submit(*, kind: str, agency: Agency, requester_name: str, requester_contact: str, content: str,
                   publication: Publication | None = None, files: list | None = None,
                   client_address: str | None = None) -> tuple[Request, str]:
    """A correction request, complaint or disclosure request. Returns the request and its query code, shown
    to the requester once. `agency` is the agency the request concerns; a complaint is handled by the organ
    one level above it (AZ-P §19: 向上一级行政机关投诉), which the request is routed to at once.

    The portal passes the client's address (`zhifa.core.net.client_ip`; "" counts as one unknown client): the
    submission is then counted by the rate limits. Attachments are checked (count, size, type from the bytes)
    and held in quarantine, outside the evidence store and the log, until staff decide on each file
    (`request_attachment_decide`); files that would take the handling agency's quarantine past its cap are refused
    (507); nothing is stored when any check fails (issue 14 §2)."""
    key = attachments.client_key(client_address) if client_address is not None else None
    if key is not None:
        _rate_check(key)
    problems = []
    if kind not in RequestKind.values:
        problems.append("请选择申请类别")
    if not requester_name.strip():
        problems.append("请填写申请人姓名或名称")
    if not requester_contact.strip():
        problems.append("请填写联系方式，以便告知办理结果")
    if len(content.strip()) < 10:
        problems.append("请具体说明申请内容（至少 10 个字）")
    if kind == RequestKind.CORRECTION and publication is None:
        problems.append("更正申请须指明所涉公示信息（请在该条公示信息页面点击“认为信息有误？申请更正”提交）")
    if publication is not None and (publication.state not in (State.PUBLISHED, State.WITHDRAWN, State.SUPERSEDED)
                                    or publication.published_at is None):  # a draft replaced before publication
        problems.append("所涉公示信息不存在")
    if problems:
        raise ZhifaError(PublicityErrorCode.REQUEST_INVALID, "；".join(problems) + "。", details=problems)
    checked = _attachments_check(files or [])
    handling, about, routed = _handling_agency(kind, agency)
    if checked:
        _quarantine_cap_check(handling, sum(upload.size for upload, _ in checked))
    saved: list[str] = []
    try:
        with transaction.atomic():
            return _request_create(kind=kind, agency=handling, about=about, routed=routed, publication=publication,
                                   requester_name=requester_name, requester_contact=requester_contact,
                                   content=content, checked=checked, client_key=key, saved=saved)
    except BaseException:
        # Storage is not transactional: files written for a request that did not commit are removed.
        for name in saved:
            attachments.storage_delete(default_storage, name)
        raise


def _handling_agency(kind: str, agency: Agency) -> tuple[Agency, Agency | None, str]:
    """(the agency that handles the request, the agency complained about, a note on the routing). A complaint
    goes to the complained-about agency's superior (AZ-P §19)."""
    if kind != RequestKind.COMPLAINT:
        return agency, None, ""
    superior = org_selectors.superior_of(agency)
    if superior is not None:
        return superior, agency, f"，投诉由上一级机关{superior.name}受理"
    return agency, agency, "，登记簿中没有其上一级机关，暂由本机关受理并报本级司法行政部门"


def _quarantine_cap_check(agency: Agency, incoming: int) -> None:
    """Refuse files that would take the agency's quarantine past ZHIFA_QUARANTINE_AGENCY_MAX_MB (issue 14 §2,
    review finding 6): without a bound, a flood of well-formed PDFs fills the disk faster than staff decide or the
    purge deletes. 507 Insufficient Storage, not 429: the limit is the receiving agency's store, not this
    client's rate — the sender did nothing too often, and another sender to another agency is not affected — and
    a request without attachments is still received, so the portal stays open for everyone. Two submissions
    racing may both fit the last room; the overshoot is bounded by the number of workers × the per-request
    total."""
    cap = settings.ZHIFA_QUARANTINE_AGENCY_MAX_BYTES
    held = (RequestAttachment.objects.filter(state=AttachmentState.QUARANTINED, request__agency=agency)
            .aggregate(total=Sum("size"))["total"] or 0)
    if held + incoming > cap:
        raise ZhifaError(PublicityErrorCode.QUARANTINE_FULL,
                         f"{agency.name}待审查的证明材料已达存储上限，暂不能接收附带文件的申请。"
                         "您可以不附文件先行提交（受理后按工作人员告知补充材料），或过几日再提交；"
                         "已填写的内容仍保留在下方。", status=507,
                         details={"limit": cap, "held": held, "incoming": incoming})


def _request_create(*, kind, agency, about, routed, publication, requester_name, requester_contact, content,
                    checked, client_key, saved: list[str]) -> tuple[Request, str]:
    received = _today()
    days = rule_get("publicity.request_days", jurisdiction=agency.jurisdiction, as_of=received).value[kind]
    due = workdays.add_working_days(received, int(days))
    code = secrets.token_hex(4).upper()
    req = Request.objects.create(reference=_reference(), query_code_sha256=query_code_hash(code), kind=kind,
                                 agency=agency, about_agency=about, publication=publication,
                                 requester_name=requester_name.strip(),
                                 requester_contact=requester_contact.strip(), content=content.strip(),
                                 due_on=due.due, due_provisional=due.provisional)
    for upload, file_type in checked:
        attachment = RequestAttachment(request=req, name=attachments.clean_name(upload.name),
                                       content_type=file_type.content_type, size=upload.size,
                                       sha256=attachments.sha256_of(upload))
        attachment.file.save("quarantined", upload, save=False)
        saved.append(attachment.file.name)
        attachment.save()
    if client_key is not None:
        PublicSubmission.objects.create(client_key=client_key)
    # The log records that the request was received, not what was attached: the sender's files and names stay
    # out of the permanent log until staff accept them, one by one.
    note = f"已受理{routed}，答复期限 {due.due:%Y-%m-%d}"
    if checked:
        note += f"；附证明材料 {len(checked)} 件，待审查"
    _request_record(req, None, actor=None, from_state="", to_state=RequestState.RECEIVED, note=note, data={},
                    step="receive")
    return req, code


def _attachment_agency(kwargs: dict) -> Agency:
    return kwargs["attachment"].request.agency


@_permission_first("publicity.handle_requests", _attachment_agency)
@transaction.atomic
def request_attachment_decide(*, attachment: RequestAttachment, actor, decision: str,
                              reason: str = "") -> RequestAttachment:
    """Staff who handle the request decide on one file sent with it (issue 14 §2, review finding 6): accept it
    into the evidence store (and the log, and on S3 its 30-year lock), after checking it is still the file that
    was received; or reject it, with a reason, and its quarantined bytes are deleted once this commits. Either
    is logged. Only while the request is open, and once per file: no move of the request decides for them."""
    req = Request.objects.select_for_update().select_related("agency").get(pk=attachment.request_id)
    _require(actor, "publicity.handle_requests", req.agency)
    if decision not in AttachmentDecision.values:
        raise ZhifaError(PublicityErrorCode.ATTACHMENT_DECISION, "请选择存入证据库或不予接收。")
    if req.state not in REQUEST_OPEN:
        raise WrongStateError(f"该申请已{RequestState(req.state).label}，不能再审查其证明材料。")
    attachment = RequestAttachment.objects.select_for_update().get(pk=attachment.pk)
    if attachment.state != AttachmentState.QUARANTINED:
        raise ZhifaError(PublicityErrorCode.ATTACHMENT_DECIDED,
                         f"文件“{attachment.name}”已{AttachmentState(attachment.state).label}，不能再次审查。")
    reason = reason.strip()
    if decision == AttachmentDecision.REJECT and not reason:
        raise ZhifaError(PublicityErrorCode.REASON_REQUIRED, "不予接收的，请填写理由。")
    if len(reason) > RequestAttachment._meta.get_field("reason").max_length:
        raise ZhifaError(PublicityErrorCode.ATTACHMENT_DECISION, "理由不超过 500 字。")
    quarantined, now = attachment.file.name, timezone.now()
    if decision == AttachmentDecision.ACCEPT:
        with default_storage.open(quarantined, "rb") as fh:
            if attachments.sha256_of(fh) != attachment.sha256:
                raise ZhifaError(PublicityErrorCode.ATTACHMENT_CHANGED,
                                 f"隔离区中的文件“{attachment.name}”与提交时不一致，未存入证据库，请联系系统管理员。")
            put = evidence_put(fh, actor=actor, content_type=attachment.content_type, name=attachment.name)
        attachment.evidence = RequestEvidence.objects.create(request=req, blob=put.blob, name=attachment.name)
        attachment.state, attachment.accepted_at = AttachmentState.ACCEPTED, now
        events.attachment_accepted(req, attachment, actor=actor, decision=decision, reason=reason)
    else:
        attachment.state, attachment.deleted_at = AttachmentState.REJECTED, now
        # The sender's file name stays out of the permanent log: the file was not taken in, and a name is text
        # anyone on the Internet chose. The digest identifies it.
        events.attachment_rejected(req, attachment, actor=actor, decision=decision, reason=reason)
    attachment.decided_by, attachment.decided_at, attachment.reason, attachment.file = actor, now, reason, ""
    attachment.save(update_fields=["evidence", "state", "accepted_at", "deleted_at", "decided_by", "decided_at",
                                   "reason", "file"])
    # Storage is not transactional: the quarantine copy goes only once the decision is committed.
    transaction.on_commit(partial(attachments.storage_delete, default_storage, quarantined))
    attachment.request = req
    return attachment


def quarantine_purge(*, now: dt.datetime | None = None) -> dict:
    """Delete the quarantined attachments nobody decided on (issue 14 §2, review finding 6): those of requests
    closed more than ZHIFA_QUARANTINE_RETENTION_DAYS ago, and those of requests still in their first state
    (已受理, nobody has handled them) more than ZHIFA_QUARANTINE_UNHANDLED_DAYS after receipt — otherwise a
    flood nobody handles stays for ever. Also the rate-limit rows older than the window. The files never entered
    the log, so their deletion is not logged there; each row stays, marked deleted with the reason, as the trace
    of what was sent. Safe to repeat and to interrupt: the file goes first, then its row."""
    now = now or timezone.now()
    closed_cutoff = now - dt.timedelta(days=settings.ZHIFA_QUARANTINE_RETENTION_DAYS)
    unhandled_days = settings.ZHIFA_QUARANTINE_UNHANDLED_DAYS
    pending = RequestAttachment.objects.filter(state=AttachmentState.QUARANTINED)
    groups = {
        "attachments_deleted": (pending.filter(request__closed_at__isnull=False, request__closed_at__lt=closed_cutoff),
                                f"申请已办结，文件未经审查接收，办结满 {settings.ZHIFA_QUARANTINE_RETENTION_DAYS} 日删除"),
        "unhandled_deleted": (pending.filter(request__state=RequestState.RECEIVED,
                                             request__received_at__lt=now - dt.timedelta(days=unhandled_days)),
                              f"申请受理后 {unhandled_days} 日内无人办理，文件未经审查，按规定删除"),
    }
    counts = {}
    for name, (expired, reason) in groups.items():
        counts[name] = 0
        for pk in list(expired.values_list("pk", flat=True)):
            # One row at a time, locked and re-read, so a staff decision on the same file at the same moment
            # either wins (the row is no longer quarantined) or waits; a crash after the delete leaves the row
            # quarantined and the next run finishes it (deleting a missing file is a no-op).
            with transaction.atomic():
                attachment = expired.select_for_update().filter(pk=pk).only("pk", "file").first()
                if attachment is None:
                    continue
                if attachment.file.name:
                    attachments.storage_delete(default_storage, attachment.file.name)
                RequestAttachment.objects.filter(pk=pk).update(state=AttachmentState.DELETED, file="",
                                                               deleted_at=now, reason=reason)
            counts[name] += 1
    window = dt.timedelta(minutes=settings.ZHIFA_PUBLIC_RATE_WINDOW_MINUTES)
    counted, _ = PublicSubmission.objects.filter(at__lt=now - window).delete()
    return counts | {"rate_rows_deleted": counted}


def request_act(*, request: Request, actor, action: str, note: str, forward_to: Agency | None = None) -> Request:
    """Verify, correct, reject, answer or forward (AZ-P §18): every outcome tells the requester (`note`)."""
    # Every move of the table needs the same permission: refused (and logged) first, whatever the action.
    wf.authorise(REQUEST, action if action in REQUEST_MOVES else tuple(REQUEST_MOVES), request, actor)
    if action not in REQUEST_MOVES:
        raise ZhifaError(PublicityErrorCode.REQUEST_INVALID, "未知的办理操作。")
    note = note.strip()
    if not note:
        raise ZhifaError(PublicityErrorCode.REASON_REQUIRED, "请填写告知申请人的内容。")
    if action == "forward":
        if forward_to is None or forward_to.pk == request.agency_id:
            raise ZhifaError(PublicityErrorCode.FORWARD_TARGET, "请选择有权处理的其他行政执法机关。")
        note = f"已转送{forward_to.name}处理。{note}"

    def handle(req: Request) -> None:
        if action == "forward":
            req.forwarded_to = forward_to
        if action == "correct" and req.publication is not None and req.publication.state == State.PUBLISHED \
                and req.publication.agency_id == req.agency_id:
            # The published item is wrong: take it down now; the corrected version goes through review again.
            publication_withdraw(publication=req.publication, actor=actor, trigger=Trigger.ERROR,
                                 basis=f"更正申请 {req.reference}", note=note)

    def close(req: Request) -> None:
        if req.state != RequestState.VERIFYING:
            req.answer, req.closed_at = note, timezone.now()

    return wf.transition(REQUEST, action, request, actor, note=note, effect=handle, after=close)
