"""Every write to a public item: one atomic service per step, logged in the same transaction (habit 2).
The moves and who may make them are the table in workflow.py. Each concern is a module of this package (as
Data Hub's per-concern sub-packages, Zulip's zerver/actions/); this module re-exports their public services,
so callers keep `from zhifa.publicity import services; services.mask_add(...)`."""

from ._common import DECISION_FORMS, PUBLICATION, REPORT, REQUEST
from .collection import decision_collect, decision_collect_on_advance, decision_recollect
from .lists import list_collect, list_read_xlsx
from .masks import MASKERS, active_masks, mask_add, mask_removal_decide, mask_remove
from .minor_check import minor_findings
from .publication import (
    exemption_decide,
    exemption_request,
    public_text,
    publication_approve,
    publication_return,
    publication_submit,
    publication_withdraw,
)
from .reports import report_compute, report_edit, report_publish, report_submit
from .requests import (
    quarantine_purge,
    query_code_hash,
    request_act,
    request_attachment_decide,
    request_status_lookup,
    request_submit,
)

__all__ = [
    "DECISION_FORMS",
    "MASKERS",
    "PUBLICATION",
    "REPORT",
    "REQUEST",
    "active_masks",
    "decision_collect",
    "decision_collect_on_advance",
    "decision_recollect",
    "exemption_decide",
    "exemption_request",
    "list_collect",
    "list_read_xlsx",
    "mask_add",
    "mask_removal_decide",
    "mask_remove",
    "minor_findings",
    "public_text",
    "publication_approve",
    "publication_return",
    "publication_submit",
    "publication_withdraw",
    "quarantine_purge",
    "query_code_hash",
    "report_compute",
    "report_edit",
    "report_publish",
    "report_submit",
    "request_act",
    "request_attachment_decide",
    "request_status_lookup",
    "request_submit",
]
