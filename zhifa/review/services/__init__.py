"""Every write to a review: one atomic service per step, logged in the same transaction (habit 2).
The moves and who may make them are the table in workflow.py. Each concern is a module of this package (as
Data Hub's per-concern sub-packages, Zulip's zerver/actions/); this module re-exports their public services,
so callers keep `from zhifa.review import services; services.opinion_record(...)`."""

from ._common import REVIEW, RULE_KEYS, available_moves, may, may_cosign
from .assignment import recusal_record, reviewer_assign
from .catalogue import catalogue_acknowledge, catalogue_issue
from .cosigning import cosign
from .determination import determination_from_push, determination_record, determination_refresh
from .opinions import opinion_record
from .pauses import (
    clock_pause,
    clock_resume,
    extension_decide,
    extension_request,
    recompute_provisional,
    review_return,
)
from .response import consultation_record, head_decision_record, response_record
from .submission import review_resubmit, review_submit

__all__ = [
    "REVIEW",
    "RULE_KEYS",
    "available_moves",
    "catalogue_acknowledge",
    "catalogue_issue",
    "clock_pause",
    "clock_resume",
    "consultation_record",
    "cosign",
    "determination_from_push",
    "determination_record",
    "determination_refresh",
    "extension_decide",
    "extension_request",
    "head_decision_record",
    "may",
    "may_cosign",
    "opinion_record",
    "recompute_provisional",
    "recusal_record",
    "response_record",
    "review_resubmit",
    "review_return",
    "review_submit",
    "reviewer_assign",
]
