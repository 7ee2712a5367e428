"""Ledger event kinds of the discretion benchmarks, one constructor each.

A benchmark table's entries are about its agency (`org.agency:N`, org's entry_scope); a fine assessment's are about
its case (`cases.case:N`, the subject family cases.events.case_subject builds — spelt here, because discretion sits
below cases and does not import it), so the case's scope governs who reads them.
"""

from zhifa.ledger.events import register

TABLE_ISSUED = register("discretion.table_issued", "发布行政裁量权基准")
FINE_ASSESSED = register("discretion.fine_assessed", "记录罚款裁量情况")


def agency_subject(agency_or_pk) -> str:
    return f"org.agency:{getattr(agency_or_pk, 'pk', agency_or_pk)}"


def case_subject(case_id: int) -> str:
    return f"cases.case:{case_id}"


def _record(kind: str, subject: str, actor, payload: dict):
    from zhifa.ledger.services import record_event  # the ledger's models load after this app's kinds register

    return record_event(kind, subject=subject, actor=actor, payload=payload)


def table_issued(agency, *, actor, version: int, effective_from: str, title: str, document_number: str,
                 sha256: str, items: int):
    return _record(TABLE_ISSUED, agency_subject(agency), actor, {
        "version": version, "effective_from": effective_from, "title": title, "document_number": document_number,
        "sha256": sha256, "items": items})


def fine_assessed(*, case_id: int, actor, payload: dict):
    return _record(FINE_ASSESSED, case_subject(case_id), actor, payload)
