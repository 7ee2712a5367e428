"""Ledger event kinds of cases, and their constructors (issue 17: one constructor per kind, after Saleor's
order/events.py). A constructor builds the subject from the object, so an entry about a case is always
`cases.case:N` (entry_scope.py reads that family), and takes its payload's keys by name.

The stage moves of workflow.TRANSITIONS each name their kind (`Move.event`); `cases.stage_advanced`, which every
move wrote before, stays registered for the entries already in logs and is no longer written (RETIRED)."""

from zhifa.ledger.events import register

OPENED = register("cases.opened", "立案")
PARTY_ADDED = register("cases.party_added", "登记当事人")
OFFICER_ASSIGNED = register("cases.officer_assigned", "指派执法人员")
DOCUMENT_RECORDED = register("cases.document_recorded", "制作文字记录")
DOCUMENT_CORRECTED = register("cases.document_corrected", "更正文字记录")
DOCUMENT_ISSUED = register("cases.document_issued", "文书生成并加盖电子签章")
DOCUMENT_NUMBERED = register("cases.document_numbered", "编制文书文号")
CONSULTED = register("cases.consulted", "调阅案件")
# REC-15: each read of a case's records by someone outside it, against the consultation that allowed it.
CONTENT_READ = register("cases.content_read", "调阅案件内容")
# The stage moves (workflow.TRANSITIONS), one kind each.
FILING_APPROVED = register("cases.filing_approved", "批准立案，开始调查取证")
INVESTIGATION_ENDED = register("cases.investigation_ended", "调查终结，进入审核决定")
DECIDED = register("cases.decided", "作出决定，进入送达执行")
ARCHIVED = register("cases.archived", "结案归档")
# Written by every stage move before issue 17; kept for the entries already in logs, no longer written.
STAGE_ADVANCED = register("cases.stage_advanced", "案件进入下一阶段")
RETIRED = frozenset({STAGE_ADVANCED})


def case_subject(case_or_pk) -> str:
    """The subject family `cases.case` (entry_scope.py), for a case or its primary key."""
    return f"cases.case:{getattr(case_or_pk, 'pk', case_or_pk)}"


def _record(kind: str, case_or_pk, actor, payload: dict):
    from zhifa.ledger.services import record_event  # the ledger's models load after this app's kinds register

    return record_event(kind, subject=case_subject(case_or_pk), actor=actor, payload=payload)


def case_opened(case, *, actor, agency: int, number: str, title: str, action_type: str, procedure: str, place: str,
                legal_basis: str):
    return _record(OPENED, case, actor, {"agency": agency, "number": number, "title": title, "action_type": action_type,
                                         "procedure": procedure, "place": place, "legal_basis": legal_basis})


def party_added(case, *, actor, party: int, kind: str, name: str, id_hmac: str, id_warnings: list[str]):
    """The ID number itself never enters the log: its commitment does (`id_hmac`)."""
    return _record(PARTY_ADDED, case, actor, {"party": party, "kind": kind, "name": name, "id_hmac": id_hmac,
                                              "id_warnings": id_warnings})


def officer_assigned(case, *, actor, person: int, certificate: str):
    return _record(OFFICER_ASSIGNED, case, actor, {"person": person, "certificate": certificate})


def document_recorded(case, *, actor, form: str, elements: dict, supersedes: int | None, correction_reason: str):
    """A text record made, or a correction of one (`supersedes` the record it corrects)."""
    return _record(DOCUMENT_CORRECTED if supersedes else DOCUMENT_RECORDED, case, actor, {
        "form": form, "elements": elements, "supersedes": supersedes, "correction_reason": correction_reason})


def document_issued(case, *, actor, document: int, form: str, version: int, kind: str, sha256: str,
                    signer_sha256: str):
    return _record(DOCUMENT_ISSUED, case, actor, {"document": document, "form": form, "version": version, "kind": kind,
                                                  "sha256": sha256, "signer_sha256": signer_sha256})


def document_numbered(case, *, actor, document: int, form: str, number: str, year: int, kind: str, serial: int):
    """The 文号 given to a document's first version (issue 18 §2): corrections keep it."""
    return _record(DOCUMENT_NUMBERED, case, actor, {"document": document, "form": form, "number": number,
                                                    "year": year, "kind": kind, "serial": serial})


def case_consulted(case, *, actor, reason: str, number: str, expires_at: str):
    return _record(CONSULTED, case, actor, {"reason": reason, "number": number, "expires_at": expires_at})


def content_read(case, *, actor, consultation: int, what: str, number: str, detail: dict | None = None):
    """`detail`: what the route adds (a playback's ranges)."""
    return _record(CONTENT_READ, case, actor,
                   {"consultation": consultation, "what": what, "number": number} | (detail or {}))


def stage_moved(case, move, *, actor, from_stage: str, to_stage: str, note: str):
    """A move of the case's table: its own kind (`move.event`), the payload every stage entry has carried."""
    return _record(move.event, case, actor, {"from": from_stage, "to": to_stage, "note": note})
