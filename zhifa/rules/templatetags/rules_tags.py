from django import template

from ..catalogue import APPROVERS, AV_ITEMS, REVIEW_EXCLUDED, REVIEW_START, SUMMARY_FIELDS, UPLOAD_REMOTE

register = template.Library()

_LABELS = AV_ITEMS | SUMMARY_FIELDS | REVIEW_EXCLUDED
_ACTIONS = {"licence": "行政许可", "penalty": "行政处罚", "default": "其他执法决定"}


@register.filter
def rule_text(rule) -> str:
    """A rule value as a Chinese sentence a supervisor can check against the document."""
    v, key = rule.value, rule.key
    if key == "publicity.decision_days":
        return "；".join(f"{_ACTIONS.get(k, k)} {d} 个工作日" for k, d in v.items())
    if key == "review.time_limit":
        return (f"自{REVIEW_START[v['starts']]}起 {v['days']} 个工作日；经{APPROVERS[v['extension_approver']]}批准"
                f"可延长 {v['extension_days']} 个工作日")
    if key == "recording.upload_limit":
        unit = "小时" if v["unit"] == "hours" else "个工作日"
        remote = v["remote"]
        text = f"{v['amount']} {unit}内上传；连续、异地、边远地区执法：{UPLOAD_REMOTE[remote['rule']]}"
        if remote["rule"] == "after_return":
            text += f"（{remote['amount']} {'小时' if remote['unit'] == 'hours' else '个工作日'}内）"
        return text
    if key == "publicity.annual_report_due":
        return f"每年 {v['month']} 月 {v['day']} 日前报送上年度数据"
    if isinstance(v, list):
        return "、".join(_LABELS.get(item, item) for item in v) or "无"
    return str(v)
