"""Where the log entries about rules may be read (issue 15 §5; registered in RulesConfig.ready). A rule set at a
jurisdiction is read within its subtree; a national rule (no jurisdiction) by anyone holding `ledger.view`. The
subject is `rules.<key>`: the jurisdiction is in the payload (an erased payload names none: system-wide only)."""

import json

from zhifa.org.models import Jurisdiction

NATIONAL: dict = {}  # no agency: any holder of ledger.view


def rule_place(key: str, entry) -> dict | None:
    try:
        payload = json.loads(entry.payload) if entry.payload else None
    except ValueError:
        payload = None
    if not isinstance(payload, dict) or "jurisdiction" not in payload:
        return None
    if payload["jurisdiction"] is None:
        return NATIONAL
    node = Jurisdiction.objects.filter(code=str(payload["jurisdiction"])).first()
    return None if node is None else {"jurisdiction": node}


def register() -> None:
    from zhifa.ledger.selectors import register_subject_scope

    register_subject_scope("rules", rule_place)
