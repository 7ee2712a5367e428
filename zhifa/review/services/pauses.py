"""The review clock: pauses, returns and extensions (REV-04, REV-06), and recomputation when a calendar year loads."""

import datetime as dt

from django.db import transaction

from zhifa.core import workflow as wf
from zhifa.core.errors import WrongStateError, ZhifaError
from zhifa.rules.catalogue import REVIEW_EXCLUDED

from ..errors import ReviewErrorCode
from ..models import Review, Step
from ..selectors import current_determination, pauses_of, pending_extension
from ..workflow import MOVES, PAUSE_ENDED_BY, State
from ._common import REVIEW, _recompute, _require_reason, _today
from .submission import _materials

# --- pauses, returns and extensions (REV-04, REV-06) ---------------------------------------------------

def clock_pause(*, review: Review, kind: str, reason: str, actor, due_date: dt.date | None = None) -> Review:
    """Ask for supplements by a date (IM-M §29), or start an expert consultation or a request for
    interpretation (AZ-V §14): the clock stops, if the rules exclude that period."""
    wf.authorise(REVIEW, "pause", review, actor)
    reason = _require_reason(reason, "中止计时的事由")

    def excluded(review: Review) -> None:
        if kind not in review.rules["excluded_periods"]:
            label = REVIEW_EXCLUDED.get(kind, kind)
            raise ZhifaError(ReviewErrorCode.PAUSE_KIND, f"本地规则未将“{label}”期间排除在审核期限之外，不能中止计时。")
        if kind == "supplement" and (due_date is None or due_date < _today()):
            raise ZhifaError(ReviewErrorCode.PAUSE_INVALID, "要求补充材料应当指定补充期限（不早于今天）。")

    return wf.transition(REVIEW, "pause", review, actor, note=reason, effect=excluded, after=_recompute,
                         data={"kind": kind, "due_date": due_date.isoformat() if due_date else None})


def clock_resume(*, review: Review, actor, note: str = "") -> Review:
    """The supplements are in (the handling unit), or the consultation or interpretation is over (the review
    unit). A supplement adds the case's new document versions to the round's materials."""
    review = Review.objects.select_related("agency", "case").get(pk=review.pk)  # fresh, unlocked: who may act
    # Someone who may end no pause at all is refused first, logged, without learning whether the review is paused;
    # all before the transaction (issue 17: a refusal inside it was rolled back with its denial).
    wf.authorise(REVIEW, ("resume", "resume_review"), review, actor)
    wf.check_source(REVIEW, MOVES["resume"], review)
    kind = pauses_of(review)[-1].kind
    move = PAUSE_ENDED_BY[kind]  # who ends a pause depends on its kind
    wf.authorise(REVIEW, move, review, actor)
    data = {"kind": kind}

    def materials(review: Review) -> None:
        if pauses_of(review)[-1].kind != kind:
            raise WrongStateError("审核状态已被他人变更，请刷新后重试。")
        if kind == "supplement":
            data["materials"] = _materials(review.case, review.rules, current_determination(review.case))

    return wf.transition(REVIEW, move, review, actor, note=note.strip(), data=data, effect=materials,
                         after=_recompute, step="resume")


def review_return(*, review: Review, reason: str, actor) -> Review:
    """退回 (IM-M §29): the materials go back to the handling unit, which resubmits them as a new round."""
    wf.authorise(REVIEW, "return", review, actor)
    reason = _require_reason(reason, "退回理由")

    def stop_clock(review: Review) -> None:
        review.due_on = review.paused_since = None

    return wf.transition(REVIEW, "return", review, actor, note=reason, after=stop_clock)


def extension_request(*, review: Review, reason: str, actor) -> Step:
    """The reviewer asks for the extension; only the approver the rules name can grant it."""
    wf.authorise(REVIEW, "extension_request", review, actor)
    reason = _require_reason(reason, "延长理由")

    def once(review: Review) -> str:
        if review.extended or pending_extension(review) is not None:
            raise ZhifaError(ReviewErrorCode.EXTENSION, "本轮审核已申请或已延长过审核期限。")
        if review.rules["time_limit"]["extension_days"] <= 0:
            raise ZhifaError(ReviewErrorCode.EXTENSION, "本地规则不允许延长审核期限。")
        return review.state  # a request leaves the state be

    with transaction.atomic():
        review = wf.lock(REVIEW, review)
        step = wf.apply(REVIEW, "extension_request", review, actor, note=reason, effect=once,
                        step="extension_requested")
        wf.save(REVIEW, review)
        return step


def extension_decide(*, review: Review, approve: bool, actor, note: str = "") -> Review:
    """IM-M §31: approved by the head in charge of legal work; AZ-V §14: by the agency's head (the table's
    "extend", whose permission the rules name). An extension is granted before the time limit ends, never after."""
    data = {}

    def decide(review: Review) -> str:
        if pending_extension(review) is None:
            raise ZhifaError(ReviewErrorCode.EXTENSION, "没有待批准的延长申请。")
        if approve and review.due_on is not None and _today() > review.due_on:
            raise ZhifaError(ReviewErrorCode.EXTENSION, "审核期限已届满，不能再批准延长。")
        data["days"] = review.rules["time_limit"]["extension_days"] if approve else 0
        return review.state

    def extend(review: Review) -> None:
        if approve:
            review.extended = True
            _recompute(review)

    return wf.transition(REVIEW, "extend", review, actor, note=note.strip(), data=data, effect=decide, after=extend,
                         step="extension_approved" if approve else "extension_refused")


def recompute_provisional(year: int) -> int:
    """core.workdays hook: a calendar year was loaded; open reviews whose due date crossed it are recomputed."""
    changed = 0
    for review in Review.objects.filter(due_provisional=True, state__in=(State.SUBMITTED, State.PAUSED)):
        with transaction.atomic():
            review = wf.lock(REVIEW, review)
            before = review.due_on
            _recompute(review)
            wf.save(REVIEW, review)
            changed += before != review.due_on
    return changed
