"""Execution and results of random inspections (issue 22 §5; INS-02, PUB-13): recording an inspection with a finding
per item (a violation to be punished opens a case in the item's agency), then publishing its result.

Every write goes through core.workflow.transition with flows.INSPECTION_WORKFLOW: the permission first (the denial
logged), then the row lock, the table, the step with its typed ledger event, the save. Who records: an inspector the
draw assigned to the target (a partner agency's too, in a joint batch), or a head of the lead agency (handling head or
agency head holding inspections.inspect); an officer of the agency who was not assigned is refused and logged, since
the draw decided who inspects (国办发〔2015〕58号: 随机选派执法检查人员).
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from zhifa.cases import services as case_services
from zhifa.cases.models import PartyKind, Procedure
from zhifa.core import workdays
from zhifa.core import workflow as wf
from zhifa.core.errors import WrongStateError, ZhifaError
from zhifa.core.files import determine, read_head
from zhifa.core.permissions import Role
from zhifa.ledger.services import evidence_put
from zhifa.org import permissions as org_perms
from zhifa.org.models import ActionType, Unit, UnitKind
from zhifa.rules.selectors import rule_get

from . import flows
from .errors import InspectionErrorCode as E
from .models import (
    MAX_TEXT,
    MIN_REASON,
    Draw,
    DrawState,
    Finding,
    Inspection,
    InspectionStep,
    Item,
    Outcome,
    RecusalLink,
)
from .workflow import INSPECT_PERMISSION, _assigned_admits

# A head of the lead agency may record in place of the inspectors assigned (the record is signed by the head).
RECORDING_HEADS = frozenset({Role.HANDLING_HEAD, Role.AGENCY_HEAD})
CASE_PERMISSION = "cases.handle"
RULE_MANDATORY_AV = "recording.mandatory_av"
# The items of rules.catalogue.AV_ITEMS an on-site random inspection falls under: evidence taking (检查), and the
# dispute-prone processes — 国办发〔2018〕118号 names 随机抽查 among them (“对现场检查、随机抽查、调查取证……等容易引发争议
# 的行政执法过程，要根据实际情况进行音像记录”). Where a jurisdiction's mandatory list holds any of them, the record
# needs its AV file.
AV_ITEMS = frozenset({"evidence_taking", "dispute_prone_onsite", "other_dispute_prone"})
MAX_PLACE = 300
SUPERSEDED_MESSAGE = "该检查对象所属的抽取已被重新抽取，不能再记录检查情况；请在新的抽取结果中办理。"


def _load(inspection) -> Inspection:
    pk = getattr(inspection, "pk", inspection)
    return (Inspection.objects.select_related("agency__jurisdiction", "drawn__draw__batch__plan", "drawn__target",
                                              "drawn__target__place").get(pk=pk))


def is_assigned(inspection: Inspection, actor) -> bool:
    return _assigned_admits(inspection, actor)


def heads_record(inspection: Inspection, actor) -> bool:
    """A handling head or agency head of the lead agency, holding inspections.inspect there."""
    return (org_perms.can(actor, INSPECT_PERMISSION, agency=inspection.agency)
            and any(g.role in RECORDING_HEADS and g.agency_id == inspection.agency_id
                    for g in org_perms.grants_of(actor)))


def may_record(inspection: Inspection, actor) -> bool:
    """Whether the page offers the record form (nothing logged)."""
    return is_assigned(inspection, actor) or heads_record(inspection, actor)


def record_authorise(inspection: Inspection, actor) -> None:
    """Refuse (logged) anyone but an assigned inspector or a head of the lead agency. Before any transaction."""
    if actor is None or may_record(inspection, actor):
        return
    wf.deny(actor, INSPECT_PERMISSION, message="您不是本次抽取为该检查对象选派的检查人员，也不是牵头部门的负责人，不能记录检查情况。",
            detail=f"inspections.inspection record inspections.inspection:{inspection.pk} (not assigned)")


def batch_items(inspection: Inspection) -> list[Item]:
    """The items the inspection covers: every item of the batch (a joint batch's partners' included)."""
    return list(inspection.drawn.draw.batch.items.select_related("item_list__agency__jurisdiction")
                .order_by("item_list__agency_id", "item_list_id", "id"))


def current_findings(inspection: Inspection):
    """The findings that count: the latest per item (not superseded)."""
    return (Finding.objects.filter(inspection=inspection, superseded_by__isnull=True)
            .select_related("item__item_list__agency", "case").order_by("item__item_list__agency_id", "item_id"))


def result_due_for(inspection: Inspection, inspected_on: dt.date) -> tuple[dt.date, bool]:
    """(due date, provisional): inspected_on + the rule inspections.result_days of the lead agency's jurisdiction
    as of the inspection (Hebei: 20 working days; 企业信息公示暂行条例 §6). Working days: core.workdays (the start day
    not counted); provisional when a year whose holiday notice is not loaded was crossed."""
    rule = rule_get(flows.RULE_RESULT_DAYS, jurisdiction=inspection.agency.jurisdiction, as_of=inspected_on).value
    days = int(rule["days"])
    if rule.get("unit") == "working_days":
        deadline = workdays.add_working_days(inspected_on, days)
        return deadline.due, deadline.provisional
    return inspected_on + dt.timedelta(days=days), False


def av_required(inspection: Inspection, on: dt.date) -> bool:
    """Whether the rule recording.mandatory_av of the lead agency's jurisdiction lists one of AV_ITEMS."""
    value = rule_get(RULE_MANDATORY_AV, jurisdiction=inspection.agency.jurisdiction, as_of=on).value
    return bool(AV_ITEMS & set(value or []))


def _date(inspection: Inspection, inspected_on, today: dt.date) -> dt.date:
    batch = inspection.drawn.draw.batch
    if not isinstance(inspected_on, dt.date) or isinstance(inspected_on, dt.datetime):
        raise ZhifaError(E.DATE_INVALID, "请填写检查日期（格式 2026-01-31）。", details={"field": "inspected_on"})
    if inspected_on > today:
        raise ZhifaError(E.DATE_INVALID, f"检查日期（{inspected_on}）不能晚于今天（{today}）。",
                         details={"field": "inspected_on"})
    if not batch.starts_on <= inspected_on <= batch.ends_on:
        raise ZhifaError(E.DATE_INVALID, f"检查日期（{inspected_on}）应在本批次的检查时间 {batch.starts_on} 至 "
                         f"{batch.ends_on} 之内。", details={"field": "inspected_on"})
    return inspected_on


def _item_label(item: Item) -> str:
    return f"{item.number} {item.name}" + (f"（{item.item_list.agency.name}）" if item.item_list_id else "")


def _clean_findings(items: list[Item], findings) -> list[tuple[Item, str, str]]:
    by_id = {i.pk: i for i in items}
    clean: dict[int, tuple[Item, str, str]] = {}
    for row in findings or []:
        row = row if isinstance(row, dict) else {}
        item_id = row.get("item_id")
        if isinstance(item_id, str) and item_id.isdigit():
            item_id = int(item_id)
        if not isinstance(item_id, int) or isinstance(item_id, bool) or item_id not in by_id:
            raise ZhifaError(E.FINDING_INVALID, "所填抽查事项不属于本批次。", details={"field": "findings", "item": item_id})
        item = by_id[item_id]
        if item_id in clean:
            raise ZhifaError(E.FINDING_INVALID, f"抽查事项“{_item_label(item)}”填写了两次。",
                             details={"field": f"outcome_{item_id}", "item": item_id})
        outcome = row.get("outcome") or ""
        if outcome not in Outcome.values:
            raise ZhifaError(E.FINDING_INVALID, f"请选择抽查事项“{_item_label(item)}”的检查结果（{'、'.join(Outcome.labels)}）。",
                             details={"field": f"outcome_{item_id}", "item": item_id, "allowed": Outcome.values})
        text = flows.text(row.get("text"), f"“{_item_label(item)}”的情况说明", limit=MAX_TEXT, required=False,
                          field=f"text_{item_id}")
        clean[item_id] = (item, outcome, text)
    missing = [i for i in items if i.pk not in clean]
    if missing:
        names = "；".join(_item_label(i) for i in missing)
        raise ZhifaError(E.FINDINGS_INCOMPLETE, f"本批次的每个抽查事项都须填写检查结果，尚未填写：{names}。",
                         details={"field": "findings", "missing": [i.pk for i in missing]})
    return [clean[i.pk] for i in items]


def _av_check(av) -> None:
    """The file's type as the server determines it from its bytes (core.files.determine): audio or video only."""
    kind = determine(read_head(av))
    if not kind.startswith(("audio/", "video/")):
        raise ZhifaError(E.AV_INVALID, "音像记录应为音频或视频文件（如 MP4、MOV、WAV、MP3），所传文件不是。",
                         details={"field": "av", "type": kind})


def _earlier_cases(inspection: Inspection) -> dict[int, int]:
    """{item id: case id} of the cases already opened from this inspection (any finding, superseded ones too)."""
    return dict(Finding.objects.filter(inspection=inspection, case__isnull=False)
                .order_by("id").values_list("item_id", "case_id"))


def _handling_unit(agency) -> Unit:
    unit = Unit.objects.filter(agency=agency, kind=UnitKind.HANDLING).order_by("id").first()
    if unit is None:
        raise ZhifaError(E.FINDING_INVALID, f"{agency.name}没有执法承办机构，无法立案；请先在机构设置中登记承办机构。",
                         details={"field": "findings", "agency": agency.pk})
    return unit


def _case_plan(inspection: Inspection, clean, actor) -> list[tuple[Item, object]]:
    """The cases to open: (item, handling unit) for each case_opened finding with no case yet. Whether the actor may
    open a case in the item's agency is asked here, before the transaction, so the refusal's log entry stays."""
    earlier = _earlier_cases(inspection)
    plan = []
    for item, outcome, _text in clean:
        if item.pk in earlier:
            if outcome != Outcome.CASE_OPENED:
                raise ZhifaError(E.FINDING_INVALID, f"抽查事项“{_item_label(item)}”已立案查处，检查结果不能改为"
                                 f"“{Outcome(outcome).label}”；案件的后续处理请在案件中办理。",
                                 details={"field": f"outcome_{item.pk}", "item": item.pk, "case": earlier[item.pk]})
            continue
        if outcome != Outcome.CASE_OPENED:
            continue
        agency = item.item_list.agency
        if not org_perms.can(actor, CASE_PERMISSION, agency=agency):
            wf.deny(actor, CASE_PERMISSION, message=f"“{_item_label(item)}”发现问题须由{agency.name}立案查处，您不是"
                    f"{agency.name}的执法人员，不能在该机关立案；请由{agency.name}选派的检查人员记录该事项的结果。",
                    detail=f"inspections.inspection:{inspection.pk} case_open agency:{agency.pk}")
        plan.append((item, _handling_unit(agency)))
    return plan


def _open_case(inspection: Inspection, item: Item, unit, actor):
    target = inspection.drawn.target
    agency = item.item_list.agency
    case = case_services.case_open(
        agency=agency, handling_unit=unit, title=f"对{target.name}涉嫌违反{item.name}相关规定立案调查",
        action_type=ActionType.PENALTY, procedure=Procedure.ORDINARY, place=target.place, legal_basis=item.basis,
        actor=actor, external_system="inspections", external_id=f"{inspection.pk}:{item.pk}")
    case_services.party_add(case=case, kind=PartyKind.ORGANISATION, name=target.name, id_number=target.code,
                            address=target.address, actor=actor)
    return case


def recusal_check(inspection: Inspection, actor) -> None:
    """Review M9: a link declared after the freeze is not in the draw, so the recorder is checked now: whoever records
    (an assigned inspector, or a head in their place) must not have a recusal link standing on the target."""
    if not getattr(actor, "pk", None):
        return
    link = (RecusalLink.objects.filter(target_id=inspection.drawn.target_id, person__user_id=actor.pk,
                                       ends__isnull=True, ended_by__isnull=True).select_related("person").first())
    if link is not None:
        raise ZhifaError(E.RECUSAL_INVALID, f"{link.person.name}与该检查对象登记有回避关系（{link.reason}），不能记录"
                         "其检查情况；请由抽取选派的其他检查人员记录。", details={"field": "record", "link": link.pk})


def substitution_check(inspection: Inspection, actor, reason) -> str:
    """Review M8: a head recording in place of the inspectors the draw assigned states why (at least MIN_REASON
    characters); the reason is kept in the step's data and the portal says the inspection was made by a substitute.
    "" when the actor is an assigned inspector."""
    if is_assigned(inspection, actor):
        return ""
    return flows.text(reason, "代为记录的理由（您不是本次抽取选派的检查人员）", limit=MAX_TEXT, field="substitution_reason",
                      minimum=MIN_REASON)


def inspection_record(*, inspection, actor, inspected_on: dt.date, place: str, record: str, findings,
                      av=None, today: dt.date | None = None, substitution_reason: str = "") -> Inspection:
    """记录检查情况: the inspection's date, place and record, a finding per item of the batch (all of them), the AV
    record where the rules require one. Again while recorded (not yet published): a correction, its findings new rows
    superseding the earlier ones. A finding "发现问题已立案查处" opens a case in the item's agency (with the target as
    party, in the same transaction; a correction reuses the case already opened). Sets result_due on the first record;
    a correction may bring it earlier (an earlier date), never later (review M7: a later date typed in a correction
    would otherwise reset the deadline M26 watches). A head recording in place of the assigned inspectors gives
    `substitution_reason`; a recorder with a standing recusal link on the target is refused."""
    obj = _load(inspection)
    record_authorise(obj, actor)
    today = today or timezone.localdate()
    if obj.drawn.draw.state != DrawState.DRAWN:
        raise WrongStateError(SUPERSEDED_MESSAGE, details={"draw": obj.drawn.draw_id, "state": obj.drawn.draw.state})
    recusal_check(obj, actor)
    substitution = substitution_check(obj, actor, substitution_reason)
    inspected_on = _date(obj, inspected_on, today)
    place = flows.text(place, "检查地点", limit=MAX_PLACE, field="place")
    record = flows.text(record, "检查情况记录", limit=MAX_TEXT, field="record")
    items = batch_items(obj)
    clean = _clean_findings(items, findings)
    if av is not None:
        _av_check(av)
    elif obj.av_id is None and av_required(obj, inspected_on):
        raise ZhifaError(E.AV_REQUIRED, "本地规则要求检查（调查取证）全程音像记录，请上传本次检查的音像记录。",
                         details={"field": "av"})
    due, provisional = result_due_for(obj, inspected_on)
    plan = _case_plan(obj, clean, actor)
    wf.authorise(flows.INSPECTION_WORKFLOW, "record", obj, actor)  # finds the check above made; logs nothing new
    made: dict = {}

    def effect(locked):
        earlier = _earlier_cases(locked)
        if locked.av_id is None and av is None and av_required(locked, inspected_on):  # the row as locked
            raise ZhifaError(E.AV_REQUIRED, "本地规则要求检查（调查取证）全程音像记录，请上传本次检查的音像记录。",
                             details={"field": "av"})
        if av is not None:
            locked.av = evidence_put(av, actor=actor, name=getattr(av, "name", "") or "av").blob
        for item, unit in plan:
            if item.pk not in earlier:
                made[item.pk] = _open_case(locked, item, unit, actor).pk
        made.update(earlier)
        locked.inspected_on, locked.place, locked.record = inspected_on, place, record
        # M7: fixed by the first record; a correction never moves it later.
        locked.result_due = due if locked.result_due is None else min(locked.result_due, due)
        data["result_due"] = locked.result_due.isoformat()
        if locked.result_due != due:
            data["result_due_provisional"] = False
        current = {f.item_id: f for f in current_findings(locked)}
        data["findings"] = [{"item": item.pk, "outcome": outcome, "text": text,
                             "case": made.get(item.pk) if outcome == Outcome.CASE_OPENED else None,
                             "supersedes": current[item.pk].pk if item.pk in current else None}
                            for item, outcome, text in clean]
        data["correction"] = locked.state != "assigned"
        data["av_sha256"] = locked.av.sha256 if locked.av_id else None
        return None

    def after(locked):
        step = InspectionStep.objects.filter(inspection=locked).order_by("-id").first()
        current = {f.item_id: f for f in current_findings(locked)}
        for (item, outcome, text), row in zip(clean, data["findings"], strict=True):
            Finding.objects.create(inspection=locked, item=item, outcome=outcome, text=text, case_id=row["case"],
                                   supersedes=current.get(item.pk), step=step)

    data = {"inspected_on": inspected_on.isoformat(), "place": place, "result_due": due.isoformat(),
            "result_due_provisional": provisional}
    if substitution:
        data["substitution"] = {"reason": substitution}
    with transaction.atomic():
        # Review M2: the draw's row first, then the inspection's (core.workflow.transition locks it), the order
        # draws.draw_redraw locks in: a re-draw and a record cannot both pass; the draw re-read under the lock.
        draw = Draw.objects.select_for_update(of=("self",)).only("id", "state").get(pk=obj.drawn.draw_id)
        if draw.state != DrawState.DRAWN:
            raise WrongStateError(SUPERSEDED_MESSAGE, details={"draw": draw.pk, "state": draw.state})
        return wf.transition(flows.INSPECTION_WORKFLOW, "record", obj, actor, note=record, data=data, effect=effect,
                             after=after)


def inspection_publish(*, inspection, actor) -> Inspection:
    """公示检查结果: the result goes on the portal at once (portal_results reads published_at)."""
    obj = _load(inspection)

    def effect(locked):
        locked.published_at = timezone.now()
        data["findings"] = [{"item": f.item_id, "outcome": f.outcome, "case": f.case_id}
                            for f in current_findings(locked)]
        data["late"] = bool(locked.result_due and timezone.localdate() > locked.result_due)

    data: dict = {}
    return wf.transition(flows.INSPECTION_WORKFLOW, "publish", obj, actor, data=data, effect=effect)
