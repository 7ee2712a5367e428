"""After the opinion (REV-08): the handling unit's response, the consultation and the head's decision."""


from zhifa.core import workflow as wf
from zhifa.core.errors import ZhifaError

from ..errors import ReviewErrorCode
from ..models import Review
from ..workflow import ADOPTED, OUTCOME_MOVES, HeadChoice, OpinionKind, Outcome, State
from ._common import REVIEW, _passed, _require_reason
from .cosigning import _latest_opinion

# --- the handling unit's response, consultation and the head (REV-08) ----------------------------------

def response_record(*, review: Review, adopt: bool, actor, reasons: str = "") -> Review:
    """The handling unit adopts the opinion, or objects to it with its reasons (IM-M §32; AZ-V §15)."""
    move = "adopt" if adopt else "object"
    wf.authorise(REVIEW, move, review, actor)
    reasons = reasons.strip() if adopt else _require_reason(reasons, "异议理由")
    data = {}

    def respond(review: Review) -> str:
        opinion = _latest_opinion(review)
        data["opinion"] = opinion.pk
        return ADOPTED[OpinionKind(opinion.kind)] if adopt else State.CONSULTING

    return wf.transition(REVIEW, move, review, actor, note=reasons, data=data, effect=respond)


def consultation_record(*, review: Review, participants: str, minutes: str, outcome: str, actor) -> Review:
    """协商沟通 between the handling unit and the review unit, with who took part and what was said."""
    # Someone who may record no outcome is refused (and logged) before the outcome or the state is looked at.
    wf.authorise(REVIEW, [OUTCOME_MOVES[Outcome.NO_AGREEMENT], *OUTCOME_MOVES.values()], review, actor)
    if outcome not in Outcome.values:
        raise ZhifaError(ReviewErrorCode.OPINION_INVALID, "请选择协商结果。")
    # Only the side whose position changes records it: the review unit withdraws its own opinion, the handling
    # unit accepts it (IM-M §32; AZ-V §15).
    move = OUTCOME_MOVES[Outcome(outcome)]
    wf.authorise(REVIEW, move, review, actor)
    participants = _require_reason(participants, "参加协商的人员")
    minutes = _require_reason(minutes, "协商情况")
    data = {"participants": participants, "outcome": outcome}

    def agreed(review: Review) -> str:
        opinion = _latest_opinion(review)
        data["opinion"] = opinion.pk
        return {Outcome.ADOPT_OPINION: ADOPTED[OpinionKind(opinion.kind)], Outcome.OPINION_WITHDRAWN: State.PASSED,
                Outcome.NO_AGREEMENT: State.HEAD_DECIDING}[Outcome(outcome)]

    return wf.transition(REVIEW, move, review, actor, note=minutes, data=data, effect=agreed, after=_passed)


def head_decision_record(*, review: Review, choice: str, reasons: str, actor) -> Review:
    """Still no agreement: the agency head decides, and answers for the decision (IM-M §32; AZ-V §15–§16)."""
    wf.authorise(REVIEW, "head_decide", review, actor)
    if choice not in HeadChoice.values:
        raise ZhifaError(ReviewErrorCode.OPINION_INVALID, "请选择负责人决定。")
    reasons = _require_reason(reasons, "决定理由")
    data = {"choice": choice}

    def decided(review: Review) -> str:
        opinion = _latest_opinion(review)
        data["opinion"] = opinion.pk
        return State.PASSED if choice == HeadChoice.PROCEED else ADOPTED[OpinionKind(opinion.kind)]

    return wf.transition(REVIEW, "head_decide", review, actor, note=reasons, data=data, effect=decided,
                         after=_passed)
