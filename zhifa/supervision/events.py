"""Ledger event kinds of the supervision alerts, and their constructors (one constructor per kind, as review's).

An alert about a case is logged about its case (`cases.case:N`), so the case's scope governs who reads the entry; an
alert about an agency as a whole (agency-scope models) about the agency (`org.agency:N`)."""

from zhifa.cases.events import case_subject
from zhifa.ledger.events import register

OPENED = register("supervision.alert_opened", "问题模型触发，生成监督预警")
RAISED = register("supervision.alert_raised", "监督预警升级")
LOWERED = register("supervision.alert_lowered", "监督预警降级")
# The level stays, the words and figures change (the fine recorded, the due date moved, the days counted): never an
# edit in place without a step (review #8).
REFRESHED = register("supervision.alert_refreshed", "问题模型的依据数据变化，监督预警情况更新")
CLOSED_AUTO = register("supervision.alert_closed_auto", "数据不再触发，监督预警自动关闭")
CLOSED = register("supervision.alert_closed", "监督人员关闭监督预警")
MODEL_CONFIGURED = register("supervision.model_configured", "设定问题模型的启用状态和阈值")


def agency_subject(agency_or_pk) -> str:
    return f"org.agency:{getattr(agency_or_pk, 'pk', agency_or_pk)}"


def alert_subject(alert) -> str:
    return case_subject(alert.case_id) if alert.case_id is not None else agency_subject(alert.agency_id)


def _record(kind: str, subject: str, actor, payload: dict):
    from zhifa.ledger.services import record_event  # the ledger's models load after this app's kinds register

    return record_event(kind, subject=subject, actor=actor, payload=payload)


def _loggable(value):
    """A value as the ledger's canonical JSON takes it: a float (a rate, a ratio) as its decimal text
    (rules.services.loggable, which the rule's own log uses)."""
    from zhifa.rules.services import loggable

    return loggable(value)


def moved(alert, move, *, actor, action: str, from_state: str, to_state: str, from_level: str, to_level: str,
          note: str, data: dict):
    """A move of the alert's table (workflow.MOVES): its own kind (`move.event`)."""
    return _record(move.event, alert_subject(alert), actor, {
        "alert": alert.pk, "model": alert.model, "agency": alert.agency_id, "case": alert.case_id,
        "action": action, "from": from_state, "to": to_state, "from_level": from_level, "to_level": to_level,
        "detail": alert.detail, "due": alert.due.isoformat() if alert.due else None, "evidence": _loggable(alert.evidence),
        "note": note, "data": _loggable(data)})


def model_configured(jurisdiction, *, actor, code: str, enabled: bool, params: dict, effective_from: str,
                     source: str, rule_version: int):
    # About the rule it versions (`rules.<key>`, rules' entry_scope: read within the jurisdiction's subtree, located by
    # the payload's "jurisdiction").
    return _record(MODEL_CONFIGURED, "rules.supervision.models", actor, {
        "jurisdiction": jurisdiction.code if jurisdiction is not None else None, "model": code, "enabled": enabled,
        "params": _loggable(params), "effective_from": effective_from, "source": source, "rule_version": rule_version})
