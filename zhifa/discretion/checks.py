"""The fine check (SUP-07; 行政处罚法 第三十四条; 国办发〔2022〕27号): a proposed fine against the agency's benchmark.

- Outside the statutory range — above its maximum; below its minimum unless the tier is 减轻处罚 (第三十二条:
  mitigation goes below the minimum); any fine in the 不予处罚 tier — is a hard error: the decision is refused.
- Outside the range of the tier chosen for the case's circumstances (or a tier the table does not set for the item)
  is a warning: allowed only with written reasons in the decision (国办发〔2022〕27号: 适用裁量基准可能出现明显不当…
  应当在行政执法决定书中说明理由).

`fine_check` only reads and returns a FineCheck; `fine_check_require` turns it into a refusal. Ranges are in yuan:
a multiple range (N to M times 违法所得…) is multiplied by the `base_amount` of the case.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from zhifa.core.errors import ZhifaError

from .errors import DiscretionErrorCode as Code
from .models import BenchmarkTable, Item, ItemTier, RangeKind, Tier
from .selectors import item_in_force

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Finding:
    code: str
    message: str


@dataclass
class FineCheck:
    ok: bool  # no hard error: the fine may be decided (with reasons, when `needs_reasons`)
    hard_errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    statutory_range: tuple[Decimal, Decimal] | None = None  # yuan
    tier_range: tuple[Decimal, Decimal] | None = None  # yuan
    applicable: bool = True  # False: the agency has no benchmark table in force, nothing was checked
    notes: list[str] = field(default_factory=list)
    table: BenchmarkTable | None = None
    item: Item | None = None
    tier_row: ItemTier | None = None

    @property
    def needs_reasons(self) -> bool:
        return bool(self.warnings)


def money(value, label: str = "罚款金额") -> Decimal:
    """A non-negative amount in yuan with at most two decimals, or a refusal naming `label`."""
    try:
        amount = Decimal(str(value).replace(",", "").replace("，", "").strip())
    except (InvalidOperation, ValueError):
        raise ZhifaError(Code.AMOUNT_INVALID, f"{label}应为数字（元）。") from None
    if not amount.is_finite() or amount < 0:
        raise ZhifaError(Code.AMOUNT_INVALID, f"{label}应为不小于零的数字（元）。")
    if amount != amount.quantize(CENT):
        raise ZhifaError(Code.AMOUNT_INVALID, f"{label}最多保留两位小数。")
    return amount.quantize(CENT)


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f} 元"


def _in_yuan(item: Item, low: Decimal, high: Decimal, base: Decimal | None) -> tuple[Decimal, Decimal]:
    if item.range_kind == RangeKind.FIXED:
        return low, high
    return ((low * base).quantize(CENT, rounding=ROUND_HALF_UP), (high * base).quantize(CENT, rounding=ROUND_HALF_UP))


def evaluate(item: Item, tier: str, amount: Decimal, base_amount: Decimal | None) -> FineCheck:
    """The check of `amount` for `item` and `tier`, with the item's tiers already loaded (no table lookup)."""
    check = FineCheck(ok=True, item=item, table=item.table)
    if tier not in Tier.values:
        check.hard_errors.append(Finding(Code.TIER_UNKNOWN, "裁量阶次不在可选范围内。"))
        check.ok = False
        return check
    if item.range_kind == RangeKind.MULTIPLE and not (base_amount and base_amount > 0):
        check.hard_errors.append(Finding(Code.BASE_REQUIRED, f"该事项按{item.base_label or '基数'}的倍数处以罚款，"
                                                             f"请填写{item.base_label or '基数'}金额。"))
        check.ok = False
        return check
    low, high = _in_yuan(item, item.statutory_min, item.statutory_max, base_amount)
    check.statutory_range = (low, high)
    basis = item.penalty_provision
    if tier == Tier.NO_PENALTY and amount > 0:
        check.hard_errors.append(Finding(Code.FINE_WHERE_NO_PENALTY, "裁量阶次为“不予处罚”，不得处以罚款。"))
    if amount > high:
        check.hard_errors.append(Finding(
            Code.FINE_ABOVE_STATUTORY,
            f"罚款 {_yuan(amount)} 超过法定上限 {_yuan(high)}（{basis}：{item.statutory_text}）。"))
    elif amount < low and tier not in (Tier.MITIGATED, Tier.NO_PENALTY):
        check.hard_errors.append(Finding(
            Code.FINE_BELOW_STATUTORY,
            f"罚款 {_yuan(amount)} 低于法定下限 {_yuan(low)}（{basis}：{item.statutory_text}）；"
            f"依法减轻处罚的，请选择“减轻处罚”阶次。"))
    row = next((t for t in item.tiers.all() if t.tier == tier), None)
    check.tier_row = row
    label = Tier(tier).label
    if row is None:
        if not (tier == Tier.NO_PENALTY and amount == 0):
            check.warnings.append(Finding(Code.FINE_OUTSIDE_TIER,
                                          f"本机关裁量基准对该事项未设“{label}”阶次，适用该阶次应当在决定书中说明理由。"))
    else:
        t_low, t_high = _in_yuan(item, row.fine_min, row.fine_max, base_amount)
        check.tier_range = (t_low, t_high)
        if not (t_low <= amount <= t_high):
            check.warnings.append(Finding(
                Code.FINE_OUTSIDE_TIER,
                f"罚款 {_yuan(amount)} 不在“{label}”阶次的 {_yuan(t_low)} 至 {_yuan(t_high)} 之间，"
                f"应当在决定书中说明理由。"))
    check.ok = not check.hard_errors
    return check


def fine_check(*, agency, item_code: str, tier: str, amount, on: dt.date, base_amount=None) -> FineCheck:
    """Check a proposed fine against `agency`'s benchmark in force on `on` (the decision's date).

    Raises ZhifaError(AMOUNT_INVALID) for an amount that is not money; returns a FineCheck otherwise. With no table
    in force nothing can be checked: `applicable` is False and `ok` True. An item code the table does not list is
    a hard error (the officer must name the violation as the agency's benchmark does)."""
    amount = money(amount)
    base = money(base_amount, "倍数基数金额") if base_amount not in (None, "") else None
    table, item = item_in_force(agency, (item_code or "").strip(), on)
    if table is None:
        return FineCheck(ok=True, applicable=False,
                         notes=["本机关在该日尚无施行中的行政裁量权基准，未作基准校验。"])
    if item is None:
        return FineCheck(ok=False, table=table, hard_errors=[Finding(
            Code.ITEM_UNKNOWN, f"本机关裁量基准（{table.title} 第{table.version}版）中没有编码为“{item_code}”的事项。")])
    return evaluate(item, tier, amount, base)


def fine_check_require(check: FineCheck, *, reasons: str = "") -> FineCheck:
    """Refuse what the check found: the first hard error's code (every message in `details`), or
    REASONS_REQUIRED when the fine departs from its tier and the decision gives no written reasons."""
    if check.hard_errors:
        first = check.hard_errors[0]
        raise ZhifaError(first.code, "".join(f.message for f in check.hard_errors),
                         details=[{"code": str(f.code), "message": f.message} for f in check.hard_errors])
    if check.needs_reasons and not (reasons or "").strip():
        raise ZhifaError(Code.REASONS_REQUIRED, "".join(f.message for f in check.warnings)
                         + "请在决定书中写明偏离裁量基准的理由。",
                         details=[{"code": str(f.code), "message": f.message} for f in check.warnings])
    return check
