from django import template

from zhifa.org.models import ActionType

from ..catalogue import (
    APPROVERS,
    AV_ITEMS,
    INSTRUMENT_LIMITS,
    MASK_KINDS,
    REQUEST_KINDS,
    REVIEW_EXCLUDED,
    REVIEW_ITEMS,
    REVIEW_MATERIALS,
    REVIEW_START,
    SUMMARY_FIELDS,
    TEXT,
    UPLOAD_REMOTE,
)

register = template.Library()

# Each list rule's vocabulary (catalogue.CATALOGUE validates the codes against the same dicts). Per key, since
# two vocabularies may use one code for different things ("other" is a review item and a review material).
_LIST_LABELS = {
    "publicity.summary_fields": SUMMARY_FIELDS,
    "publicity.mask_kinds": MASK_KINDS,
    "review.excluded_periods": REVIEW_EXCLUDED,
    "review.items": REVIEW_ITEMS,
    "review.materials": REVIEW_MATERIALS,
    "recording.mandatory_av": AV_ITEMS,
    "recording.circumstantial_av": AV_ITEMS,
}
_ACTIONS = {"licence": "行政许可", "penalty": "行政处罚", "default": "其他执法决定"}
# casefile.retention is set per procedure or action type, with a default for the rest (catalogue._retention).
_RETENTION = {"default": "其他案卷", "simplified": "简易程序案卷", "ordinary": "普通程序案卷",
              **{v: f"{label}案卷" for v, label in ActionType.choices}}


def _period(amount, unit: str) -> str:
    return f"{amount} {'小时' if unit == 'hours' else '个工作日'}"


@register.filter
def rule_text(rule) -> str:
    """A rule value as a Chinese sentence a supervisor can check against the document: every code in the value
    is shown by its label."""
    v, key = rule.value, rule.key
    if key in TEXT:
        return TEXT[key](v)
    if key == "publicity.decision_days":
        return "；".join(f"{_ACTIONS.get(k, k)} {d} 个工作日" for k, d in v.items())
    if key == "publicity.request_days":
        return "；".join(f"{REQUEST_KINDS.get(k, k)} {d} 个工作日" for k, d in v.items())
    if key == "review.time_limit":
        return (f"自{REVIEW_START[v['starts']]}起 {v['days']} 个工作日；经{APPROVERS[v['extension_approver']]}批准"
                f"可延长 {v['extension_days']} 个工作日")
    if key == "review.opinion_document":
        online = "网上流转完成审核的，仍出具" if v["online"] else "网上流转完成审核的，不另出具"
        return f"{online}书面《法制审核意见书》；书面意见书一式 {v['copies']} 份"
    if key == "recording.upload_limit":
        remote = v["remote"]
        text = f"{_period(v['amount'], v['unit'])}内上传；连续、异地、边远地区执法：{UPLOAD_REMOTE[remote['rule']]}"
        if remote["rule"] == "after_return":
            text += f"（{_period(remote['amount'], remote['unit'])}内）"
        return text
    if key == "publicity.annual_report_due":
        return f"每年 {v['month']} 月 {v['day']} 日前报送上年度数据"
    if key == "supervision.instrument_days":
        return "；".join(f"{INSTRUMENT_LIMITS.get(k, k)} {d['days']} {'个工作日' if d['unit'] == 'working_days' else '日'}"
                        for k, d in v.items())
    if key == "casefile.retention":
        return "；".join(f"{_RETENTION.get(k, k)}{'永久保管' if years is None else f'保管 {years} 年'}"
                         for k, years in v.items())
    if isinstance(v, list):
        labels = _LIST_LABELS.get(key, {})
        return "；".join(labels.get(item, item) for item in v) or "无"  # labels themselves contain 、
    return str(v)

