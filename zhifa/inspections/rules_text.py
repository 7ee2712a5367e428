"""The random-inspection rules as Chinese sentences on the rules page (rules.catalogue.register_text)."""

from decimal import Decimal

from zhifa.org.models import Field


def percent(ratio) -> str:
    """"0.05" → "5%", "1" → "100%", "0.025" → "2.5%" (a string, a Decimal or an int; the one used on every page)."""
    value = (Decimal(str(ratio)) * 100).normalize()
    return f"{value:f}%"


def class_ratios(v) -> str:
    return "；".join(f"{row['name']}抽查 {percent(row['ratio'])}" for row in v)  # the name only: codes are not for people


def result_days(v) -> str:
    unit = "个工作日" if v["unit"] == "working_days" else "日"
    return f"自检查之日起 {v['days']} {unit}内公示抽查结果"


def general_ratio_max(v) -> str:
    return f"一般检查事项年度抽查比例不超过 {percent(v)}；重点检查事项不设上限"


def item_list_reviewer(v) -> str:
    label = Field(v).label if v in Field.values else v
    return f"随机抽查事项清单经本级{label}部门审核后公示"


def register() -> None:
    from zhifa.rules.catalogue import register_text

    from . import flows

    register_text(flows.RULE_CLASS_RATIOS, class_ratios)
    register_text(flows.RULE_RESULT_DAYS, result_days)
    register_text(flows.RULE_GENERAL_RATIO_MAX, general_ratio_max)
    register_text(flows.RULE_ITEM_LIST_REVIEWER, item_list_reviewer)
