"""The legal review of a major decision as one transition table (STYLE habit 2), and the vocabularies
the rules and the forms draw on (IM-M §25–§32; AZ-V). The flowcharts (REV-13) are drawn from this table.
"""

from django.db import models

from zhifa.cases.decisions import Measure
from zhifa.core.workflow import Move

from . import events


class State(models.TextChoices):
    SUBMITTED = "submitted", "审核中"
    PAUSED = "paused", "中止计时"
    RETURNED = "returned", "已退回"
    OPINION_GIVEN = "opinion_given", "待承办机构处理意见"
    JOINT_SIGNING = "joint_signing", "待共同决定机关会签"
    CONSULTING = "consulting", "协商沟通中"
    HEAD_DECIDING = "head_deciding", "报请负责人决定"
    TO_RESUBMIT = "to_resubmit", "待重新送审"
    PASSED = "passed", "审核通过"
    NOT_TO_DECIDE = "not_to_decide", "不予作出决定"
    TRANSFERRED = "transferred", "移送司法机关"


# The review clock runs or stands in these states; a reviewer's queue shows them.
OPEN = (State.SUBMITTED, State.PAUSED)
CLOSED = (State.PASSED, State.NOT_TO_DECIDE, State.TRANSFERRED)


def _assigned(review, actor) -> bool:
    """The reviewer assigned to this review (a lent adviser holds no role in the agency)."""
    from .selectors import active_assignments  # selectors read the models, which read this table's states

    return review.pk is not None and any(a.person.user_id == actor.pk for a in active_assignments(review))


def _extension_approver(review) -> str:
    """IM-M §31: the head in charge of legal work; AZ-V §14: the agency's head (the rules in the review's round)."""
    return f"review.extension.{review.rules['time_limit']['extension_approver']}"


# The ledger event each move writes (events.py): a move's entry says which move it was (issue 17).
EVENTS = {
    "submit": events.SUBMITTED, "pause": events.PAUSED, "resume": events.RESUMED,
    "resume_review": events.RESUMED_BY_REVIEWER, "return": events.RETURNED,
    "extension_request": events.EXTENSION_REQUESTED, "extend": events.EXTENSION_DECIDED,
    "opinion": events.OPINION_GIVEN, "cosign": events.COSIGNED, "adopt": events.OPINION_ADOPTED,
    "object": events.OPINION_OBJECTED, "consult_adopt": events.CONSULTATION_ADOPTED,
    "consult_withdraw": events.OPINION_WITHDRAWN, "consult_deadlock": events.CONSULTATION_DEADLOCKED,
    "head_decide": events.HEAD_DECIDED, "resubmit": events.RESUBMITTED, "assign": events.REVIEWER_ASSIGNED,
    "recuse": events.REVIEWER_RECUSED,
}


def _move(name, sources, targets, permission, label, side, *, chart=True, **kw) -> Move:
    # side: handling | review | head | joint | either (the flowchart's colour); a review-side move also admits the
    # reviewer assigned. chart: drawn as an arrow of the flowchart (a request or an assignment leaves the state be).
    if side == "review" and "admits" not in kw:
        kw["admits"] = _assigned
    return Move(name, sources, targets, permission, label, event=EVENTS[name], extra={"side": side, "chart": chart},
                **kw)


NEW = ""  # a case without a review yet
_ALL = (NEW, *State.values)
_NOT_CLOSED = tuple(s for s in State.values if s not in CLOSED)
# The table (issue 17): every move of a review, with who may make it, is here and nowhere else.
TRANSITIONS = [
    _move("submit", (NEW,), (State.SUBMITTED,), "review.submit", "承办机构送审", "handling"),
    _move("pause", (State.SUBMITTED,), (State.PAUSED,), "review.review", "要求补充材料、专家论证或提请解释（中止计时）",
          "review"),
    # Who ends a pause depends on its kind (PAUSE_ENDED_BY): the handling unit hands in the supplements ...
    _move("resume", (State.PAUSED,), (State.SUBMITTED,), "review.submit", "补充材料已提交或论证、解释完毕（恢复计时）",
          "handling"),
    # ... the review unit ends an expert consultation or a request for interpretation (the same arrow).
    _move("resume_review", (State.PAUSED,), (State.SUBMITTED,), "review.review", "专家论证、提请解释完毕（恢复计时）",
          "review", chart=False),
    _move("return", (State.SUBMITTED, State.PAUSED), (State.RETURNED,), "review.review", "材料不齐全，退回补充", "review"),
    _move("extension_request", (State.SUBMITTED, State.PAUSED), (State.SUBMITTED, State.PAUSED), "review.review",
          "申请延长审核期限", "review", chart=False),
    _move("extend", (State.SUBMITTED, State.PAUSED), (State.SUBMITTED, State.PAUSED), "review.extension.legal_head",
          "情况复杂，经负责人批准延长", "head", permission_of=_extension_approver),
    # IM-M §30: the opinion is signed by the reviewer assigned to the case; no role alone signs it.
    _move("opinion", (State.SUBMITTED,), (State.PASSED, State.JOINT_SIGNING, State.OPINION_GIVEN), "",
          "出具审核意见（同意／纠正／不予作出／移送）", "review", admits=_assigned),
    _move("cosign", (State.JOINT_SIGNING,), (State.PASSED, State.JOINT_SIGNING, State.SUBMITTED), "review.cosign",
          "共同决定机关参与审核并会签", "joint"),
    _move("adopt", (State.OPINION_GIVEN,), (State.TO_RESUBMIT, State.NOT_TO_DECIDE, State.TRANSFERRED),
          "review.respond", "承办机构采纳审核意见", "handling"),
    _move("object", (State.OPINION_GIVEN,), (State.CONSULTING,), "review.respond", "承办机构有异议", "handling"),
    # IM-M §32; AZ-V §15: the consultation's outcome is recorded by the side whose position it changes — the
    # handling unit accepts the opinion, the review unit withdraws it (its head, or the reviewer assigned who signed
    # it); either unit's head may report that they still disagree.
    _move("consult_adopt", (State.CONSULTING,), (State.TO_RESUBMIT, State.NOT_TO_DECIDE, State.TRANSFERRED),
          "review.respond", "协商后承办机构接受审核意见", "handling"),
    _move("consult_withdraw", (State.CONSULTING,), (State.PASSED,), "review.withdraw_opinion",
          "协商后审核机构撤回意见，同意作出决定", "review"),
    _move("consult_deadlock", (State.CONSULTING,), (State.HEAD_DECIDING,), "review.consult", "协商后仍不能达成一致",
          "either"),
    _move("head_decide", (State.HEAD_DECIDING,),
          (State.PASSED, State.TO_RESUBMIT, State.NOT_TO_DECIDE, State.TRANSFERRED), "review.decide",
          "仍不能达成一致，报请负责人决定", "head"),
    # A passed review is submitted again when its decision was changed after it passed (gate.reviewed_drafts_current).
    _move("resubmit", (State.RETURNED, State.TO_RESUBMIT, State.PASSED), (State.SUBMITTED,), "review.submit",
          "处理后重新送审", "handling"),
    # Reviewers (ORG-04; AZ-V §8): assigned by the review unit's head while the review is open; a recusal is
    # recorded by the head (or by the reviewer for themself, services.recusal_record). Neither moves the state.
    _move("assign", _NOT_CLOSED, _NOT_CLOSED, "review.assign", "指派审核人员", "head", chart=False, admits=None),
    _move("recuse", _ALL, _ALL, "review.assign", "记录回避", "head", chart=False, admits=None),
]
CHART = [m for m in TRANSITIONS if m.extra["chart"]]
MOVES = {m.name: m for m in TRANSITIONS}

# The general criteria of a major decision (IM-M §26; AZ-V §9); the officer ticks what applies.
CRITERIA = {
    "public_interest": "涉及重大公共利益",
    "social_impact": "可能造成重大社会影响或者引发社会风险",
    "major_rights": "直接关系行政相对人或者第三人重大权益",
    "hearing": "经过听证程序作出",
    "complex": "案件情况疑难复杂、涉及多个法律关系",
    "law_requires": "法律、法规、规章规定应当进行法制审核",
    "other": "其他需要进行法制审核的情形",
}

# Measures a catalogue item may name (行政处罚法 第九条; 行政强制法 第九条、第十二条): the same vocabulary the
# draft decision is read with (cases.decisions).
MEASURES = dict(Measure.choices)


class Criterion(models.TextChoices):
    ALWAYS = "always", "该类决定一律审核"
    FINE_AT_LEAST = "fine_at_least", "罚没款金额达到"
    PROPERTY_AT_LEAST = "property_at_least", "涉案财物价值达到"
    MEASURE = "measure", "采取特定措施"
    HEARING = "hearing", "经过听证"


# The four kinds of opinion and the grounds AZ-V §12 lists for each.
class OpinionKind(models.TextChoices):
    AGREE = "agree", "同意"
    CORRECT = "correct", "纠正"
    REFUSE = "refuse", "不予作出决定"
    TRANSFER = "transfer", "移送"


GROUNDS = {
    OpinionKind.AGREE: {},
    OpinionKind.CORRECT: {
        "facts_unclear": "事实认定不清",
        "evidence_flawed": "证据有瑕疵",
        "procedure_flawed": "执法程序有瑕疵",
        "documents_irregular": "执法文书不规范",
        "discretion_improper": "裁量不适当",
    },
    OpinionKind.REFUSE: {
        "subject_unlawful": "主体不合法",
        "main_evidence_unlawful": "主要证据不合法",
        "basis_inaccurate": "依据不准确",
        "procedure_unlawful": "执法程序不合法",
    },
    OpinionKind.TRANSFER: {"suspected_crime": "违法行为涉嫌犯罪"},
}

FINDINGS = {"ok": "符合", "problem": "存在问题", "na": "不适用"}
# An item asked as a question reads its findings as answers (tryout, issue 18: "违法行为是否涉嫌犯罪、需要移送司法
# 机关：符合" could be read either way). "problem" on this item is what a transfer opinion requires.
ITEM_FINDINGS = {"crime_transfer": {"ok": "否（不涉嫌犯罪，无需移送）", "problem": "是（涉嫌犯罪，需要移送司法机关）",
                                    "na": "不适用"}}


def findings_for(item: str) -> dict[str, str]:
    """The findings of a review item as people read them (the stored codes are the same for every item)."""
    return ITEM_FINDINGS.get(item, FINDINGS)

# What the handling unit's adoption of each opinion leads to (KY: deal with the problems, resubmit).
ADOPTED = {OpinionKind.CORRECT: State.TO_RESUBMIT, OpinionKind.REFUSE: State.NOT_TO_DECIDE,
           OpinionKind.TRANSFER: State.TRANSFERRED}

# Periods that stop the clock, by who ends them: the handling unit supplies materials; the review unit
# ends an expert consultation or a request for interpretation.
PAUSE_ENDED_BY = {"supplement": "resume", "expert_consultation": "resume_review", "interpretation": "resume_review"}

# Which documents of the case answer each kind of submission material (IM-M §29; AZ-V §10).
MATERIAL_FORMS = {
    "proposal": ("review_proposal",),
    "investigation_report": ("investigation_report",),
    "draft_decision": ("penalty_decision", "enforcement_decision"),
    "evidence": ("inspection_record", "inquiry_record", "seizure_decision"),
    "hearing_or_assessment": ("hearing_record", "assessment_report"),
}
DECISION_FORMS = MATERIAL_FORMS["draft_decision"]
# The four action types a catalogue covers (IM-P; KY): licence, penalty, coercion, levy.
REVIEWED_ACTION_TYPES = ("licence", "penalty", "coercion", "levy")


class Outcome(models.TextChoices):
    """Consultation between the units (IM-M §32; AZ-V §15), and the move of the table that records each."""

    ADOPT_OPINION = "adopt_opinion", "承办机构接受审核意见"
    OPINION_WITHDRAWN = "opinion_withdrawn", "审核机构撤回意见，同意作出决定"
    NO_AGREEMENT = "no_agreement", "仍不能达成一致，报请负责人决定"


OUTCOME_MOVES = {Outcome.ADOPT_OPINION: "consult_adopt", Outcome.OPINION_WITHDRAWN: "consult_withdraw",
                 Outcome.NO_AGREEMENT: "consult_deadlock"}


class HeadChoice(models.TextChoices):
    PROCEED = "proceed", "按承办机构意见作出决定"
    ADOPT_OPINION = "adopt_opinion", "按法制审核意见办理"
