"""Annual plans and their batches: a plan is kept by the handling side (inspections.manage) and filed with the level
above by a head; a batch is added through the plan's move `add_batch` (while a draft, or to a filed plan, the
addition logged), checked against the published item lists and the joint-inspection rules (国发〔2019〕5号)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from zhifa.core import workflow as wf
from zhifa.core.errors import ZhifaError
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency, AgencyStatus, Jurisdiction

from . import events, flows
from .errors import InspectionErrorCode as E
from .models import Batch, DrawState, Item, ListState, Plan, TargetType
from .workflow import MANAGE_PERMISSION

MIN_INSPECTORS, MAX_INSPECTORS = 1, 10
# 行政处罚法 §42: an inspection is made by at least two enforcement officers; a joint batch has one of each agency.
MIN_SOLE_INSPECTORS = 2


def plan_create(*, actor, agency, year: int, title: str) -> Plan:
    org_perms.require(actor, MANAGE_PERMISSION, agency=agency, detail=f"inspections.plan create agency:{agency.pk}")
    this_year = timezone.localdate().year
    if not isinstance(year, int) or isinstance(year, bool) or not this_year - 1 <= year <= this_year + 1:
        raise ZhifaError(E.PLAN_INVALID, f"计划年度应为 {this_year - 1} 至 {this_year + 1} 年之间。",
                         details={"field": "year"})
    title = flows.text(title, "计划名称", limit=200, field="title")
    with transaction.atomic():
        plan = Plan.objects.create(agency=agency, year=year, title=title, created_by=actor)
        events.record(events.PLAN_CREATED, subject=events.subject("plan", plan.pk), actor=actor,
                      payload={"agency": agency.pk, "year": year, "title": title})
    return plan


def _bad(message: str, field: str, code=E.BATCH_INVALID):
    raise ZhifaError(code, message, details={"field": field})


def _ids(values) -> list[int]:
    out = []
    for v in values or []:
        try:
            out.append(int(v))
        except (TypeError, ValueError):
            _bad(f"编号“{v}”不正确。", "items")
    return list(dict.fromkeys(out))


def batch_check(*, plan, title, item_ids, partner_ids, target_type, area, starts_on, ends_on,
                inspectors_per_agency) -> dict:
    """The batch's fields checked (the rules, in the order a user fixes them); returns what to write."""
    lead = plan.agency
    title = flows.text(title, "批次名称", limit=200, field="title")
    if target_type not in TargetType.values:
        _bad("请选择检查对象类型。", "target_type")
    partners = []
    pids = [p for p in _ids(partner_ids) if p != lead.pk] if partner_ids else []
    if partner_ids and len(pids) != len(_ids(partner_ids)):
        _bad(f"{lead.name}是牵头部门，不必列为联合抽查部门。", "partners", E.PARTNER_INVALID)
    if pids:
        found = {a.pk: a for a in Agency.objects.filter(pk__in=pids).select_related("jurisdiction")}
        for pk in pids:
            a = found.get(pk)
            if a is None:
                _bad(f"联合抽查部门（编号 {pk}）不存在。", "partners", E.PARTNER_INVALID)
            # 国发〔2019〕5号: a joint inspection is by departments of the same level (the same jurisdiction).
            if a.is_justice_bureau or a.status != AgencyStatus.CONFIRMED or a.jurisdiction_id != lead.jurisdiction_id:
                _bad(f"{a.name}不能参加联合抽查：联合抽查部门应为与{lead.name}同级（{lead.jurisdiction.name}）、"
                     "已确认主体资格的行政执法部门。", "partners", E.PARTNER_INVALID)
            partners.append(a)
    ids = _ids(item_ids)
    if not ids:
        _bad("请至少选择一个抽查事项。", "items", E.ITEMS_REQUIRED)
    agency_ids = {lead.pk, *(a.pk for a in partners)}
    items = list(Item.objects.filter(pk__in=ids, item_list__state=ListState.PUBLISHED,
                                     item_list__agency_id__in=agency_ids).select_related("item_list__agency"))
    if len(items) != len(ids):
        _bad("所选抽查事项应来自牵头部门或联合抽查部门当前已公示的随机抽查事项清单。", "items", E.ITEM_INVALID)
    wrong = [i for i in items if i.target_type != target_type]
    if wrong:
        _bad(f"抽查事项“{wrong[0].name}”的检查对象类型为{TargetType(wrong[0].target_type).label}，与本批次的"
             f"{TargetType(target_type).label}不一致。", "items", E.ITEM_INVALID)
    contributing = {i.item_list.agency_id for i in items}
    idle = [a.name for a in partners if a.pk not in contributing]
    if idle:
        _bad(f"联合抽查部门{'、'.join(idle)}未选择本部门的抽查事项：每个联合抽查部门至少应有一个抽查事项。", "partners",
             E.PARTNER_INVALID)
    if area is not None:
        if not isinstance(area, Jurisdiction) or not area.path.startswith(lead.jurisdiction.path):
            _bad(f"抽查区域应在{lead.jurisdiction.name}的辖区内。", "area")
    if not isinstance(starts_on, dt.date) or not isinstance(ends_on, dt.date):
        _bad("请填写检查的开始和结束日期。", "starts_on", E.DATE_INVALID)
    if starts_on > ends_on:
        _bad(f"检查开始日期（{starts_on}）不能晚于结束日期（{ends_on}）。", "starts_on", E.DATE_INVALID)
    if starts_on.year != plan.year or ends_on.year != plan.year:
        _bad(f"检查日期应在计划年度（{plan.year} 年）之内。", "starts_on", E.DATE_INVALID)
    n = inspectors_per_agency
    if not isinstance(n, int) or isinstance(n, bool) or not MIN_INSPECTORS <= n <= MAX_INSPECTORS:
        _bad(f"每个部门每户检查人员数应为 {MIN_INSPECTORS} 至 {MAX_INSPECTORS} 人。", "inspectors_per_agency")
    if not partners and n < MIN_SOLE_INSPECTORS:
        _bad("单独抽查时每户检查人员不得少于两人（《行政处罚法》第四十二条：执法人员不得少于两人）。",
             "inspectors_per_agency", E.INSPECTORS_TOO_FEW)
    other = overlapping_batch(agency=lead, target_type=target_type, area=area, starts_on=starts_on, ends_on=ends_on,
                              item_ids=ids)
    if other is not None:
        _bad(f"与{other.plan.year} 年度计划的第 {other.number} 批“{other.title}”（{other.starts_on} 至 {other.ends_on}）"
             "重叠：检查对象类型相同、检查时间和抽查区域重叠，且有相同的抽查事项。同一事项对同一批对象只能有一个有效的"
             "抽取；需要重新抽取的，请在原批次中由负责人说明理由重新抽取。", "items")
    return {"title": title, "items": items, "partners": partners, "target_type": target_type, "area": area,
            "starts_on": starts_on, "ends_on": ends_on, "inspectors_per_agency": n}


def overlapping_batch(*, agency, target_type, area, starts_on, ends_on, item_ids) -> Batch | None:
    """A batch of the agency's plans that the new one would duplicate, or None. Two live batches over the same
    targets and items would be two draws to choose from (a silent re-draw with no head and no reason; review H4):
    refused when the type is the same, the periods overlap, the areas overlap (one's path a prefix of the other's;
    no area is the agency's whole area) and at least one item is shared — unless the other batch's draws are all
    superseded (it is not live any more)."""
    root = agency.jurisdiction.path
    path = area.path if area is not None else root
    candidates = (Batch.objects.filter(plan__agency=agency, target_type=target_type, starts_on__lte=ends_on,
                                       ends_on__gte=starts_on, items__in=item_ids)
                  .select_related("plan", "area").prefetch_related("draws").distinct().order_by("id"))
    for b in candidates:
        other = b.area.path if b.area_id else root
        if not (path.startswith(other) or other.startswith(path)):
            continue
        states = {d.state for d in b.draws.all()}
        if states and not states & {DrawState.FROZEN, DrawState.DRAWN}:
            continue  # drawn once, then superseded with nothing live: not a rival draw
        return b
    return None


def batch_add(*, actor, plan, title: str, item_ids, partner_ids=(), target_type: str, area=None, starts_on,
              ends_on, inspectors_per_agency: int = 2) -> Batch:
    """Add a batch (the plan's move add_batch; the step's data names the batch)."""
    wf.authorise(flows.PLAN_WORKFLOW, "add_batch", plan, actor)  # who may, before the input is judged
    checked = batch_check(plan=plan, title=title, item_ids=item_ids, partner_ids=partner_ids, target_type=target_type,
                          area=area, starts_on=starts_on, ends_on=ends_on,
                          inspectors_per_agency=inspectors_per_agency)
    with transaction.atomic():
        locked = wf.lock(flows.PLAN_WORKFLOW, plan)
        # Again under the plan's lock: two additions to the same plan at once cannot both pass the overlap check.
        batch_check(plan=locked, title=title, item_ids=item_ids, partner_ids=partner_ids, target_type=target_type,
                    area=area, starts_on=starts_on, ends_on=ends_on, inspectors_per_agency=inspectors_per_agency)
        last = Batch.objects.filter(plan=locked).order_by("-number").values_list("number", flat=True).first()
        batch = Batch.objects.create(
            plan=locked, number=(last or 0) + 1, title=checked["title"], target_type=checked["target_type"],
            area=checked["area"], starts_on=checked["starts_on"], ends_on=checked["ends_on"],
            inspectors_per_agency=checked["inspectors_per_agency"], created_by=actor)
        batch.items.set(checked["items"])
        batch.partners.set(checked["partners"])
        wf.apply(flows.PLAN_WORKFLOW, "add_batch", locked, actor, to=locked.state, data={
            "batch": batch.pk, "number": batch.number, "title": batch.title,
            "items": sorted(i.pk for i in checked["items"]), "partners": sorted(a.pk for a in checked["partners"]),
            "target_type": batch.target_type, "area": batch.area_id, "starts_on": batch.starts_on.isoformat(),
            "ends_on": batch.ends_on.isoformat(), "inspectors_per_agency": batch.inspectors_per_agency})
        wf.save(flows.PLAN_WORKFLOW, locked)
    return batch


def plan_file(*, actor, plan, note: str = "") -> Plan:
    """报备: a head files the plan with the level above; a plan without a batch is not filed."""
    wf.authorise(flows.PLAN_WORKFLOW, "file", plan, actor)
    note = flows.text(note, "报备说明", limit=2000, required=False, field="note")

    def check(obj):
        if not obj.batches.exists():
            raise ZhifaError(E.PLAN_INVALID, "年度计划至少应有一个抽查批次，才能报备。")
        obj.filed_at = timezone.now()

    return wf.transition(flows.PLAN_WORKFLOW, "file", plan, actor, note=note, effect=check)
