"""The life of a case-file evaluation campaign, as data (STYLE habit 2; core.workflow; issue 21 §2, §4, §5; SUP-06).

            ┌──────────draw (no self-check first)──────────┐
            │                                               ▼
draft ──draw (self-check first)──▶ self_check ──spot_check──▶ scoring ──close──▶ closed
  │                                  │   └──close (an agency's own self-check)──────────────▲
  └──────────────────────────────────┴──────────────cancel (reason)─────▶ cancelled (from any open state)

Loops (state → same state): amend (draft: the plan changed before anything is drawn), add_evaluators (draft,
self_check, scoring), self_score (self_check), assign, recuse,
score, reconcile (scoring), rectify (closed, one per failed file).

Who acts:
- the organiser (`_organiser_admits`): for a bureau's campaign a supervisor whose grant covers the bureau's
  jurisdiction (BUREAU_PERMISSION, as special inspections); for an agency's self-check its heads (AGENCY_PERMISSION);
- an evaluator assigned a file (`_evaluator_admits`): scores it, or recuses with a reason;
- the campaign lead (`lead`, named at opening): reconciles two evaluators' differing scores;
- a head (AGENCY_PERMISSION) of an agency whose files were drawn (`_agency_head_admits`): self-scores them in the
  self-check phase, and after closing records the rectification of a failed one. The service then checks the file's
  agency is theirs.
Reading: the organiser's side everything; an agency's side (VIEW_PERMISSION) its own files, their results once closed.
"""

from zhifa.core.workflow import Move

from . import events
from .models import State

BUREAU_PERMISSION = "instruments.issue"
AGENCY_PERMISSION = "instruments.respond"
VIEW_PERMISSION = "supervision.view"

OPEN = (State.DRAFT, State.SELF_CHECK, State.SCORING)


def organiser_may(campaign, actor) -> bool:
    from zhifa.org import permissions as org_perms

    organiser = campaign.organiser
    if organiser.is_justice_bureau:
        return org_perms.can(actor, BUREAU_PERMISSION, jurisdiction=organiser.jurisdiction)
    return org_perms.can(actor, AGENCY_PERMISSION, agency=organiser)


def _organiser_admits(obj, actor) -> bool:
    return organiser_may(obj, actor)


def _evaluator_admits(obj, actor) -> bool:
    """An evaluator holding a live assignment (not recused) on a file of the campaign."""
    from .models import Assigned

    return bool(getattr(actor, "pk", None)) and Assigned.objects.filter(
        file__campaign=obj, evaluator_id=actor.pk, recusal__isnull=True).exists()


def _lead_admits(obj, actor) -> bool:
    return bool(getattr(actor, "pk", None)) and obj.lead_id == actor.pk


def _agency_head_admits(obj, actor) -> bool:
    """A head of an agency whose files were drawn."""
    from zhifa.org import permissions as org_perms

    scope = org_perms.scope_for(actor, AGENCY_PERMISSION)
    return not scope.empty and obj.files.filter(scope.agency_q("agency__")).exists()


def _m(name, sources, targets, label, event, admits, side) -> Move:
    # permission "": only `admits` decides (a grant elsewhere never makes one the organiser or an evaluator).
    return Move(name, sources, targets, "", label, event, admits=admits, extra={"side": side})


MOVES = {m.name: m for m in (
    _m("amend", (State.DRAFT,), (State.DRAFT,), "修改评查方案", events.AMENDED, _organiser_admits, "organiser"),
    _m("draw", (State.DRAFT,), (State.SELF_CHECK, State.SCORING), "随机抽取案卷", events.DRAWN, _organiser_admits,
       "organiser"),
    _m("add_evaluators", OPEN, OPEN, "确定评查人员", events.EVALUATOR_ADDED, _organiser_admits, "organiser"),
    _m("self_score", (State.SELF_CHECK,), (State.SELF_CHECK,), "自查评分", events.SELF_SCORED, _agency_head_admits,
       "agency"),
    _m("spot_check", (State.SELF_CHECK,), (State.SCORING,), "结束自查，开始评查", events.SPOT_CHECK,
       _organiser_admits, "organiser"),
    _m("assign", (State.SCORING,), (State.SCORING,), "分配评查案卷", events.ASSIGNED, _organiser_admits, "organiser"),
    _m("recuse", (State.SCORING,), (State.SCORING,), "申请回避", events.RECUSED, _evaluator_admits, "evaluator"),
    _m("score", (State.SCORING,), (State.SCORING,), "评分", events.SCORED, _evaluator_admits, "evaluator"),
    _m("reconcile", (State.SCORING,), (State.SCORING,), "复核确定分数", events.RECONCILED, _lead_admits, "lead"),
    _m("close", (State.SELF_CHECK, State.SCORING), (State.CLOSED,), "完成评查并反馈结果", events.CLOSED,
       _organiser_admits, "organiser"),
    _m("rectify", (State.CLOSED,), (State.CLOSED,), "报告整改情况", events.RECTIFIED, _agency_head_admits, "agency"),
    _m("cancel", OPEN, (State.CANCELLED,), "撤销评查（说明理由）", events.CANCELLED, _organiser_admits, "organiser"),
)}

ACTION_LABELS = {"create": "组织案卷评查", **{m.name: m.label for m in MOVES.values()}}
