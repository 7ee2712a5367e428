"""The publicity rules as tables (STYLE habit 3): kinds of public item, states and moves, the grounds for not
publishing, the triggers of a withdrawal, what redaction masks, and the requests the public can make.

Every public item goes collect → review → publish → withdraw → update (采集、审核、发布、撤销、更新, IM-M §6),
and nothing is published without review (AZ-P §7): the only way to PUBLISHED is the approver's move.
"""

from dataclasses import dataclass

from django.db import models

from zhifa.core.errors import WrongStateError
from zhifa.core.workflow import Move
from zhifa.rules.catalogue import MASK_KINDS

from . import events


class Kind(models.TextChoices):
    DECISION = "decision", "行政执法决定"
    POWER_LIST = "power_list", "权责清单"
    ENFORCEMENT_ITEMS = "enforcement_items", "行政执法事项清单"
    INSPECTION_ITEMS = "inspection_items", "随机抽查事项清单"
    SERVICE_ITEMS = "service_items", "政务服务事项"
    SERVICE_GUIDE = "service_guide", "服务指南"
    DISCRETION = "discretion", "行政裁量基准"
    REMEDIES = "remedies", "救济渠道"
    INSPECTION_RESULT = "inspection_result", "随机抽查结果"


@dataclass(frozen=True)
class Column:
    code: str
    label: str
    required: bool = True


# The columns of each list kind (PUB-02: IM-M §8; AZ-P §10, §12). Excel sheets are read by these labels.
COLUMNS: dict[str, tuple[Column, ...]] = {
    Kind.POWER_LIST: (Column("name", "事项名称"), Column("category", "权力类别"), Column("basis", "设定依据"),
                      Column("responsibility", "责任事项", False), Column("accountability", "追责情形", False)),
    Kind.ENFORCEMENT_ITEMS: (Column("name", "事项名称"), Column("action_type", "执法类别"), Column("basis", "法律依据"),
                             Column("conditions", "实施条件", False), Column("procedure", "程序", False),
                             Column("time_limit", "时限", False), Column("discretion", "裁量基准", False)),
    Kind.INSPECTION_ITEMS: (Column("name", "抽查事项"), Column("target", "检查对象"), Column("basis", "检查依据"),
                            Column("method", "检查方式", False), Column("subject", "检查主体", False)),
    Kind.SERVICE_ITEMS: (Column("name", "事项名称"), Column("service_object", "服务对象"), Column("conditions", "受理条件"),
                         Column("method", "办理方式"), Column("procedure", "办理流程"), Column("time_limit", "办理时限"),
                         Column("fee", "收费标准"), Column("fee_basis", "收费依据", False),
                         Column("materials", "申请材料目录"), Column("forms", "表格", False)),
    Kind.SERVICE_GUIDE: (Column("name", "事项名称"), Column("guide", "办事指南"), Column("contact", "咨询方式", False)),
    Kind.DISCRETION: (Column("name", "违法行为"), Column("basis", "处罚依据"), Column("circumstance", "违法情节"),
                      Column("standard", "裁量基准")),
    Kind.REMEDIES: (Column("channel", "救济渠道"), Column("body", "受理机关"), Column("time_limit", "期限"),
                    Column("contact", "联系方式", False)),
    Kind.INSPECTION_RESULT: (Column("target", "检查对象"), Column("item", "抽查事项"), Column("date", "检查日期"),
                             Column("result", "检查结果"), Column("handling", "处理情况", False)),
}
LIST_KINDS = tuple(COLUMNS)
LIST_KIND_CHOICES = [(k, Kind(k).label) for k in LIST_KINDS]


class State(models.TextChoices):
    COLLECTED = "collected", "已采集待提交"
    SUBMITTED = "submitted", "待审核"
    PUBLISHED = "published", "已发布"
    EXEMPTION_REQUESTED = "exemption_requested", "不予公开待批准"
    EXEMPTED = "exempted", "不予公开"
    WITHDRAWN = "withdrawn", "已撤下"
    SUPERSEDED = "superseded", "已更新（历史版本）"


OPEN = (State.COLLECTED, State.SUBMITTED, State.EXEMPTION_REQUESTED)
EDITABLE = (State.COLLECTED, State.SUBMITTED)  # masks and text may still change
# States that satisfy the publication deadline: published on time, or lawfully not published.
SETTLED = (State.PUBLISHED, State.EXEMPTED, State.WITHDRAWN, State.SUPERSEDED)


def _move(name: str, sources: tuple[str, ...], target: str, permission: str, label: str, event: str) -> Move:
    return Move(name, sources, (target,), permission, label, event)


MOVES = {m.name: m for m in [
    _move("submit", (State.COLLECTED,), State.SUBMITTED, "publicity.edit", "提交审核", events.ITEM_SUBMITTED),
    _move("return", (State.SUBMITTED,), State.COLLECTED, "publicity.approve", "退回修改", events.ITEM_RETURNED),
    _move("approve", (State.SUBMITTED,), State.PUBLISHED, "publicity.approve", "审核通过并发布", events.ITEM_APPROVED),
    _move("request_exemption", (State.COLLECTED, State.SUBMITTED), State.EXEMPTION_REQUESTED, "publicity.edit",
          "申请不予公开", events.EXEMPTION_REQUESTED),
    _move("approve_exemption", (State.EXEMPTION_REQUESTED,), State.EXEMPTED, "publicity.approve", "批准不予公开",
          events.EXEMPTION_APPROVED),
    _move("reject_exemption", (State.EXEMPTION_REQUESTED,), State.COLLECTED, "publicity.approve", "不批准不予公开",
          events.EXEMPTION_REJECTED),
    _move("withdraw", (State.PUBLISHED,), State.WITHDRAWN, "publicity.withdraw", "撤下", events.ITEM_WITHDRAWN),
    # A new version is approved: the old one leaves the portal and stays findable as history.
    _move("supersede", (State.PUBLISHED, State.COLLECTED, State.SUBMITTED), State.SUPERSEDED, "publicity.edit", "更新",
          events.ITEM_SUPERSEDED),
]}

# What each step of an item's history (流转记录) is called on the pages: the first step, which no move makes
# (the item is collected, or a list gets a new version), then every move by its label. Pages show these through
# the `step_label` filter, never the action code.
STEP_LABELS: dict[str, str] = {"collect": "采集", **{action: m.label for action, m in MOVES.items()}}
# A history line is "<step>（<the state it led to>）", except where that would say one thing twice: "更新（已更新
# （历史版本））" (tryout 18) is said as what happened to this version.
STEP_LINES: dict[str, str] = {"supersede": "由新版本取代，本版成为历史版本"}


class ExemptionGround(models.TextChoices):
    """不予公开的情形 (IM-M §11; AZ-P §15)."""

    MINOR = "minor", "当事人属于未成年人"
    STATE_SECRET = "state_secret", "涉及国家秘密"
    COMMERCIAL_SECRET = "commercial_secret", "涉及商业秘密"
    PRIVACY = "privacy", "涉及个人隐私"
    SECURITY = "security", "公开后可能影响国家安全、公共安全、经济安全或者社会稳定"
    RELATED_INVESTIGATION = "related_investigation", "公开后可能影响与本案相关的其他案件调查处理"
    CRIME = "crime", "案件涉嫌犯罪需要移送公安机关调查处理或者正在公安机关调查处理中"
    OTHER_LAW = "other_law", "法律、法规、规章规定不予公开的其他情形"


# AZ-P §15 second paragraph: a third party's commercial secret or privacy may still be published with the
# third party's consent, or where not publishing would gravely harm the public interest.
OVERRIDABLE = (ExemptionGround.COMMERCIAL_SECRET, ExemptionGround.PRIVACY)


class Exception_(models.TextChoices):
    THIRD_PARTY_CONSENT = "third_party_consent", "第三方同意公开"
    PUBLIC_INTEREST = "public_interest", "不公开会对公共利益造成重大影响"


class Trigger(models.TextChoices):
    """Why a published decision is taken down at once (IM-M §13; KY; AZ-P §17 (三))."""

    REVOKED = "revoked", "被依法撤销"
    CONFIRMED_ILLEGAL = "confirmed_illegal", "被确认违法"
    CONFIRMED_VOID = "confirmed_void", "被确认无效"
    ORDERED_REMAKE = "ordered_remake", "被要求重新作出"
    RECONSIDERATION = "reconsideration", "生效行政复议决定变更、撤销或者确认违法"
    JUDGMENT = "judgment", "生效行政诉讼裁判变更、撤销或者确认违法、无效"
    ERROR = "error", "公示信息有误（纠错）"


class UpdateReason(models.TextChoices):
    """Why basic information gets a new version (IM-M §13; AZ-P §17)."""

    LAW_CHANGED = "law_changed", "法律、法规、规章及行政规范性文件立改废释"
    FUNCTION_CHANGED = "function_changed", "行政执法机关职能发生变化"
    DECISION_CHANGED = "decision_changed", "复议决定或裁判文书变更原决定"
    CORRECTION = "correction", "更正申请核实属实"
    OTHER = "other", "其他需要更新的情形"


class MaskLift(models.TextChoices):
    """Whether a mask may be lifted, by the kind of what it hides (issue 15 §3; IM-M §10)."""

    FREE = "free", "可取消（说明理由）"
    APPROVAL = "approval", "须载明法律依据，经另一名审核人批准后取消"
    NEVER = "never", "不得取消"


# IM-M §10 lists what a published decision must hide. Lifting a mask on a natural person's identifier, contact
# details, address or property publishes what §10 protects, so it needs a recorded legal basis and a second
# person holding publicity.approve (not the requester); a natural person's ID number is never published — once on
# the portal it is copied, and no ground in §10 lets it out. A kind not listed here (a manual "other" mask: a
# person hid something the law does not name) is FREE. Anything in an item concerning a minor is NEVER
# whatever its kind (IM-M §11 (一)): see services._liftable.
MASK_LIFT: dict[str, str] = {
    "id_number": MaskLift.NEVER,
    "phone": MaskLift.APPROVAL,
    "home_address": MaskLift.APPROVAL,
    "person_name": MaskLift.APPROVAL,
    "party_name": MaskLift.APPROVAL,
    "individual_business_code": MaskLift.APPROVAL,
    "bank_account": MaskLift.APPROVAL,
    "property_certificate": MaskLift.APPROVAL,
    "property_status": MaskLift.APPROVAL,
    "email": MaskLift.APPROVAL,
    "im_account": MaskLift.APPROVAL,
    "licence_plate": MaskLift.APPROVAL,
}


def mask_lift(kind: str) -> str:
    """The rule of a kind. A detector kind missing from MASK_LIFT (one added to rules.catalogue.MASK_KINDS later)
    needs approval: forgetting a row must not make a new kind of personal data freely liftable."""
    return MASK_LIFT.get(kind, MaskLift.APPROVAL if kind in MASK_KINDS else MaskLift.FREE)


class MaskRemovalState(models.TextChoices):
    PENDING = "pending", "待批准"
    APPROVED = "approved", "已批准（已取消隐去）"
    REJECTED = "rejected", "不批准（继续隐去）"


class Mode(models.TextChoices):
    SUMMARY = "summary", "决定信息摘要"
    FULL = "full", "行政执法决定书全文"


class RequestKind(models.TextChoices):
    CORRECTION = "correction", "公示信息更正申请"
    COMPLAINT = "complaint", "投诉举报"
    DISCLOSURE = "disclosure", "依申请公开"


class RequestState(models.TextChoices):
    RECEIVED = "received", "已受理"
    VERIFYING = "verifying", "核实中"
    CORRECTED = "corrected", "已更正并告知"
    ANSWERED = "answered", "已答复"
    FORWARDED = "forwarded", "已转送有权机关并告知"
    REJECTED = "rejected", "经核实不予更正并告知"


REQUEST_OPEN = (RequestState.RECEIVED, RequestState.VERIFYING)


def _kinds_only(kinds: tuple[str, ...], label: str):
    """A guard: the move is for these kinds of request only (AZ-P §18: a correction is corrected or refused; a
    complaint or a disclosure request is answered)."""

    def guard(req, actor, data) -> None:
        if req.kind not in kinds:
            raise WrongStateError(f"{RequestKind(req.kind).label}不能“{label}”。")
    return guard


def _request_move(name: str, sources: tuple[str, ...], target: str, kinds: tuple[str, ...], label: str,
                  done: str, event: str) -> Move:
    """One way of handling a request from the public (AZ-P §18, §19): from which states, to which, for which kinds
    of request; what the handling page offers (`label`) and what it says once done (extra["done"])."""
    return Move(name, sources, (target,), "publicity.handle_requests", label, event,
                guards=(_kinds_only(kinds, label),), extra={"kinds": kinds, "done": done})


_EVERY_KIND = tuple(RequestKind.values)
_ANSWERED_KINDS = (RequestKind.COMPLAINT, RequestKind.DISCLOSURE)

# Verification is started once. A correction request ends corrected or refused after verification (AZ-P §18); a
# complaint or a disclosure request ends with an answer; any may go to the competent agency instead. Every
# ending tells the requester; starting verification tells them nothing yet.
REQUEST_MOVES = {m.name: m for m in [
    _request_move("verify", (RequestState.RECEIVED,), RequestState.VERIFYING, _EVERY_KIND, "开始核实",
                  "已开始核实。核实后请在此办结，并告知申请人。", events.REQUEST_VERIFYING),
    _request_move("correct", REQUEST_OPEN, RequestState.CORRECTED, (RequestKind.CORRECTION,), "核实属实，更正并告知",
                  "已更正，并告知申请人。", events.REQUEST_CORRECTED),
    _request_move("reject", REQUEST_OPEN, RequestState.REJECTED, (RequestKind.CORRECTION,), "经核实不予更正并告知",
                  "已决定不予更正，并告知申请人。", events.REQUEST_REJECTED),
    _request_move("answer", REQUEST_OPEN, RequestState.ANSWERED, _ANSWERED_KINDS, "答复", "已答复申请人。",
                  events.REQUEST_ANSWERED),
    _request_move("forward", REQUEST_OPEN, RequestState.FORWARDED, _EVERY_KIND, "转送有权机关并告知",
                  "已转送有权机关，并告知申请人。", events.REQUEST_FORWARDED),
]}


def request_moves(kind: str, state: str) -> list[Move]:
    """The moves a request of this kind, in this state, allows: what its handling page offers."""
    return [m for m in REQUEST_MOVES.values() if kind in m.extra["kinds"] and state in m.sources]


# Kinds of request that concern one published item and cannot be made without naming it (a correction): the
# portal takes them from the item's page (申请更正), not from the general form.
REQUEST_NEEDS_ITEM = frozenset({RequestKind.CORRECTION})

# A public attachment leaves quarantine only by an explicit decision on that file (issue 14 §2; review finding 6):
# staff who handle the request open it and accept it into the evidence store, or reject it with a reason. No
# request move decides for them: "开始核实" is a routine first click and says nothing about the files.
class AttachmentDecision(models.TextChoices):
    ACCEPT = "accept", "存入证据库"
    REJECT = "reject", "不予接收并删除"


class AttachmentState(models.TextChoices):
    QUARANTINED = "quarantined", "待审查（隔离保存）"
    ACCEPTED = "accepted", "已存入证据库"
    REJECTED = "rejected", "经审查不予接收（已删除）"
    DELETED = "deleted", "未经审查，保存期满已删除"


class ReportState(models.TextChoices):
    DRAFT = "draft", "编制中"
    SUBMITTED = "submitted", "已报送"
    PUBLISHED = "published", "已公开"


# The annual report (PUB-11; IM-M §14): computed and edited as a draft, submitted by the head to the justice
# bureau of the same level, then made public.
REPORT_MOVES = {m.name: m for m in [
    Move("compute", (ReportState.DRAFT,), (ReportState.DRAFT,), "publicity.report", "重新统计", events.REPORT_COMPUTED),
    Move("edit", (ReportState.DRAFT,), (ReportState.DRAFT,), "publicity.report", "修改", events.REPORT_EDITED),
    Move("submit", (ReportState.DRAFT,), (ReportState.SUBMITTED,), "publicity.report_submit", "报送",
         events.REPORT_SUBMITTED),
    Move("publish", (ReportState.SUBMITTED,), (ReportState.PUBLISHED,), "publicity.report_submit", "公开",
         events.REPORT_PUBLISHED),
]}
