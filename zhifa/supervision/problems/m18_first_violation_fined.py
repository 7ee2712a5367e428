"""M18: a first violation with minor harm, corrected in time, on the agency's 首违不罚 list, yet fined
(《行政处罚法》第三十三条第一款)."""

from __future__ import annotations

from zhifa.discretion import events as discretion_events
from zhifa.discretion.models import Harm
from zhifa.discretion.selectors import assessments_in

from ..registry import Hit, Level, ProblemModel, register


@register
class FirstViolationFined(ProblemModel):
    code = "M18"
    name = "首违不罚事项仍予罚款"
    basis = "《行政处罚法》第三十三条第一款"
    description = ("裁量记录载明当事人初次违法、危害后果轻微（或没有危害后果）并及时改正，所涉事项列入本机关首违不罚清单"
                   "（裁量基准“首违不罚”为是），决定仍处以罚款的，预警。罚款更正为零（不予处罚）后自动关闭。")
    triggers = (discretion_events.FINE_ASSESSED,)
    defaults: dict = {}

    def evaluate(self, ctx):
        for a in assessments_in(case_ids=ctx.case_ids, agency_ids=ctx.agency_ids):
            if not (a.amount > 0 and a.item.first_violation_exempt and a.first_violation and a.corrected_in_time
                    and a.harm in (Harm.NONE, Harm.MINOR)):
                continue
            yield Hit(agency_id=a.agency_id, case_id=a.case_id, level=Level.WARNING,
                      detail=(f"事项“{a.item.name}”列入首违不罚清单，当事人初次违法、{a.get_harm_display()}并及时改正，"
                              f"仍处罚款 {a.amount:,.2f} 元（行政处罚法第三十三条第一款：可以不予行政处罚）。"),
                      evidence={"assessment": a.pk, "item_code": a.item_code, "amount": str(a.amount),
                                "harm": a.harm, "first_violation": True, "corrected_in_time": True})
