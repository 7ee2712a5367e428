"""Ledger event kinds of supervision instruments, one constructor each (STYLE: Saleor's order/events.py).
Subjects: `instruments.instrument:N`."""

from zhifa.ledger.events import register

ISSUED = register("instruments.issued", "制发行政执法监督文书")
DOCUMENT_SEALED = register("instruments.document_sealed", "监督文书签章")
CORRECTION_REPORTED = register("instruments.correction_reported", "报告整改情况")
CORRECTION_ACCEPTED = register("instruments.correction_accepted", "验收整改并办结监督文书")
CORRECTION_RETURNED = register("instruments.correction_returned", "整改退回重新整改")
REVIEW_REQUESTED = register("instruments.review_requested", "申请复查监督文书")
REVIEW_DECIDED = register("instruments.review_decided", "作出复查决定")
CLOSED = register("instruments.closed", "监督机关办结监督文书")


def subject(instrument) -> str:
    return f"instruments.instrument:{instrument.pk}"


def _record(kind: str, instrument, actor, payload: dict):
    from zhifa.ledger.services import record_event  # the ledger's models load after the kinds register

    return record_event(kind, subject=subject(instrument), actor=actor, payload=payload)


def issued(instrument, *, actor):
    return _record(ISSUED, instrument, actor, {
        "instrument": instrument.pk, "kind": instrument.kind, "number": instrument.number,
        "bureau": instrument.bureau_id, "agency": instrument.agency_id, "order": instrument.order,
        "issued_on": instrument.issued_on.isoformat(), "due_on": instrument.due_on.isoformat(),
        "model": instrument.model_code, "alert": instrument.alert_id,
        "cases": sorted(instrument.cases.values_list("pk", flat=True)) if instrument.pk else []})


def document_sealed(instrument, *, actor, kind: str, number: str, sha256: str, signer_sha256: str):
    return _record(DOCUMENT_SEALED, instrument, actor, {
        "instrument": instrument.pk, "document": kind, "number": number, "sha256": sha256,
        "signer_sha256": signer_sha256})


def moved(instrument, move, *, actor, action: str, from_state: str, to_state: str, note: str, data: dict):
    """A move of workflow.MOVES, under its own kind (`move.event`)."""
    return _record(move.event, instrument, actor, {
        "instrument": instrument.pk, "action": action, "from": from_state, "to": to_state, "note": note,
        "data": data})
