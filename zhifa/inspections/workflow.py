"""The lives of an item list, a plan, a draw and an inspection, as data (STYLE habit 2; core.workflow; issue 22).

Item list:  draft ──submit──▶ submitted ──approve──▶ published ──(a newer version published)──▶ superseded
            returned ◀──return── submitted;  returned ──submit──▶ submitted
Plan:       draft ──add_batch──▶ draft ──file──▶ filed (──add_batch──▶ filed: the addition is logged and visible)
Draw:       frozen ──make──▶ drawn;  frozen | drawn ──supersede──▶ superseded (only by a re-draw, with a reason)
Inspection: assigned ──record──▶ recorded ──record──▶ recorded (a correction before publication) ──publish──▶ published

Who acts: the list's agency submits (inspections.approve: its heads); the jurisdiction's market-regulation department
reviews (`_reviewer_admits`: a holder of inspections.review_items in an agency of the field the rule
`inspections.item_list_reviewer` names, in the list agency's own jurisdiction). Plans and batches are kept by the handling
side (inspections.manage), filed by a head. A draw is frozen and made by the handling side; a re-draw is ordered by a
head. An inspection is recorded by its assigned inspectors or the agency's handling heads (inspections.inspect; the
service checks the assignment), its result published by inspections.publish.
"""

from zhifa.core.workflow import Move

from . import events
from .models import DrawState, InspectionState, ListState, PlanState

VIEW_PERMISSION = "inspections.view"
MANAGE_PERMISSION = "inspections.manage"
APPROVE_PERMISSION = "inspections.approve"
REVIEW_PERMISSION = "inspections.review_items"
INSPECT_PERMISSION = "inspections.inspect"
PUBLISH_PERMISSION = "inspections.publish"


def reviewing_agencies(agency):
    """The agencies that review `agency`'s item list: those of the rule's field in the same jurisdiction."""
    from django.utils import timezone

    from zhifa.org.models import Agency, AgencyStatus
    from zhifa.rules.selectors import rule_get

    field = rule_get("inspections.item_list_reviewer", jurisdiction=agency.jurisdiction,
                     as_of=timezone.localdate()).value
    return Agency.objects.filter(jurisdiction=agency.jurisdiction, field=field, is_justice_bureau=False).exclude(
        status=AgencyStatus.REVOKED)


def _reviewer_admits(obj, actor) -> bool:
    from zhifa.org import permissions as org_perms

    return any(org_perms.can(actor, REVIEW_PERMISSION, agency=a) for a in reviewing_agencies(obj.agency))


def _assigned_admits(obj, actor) -> bool:
    """An inspector assigned to the inspection's target by the draw (a partner agency's too, in a joint batch)."""
    return bool(getattr(actor, "pk", None)) and obj.drawn.assignments.filter(person__user=actor).exists()


LIST_MOVES = {m.name: m for m in (
    Move("submit", (ListState.DRAFT, ListState.RETURNED), (ListState.SUBMITTED,), APPROVE_PERMISSION,
         "报送审核", events.ITEM_LIST_SUBMITTED),
    # permission "": only `admits` decides (the reviewer is another agency's head, or the list agency's own when it is
    # itself the market-regulation department).
    Move("return", (ListState.SUBMITTED,), (ListState.RETURNED,), "", "退回修改", events.ITEM_LIST_RETURNED,
         admits=_reviewer_admits),
    Move("approve", (ListState.SUBMITTED,), (ListState.PUBLISHED,), "", "审核通过并公示", events.ITEM_LIST_PUBLISHED,
         admits=_reviewer_admits),
    # Made by `approve` of the newer version, on the one it supersedes, by the same reviewer.
    Move("supersede", (ListState.PUBLISHED,), (ListState.SUPERSEDED,), "", "被新版本替代", events.ITEM_LIST_SUPERSEDED,
         admits=_reviewer_admits),
)}

PLAN_MOVES = {m.name: m for m in (
    Move("add_batch", (PlanState.DRAFT, PlanState.FILED), (PlanState.DRAFT, PlanState.FILED), MANAGE_PERMISSION,
         "增加抽查批次", events.BATCH_ADDED),
    Move("file", (PlanState.DRAFT,), (PlanState.FILED,), APPROVE_PERMISSION, "报备年度计划", events.PLAN_FILED),
)}

DRAW_MOVES = {m.name: m for m in (
    Move("make", (DrawState.FROZEN,), (DrawState.DRAWN,), MANAGE_PERMISSION, "随机抽取", events.DRAW_MADE),
    Move("supersede", (DrawState.FROZEN, DrawState.DRAWN), (DrawState.SUPERSEDED,), APPROVE_PERMISSION,
         "重新抽取（说明理由）", events.DRAW_SUPERSEDED),
)}

INSPECTION_MOVES = {m.name: m for m in (
    # The lead agency's inspect permission, or an assigned inspector (of a partner agency in a joint batch).
    Move("record", (InspectionState.ASSIGNED, InspectionState.RECORDED), (InspectionState.RECORDED,),
         INSPECT_PERMISSION, "记录检查情况", events.INSPECTION_RECORDED, admits=_assigned_admits),
    Move("publish", (InspectionState.RECORDED,), (InspectionState.PUBLISHED,), PUBLISH_PERMISSION, "公示检查结果",
         events.INSPECTION_PUBLISHED),
)}
