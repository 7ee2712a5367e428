"""Ledger event kinds of publicity, and their constructors (issue 17: one constructor per kind, after Saleor's
order/events.py). A constructor builds the subject from the object, in the three families entry_scope.py reads:
`publicity.publication:N`, `publicity.request:N` and `publicity.annual_report:N`.

Each move of workflow.MOVES, REQUEST_MOVES and REPORT_MOVES names its kind (`Move.event`). The generic kinds every
move wrote before (`publicity.step`, `publicity.request`, `publicity.annual_report`) stay registered for the entries
already in logs and are no longer written (RETIRED)."""

import hashlib

from zhifa.ledger.events import register

PUBLISHED = register("publicity.published", "发布公示信息")
WITHDRAWN = register("publicity.withdrawn", "撤下公示信息")
MASK = register("publicity.mask", "公示信息隐去处理")
# Staff looked at a file sent with a public request and accepted it: it entered the evidence store (issue 14 §2).
REQUEST_EVIDENCE = register("publicity.request_evidence", "申请证明材料经审查存入证据库")
# ... or rejected it, with a reason: its quarantined bytes are deleted.
REQUEST_ATTACHMENT_REJECTED = register("publicity.request_attachment_rejected", "申请证明材料经审查不予接收")
# A minor party or a stated age under 18 was found when the item was submitted, approved or republished: the
# move was refused and the item must take the minor exemption (issue 15 §4; IM-M §11 (一)).
MINOR_FOUND = register("publicity.minor_found", "发布前发现未成年当事人")

# A public item's steps (workflow.MOVES), one kind each; collecting is the first step, which no move makes.
ITEM_COLLECTED = register("publicity.item_collected", "采集公示信息")
ITEM_SUBMITTED = register("publicity.item_submitted", "公示信息提交审核")
ITEM_RETURNED = register("publicity.item_returned", "公示信息退回修改")
ITEM_APPROVED = register("publicity.item_approved", "公示信息审核通过并发布")
EXEMPTION_REQUESTED = register("publicity.exemption_requested", "申请不予公开")
EXEMPTION_APPROVED = register("publicity.exemption_approved", "批准不予公开")
EXEMPTION_REJECTED = register("publicity.exemption_rejected", "不批准不予公开")
ITEM_WITHDRAWN = register("publicity.item_withdrawn", "公示信息撤下（流转）")
ITEM_SUPERSEDED = register("publicity.item_superseded", "公示信息更新（原版本转为历史版本）")
# A request from the public (workflow.REQUEST_MOVES); receiving it is the first step, which no move makes.
REQUEST_RECEIVED = register("publicity.request_received", "受理更正、投诉或依申请公开")
REQUEST_VERIFYING = register("publicity.request_verifying", "开始核实申请")
REQUEST_CORRECTED = register("publicity.request_corrected", "核实属实，更正并告知")
REQUEST_REJECTED = register("publicity.request_rejected", "经核实不予更正并告知")
REQUEST_ANSWERED = register("publicity.request_answered", "答复申请")
REQUEST_FORWARDED = register("publicity.request_forwarded", "转送有权机关并告知")
# The annual report (workflow.REPORT_MOVES).
REPORT_COMPUTED = register("publicity.report_computed", "统计年报数据")
REPORT_EDITED = register("publicity.report_edited", "修改年报")
REPORT_SUBMITTED = register("publicity.report_submitted", "报送年报")
REPORT_PUBLISHED = register("publicity.report_published", "公开年报")

# Written by every move before issue 17; kept for the entries already in logs, no longer written.
STEP = register("publicity.step", "公示信息流转环节")
REQUEST = register("publicity.request", "更正、投诉与依申请公开")
REPORT = register("publicity.annual_report", "行政执法统计年报")
RETIRED = frozenset({STEP, REQUEST, REPORT})


def publication_subject(pub) -> str:
    return f"publicity.publication:{pub.pk}"


def request_subject(req) -> str:
    return f"publicity.request:{req.pk}"


def report_subject(report) -> str:
    return f"publicity.annual_report:{report.pk}"


def _record(kind: str, subject: str, actor, payload: dict):
    from zhifa.ledger.services import record_event  # the ledger's models load after this app's kinds register

    return record_event(kind, subject=subject, actor=actor, payload=payload)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- a public item ---------------------------------------------------------------------------------------

def item_moved(pub, move, *, actor, action: str, from_state: str, to_state: str, note: str, data: dict):
    """A move of the item's table (`move.event`); `move` None: the item is collected (its first step)."""
    return _record(move.event if move is not None else ITEM_COLLECTED, publication_subject(pub), actor, {
        "publication": pub.pk, "kind": pub.kind, "action": action, "from": from_state, "to": to_state,
        "note": note, "data": data})


def published(pub, *, actor, masks, on_time: bool):
    """What went public: digests of the public and the original text, never the texts.

    The entry's header is served to the public by the portal's 核验 (proof.json), so it names no person: the actor
    is the system, and the approver is in the payload (`approved_by`), which the leaf commits to through its digest
    and which is read only within the publication's scope (issue 18, review: a stable approver id on every decision
    would let anyone group one official's decisions)."""
    return _record(PUBLISHED, publication_subject(pub), None, {
        "approved_by": actor.pk if actor is not None else None,
        "publication": pub.pk, "kind": pub.kind, "version": pub.version, "agency": pub.agency_id,
        "title": pub.title, "public_sha256": _sha256(pub.public_text), "original_sha256": _sha256(pub.original_text),
        "masks": [m.pk for m in masks], "supersedes": pub.supersedes_id, "on_time": on_time})


def withdrawn(pub, *, actor, trigger: str, basis: str, note: str):
    return _record(WITHDRAWN, publication_subject(pub), actor,
                   {"publication": pub.pk, "trigger": trigger, "basis": basis, "note": note})


def minor_found(pub, *, actor, action: str, findings: list, flag_was: bool):
    return _record(MINOR_FOUND, publication_subject(pub), actor, {
        "publication": pub.pk, "action": action, "state": pub.state, "findings": findings, "flag_was": flag_was})


def mask_added(pub, *, actor, start: int, end: int, kind: str, origin: str, reason: str):
    """The masked text itself never enters the log: its digest does."""
    return _record(MASK, publication_subject(pub), actor, {
        "publication": pub.pk, "action": "add", "start": start, "end": end, "kind": kind, "origin": origin,
        "reason": reason, "sha256": _sha256(pub.original_text[start:end])})


def mask_removed(pub, mask, *, actor, rule: str, reason: str):
    return _record(MASK, publication_subject(pub), actor, {
        "publication": pub.pk, "action": "remove", "mask": mask.pk, "kind": mask.kind, "rule": rule,
        "reason": reason})


def mask_removal_requested(pub, mask, *, actor, rule: str, reason: str, legal_basis: str):
    return _record(MASK, publication_subject(pub), actor, {
        "publication": pub.pk, "action": "removal_requested", "mask": mask.pk, "kind": mask.kind, "rule": rule,
        "reason": reason, "legal_basis": legal_basis})


def mask_removal_decided(pub, removal_request, *, actor, approve: bool, note: str):
    return _record(MASK, publication_subject(pub), actor, {
        "publication": pub.pk, "action": "removal_approved" if approve else "removal_rejected",
        "mask": removal_request.mask_id, "request": removal_request.pk,
        "requested_by": removal_request.requested_by_id, "note": note})


# --- a request from the public ---------------------------------------------------------------------------

def request_moved(req, move, *, actor, action: str, to_state: str, note: str):
    """A move of the request's table (`move.event`); `move` None: the request is received (its first step)."""
    return _record(move.event if move is not None else REQUEST_RECEIVED, request_subject(req), actor, {
        "request": req.pk, "reference": req.reference, "kind": req.kind, "action": action, "to": to_state,
        "note": note})


def attachment_accepted(req, attachment, *, actor, decision: str, reason: str):
    return _record(REQUEST_EVIDENCE, request_subject(req), actor, {
        "request": req.pk, "reference": req.reference, "decision": decision, "reason": reason,
        "files": [{"attachment": attachment.pk, "name": attachment.name, "sha256": attachment.sha256,
                   "size": attachment.size, "content_type": attachment.content_type}]})


def attachment_rejected(req, attachment, *, actor, decision: str, reason: str):
    """The sender's file name stays out of the permanent log: the file was not taken in. The digest identifies it."""
    return _record(REQUEST_ATTACHMENT_REJECTED, request_subject(req), actor, {
        "request": req.pk, "reference": req.reference, "decision": decision, "reason": reason,
        "attachment": attachment.pk, "sha256": attachment.sha256, "size": attachment.size,
        "content_type": attachment.content_type})


# --- the annual report -----------------------------------------------------------------------------------

def report_moved(report, move, *, actor, action: str, data: dict):
    """A move of the report's table (`move.event`), with the figures as they stand."""
    return _record(move.event, report_subject(report), actor, {
        "report": report.pk, "agency": report.agency_id, "year": report.year, "action": action,
        "figures": report.figures, **data})
