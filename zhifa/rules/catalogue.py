"""Every per-jurisdiction rule key, what its value looks like, and how to validate it (SPEC RULES).

Values are JSON. Code asks for a key as of a date for a jurisdiction (selectors.rule_get) and
never writes a deadline or list as a literal (STYLE habit 3).
"""

from collections.abc import Callable
from dataclasses import dataclass

# AV recording items (IM-M §17; AZ-R §10, §11). One vocabulary; each rule set picks its lists.
AV_ITEMS = {
    "seal": "查封场所、设施或者财物",
    "seize": "扣押财物",
    "demolition": "强制拆除",
    "substitute_performance": "代履行",
    "restrict_freedom": "限制公民人身自由",
    "direct_impact_onsite": "其他直接涉及人身自由、生命健康、重大财产权益的现场执法活动",
    "case_premises": "执法办案场所",
    "dispute_prone_onsite": "可能引发争议的现场执法",
    "evidence_taking": "调查取证（检查、调查、询问、先行登记保存等）",
    "hearing": "举行听证",
    "service_by_leaving": "留置送达",
    "service_by_public_notice": "公告送达",
    "other_dispute_prone": "其他容易引发争议的行政执法过程",
}

# Items that are themselves instances of a wider item of the lists: restricting personal freedom is an on-site
# action "直接涉及人身自由" (IM-M §17), so a list naming the wider item covers it.
AV_IMPLIES = {"restrict_freedom": "direct_impact_onsite"}

# Fields of a published decision summary (IM-M §10; AZ-P §14; KY).
SUMMARY_FIELDS = {
    "agency": "执法主体",
    "target": "执法对象",
    "facts": "案件事实",
    "action_type": "执法类别",
    "conclusion": "执法结论",
    "decision_date": "决定日期",
}

# What is hidden before a decision is published (IM-M §10; PUB-05). The shipped rules (data/*.json) hide the
# names of natural persons other than the party ("person_name": AZ-P §15 ¶2, IM-M §11 (二), KY's 个人隐私…作适当
# 处理后公开) and publish the party's own name and an individual business's credit code, which identify the
# 执法对象 that IM-M §10 ¶1 and AZ-P §14 require to be published; "party_name" and "individual_business_code"
# are for jurisdictions whose rules hide them too (张某某).
MASK_KINDS = {
    "id_number": "身份证号码",
    "phone": "联系方式（电话号码）",
    "bank_account": "银行账号、银行卡号",
    "property_certificate": "动产、不动产权属证书编号",
    "home_address": "个人家庭住址",
    "property_status": "财产状况",
    "individual_business_code": "个体工商户统一社会信用代码",
    # IM-M §10 publishes the 执法对象: the party's own name ("party_name", a natural person or the operator of an
    # individual business) is a kind of its own, so that a jurisdiction's rule can publish it while hiding the
    # names of everyone else the decision mentions ("person_name": witnesses, relatives, complainants …).
    "person_name": "其他自然人姓名（证人、亲属、举报人等）",
    "party_name": "当事人（自然人、个体工商户经营者）姓名",
    # IM-M §10's 通讯方式 beyond phone numbers, and a vehicle's plate; a rule naming "phone" or
    # "property_certificate" brings them (publicity.redaction.IMPLIED_KINDS).
    "email": "联系方式（电子邮箱）",
    "im_account": "联系方式（QQ、微信等账号）",
    "licence_plate": "机动车号牌号码",
}

REQUEST_KINDS = {"correction": "更正申请", "complaint": "投诉举报", "disclosure": "依申请公开"}

# Periods that stop the review clock (IM-M §31; AZ-V §14).
REVIEW_EXCLUDED = {
    "supplement": "补充材料",
    "expert_consultation": "专家论证",
    "interpretation": "提请解释",
}

# The review checklist (IM-M §30 has nine items; AZ-V §11 eight, with law and discretion as one; KY seven).
REVIEW_ITEMS = {
    "subject_qualified": "执法主体是否合法，执法人员是否具备执法资格",
    "authority": "是否超越法定权限",
    "facts_evidence": "案件事实是否清楚，证据是否合法充分",
    "law_applied": "适用法律、法规、规章是否准确",
    "discretion": "适用裁量基准是否适当",
    "law_and_discretion": "适用法律、法规、规章是否准确，裁量基准运用是否适当",
    "procedure": "执法程序是否合法",
    "documents": "执法文书是否完备、规范",
    "crime_transfer": "违法行为是否涉嫌犯罪、需要移送司法机关",
    "other": "其他应当审核的内容",
}

# Submission materials (IM-M §29; AZ-V §10). "hearing_or_assessment" is due only when the case had a
# hearing or an assessment; "other" is never required.
REVIEW_MATERIALS = {
    "proposal": "重大执法决定建议及其情况说明",
    "investigation_report": "调查（审查）终结报告",
    "draft_decision": "执法决定书代拟稿",
    "legal_basis": "作出决定的法律依据",
    "evidence": "作出决定的证据材料",
    "hearing_or_assessment": "听证笔录或评估报告（经听证、评估的）",
    "other": "其他材料",
}

REVIEW_START = {"receipt": "收到送审材料之日", "complete_materials": "收到完备的送审材料之日"}
APPROVERS = {"legal_head": "主管法制工作的负责人", "agency_head": "执法机关负责人"}
UPLOAD_REMOTE = {
    "when_possible": "具备条件后即时上传",
    "after_return": "返回单位后限期上传",
}


def _opinion_document(v) -> None:
    _require(isinstance(v, dict) and isinstance(v.get("online"), bool) and isinstance(v.get("copies"), int)
             and v["copies"] >= 1, "应为 {online: 布尔值, copies: 正整数}")


# The enforcement fields (org.models.Field), written here: rules sit below org in the layers.
_FIELDS = {"justice", "market", "environment", "transport", "culture", "water", "agriculture", "natural_resources",
           "housing", "emergency", "health", "urban", "comprehensive"}


class RuleValueError(ValueError):
    pass


def _require(cond: bool, message: str) -> None:
    if not cond:
        raise RuleValueError(message)


def _positive_int(value, what: str) -> None:
    _require(isinstance(value, int) and not isinstance(value, bool) and value > 0, f"{what}应为正整数")


def _codes(value, vocabulary: dict, what: str, *, allow_empty=False) -> None:
    _require(isinstance(value, list), f"{what}应为列表")
    _require(allow_empty or bool(value), f"{what}不能为空")
    unknown = [v for v in value if v not in vocabulary]
    _require(not unknown, f"{what}含未知项：{unknown}")
    _require(len(set(value)) == len(value), f"{what}含重复项")


def _request_days(v) -> None:
    _require(isinstance(v, dict) and set(v) == set(REQUEST_KINDS), f"须且仅须含 {sorted(REQUEST_KINDS)}")
    for key, days in v.items():
        _positive_int(days, f"{REQUEST_KINDS[key]}期限")


def _publicity_days(v) -> None:
    _require(isinstance(v, dict), "应为对象")
    _require({"licence", "penalty", "default"} <= set(v), "须含 licence、penalty、default")
    for key, days in v.items():
        _positive_int(days, f"公示期限 {key} ")


def _review_time_limit(v) -> None:
    _require(isinstance(v, dict), "应为对象")
    _positive_int(v.get("days"), "审核期限")
    _require(isinstance(v.get("extension_days"), int) and v["extension_days"] >= 0, "延长期限应为非负整数")
    _require(v.get("starts") in REVIEW_START, f"起算点应为 {list(REVIEW_START)} 之一")
    _require(v.get("extension_approver") in APPROVERS, f"延长批准人应为 {list(APPROVERS)} 之一")


def _upload_limit(v) -> None:
    _require(isinstance(v, dict), "应为对象")
    _require(v.get("unit") in {"hours", "working_days"}, "单位应为 hours 或 working_days")
    _positive_int(v.get("amount"), "上传时限")
    remote = v.get("remote")
    _require(isinstance(remote, dict) and remote.get("rule") in UPLOAD_REMOTE, "须说明连续、异地、边远地区执法的例外规则")
    if remote["rule"] == "after_return":
        _require(remote.get("unit") in {"hours", "working_days"}, "例外规则的单位应为 hours 或 working_days")
        _positive_int(remote.get("amount"), "返回后上传时限")


def _month_day(v) -> None:
    _require(isinstance(v, dict) and 1 <= v.get("month", 0) <= 12 and 1 <= v.get("day", 0) <= 31, "应为 {month, day}")


def _retention(v) -> None:
    """{"default": years, <action type or procedure>: years, ...}; null years: permanent (永久)."""
    from zhifa.org.models import ActionType  # the vocabulary lives with the agencies

    _require(isinstance(v, dict) and "default" in v, "须含 default（年；null 表示永久保管）")
    allowed = {"default", "simplified", "ordinary", *ActionType.values}
    _require(set(v) <= allowed, f"只能按 {sorted(allowed)} 设定")
    for key, years in v.items():
        if years is not None:
            _positive_int(years, f"保管期限 {key} ")


# Supervision instruments (issue 20 §4; SUP-08): what each instrument's time limit counts, in days or working days.
INSTRUMENT_LIMITS = {
    "opinion": "监督意见书：整改并报告",
    "decision": "监督决定书：执行并报告",
    "summons": "约谈：整改并报告",
    "notice": "通报批评：整改并报告",
    "review_request": "申请复查",
    "review_decision": "作出复查决定",
}


def _instrument_days(v) -> None:
    """{limit: {"days": n, "unit": "days" | "working_days"}} for every limit of INSTRUMENT_LIMITS."""
    _require(isinstance(v, dict), "应为对象")
    _require(set(v) == set(INSTRUMENT_LIMITS), f"须且只须含 {list(INSTRUMENT_LIMITS)}")
    for key, limit in v.items():
        _require(isinstance(limit, dict) and limit.get("unit") in {"days", "working_days"},
                 f"{INSTRUMENT_LIMITS[key]}的单位应为 days 或 working_days")
        _positive_int(limit.get("days"), f"{INSTRUMENT_LIMITS[key]}期限")


def _supervision_models(v) -> None:
    """{"M01": {"enabled": bool, <param>: JSON scalar or list, ...}, ...} (issue 20 §1). The parameters' names and
    types are the problem model's own (its `defaults`): zhifa.supervision checks them before a version is written; here
    only the shape, since the rules cannot know the models above them."""
    import re

    _require(isinstance(v, dict), "应为对象：{模型代码: {enabled: 布尔值, 参数: 取值}}")
    for code, entry in v.items():
        _require(isinstance(code, str) and re.fullmatch(r"M\d{2}", code) is not None, f"模型代码应为 M 加两位数字：{code}")
        _require(isinstance(entry, dict), f"{code} 的设定应为对象")
        _require(isinstance(entry.get("enabled", True), bool), f"{code} 的 enabled 应为布尔值")
        for name, value in entry.items():
            _require(isinstance(name, str) and bool(name), f"{code} 的参数名应为非空字符串")
            scalar = (bool, int, float, str, type(None))
            ok = isinstance(value, scalar) or (isinstance(value, list) and all(isinstance(x, scalar) for x in value))
            _require(ok, f"{code} 的参数 {name} 应为数值、字符串、布尔值或其列表")


# Case-file evaluation standards (案卷评查标准, issue 21 §1; SUP-06): one entry per action type ("*": every type without its
# own). Sections: basic (基本项目, pass/fail, a failure vetoes by `veto`), form (形式) and content (内容) with points.
EVALUATION_SECTIONS = {"basic": "基本项目（否决项）", "form": "形式（文书规范）", "content": "内容（实体、程序）"}
EVALUATION_VETO = {"zero": "基本项目不合格的，案卷为不合格，得 0 分", "bar_excellent": "基本项目不合格的，不得评为优秀"}


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _evaluation_standard(action_type: str, v) -> None:
    """One standard: {title, veto, grades: {excellent, pass}, double, total?, basis?, items: [{code, section, text,
    points, deduct?, check?, note?, forms?}]}. Basic items carry no points; the points of form and content sum to
    `total` (100 when not stated); a deduction per error is at most the item's points; item codes are unique. Which
    machine checks exist is the evaluation app's to say (register_check)."""
    where = f"标准“{action_type}”"
    _require(isinstance(v, dict), f"{where}应为对象")
    unknown = set(v) - {"title", "veto", "grades", "double", "total", "basis", "items"}
    _require(not unknown, f"{where}含未知字段：{sorted(unknown)}")
    _require(isinstance(v.get("title"), str) and v["title"].strip() != "", f"{where}缺少标题（title）")
    _require(v.get("veto") in EVALUATION_VETO, f"{where}的否决方式（veto）应为 {list(EVALUATION_VETO)} 之一")
    _require(isinstance(v.get("double", False), bool), f"{where}的 double（每卷两名评查人员）应为布尔值")
    total = v.get("total", 100)
    _require(_number(total) and total > 0, f"{where}的总分（total）应为正数")
    grades = v.get("grades")
    _require(isinstance(grades, dict) and set(grades) == {"excellent", "pass"},
             f"{where}的等次分数线（grades）须且只须含 excellent（优秀）、pass（合格）")
    _require(all(_number(g) for g in grades.values()), f"{where}的等次分数线应为非负数")
    _require(0 < grades["pass"] <= grades["excellent"] <= total,
             f"{where}的等次分数线应满足 0 < 合格 ≤ 优秀 ≤ 总分 {total}")
    _require(isinstance(v.get("basis", ""), str), f"{where}的依据（basis）应为文字")
    items = v.get("items")
    _require(isinstance(items, list) and bool(items), f"{where}的评查项目（items）应为非空列表")
    seen, points = set(), 0
    for n, item in enumerate(items, 1):
        at = f"{where}第 {n} 项"
        _require(isinstance(item, dict), f"{at}应为对象")
        extra = set(item) - {"code", "section", "text", "points", "deduct", "check", "note", "forms"}
        _require(not extra, f"{at}含未知字段：{sorted(extra)}")
        code = item.get("code")
        _require(isinstance(code, str) and code.strip() != "" and len(code) <= 20, f"{at}的编号（code）应为非空文字（至多 20 字）")
        _require(code not in seen, f"{at}的编号 {code} 重复")
        seen.add(code)
        at = f"{where}项目 {code}"
        _require(item.get("section") in EVALUATION_SECTIONS, f"{at}的类别（section）应为 {list(EVALUATION_SECTIONS)} 之一")
        _require(isinstance(item.get("text"), str) and item["text"].strip() != "", f"{at}缺少评查内容（text）")
        _require(_number(item.get("points", 0)) and _number(item.get("deduct", 0)), f"{at}的分值与扣分应为非负数")
        _require(item.get("check") is None or (isinstance(item["check"], str) and item["check"] != ""),
                 f"{at}的机器核查（check）应为核查代码或 null")
        _require(isinstance(item.get("note", ""), str), f"{at}的评分说明（note）应为文字")
        _evaluation_forms(at, item.get("forms", []))
        if item["section"] == "basic":
            _require(item.get("points", 0) == 0 and item.get("deduct", 0) == 0, f"{at}为基本项目（否决项），不设分值")
        else:
            _require(item.get("points", 0) > 0, f"{at}的分值应大于 0")
            _require(item.get("deduct", 0) <= item["points"], f"{at}的每处扣分不应超过该项分值")
            points += item["points"]
    _require(abs(points - total) < 1e-9, f"{where}形式与内容项目分值合计 {points:g} 分，应为总分 {total:g} 分")


def _evaluation_forms(at: str, forms) -> None:
    """An item's documents a file must hold: [{procedure?, outcome?, required: [form code, …]}]. The shape only: which
    procedures and forms exist, and which checks read `forms`, is the evaluation app's to say (register_check)."""
    _require(isinstance(forms, list), f"{at}的应有文书（forms）应为列表")
    for n, entry in enumerate(forms, 1):
        where = f"{at}应有文书第 {n} 条"
        _require(isinstance(entry, dict), f"{where}应为对象")
        extra = set(entry) - {"procedure", "outcome", "required"}
        _require(not extra, f"{where}含未知字段：{sorted(extra)}")
        _require(isinstance(entry.get("procedure", "*"), str) and entry.get("procedure", "*") != "",
                 f"{where}的程序（procedure）应为程序代码或 *")
        _require(isinstance(entry.get("outcome", ""), str), f"{where}的结案文书（outcome）应为文书代码")
        required = entry.get("required")
        _require(isinstance(required, list) and bool(required)
                 and all(isinstance(f, str) and f != "" for f in required) and len(set(required)) == len(required),
                 f"{where}的应有文书（required）应为不重复的文书代码的非空列表")


def _evaluation_standards(v) -> None:
    """{action type or "*": standard}: see _evaluation_standard."""
    from zhifa.org.models import ActionType  # the vocabulary lives with the agencies

    _require(isinstance(v, dict), "应为对象：{执法行为类别或 *: 评查标准}")
    allowed = {"*", *ActionType.values}
    _require(set(v) <= allowed, f"只能按 {sorted(allowed)} 设定")
    for action_type, standard in v.items():
        _evaluation_standard(action_type, standard)


def _assessment_indicators(v) -> None:
    """{"total": n, "qualitative": {"min": a, "max": b}, "indicators": [{"code", "name", "weight", "formula",
    "scoring": {"method": "linear", "zero_at", "full_at"} | {"method": "deduct", "per"},
    "if_empty": "full"|"zero"|"exempt"}]}
    (issue 21 §6; SUP-02). The shape only: zhifa.assessment checks the formulas against its registry and refuses fine
    or confiscation figures (《行政处罚法》第七十四条) on every write (register_check)."""
    import re

    _require(isinstance(v, dict), "应为对象：{total, qualitative, indicators}")
    total = v.get("total")
    _require(isinstance(total, (int, float)) and not isinstance(total, bool) and total > 0, "total（总分）应为正数")
    q = v.get("qualitative", {"min": 0, "max": 0})
    _require(isinstance(q, dict) and all(isinstance(q.get(k), (int, float)) and not isinstance(q.get(k), bool)
                                         for k in ("min", "max")) and q["min"] <= 0 <= q["max"],
             "qualitative 应为 {min: 不大于0的数, max: 不小于0的数}")
    items = v.get("indicators")
    _require(isinstance(items, list) and bool(items), "indicators 应为非空列表")
    codes = set()
    for item in items:
        _require(isinstance(item, dict), "每个指标应为对象")
        code = item.get("code")
        _require(isinstance(code, str) and re.fullmatch(r"[a-z][a-z0-9_]{0,39}", code) is not None,
                 f"指标代码应为小写字母开头的字母、数字或下划线：{code}")
        _require(code not in codes, f"指标代码重复：{code}")
        codes.add(code)
        _require(isinstance(item.get("name"), str) and 0 < len(item["name"]) <= 100, f"{code} 的名称应为 1 至 100 字")
        _require(isinstance(item.get("formula"), str) and bool(item["formula"]), f"{code} 应指明计算方法 formula")
        w = item.get("weight")
        _require(isinstance(w, (int, float)) and not isinstance(w, bool) and w > 0, f"{code} 的分值 weight 应为正数")
        s = item.get("scoring")
        _require(isinstance(s, dict) and s.get("method") in {"linear", "deduct"}, f"{code} 的计分方法应为 linear 或 deduct")
        if s["method"] == "linear":
            ok = all(isinstance(s.get(k), (int, float)) and not isinstance(s.get(k), bool) for k in ("zero_at", "full_at"))
            _require(ok and s["zero_at"] != s["full_at"], f"{code} 的线性计分应给出不相等的 zero_at 与 full_at")
        else:
            per = s.get("per")
            _require(isinstance(per, (int, float)) and not isinstance(per, bool) and per > 0, f"{code} 的扣分 per 应为正数")
        _require(item.get("if_empty", "full") in {"full", "zero", "exempt"},
                 f"{code} 的 if_empty 应为 full、zero 或 exempt（无此项工作的不计分、不计入满分，按实际考核项目折算）")
    weights = sum(i["weight"] for i in items)
    _require(abs(weights - total) < 1e-9, f"各指标分值之和（{weights:g}）应等于总分（{total:g}）")



def _ratio_text(value, what: str) -> None:
    """A ratio written as a decimal string in (0, 1] ("0.05"), never a float: draws count from it exactly."""
    from decimal import Decimal, InvalidOperation

    _require(isinstance(value, str), f"{what}应为字符串形式的小数，如 \"0.05\"")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise RuleValueError(f"{what}应为小数，如 \"0.05\"") from None
    _require(number.is_finite() and 0 < number <= 1, f"{what}应大于 0 且不大于 1")


def _inspection_class_ratios(v) -> None:
    _require(isinstance(v, list) and bool(v), "应为非空列表：[{code, name, ratio}]")
    codes = []
    for row in v:
        _require(isinstance(row, dict) and set(row) == {"code", "name", "ratio"}, "每项须且仅须含 code、name、ratio")
        _require(isinstance(row["code"], str) and row["code"].isascii() and row["code"].isidentifier(),
                 "分类代码应为英文字母、数字或下划线")
        _require(isinstance(row["name"], str) and bool(row["name"].strip()), "请填写分类名称")
        _ratio_text(row["ratio"], f"分类 {row['code']} 的抽查比例")
        codes.append(row["code"])
    _require(len(set(codes)) == len(codes), "分类代码重复")


def _inspection_result_days(v) -> None:
    _require(isinstance(v, dict) and set(v) == {"days", "unit"}, "应为 {days: 正整数, unit: working_days 或 days}")
    _positive_int(v["days"], "公示期限")
    _require(v["unit"] in {"working_days", "days"}, "单位应为 working_days（工作日）或 days（自然日）")


@dataclass(frozen=True)
class RuleKey:
    key: str
    label: str
    validate: Callable[[object], None]
    help: str = ""
    # The value is an object of independent entries, each inherited on its own (supervision.models: one entry per
    # problem model): a node's version holds only the entries it sets, and for each entry the nearest node that sets
    # it wins (selectors.rules_effective). Otherwise the nearest node's version is the whole value.
    by_entry: bool = False


CATALOGUE: dict[str, RuleKey] = {
    r.key: r
    for r in [
        RuleKey("publicity.decision_days", "执法决定公示期限（工作日）", _publicity_days,
                "行政许可、行政处罚决定及其他决定自作出之日起的公示期限"),
        RuleKey("publicity.summary_fields", "决定信息摘要要素", lambda v: _codes(v, SUMMARY_FIELDS, "摘要要素")),
        RuleKey("publicity.annual_report_due", "统计年报报送截止日", _month_day),
        RuleKey("publicity.mask_kinds", "公开前隐去的信息", lambda v: _codes(v, MASK_KINDS, "隐去信息")),
        RuleKey("publicity.request_days", "更正、投诉与依申请公开的答复期限（工作日）", _request_days),
        RuleKey("review.time_limit", "法制审核期限与延长", _review_time_limit),
        RuleKey("review.excluded_periods", "不计入审核期限的期间",
                lambda v: _codes(v, REVIEW_EXCLUDED, "不计入期间", allow_empty=True)),
        RuleKey("review.items", "法制审核内容", lambda v: _codes(v, REVIEW_ITEMS, "审核内容")),
        RuleKey("review.materials", "法制审核送审材料", lambda v: _codes(v, REVIEW_MATERIALS, "送审材料")),
        RuleKey("review.opinion_document", "书面审核意见", _opinion_document,
                "online：网上流转完成审核的是否仍出具书面《法制审核意见书》；copies：份数（执法案卷、审核机构各一份）"),
        RuleKey("recording.upload_limit", "音像记录上传时限", _upload_limit),
        RuleKey("recording.mandatory_av", "应当全程音像记录的事项", lambda v: _codes(v, AV_ITEMS, "全程音像记录事项")),
        RuleKey("recording.circumstantial_av", "根据情况进行音像记录的事项",
                lambda v: _codes(v, AV_ITEMS, "根据情况音像记录事项")),
        RuleKey("casefile.retention", "执法案卷保管期限（年）", _retention,
                "归档之日起的保管期限，按执法行为类别或程序设定，最具体者优先；null 为永久保管"),
        RuleKey("supervision.models", "执法监督问题模型的启用状态和阈值", _supervision_models,
                "{模型代码: {enabled: 是否启用, 阈值参数: 取值}}；逐个模型继承：本级只列本级设定的模型，未列出的模型沿用"
                "上级的设定，上级均未设定的按其内置默认值运行并启用", by_entry=True),
        RuleKey("supervision.instrument_days", "监督文书期限", _instrument_days,
                "监督意见书、监督决定书、约谈、通报批评的整改报告期限，申请复查与复查决定期限；days 为自然日（末日为法定"
                "节假日的顺延至其后第一个工作日），working_days 为工作日"),
        RuleKey("assessment.indicators", "评议考核指标体系", _assessment_indicators,
                "指标代码、名称、分值（之和等于总分）、计算方法（评议考核的计算方法登记表）及计分方法；罚没收入、罚款数额等"
                "不得作为考核指标（《中华人民共和国行政处罚法》第七十四条）"),
        RuleKey("evaluation.rectification_days", "案卷评查不合格案卷整改期限（自然日）",
                lambda v: _positive_int(v, "整改期限"), "评查结果反馈之日起，被评查机关对不合格案卷报告整改情况的期限"),
        RuleKey("inspections.class_ratios", "双随机抽查对象风险（信用）分类及抽查比例", _inspection_class_ratios,
                "[{code: 分类代码, name: 分类名称, ratio: 抽查比例（字符串小数，0 到 1）}]；按分类抽取，每类抽取数为比例乘以"
                "该类对象数向上取整，至少一户"),
        RuleKey("inspections.result_days", "双随机抽查结果公示期限", _inspection_result_days,
                "自检查之日起：days 为天数，unit 为 working_days（工作日）或 days（自然日）"),
        RuleKey("inspections.general_ratio_max", "一般检查事项抽查比例上限", lambda v: _ratio_text(v, "比例上限"),
                "一般检查事项的年度抽查比例不得超过该值；重点检查事项不设上限"),
        RuleKey("inspections.item_list_reviewer", "随机抽查事项清单审核部门（执法领域）",
                lambda v: _require(v in _FIELDS, f"应为执法领域代码之一：{sorted(_FIELDS)}"),
                "各部门的随机抽查事项清单经本级该领域部门审核后公示"),
        RuleKey("evaluation.standards", "案卷评查标准", _evaluation_standards,
                "按执法行为类别设定（* 为未单独设定的类别）：基本项目（否决项）、形式与内容项目的分值和每处扣分、否决方式、"
                "优秀与合格分数线、是否每卷两名评查人员；逐个类别继承", by_entry=True),
    ]
}


def validate(key: str, value) -> None:
    try:
        rule = CATALOGUE[key]
    except KeyError:
        raise RuleValueError(f"未知的规则项：{key}") from None
    rule.validate(value)
    for check in CHECKS.get(key, ()):
        check(value)


# How a rule's value reads as sentences on the rules page, for keys whose vocabulary lives in an app above rules
# (supervision's model names, the instruments' kinds): that app registers its renderer in its AppConfig.ready().
TEXT: dict[str, Callable[[object], str]] = {}


def register_text(key: str, render: Callable[[object], str]) -> None:
    if key not in CATALOGUE:
        raise KeyError(key)
    TEXT[key] = render


# Checks of a rule's value that need vocabulary of an app above rules (supervision: each model's parameters and their
# types), registered by that app in its AppConfig.ready(): every path that writes a version runs them, the generic
# rules page included (review: a wrong-typed threshold written there made a model fail every run while it read 启用).
CHECKS: dict[str, list[Callable[[object], None]]] = {}


def register_check(key: str, check: Callable[[object], None]) -> None:
    """`check(value)` raises RuleValueError with a Chinese message when the value is not acceptable."""
    if key not in CATALOGUE:
        raise KeyError(key)
    CHECKS.setdefault(key, []).append(check)
