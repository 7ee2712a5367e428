"""M26 and M27 (below). M26: a random inspection's result not published by its deadline (issue 22 §5; PUB-13; 企业信息公示暂行条例 §6).

Registered with the supervision registry from InspectionsConfig.ready() (supervision sits below inspections). One hit
per lead agency: its recorded but unpublished inspections — a warning once the share `warning_at` (4/5) of the period
from the inspection to `result_due` has passed, an alarm past `result_due` (set when recorded, from the rule
inspections.result_days). Re-run on every inspection move (a record sets the due date, a publication closes it) and
nightly; it closes when every result is published.
"""

from zhifa.supervision.registry import Hit, Level, ProblemModel, Scope, register

from . import events
from .models import Draw, DrawState, Inspection, InspectionState


def level_on(inspection: Inspection, today, warning_at: float) -> str | None:
    due, start = inspection.result_due, inspection.inspected_on
    if due is None or start is None:
        return None
    if today > due:
        return Level.ALARM
    total = (due - start).days
    if total > 0 and (today - start).days >= total * warning_at:
        return Level.WARNING
    return None


@register
class M26InspectionResultLate(ProblemModel):
    code = "M26"
    name = "随机抽查结果逾期未公示"
    basis = ("《国务院办公厅关于推广随机抽查规范事中事后监管的通知》（国办发〔2015〕58号）；《企业信息公示暂行条例》第六条；"
             "各地关于抽查检查结果公示期限的规定")
    description = ("双随机抽查已记录检查情况、结果尚未公示的：自检查之日起经过公示期限的五分之四时预警，超过公示期限"
                   "（规则“双随机抽查结果公示期限”）报警；结果公示后关闭。")
    scope = Scope.AGENCY
    triggers = (events.INSPECTION_RECORDED, events.INSPECTION_PUBLISHED)
    defaults = {"warning_at": 0.8}

    def agencies_for_subject(self, subject):
        family, _, key = subject.partition(":")
        if family != events.SUBJECT_PREFIX["inspection"] or not key.isdigit():
            return None
        return list(Inspection.objects.filter(pk=int(key)).values_list("agency_id", flat=True))

    def evaluate(self, ctx):
        qs = (Inspection.objects.filter(state=InspectionState.RECORDED, result_due__isnull=False)
              .order_by("agency_id", "result_due", "id"))
        if ctx.agency_ids is not None:
            qs = qs.filter(agency_id__in=ctx.agency_ids)
        found: dict[int, list] = {}
        for row in qs.only("id", "agency_id", "inspected_on", "result_due").iterator():
            level = level_on(row, ctx.today, float(ctx.params(row.agency_id).get("warning_at", 0.8)))
            if level is not None:
                found.setdefault(row.agency_id, []).append((row, level))
        for agency_id, rows in found.items():
            late = [r for r, lv in rows if lv == Level.ALARM]
            earliest = min(r.result_due for r, _ in rows)
            if late:
                detail = (f"{len(late)} 户随机抽查检查结果逾期未公示（最早公示期限 {min(r.result_due for r in late):%Y-%m-%d}）"
                          + (f"，另有 {len(rows) - len(late)} 户临近公示期限" if len(rows) > len(late) else ""))
            else:
                detail = f"{len(rows)} 户随机抽查检查结果临近公示期限（最早 {earliest:%Y-%m-%d}），尚未公示"
            yield Hit(agency_id=agency_id, case_id=None, level=Level.ALARM if late else Level.WARNING, detail=detail,
                      due=earliest,
                      evidence={"inspections": [{"id": r.pk, "inspected_on": r.inspected_on.isoformat(),
                                                 "result_due": r.result_due.isoformat(), "level": lv}
                                                for r, lv in rows]})


def unrecorded_level(starts_on, ends_on, today, warning_at: float) -> str | None:
    """An inspection still assigned: an alarm past the batch's end, a warning from `warning_at` of its period."""
    if today > ends_on:
        return Level.ALARM
    total = (ends_on - starts_on).days
    if total > 0 and (today - starts_on).days >= total * warning_at:
        return Level.WARNING
    return None


@register
class M27DrawnNotInspected(ProblemModel):
    """M27: targets drawn and never inspected (review H4/M7: without it a live draw's targets can be left alone and
    M26, which starts at the record, never sees them). One hit per lead agency: its inspections still assigned on a
    made, live draw — a warning once `warning_at` (4/5) of the batch's period (starts_on..ends_on) has passed, an
    alarm past ends_on. Re-run on every record and every draw made or superseded, and nightly; it closes when every
    drawn target is recorded (or the draw superseded)."""

    code = "M27"
    name = "抽中对象逾期未检查"
    basis = ("《国务院办公厅关于推广随机抽查规范事中事后监管的通知》（国办发〔2015〕58号）；"
             "《国务院关于在市场监管领域全面推行部门联合“双随机、一公开”监管的意见》（国发〔2019〕5号）")
    description = ("双随机抽取已完成、抽中的检查对象尚未记录检查情况的：经过批次检查时间的五分之四时预警，超过批次检查"
                   "结束日期报警；全部记录检查情况（或该次抽取被重新抽取）后关闭。")
    scope = Scope.AGENCY
    triggers = (events.INSPECTION_RECORDED, events.DRAW_MADE, events.DRAW_SUPERSEDED)
    defaults = {"warning_at": 0.8}

    def agencies_for_subject(self, subject):
        family, _, key = subject.partition(":")
        if not key.isdigit():
            return None
        if family == events.SUBJECT_PREFIX["inspection"]:
            return list(Inspection.objects.filter(pk=int(key)).values_list("agency_id", flat=True))
        if family == events.SUBJECT_PREFIX["draw"]:
            return list(Draw.objects.filter(pk=int(key)).values_list("batch__plan__agency_id", flat=True))
        return None

    def evaluate(self, ctx):
        qs = (Inspection.objects.filter(state=InspectionState.ASSIGNED, drawn__draw__state=DrawState.DRAWN)
              .order_by("agency_id", "drawn__draw__batch__ends_on", "id")
              .values_list("id", "agency_id", "drawn__draw__batch__starts_on", "drawn__draw__batch__ends_on"))
        if ctx.agency_ids is not None:
            qs = qs.filter(agency_id__in=ctx.agency_ids)
        found: dict[int, list] = {}
        for pk, agency_id, starts_on, ends_on in qs.iterator():
            level = unrecorded_level(starts_on, ends_on, ctx.today, float(ctx.params(agency_id).get("warning_at", 0.8)))
            if level is not None:
                found.setdefault(agency_id, []).append((pk, ends_on, level))
        for agency_id, rows in found.items():
            late = [r for r in rows if r[2] == Level.ALARM]
            earliest = min(r[1] for r in rows)
            if late:
                detail = (f"{len(late)} 户抽中的检查对象超过批次检查结束日期（最早 {min(r[1] for r in late):%Y-%m-%d}）"
                          "仍未记录检查情况" + (f"，另有 {len(rows) - len(late)} 户临近检查结束日期" if len(rows) > len(late)
                                        else ""))
            else:
                detail = f"{len(rows)} 户抽中的检查对象临近批次检查结束日期（最早 {earliest:%Y-%m-%d}），尚未记录检查情况"
            yield Hit(agency_id=agency_id, case_id=None, level=Level.ALARM if late else Level.WARNING, detail=detail,
                      due=earliest,
                      evidence={"inspections": [{"id": pk, "ends_on": ends_on.isoformat(), "level": lv}
                                                for pk, ends_on, lv in rows]})
