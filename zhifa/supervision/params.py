"""What each threshold parameter of a problem model is called where a person reads or sets it (issue 20 §1).

A model's `defaults` name its parameters in code; pages, the rules page and the settings form show them by these
labels, and their values as words (启用/停用, 行政处罚, 80%). A test requires a label for every parameter of every
registered model, so a new model cannot show a code to a supervisor.
"""

from zhifa.org.models import ActionType

PARAM_LABELS = {
    "days": "期限（日）",
    "working_days": "按工作日计算",
    "warning_ratio": "达到期限的该比例时预警",
    "warning_at": "达到期限的该比例时预警",
    "action_types": "适用的执法行为类别",
    "min_officers_on_site": "现场执法最少执法人员数",
    "default_upload_hours": "未设定上传时限时的上传时限（小时）",
    "partial_coverage": "音像记录不完整也预警",
    "alarm_hours_late": "迟延超过该小时数时报警",
    "large_fine_natural": "较大数额罚款：自然人（元）",
    "large_fine_organisation": "较大数额罚款：法人或其他组织（元）",
    "hearing_request_days": "当事人要求听证的期限（工作日）",
    "procedures": "适用的程序",
    "years": "追责期限（年）",
    "grave_years": "涉及公民生命健康安全、金融安全且有危害后果的追责期限（年）",
    "notice_with_reasons": "已写明理由的偏离仍作提醒",
    "months": "比较期间（月）",
    "factor": "偏离同类罚款中位数的倍数",
    "min_peers": "最少同类决定数",
    "peer_scope": "同类决定的比较范围",
    "on_the_spot_limit": "当场收缴罚款的上限（元）",
    "period_days": "统计期间（日）",
    "min_decisions": "最少决定数",
    "revoked_warning": "被纠错率预警线",
    "revoked_alarm": "被纠错率报警线",
    "exempted_warning": "不予公开率预警线",
    "exempted_alarm": "不予公开率报警线",
    "refused_warning": "不予许可率预警线",
    "refused_alarm": "不予许可率报警线",
    "history_months": "比较的历史月数",
    "min_history_months": "最少历史月数",
    "min_median": "月均案件数中位数下限",
    "drop_ratio": "骤降比例（不高于中位数的该倍数）",
    "surge_ratio": "激增比例（不低于中位数的该倍数）",
    "min_surge": "激增的最少增加件数",
    "require_issued": "要求通过系统签发加盖电子签章的决定书",
}

# Words of list and string values (codes a jurisdiction chooses among).
VALUE_LABELS = {
    **dict(ActionType.choices),
    "ordinary": "普通程序", "simplified": "简易程序",
    "agency": "本机关", "jurisdiction": "本行政区域",
}

RATIO_KEYS = {"warning_ratio", "warning_at", "revoked_warning", "revoked_alarm", "exempted_warning",
              "exempted_alarm", "refused_warning", "refused_alarm"}


def param_label(key: str) -> str:
    return PARAM_LABELS.get(key, key)


def value_text(key: str, value) -> str:
    """A parameter's value as a person reads it."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(VALUE_LABELS.get(v, str(v)) for v in value) or "无"
    if key in RATIO_KEYS and isinstance(value, int | float):
        return f"{value * 100:g}%"
    if isinstance(value, str):
        return VALUE_LABELS.get(value, value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def params_text(params: dict) -> str:
    """Every parameter as "label value", joined: "期限（日） 90；达到期限的该比例时预警 80%"."""
    return "；".join(f"{param_label(k)} {value_text(k, v)}" for k, v in params.items() if k != "enabled") or "无阈值"


def rule_text(value: dict) -> str:
    """The rule `supervision.models` as sentences, for the rules page (rules.catalogue.register_text)."""
    from .registry import REGISTRY

    parts = []
    for code in sorted(value):
        params = dict(value[code])
        state = "启用" if params.pop("enabled", True) else "停用"
        name = REGISTRY[code].name if code in REGISTRY else ""
        parts.append(f"{code} {name}：{state}" + (f"，{params_text(params)}" if params else ""))
    return "；".join(parts) or "全部按默认值启用"


def rule_check(value) -> None:
    """Each model's entry of `supervision.models` against the model's parameters (rules.catalogue.register_check)."""
    from zhifa.core.errors import ZhifaError
    from zhifa.rules.catalogue import RuleValueError

    from .registry import REGISTRY
    from .services import params_validate

    for code, entry in (value or {}).items():
        if code in REGISTRY and isinstance(entry, dict):
            try:
                params_validate(REGISTRY[code], {k: v for k, v in entry.items() if k != "enabled"})
            except ZhifaError as exc:
                raise RuleValueError(exc.message) from None
