"""Ledger event kinds of annual assessments (评议考核), one constructor each. Subjects: `assessment.assessment:N`,
and `assessment.outcome:N` for the outcomes the bureau records."""

from zhifa.ledger.events import register

CREATED = register("assessment.created", "组织评议考核")
COMPUTED = register("assessment.computed", "计算评议考核指标")
SCORED = register("assessment.scored", "评议考核评议加减分")
FINALISED = register("assessment.finalised", "评议考核结果确定")
CANCELLED = register("assessment.cancelled", "撤销评议考核")
DOCUMENT_SEALED = register("assessment.document_sealed", "评议考核结果报告签章")
OUTCOME_RECORDED = register("assessment.outcome_recorded", "登记复议诉讼结果或投诉查处结果")


def subject(assessment) -> str:
    return f"assessment.assessment:{assessment.pk}"


def _record(kind: str, subject_: str, actor, payload: dict):
    from zhifa.ledger.services import record_event  # the ledger's models load after the kinds register

    return record_event(kind, subject=subject_, actor=actor, payload=payload)


def created(assessment, *, actor, agencies: int):
    return _record(CREATED, subject(assessment), actor, {
        "assessment": assessment.pk, "bureau": assessment.bureau_id, "year": assessment.year,
        "title": assessment.title, "agencies": agencies})


def moved(assessment, move, *, actor, action: str, from_state: str, to_state: str, note: str, data: dict):
    return _record(move.event, subject(assessment), actor, {
        "assessment": assessment.pk, "action": action, "from": from_state, "to": to_state, "note": note,
        "data": data})


def document_sealed(assessment, *, actor, number: str, sha256: str, signer_sha256: str):
    return _record(DOCUMENT_SEALED, subject(assessment), actor, {
        "assessment": assessment.pk, "number": number, "sha256": sha256, "signer_sha256": signer_sha256})


def outcome_recorded(*, agency_id: int, kind: str, result: str, decided_on, reference: str, reason: str,
                     case_id, supersedes_id, actor):
    return _record(OUTCOME_RECORDED, f"assessment.agency:{agency_id}", actor, {
        "agency": agency_id, "kind": kind, "result": result, "decided_on": decided_on.isoformat(),
        "reference": reference, "reason": reason, "case": case_id, "supersedes": supersedes_id})
