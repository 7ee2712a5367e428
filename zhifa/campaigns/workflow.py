"""The life of a special inspection, as data (STYLE habit 2; core.workflow; issue 20 §5; SUP-05).

draft ──draw──▶ inspecting   (amend: draft → draft, the plan changed before anything is drawn) ──report──▶ reported ──publish──▶ published
  └──────────────┴──cancel (reason)──▶ cancelled
While inspecting, the bureau records findings (record_findings, inspecting → inspecting); once published, each
agency inspected acknowledges the notice (acknowledge, published → published, one per agency).

Who acts: the bureau's moves are made by a supervisor whose grant covers the organising bureau's jurisdiction
(its own or above: `_bureau_admits`, as supervision instruments); the permission is the instruments' one for the
bureau's supervisory acts (BUREAU_PERMISSION), no new one. An agency's acknowledgement is signed by its heads
(AGENCY_PERMISSION, the one that answers a supervision instrument): the move admits a head of any agency the notice
was sent to, and the service checks the agency acknowledged for. Reading is VIEW_PERMISSION for the agencies.
"""

from zhifa.core.workflow import Move

from . import events
from .models import State

BUREAU_PERMISSION = "instruments.issue"
AGENCY_PERMISSION = "instruments.respond"
VIEW_PERMISSION = "supervision.view"

OPEN = (State.DRAFT, State.INSPECTING)


def _bureau_admits(obj, actor) -> bool:
    """The organising bureau: a supervisor whose grant covers the bureau's jurisdiction (its own or above)."""
    from zhifa.org import permissions as org_perms

    return org_perms.can(actor, BUREAU_PERMISSION, jurisdiction=obj.bureau.jurisdiction)


def _notified_head_admits(obj, actor) -> bool:
    """A head (AGENCY_PERMISSION) of an agency the campaign's notice was sent to."""
    from zhifa.org import permissions as org_perms

    scope = org_perms.scope_for(actor, AGENCY_PERMISSION)
    return not scope.empty and obj.deliveries.filter(scope.agency_q("agency__")).exists()


def _bureau(name, sources, targets, label, event) -> Move:
    # permission "": only `admits` decides (an agency-side grant never makes one the organiser).
    return Move(name, sources, targets, "", label, event, admits=_bureau_admits, extra={"side": "bureau"})


MOVES = {m.name: m for m in (
    _bureau("amend", (State.DRAFT,), (State.DRAFT,), "修改检查方案", events.AMENDED),
    _bureau("draw", (State.DRAFT,), (State.INSPECTING,), "随机抽取案件", events.DRAWN),
    _bureau("record_findings", (State.INSPECTING,), (State.INSPECTING,), "记录检查结果", events.FINDINGS_RECORDED),
    _bureau("report", (State.INSPECTING,), (State.REPORTED,), "形成检查报告并签章", events.REPORTED),
    _bureau("publish", (State.REPORTED,), (State.PUBLISHED,), "发布通报", events.PUBLISHED),
    _bureau("cancel", OPEN, (State.CANCELLED,), "撤销检查（说明理由）", events.CANCELLED),
    # permission "": a campaign has many agencies, so `admits` names who may: a head of an agency the notice was
    # sent to; the service then checks that the actor signs for the agency they acknowledge for.
    Move("acknowledge", (State.PUBLISHED,), (State.PUBLISHED,), "", "签收通报", events.ACKNOWLEDGED,
         admits=_notified_head_admits, extra={"side": "agency"}),
)}

ACTION_LABELS = {"create": "组织专项监督检查", **{m.name: m.label for m in MOVES.values()}}
