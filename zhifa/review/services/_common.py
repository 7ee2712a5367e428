"""What every review service shares: the review's table bound to its model (core.workflow), the step writer,
the clock's recomputation and the input checks."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from zhifa.core import workflow as wf
from zhifa.core.errors import ZhifaError
from zhifa.org.models import Agency

from .. import clock, events
from ..errors import ReviewErrorCode
from ..models import Review, Step
from ..selectors import pauses_of
from ..workflow import TRANSITIONS, State

RULE_KEYS = ("review.time_limit", "review.excluded_periods", "review.items", "review.materials",
             "review.opinion_document")


def _today() -> dt.date:
    return timezone.localdate()


def _money(value, label: str) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else 0))
        if not amount.is_finite():  # "NaN" and "Infinity" parse, then fail every comparison below (a 500)
            raise InvalidOperation(value)
    except InvalidOperation:
        raise ZhifaError(ReviewErrorCode.DETERMINATION_INVALID, f"“{label}”应为金额（元）。") from None
    if amount < 0 or amount.as_tuple().exponent < -2 or amount >= Decimal("1e12"):
        raise ZhifaError(ReviewErrorCode.DETERMINATION_INVALID, f"“{label}”应为不小于零、最多两位小数的金额（元）。")
    return amount


def _require_reason(text: str, what: str) -> str:
    text = (text or "").strip()
    if len(text) < 4:
        raise ZhifaError(ReviewErrorCode.REASON_REQUIRED, f"请写明{what}（至少 4 个字）。")
    return text


# --- steps and the clock -------------------------------------------------------------------------------

def _record(review: Review, move, *, actor, from_state: str, to_state: str, note: str, data: dict, step: str) -> Step:
    """The review workflow's step: the ledger event and the step row (core.workflow.Workflow.record)."""
    entry = events.moved(review, move, actor=actor, action=step, from_state=from_state, to_state=to_state, note=note,
                         data=data)
    return Step.objects.create(review=review, round=review.round, action=step, from_state=from_state,
                               to_state=to_state, actor=actor, on=_today(), note=note, data=data, entry=entry)


# The review's table (workflow.TRANSITIONS) bound to its model: every move below is made through core.workflow.
REVIEW = wf.Workflow(
    name="review", model=Review, state_field="state", states=State, moves=tuple(TRANSITIONS), noun="审核",
    agency_of=lambda review: review.agency, record=_record, select_related=("case", "agency"),
    update_fields=("round", "rules", "clock_started_on", "due_on", "due_provisional", "paused_since", "extended",
                   "passed_at"))


def may(review: Review, action: str, actor) -> bool:
    """Whether `actor` may make the move (for pages' buttons): the table's rule, without logging."""
    return wf.may(REVIEW, action, review, actor)


def may_cosign(review: Review, agency: Agency, actor) -> bool:
    """Whether `actor` may co-sign for the joint `agency` (its grants, not the lead agency's)."""
    return wf.may(REVIEW, "cosign", review, actor, agency=agency)


def available_moves(review: Review, actor) -> set[str]:
    """The names of the moves the table allows from the review's state that `actor` may make."""
    return {m.name for m in wf.available_moves(REVIEW, review, actor)}


def _recompute(review: Review) -> None:
    """The round's clock from its submission and its steps; stored for the queue and the overdue list."""
    submission = review.submissions.get(round=review.round)
    c = clock.review_clock(received_on=submission.received_on, limit=review.rules["time_limit"],
                           pauses=pauses_of(review), extended=review.extended)
    review.clock_started_on, review.due_on, review.due_provisional, review.paused_since = (
        c.started_on, c.due_on, c.provisional, c.paused_since)


def _passed(review: Review) -> None:
    if review.state == State.PASSED:
        review.passed_at = timezone.now()
