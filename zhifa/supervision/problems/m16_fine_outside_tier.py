"""M16: a fine outside the discretion-benchmark tier of the recorded circumstances, without written reasons
(《行政处罚法》第三十四条; 国办发〔2022〕27号)."""

from __future__ import annotations

from zhifa.discretion import events as discretion_events
from zhifa.discretion.checks import evaluate
from zhifa.discretion.errors import DiscretionErrorCode as Code
from zhifa.discretion.selectors import assessments_in

from ..registry import Hit, Level, ProblemModel, register


@register
class FineOutsideTier(ProblemModel):
    code = "M16"
    name = "罚款偏离裁量基准阶次"
    basis = "《行政处罚法》第三十四条；《国务院办公厅关于进一步规范行政裁量权基准制定和管理工作的意见》（国办发〔2022〕27号）"
    description = ("罚款在法定幅度内，但不在案件记录的裁量阶次（不予处罚、减轻、从轻、一般、从重）的基准幅度内，"
                   "或者本机关基准对该事项未设所适用的阶次：决定未说明偏离理由的，预警；已说明理由的，提醒（可按区域规则"
                   "设为不提醒）。罚款超出法定幅度的由 M15 报警，本模型不重复。"
                   "更正后的裁量记录回到阶次幅度内或补充理由后相应关闭或降级。")
    triggers = (discretion_events.FINE_ASSESSED,)
    defaults = {"notice_with_reasons": True}

    def evaluate(self, ctx):
        for a in assessments_in(case_ids=ctx.case_ids, agency_ids=ctx.agency_ids):
            check = evaluate(a.item, a.tier, a.amount, a.base_amount)
            if check.hard_errors:
                continue  # outside the statutory range (M15) or not checkable
            departures = [f for f in check.warnings if f.code == Code.FINE_OUTSIDE_TIER]
            if not departures:
                continue
            has_reasons = bool(a.reasons.strip())
            if has_reasons and not ctx.params(a.agency_id).get("notice_with_reasons", True):
                continue
            evidence = {"assessment": a.pk, "item_code": a.item_code, "tier": a.tier, "amount": str(a.amount),
                        "table": a.table_id, "has_reasons": has_reasons}
            if check.tier_range:
                evidence |= {"tier_min": str(check.tier_range[0]), "tier_max": str(check.tier_range[1])}
            text = "".join(f.message for f in departures)
            if has_reasons:
                yield Hit(agency_id=a.agency_id, case_id=a.case_id, level=Level.NOTICE, evidence=evidence,
                          detail=text.replace("应当在决定书中说明理由", "决定已说明理由") + f"理由：{a.reasons.strip()[:200]}")
            else:
                yield Hit(agency_id=a.agency_id, case_id=a.case_id, level=Level.WARNING, evidence=evidence,
                          detail=text.replace("应当在决定书中说明理由", "决定未说明理由"))
