"""M17: 同案不同罚 — a fine far from the fines of the same violation item and tier (《行政处罚法》第五条第二款:
过罚相当; 第三十四条; 国办发〔2022〕27号)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from decimal import Decimal

from zhifa.discretion import events as discretion_events
from zhifa.discretion.models import RangeKind, Tier
from zhifa.discretion.selectors import current_assessments

from ..registry import Hit, Level, ProblemModel, register


def _value(amount: Decimal, base: Decimal | None, kind: str) -> Decimal | None:
    """What is compared: the fine in yuan, or for a multiple range the multiple actually applied (fine / base)."""
    if amount <= 0:
        return None
    if kind == RangeKind.MULTIPLE:
        return (amount / base) if base else None
    return amount


@register
class UnequalFines(ProblemModel):
    code = "M17"
    name = "同案不同罚"
    basis = "《行政处罚法》第五条、第三十四条；国办发〔2022〕27号"
    description = ("同一违法事项（事项编码）、同一裁量阶次的罚款，与本机关（或按区域规则：同一行政区划各机关）近期"
                   "（默认 12 个月）同类决定的中位数相差超过规定倍数（默认 3 倍：低于中位数的三分之一或高于其三倍），"
                   "且同类决定不少于规定件数（默认 5 件）的，预警。按倍数处罚的事项比较实际适用的倍数。"
                   "同类决定变化或裁量记录更正后重新计算，回到区间内自动关闭。")
    triggers = (discretion_events.FINE_ASSESSED,)
    defaults = {"months": 12, "factor": 3, "min_peers": 5, "peer_scope": "agency"}

    def evaluate(self, ctx):
        targets = current_assessments().filter(amount__gt=0)
        if ctx.case_ids is not None:
            targets = targets.filter(case_id__in=ctx.case_ids)
        if ctx.agency_ids is not None:
            targets = targets.filter(agency_id__in=ctx.agency_ids)
        fields = ("id", "case_id", "agency_id", "agency__jurisdiction_id", "item_code", "tier", "amount",
                  "base_amount", "item__range_kind", "decided_on")
        # The longest window any agency asks for bounds both reads; each target then uses its own agency's months.
        rows = list(targets.values_list(*fields))
        if not rows:
            return
        params = {}
        for row in rows:
            if row[2] not in params:
                params[row[2]] = ctx.params(row[2])
        longest = max(int(p["months"]) for p in params.values())
        since = ctx.today - dt.timedelta(days=longest * 31)
        keys = {(r[4], r[5]) for r in rows}
        peers = (current_assessments().filter(amount__gt=0, decided_on__gte=since, decided_on__lte=ctx.today,
                                              item_code__in={k[0] for k in keys}, tier__in={k[1] for k in keys})
                 .values_list(*fields))
        pool: dict[tuple, list] = defaultdict(list)
        for p in peers:
            if (p[4], p[5]) in keys:
                pool[(p[4], p[5])].append(p)
        for row in rows:
            pk, case_id, agency_id, jurisdiction_id, code, tier, amount, base, kind, decided_on = row
            p = params[agency_id]
            start = ctx.today - dt.timedelta(days=int(p["months"]) * 31)
            if decided_on < start or decided_on > ctx.today:
                continue
            value = _value(amount, base, kind)
            if value is None:
                continue
            by_jurisdiction = p.get("peer_scope") == "jurisdiction"
            values = [v for q in pool[(code, tier)]
                      if q[0] != pk and q[9] >= start and q[8] == kind
                      and ((q[3] == jurisdiction_id) if by_jurisdiction else (q[2] == agency_id))
                      and (v := _value(q[6], q[7], q[8])) is not None]
            if len(values) < int(p["min_peers"]):
                continue
            median = statistics.median(values)
            factor = Decimal(str(p["factor"]))
            low, high = median / factor, median * factor
            if low <= value <= high:
                continue
            unit = "倍" if kind == RangeKind.MULTIPLE else "元"
            where = "同一行政区划" if by_jurisdiction else "本机关"
            direction = "高于" if value > high else "低于"
            yield Hit(agency_id=agency_id, case_id=case_id, level=Level.WARNING,
                      detail=(f"事项 {code}（{Tier(tier).label}）罚款 {value:,.2f} {unit}，{direction}{where}近 {p['months']} 个月"
                              f"同类 {len(values)} 件决定的中位数 {median:,.2f} {unit} 的 {p['factor']} 倍区间"
                              f"（{low:,.2f}–{high:,.2f} {unit}）。"),
                      evidence={"assessment": pk, "item_code": code, "tier": tier, "value": str(value),
                                "median": str(median), "peers": len(values), "low": str(low), "high": str(high)})
