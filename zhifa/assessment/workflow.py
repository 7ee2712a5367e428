"""The life of an annual assessment, as data (STYLE habit 2; core.workflow; issue 21 §6; SUP-02).

open ──compute──▶ computed ──finalise──▶ finalised
          computed ──compute / score──▶ computed (recomputed; a qualitative score added or superseded)
  open, computed ──cancel (reason)──▶ cancelled

Who acts: as for special inspections (campaigns.workflow), the organising bureau's moves are made by a supervisor
whose grant covers the bureau's jurisdiction (its own or above), under the instruments' permission for the bureau's
supervisory acts (BUREAU_PERMISSION); no new permission. Reading a result is VIEW_PERMISSION: the bureau's side
reads everything of its assessments, an agency's staff read their own agency's result once finalised.
"""

from zhifa.core.workflow import Move

from . import events
from .models import State

BUREAU_PERMISSION = "instruments.issue"
VIEW_PERMISSION = "supervision.view"


def _bureau_admits(obj, actor) -> bool:
    from zhifa.org import permissions as org_perms

    return org_perms.can(actor, BUREAU_PERMISSION, jurisdiction=obj.bureau.jurisdiction)


def _bureau(name, sources, targets, label, event) -> Move:
    # permission "": only `admits` decides (an agency-side grant never makes one the organiser).
    return Move(name, sources, targets, "", label, event, admits=_bureau_admits, extra={"side": "bureau"})


MOVES = {m.name: m for m in (
    _bureau("compute", (State.OPEN, State.COMPUTED), (State.COMPUTED,), "计算考核指标", events.COMPUTED),
    _bureau("score", (State.COMPUTED,), (State.COMPUTED,), "评议加减分", events.SCORED),
    _bureau("finalise", (State.COMPUTED,), (State.FINALISED,), "确定考核结果并签章", events.FINALISED),
    _bureau("cancel", (State.OPEN, State.COMPUTED), (State.CANCELLED,), "撤销考核（说明理由）", events.CANCELLED),
)}

ACTION_LABELS = {"create": "组织评议考核", **{m.name: m.label for m in MOVES.values()}}
