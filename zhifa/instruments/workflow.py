"""The life of a supervision instrument, as data (STYLE habit 2; core.workflow; issue 20 §4; SUP-08).

issued ──report──▶ reported ──accept──▶ closed
   ▲                   └──return──▶ returned ──report──▶ reported …
   └── review_request ─▶ review_requested ──decide_review──▶ upheld | changed (correct, then report) | revoked
Any state awaiting the agency may be closed by the bureau with a reason (close). Overdue is not a state: it is
derived from `due_on` (selectors, problem model M22).

Who acts: only the supervising justice bureau issues, accepts, returns, decides re-examinations and closes (a
supervisor whose grant covers the bureau's jurisdiction: `admits` below); only the agency concerned reports
corrections and asks for re-examination (its heads, who sign for it). The permissions are the nearest ones the
role table has (see docs/instruments.md, "Permissions"): BUREAU_PERMISSION is the justice bureau's supervisory act
over the agencies of its subtree, AGENCY_PERMISSION is signing for the agency.
"""

from zhifa.core.workflow import Move

from . import events
from .models import Kind, State

# The justice bureau's supervisors issue, accept and decide (checked against the issuing bureau's jurisdiction).
BUREAU_PERMISSION = "instruments.issue"
# The agency head and the head in charge of legal work, who sign for the agency.
AGENCY_PERMISSION = "instruments.respond"
VIEW_PERMISSION = "instruments.view"

AWAITING_AGENCY = (State.ISSUED, State.RETURNED, State.UPHELD, State.CHANGED)  # the clock runs against the agency
OPEN = (*AWAITING_AGENCY, State.REPORTED, State.REVIEW_REQUESTED)
FINAL = (State.CLOSED, State.REVOKED)
# Re-examination (复查) is of a decision or an opinion; a summons and a notice are not reviewed.
REVIEWABLE = (Kind.OPINION, Kind.DECISION)


def _bureau_admits(obj, actor) -> bool:
    """The supervising bureau: a supervisor whose grant covers the issuing bureau's jurisdiction (its own or above)."""
    from zhifa.org import permissions as org_perms

    return org_perms.can(actor, BUREAU_PERMISSION, jurisdiction=obj.bureau.jurisdiction)


def _bureau(name, sources, targets, label, event) -> Move:
    # permission "": only `admits` decides (a grant for the agency's subtree alone does not make one its issuer).
    return Move(name, sources, targets, "", label, event, admits=_bureau_admits, extra={"side": "bureau"})


def _agency(name, sources, targets, label, event) -> Move:
    return Move(name, sources, targets, AGENCY_PERMISSION, label, event, extra={"side": "agency"})


MOVES = {m.name: m for m in (
    _agency("report", AWAITING_AGENCY, (State.REPORTED,), "报告整改情况", events.CORRECTION_REPORTED),
    _bureau("accept", (State.REPORTED,), (State.CLOSED,), "验收整改并办结", events.CORRECTION_ACCEPTED),
    _bureau("return", (State.REPORTED,), (State.RETURNED,), "退回重新整改", events.CORRECTION_RETURNED),
    _agency("request_review", (State.ISSUED,), (State.REVIEW_REQUESTED,), "申请复查", events.REVIEW_REQUESTED),
    _bureau("decide_review", (State.REVIEW_REQUESTED,), (State.UPHELD, State.CHANGED, State.REVOKED), "作出复查决定",
            events.REVIEW_DECIDED),
    _bureau("close", AWAITING_AGENCY, (State.CLOSED,), "办结（说明理由）", events.CLOSED),
)}

# What a step is called on the timeline (the first, issuing, is not a move).
ACTION_LABELS = {"issue": "制发并签章", **{m.name: m.label for m in MOVES.values()}}
