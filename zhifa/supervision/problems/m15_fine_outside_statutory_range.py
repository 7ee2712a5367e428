"""M15: a fine outside the statutory range of the violation (《行政处罚法》第三十四条; 第三十二条 for 减轻处罚)."""

from __future__ import annotations

from zhifa.discretion import events as discretion_events
from zhifa.discretion.checks import evaluate
from zhifa.discretion.errors import DiscretionErrorCode as Code
from zhifa.discretion.selectors import assessments_in

from ..registry import Hit, Level, ProblemModel, register

STATUTORY = {Code.FINE_ABOVE_STATUTORY, Code.FINE_BELOW_STATUTORY, Code.FINE_WHERE_NO_PENALTY}


@register
class FineOutsideStatutoryRange(ProblemModel):
    code = "M15"
    name = "罚款超出法定幅度"
    basis = "《行政处罚法》第三十二条、第三十四条"
    description = ("案件记录的罚款（罚款裁量记录）高于该违法行为的法定上限，或者低于法定下限而未适用“减轻处罚”，"
                   "或者裁量阶次为“不予处罚”却处以罚款的，报警；按倍数处罚而未记录基数金额、无法核对的，提醒。"
                   "更正后的裁量记录回到法定幅度内时自动关闭。")
    triggers = (discretion_events.FINE_ASSESSED,)
    defaults: dict = {}

    def evaluate(self, ctx):
        for a in assessments_in(case_ids=ctx.case_ids, agency_ids=ctx.agency_ids):
            check = evaluate(a.item, a.tier, a.amount, a.base_amount)
            codes = {f.code for f in check.hard_errors}
            evidence = {"assessment": a.pk, "item_code": a.item_code, "tier": a.tier, "amount": str(a.amount),
                        "table": a.table_id}
            if Code.BASE_REQUIRED in codes:
                yield Hit(agency_id=a.agency_id, case_id=a.case_id, level=Level.NOTICE, evidence=evidence,
                          detail=f"事项“{a.item.name}”按{a.item.base_label or '基数'}的倍数处罚，"
                                 f"裁量记录未记载{a.item.base_label or '基数'}金额，无法核对法定幅度。")
                continue
            found = [f for f in check.hard_errors if f.code in STATUTORY]
            if found:
                low, high = check.statutory_range
                yield Hit(agency_id=a.agency_id, case_id=a.case_id, level=Level.ALARM,
                          detail="".join(f.message for f in found),
                          evidence=evidence | {"statutory_min": str(low), "statutory_max": str(high),
                                               "codes": sorted(str(f.code) for f in found)})
