"""The standard document forms a case uses, and the elements each must record (REC-02, PUB-12).

IM-M §16: every text record has time, place, officers, target, content and process. IM-M §9 /
PUB-12: on site, officers show their certificates and tell the reason, basis, rights, duties and
remedies; the record says so. On-site work needs at least two officers (行政处罚法 第42条).
"""

from dataclasses import dataclass, field

from zhifa.discretion.models import Harm, Tier
from zhifa.rules.catalogue import AV_ITEMS

from .models import Stage


@dataclass(frozen=True)
class Element:
    name: str
    label: str
    # text | datetime | date | days (a whole number of days) | money (yuan, two decimals) | officers | bool | choice
    # | choices (several of them)
    kind: str = "text"
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()


COMMON = (
    Element("time", "时间", "datetime"),
    Element("place", "地点"),
    Element("officers", "执法人员", "officers"),
    Element("target", "执法对象"),
    Element("content", "执法内容"),
    Element("process", "执法过程"),
)
ON_SITE = (
    Element("certificate_shown", "已出示执法证件", "bool"),
    Element("rights_told", "已告知执法事由、依据、权利义务和救济途径", "bool"),
    # IM-M §19; AZ-R §14: recording runs from arrival to the end of on-site work, so the record says when that
    # was; the mandatory-recording check holds the recordings against [time, end_time].
    Element("end_time", "结束时间", "datetime", required=False),
    # Which activities of the AV lists this on-site work involved (IM-M §17; AZ-R §10–11), beyond the ones
    # the form itself stands for; each jurisdiction's rules decide which of them must be recorded.
    Element("activities", "本次现场执法涉及的音像记录事项", "choices", required=False,
            choices=tuple(AV_ITEMS.items())),
)
# 行政强制法 第九条 (measures) and 第十二条 (execution): the coercive activities of the AV lists.
COERCIVE_MEASURES = tuple((code, AV_ITEMS[code]) for code in ("seal", "seize", "restrict_freedom",
                                                              "direct_impact_onsite"))
ENFORCEMENT_MEASURES = tuple((code, AV_ITEMS[code]) for code in ("demolition", "substitute_performance",
                                                                 "direct_impact_onsite"))
DECISION_OUTCOMES = (("changed", "被变更"), ("revoked", "被撤销"), ("confirmed_illegal", "被确认违法"),
                     ("confirmed_void", "被确认无效"))
# The discretion elements of a penalty decision (SUP-07): see its DocForm below.
DISCRETION_ELEMENTS = (
    Element("discretion_item", "适用的裁量基准事项编码", required=False),
    Element("discretion_tier", "裁量阶次", "choice", required=False, choices=tuple(Tier.choices)),
    # A fine of N to M times 违法所得、货值金额…: the amount the multiple is of.
    Element("fine_base_amount", "倍数罚款的基数金额（元）", "money", required=False),
    Element("discretion_reasons", "罚款偏离裁量阶次的理由", required=False),
    Element("first_violation", "初次违法", "bool", required=False),
    Element("harm", "危害后果", "choice", required=False, choices=tuple(Harm.choices)),
    Element("corrected_in_time", "及时改正", "bool", required=False),
)
SERVICE_METHODS = (("direct", "直接送达"), ("leaving", "留置送达"), ("mail", "邮寄送达"),
                   ("public_notice", "公告送达"), ("electronic", "电子送达"))


@dataclass(frozen=True)
class DocForm:
    code: str
    title: str
    stage: str
    extra: tuple[Element, ...] = ()
    on_site: bool = False
    # False: the form has its own elements only (minutes, opinions), not the COMMON ones of IM-M §16.
    common: bool = True
    # Written by an upper app's service (the review opinion), never entered on the case page.
    system: bool = False
    # The decision itself: it may not be issued (signed) before a required legal review passed (REV-01).
    decision: bool = False
    # The AV-list activities (rules.catalogue.AV_ITEMS) a record of this form always stands for.
    activities: tuple[str, ...] = ()
    # Issue 18 §2: how the printed document is laid out (rendering.py; one template per family, after the
    # 司法部 and 市场监管总局 行政执法文书格式): "letter" (决定书、告知书: 文号, party block, seal over the date),
    # "record" (笔录: header lines, body, signatures of the party and the officers), "form" (审批表、报告:
    # a ruled table) or "receipt" (送达回证).
    layout: str = "form"
    # The kind characters of the 文号 (numbering.py: "东市监罚决〔2026〕9号"); "" for a form without number.
    number_kind: str = ""
    # The heading printed, where the stored title is not a document name (the "/" of 查封/扣押决定书).
    print_title: str = ""
    # Further stages in which the form may also be recorded (an extension of the time limit is approved while the
    # case is investigated or while it is being decided).
    also_in: tuple[str, ...] = ()
    elements: tuple[Element, ...] = field(init=False)

    def allowed_in(self, stage: str) -> bool:
        return stage == self.stage or stage in self.also_in

    def __post_init__(self):
        common = (COMMON + (ON_SITE if self.on_site else ())) if self.common else ()
        object.__setattr__(self, "elements", common + self.extra)


FORMS: dict[str, DocForm] = {f.code: f for f in [
    # 市场监督管理行政处罚程序规定 第十八条: the lead is checked and filing decided within 15 working days of its
    # discovery (or of receiving the materials), so the approval form records that day (案源登记 → 立案审批). Optional,
    # so approvals recorded before it keep rendering; supervision (M02) reads it.
    DocForm("filing_approval", "立案审批表", Stage.START,
            (Element("case_source", "案件来源"),
             Element("discovered_on", "发现违法行为线索（收到材料）日期", "date", required=False),
             Element("opinion", "审批意见"), Element("approver", "审批人"))),
    DocForm("inspection_record", "现场检查笔录", Stage.INVESTIGATION, on_site=True, activities=("evidence_taking",),
            layout="record"),
    DocForm("inquiry_record", "询问笔录", Stage.INVESTIGATION,
            (Element("inquired_person", "被询问人"),), on_site=True, activities=("evidence_taking",), layout="record"),
    # 行政强制法 第二十四条第二款第二项: the decision states the reason of the measure, the suspected violation — not
    # what the officers were doing (执法内容). Optional so versions recorded before it keep rendering (they print
    # 执法内容 as before).
    DocForm("seizure_decision", "查封/扣押决定书", Stage.INVESTIGATION,
            (Element("suspected_violation", "涉嫌违法事实", required=False),
             Element("items", "查封、扣押的场所、设施或者财物"), Element("legal_basis", "依据"),
             Element("period", "期限")), on_site=True, activities=("seal", "seize"),
            layout="letter", number_kind="强制", print_title="查封、扣押决定书"),
    # 行政强制法 第十八条: the on-site record of a coercive measure (查封、扣押、限制人身自由 …).
    DocForm("coercive_measure_record", "实施行政强制措施现场笔录", Stage.INVESTIGATION,
            (Element("measure", "强制措施", "choice", choices=COERCIVE_MEASURES), Element("legal_basis", "依据")),
            on_site=True, layout="record"),
    # 行政强制法 第四十四条、第五十条: the on-site record of enforcement — forced demolition, substitute performance.
    DocForm("enforcement_record", "行政强制执行现场笔录", Stage.SERVICE_ENFORCEMENT,
            (Element("measure", "强制执行方式", "choice", choices=ENFORCEMENT_MEASURES), Element("legal_basis", "依据")),
            on_site=True, layout="record"),
    DocForm("penalty_notice", "行政处罚事先告知书", Stage.DECISION,
            (Element("facts", "违法事实"), Element("violated_provision", "违反的法律规定", required=False),
             Element("legal_basis", "依据"), Element("proposed_penalty", "拟作出的处罚"),
             Element("rights", "陈述、申辩、要求听证的权利")), layout="letter", number_kind="罚告"),
    DocForm("hearing_record", "听证笔录", Stage.DECISION,
            (Element("host", "听证主持人"), Element("participants", "听证参加人")), on_site=True, activities=("hearing",),
            layout="record"),
    DocForm("investigation_report", "调查终结报告", Stage.DECISION,
            (Element("facts", "调查认定的事实"), Element("evidence", "证据"), Element("proposal", "处理意见"))),
    # 行政处罚法 第六十条 ("法律、法规、规章另有规定的，从其规定"); 市场监督管理行政处罚程序规定 第六十四条: a case
    # that cannot be decided within the time limit is extended with the approval of the agency's head, for the
    # days approved. Recorded while the case is investigated or decided; supervision (M01) moves the limit by it.
    DocForm("extension_approval", "延长办案期限审批表", Stage.INVESTIGATION,
            (Element("time", "审批时间", "datetime"), Element("reason", "延期理由"),
             Element("days", "延长期限（日）", "days"), Element("approver", "批准人")),
            common=False, also_in=(Stage.DECISION,)),
    DocForm("review_proposal", "重大执法决定建议及情况说明", Stage.DECISION,
            (Element("proposal", "拟作出的决定"), Element("explanation", "情况说明"))),
    DocForm("assessment_report", "评估报告", Stage.DECISION,
            (Element("assessor", "评估机构"), Element("conclusion", "评估结论"))),
    DocForm("penalty_decision", "行政处罚决定书", Stage.DECISION,
            # 市场监管 2021 format: "当事人的上述行为，违反了《…》第…条的规定" and what the party said after the notice
            # (陈述、申辩 and their review); optional, so versions recorded before them keep rendering.
            (Element("facts", "违法事实和证据"), Element("violated_provision", "违反的法律规定", required=False),
             Element("legal_basis", "依据"), Element("penalty", "处罚种类和依据"),
             Element("statements", "当事人陈述、申辩情况及采纳情况", required=False),
             Element("remedies", "申请行政复议、提起行政诉讼的途径和期限"),
             # 行政处罚法 第三十六条: the two (five) years run from the day of the act, or, for a continuing act, from
             # the day it ended; the facts of a decision say when. Optional, so earlier versions keep rendering;
             # supervision reads them (M13 the same act fined twice, M14 time-barred). The letter layout prints
             # none of them as such (rendering._letter_body): the facts say them in words.
             Element("violation_date", "违法行为发生日期", "date", required=False),
             Element("violation_end", "违法行为终了日期（连续或者继续状态的）", "date", required=False),
             # 第三十六条第一款: five years, not two, where the act concerns citizens' life, health and safety or
             # financial security and had harmful consequences.
             Element("grave_harm", "涉及公民生命健康安全、金融安全且有危害后果", "bool", required=False),
             # 行政处罚法 第三十四条; 国办发〔2022〕27号 (SUP-07): the agency's discretion benchmark applied — the item
             # of its table and the circumstance tier — checked against the fine when the decision is recorded
             # (services._fine_gate), and the reasons the decision gives where the fine departs from the tier.
             # Optional here: required once the agency has a table in force and the decision fines. The §33 facts
             # (first violation, harm, corrected in time) feed supervision's M18 (首违不罚).
             *DISCRETION_ELEMENTS), decision=True,
            layout="letter", number_kind="罚决"),
    DocForm("enforcement_decision", "行政执法决定书", Stage.DECISION,
            (Element("facts", "事实和证据"), Element("legal_basis", "依据"), Element("decision", "决定内容"),
             Element("remedies", "申请行政复议、提起行政诉讼的途径和期限")), decision=True,
            layout="letter", number_kind="决"),
    # 行政处罚法 第五十七条; AZ-V §15: where a law requires it, collective discussion before the decision.
    DocForm("collective_discussion", "集体讨论记录", Stage.DECISION,
            (Element("time", "时间", "datetime"), Element("place", "地点"), Element("chair", "主持人"),
             Element("participants", "参加人员"), Element("discussion", "讨论情况"), Element("conclusion", "决定意见")),
            common=False, layout="record"),
    # IM-M §30–§32; AZ-V §12–§13: written by review.services.opinion_record, kept in the case file.
    DocForm("review_opinion", "法制审核意见书", Stage.DECISION,
            (Element("time", "时间", "datetime"), Element("reviewer", "审核人员"), Element("opinion", "审核意见"),
             Element("grounds", "理由"), Element("items", "审核内容")), common=False, system=True),
    DocForm("service_receipt", "送达回证", Stage.SERVICE_ENFORCEMENT,
            (Element("served_document", "送达文书"), Element("recipient", "受送达人"),
             Element("service_method", "送达方式", "choice", choices=SERVICE_METHODS),
             # 留置送达 and 公告送达 are recorded on site (IM-M §17): their end bounds the recording too.
             Element("end_time", "结束时间", "datetime", required=False)), layout="receipt"),
    # 行政处罚法 第四十八条第二款: a published decision later changed, revoked, confirmed unlawful or void (by the agency
    # itself, a reconsideration decision or a judgment) is withdrawn from publication within three (working, 第八十五条)
    # days. The case file records that outcome and the day it took effect; supervision (M09) holds the publication
    # against it.
    DocForm("decision_change", "原决定被变更、撤销、确认违法或者确认无效登记", Stage.SERVICE_ENFORCEMENT,
            (Element("time", "登记时间", "datetime"), Element("outcome", "结果", "choice", choices=DECISION_OUTCOMES),
             Element("effective_on", "变更、撤销或者确认的决定生效日期", "date"), Element("authority", "作出机关"),
             Element("instrument", "文书名称和文号")), common=False),
    DocForm("closing_report", "结案报告", Stage.SERVICE_ENFORCEMENT,
            (Element("result", "执行情况和处理结果"),)),
]}


# 留置送达、公告送达 (IM-M §17; AZ-R §11): the service receipt's method is an activity of the AV lists.
SERVICE_ACTIVITIES = {"leaving": "service_by_leaving", "public_notice": "service_by_public_notice"}


def activities_of(form_code: str, elements: dict) -> tuple[str, ...]:
    """The AV-list activities a record stands for: its form's own, the measure it records, the ones the officer
    ticked, and the way a document was served."""
    form = FORMS.get(form_code)
    if form is None:
        return ()
    found = list(form.activities)
    if elements.get("measure") in AV_ITEMS:
        found.append(elements["measure"])
    found += [a for a in elements.get("activities") or () if a in AV_ITEMS]
    if form_code == "service_receipt" and elements.get("service_method") in SERVICE_ACTIVITIES:
        found.append(SERVICE_ACTIVITIES[elements["service_method"]])
    return tuple(dict.fromkeys(found))


def possible_activities(form_code: str) -> set[str]:
    """Every activity a record of the form could stand for (to find the records worth checking)."""
    form = FORMS[form_code]
    out = set(form.activities)
    for element in form.elements:
        if element.name in ("measure", "activities"):
            out |= {code for code, _label in element.choices}
    if form_code == "service_receipt":
        out |= set(SERVICE_ACTIVITIES.values())
    return out
