"""The four workflows of random inspections (the tables are workflow.py), their step rows, and the helpers every
service module of the app shares: bounded text, reasons, the rules read."""

from zhifa.core import workflow as wf
from zhifa.core.bounds import normalise
from zhifa.core.errors import ZhifaError

from . import events
from .errors import InspectionErrorCode as E
from .models import (
    Draw,
    DrawState,
    DrawStep,
    Inspection,
    InspectionState,
    InspectionStep,
    ItemList,
    ItemListStep,
    ListState,
    Plan,
    PlanState,
    PlanStep,
)
from .workflow import DRAW_MOVES, INSPECTION_MOVES, LIST_MOVES, PLAN_MOVES

RULE_CLASS_RATIOS = "inspections.class_ratios"
RULE_RESULT_DAYS = "inspections.result_days"
RULE_GENERAL_RATIO_MAX = "inspections.general_ratio_max"
RULE_ITEM_LIST_REVIEWER = "inspections.item_list_reviewer"


def _list_record(obj, move, *, actor, from_state, to_state, note, data, step):
    entry = events.moved(move.event, events.subject("item_list", obj.pk), move, actor=actor, action=step,
                         from_state=from_state, to_state=to_state, note=note, data=data)
    return ItemListStep.objects.create(item_list=obj, action=step, from_state=from_state, to_state=to_state,
                                       actor=actor, note=note, data=data, entry=entry)


def _plan_record(obj, move, *, actor, from_state, to_state, note, data, step):
    entry = events.moved(move.event, events.subject("plan", obj.pk), move, actor=actor, action=step,
                         from_state=from_state, to_state=to_state, note=note, data=data)
    return PlanStep.objects.create(plan=obj, action=step, from_state=from_state, to_state=to_state, actor=actor,
                                   note=note, data=data, entry=entry)


def _draw_record(obj, move, *, actor, from_state, to_state, note, data, step):
    entry = events.moved(move.event, events.subject("draw", obj.pk), move, actor=actor, action=step,
                         from_state=from_state, to_state=to_state, note=note, data=data)
    return DrawStep.objects.create(draw=obj, action=step, from_state=from_state, to_state=to_state, actor=actor,
                                   note=note, data=data, entry=entry)


def _inspection_record(obj, move, *, actor, from_state, to_state, note, data, step):
    entry = events.moved(move.event, events.subject("inspection", obj.pk), move, actor=actor, action=step,
                         from_state=from_state, to_state=to_state, note=note, data=data)
    return InspectionStep.objects.create(inspection=obj, action=step, from_state=from_state, to_state=to_state,
                                         actor=actor, note=note, data=data, entry=entry)


LIST_WORKFLOW = wf.Workflow(
    name="inspections.item_list", model=ItemList, state_field="state", states=ListState,
    moves=tuple(LIST_MOVES.values()), noun="随机抽查事项清单", agency_of=lambda o: o.agency, record=_list_record,
    select_related=("agency__jurisdiction",), update_fields=("published_at",))

PLAN_WORKFLOW = wf.Workflow(
    name="inspections.plan", model=Plan, state_field="state", states=PlanState, moves=tuple(PLAN_MOVES.values()),
    noun="随机抽查计划", agency_of=lambda o: o.agency, record=_plan_record, select_related=("agency__jurisdiction",),
    update_fields=("filed_at",))

DRAW_WORKFLOW = wf.Workflow(
    name="inspections.draw", model=Draw, state_field="state", states=DrawState, moves=tuple(DRAW_MOVES.values()),
    noun="双随机抽取", agency_of=lambda o: o.batch.plan.agency, record=_draw_record,
    select_related=("batch__plan__agency__jurisdiction",),
    update_fields=("checkpoint", "external_value", "seed", "result_sha256", "drawn_at"))

INSPECTION_WORKFLOW = wf.Workflow(
    name="inspections.inspection", model=Inspection, state_field="state", states=InspectionState,
    moves=tuple(INSPECTION_MOVES.values()), noun="抽查检查", agency_of=lambda o: o.agency, record=_inspection_record,
    select_related=("agency__jurisdiction",),
    update_fields=("inspected_on", "place", "record", "av", "result_due", "published_at"))


def text(value, what: str, *, limit: int, required: bool = True, field: str = "", minimum: int = 0) -> str:
    """A bounded, normalised text (core.bounds.normalise); a clear Chinese error naming the field otherwise."""
    value = normalise(str(value or "")).strip()
    if required and len(value) < max(1, minimum):
        more = f"（不少于 {minimum} 个字）" if minimum > 1 else ""
        code = E.REASON_TOO_SHORT if minimum > 1 else E.TEXT_REQUIRED
        raise ZhifaError(code, f"请填写{what}{more}。", details={"field": field or what})
    if len(value) > limit:
        raise ZhifaError(E.TEXT_TOO_LONG, f"{what}不能超过 {limit} 个字。", details={"field": field or what})
    return value
