"""Roles and what each may do (ORG-05). The scoping of a grant lives in org.permissions.

The table is data (STYLE habit 3): a permission names the roles that hold it. A role is granted
to a user for one agency or one jurisdiction subtree (org.RoleGrant); the check in
org.permissions combines the two, and is the only check pages and API use.
"""

from django.db import models


class Role(models.TextChoices):
    OFFICER = "officer", "执法人员"
    HANDLING_HEAD = "handling_head", "承办机构负责人"
    REVIEWER = "reviewer", "法制审核人员"
    REVIEW_HEAD = "review_head", "法制审核机构负责人"
    AGENCY_HEAD = "agency_head", "执法机关负责人"
    LEGAL_HEAD = "legal_head", "主管法制工作的负责人"
    PUBLICITY_EDITOR = "publicity_editor", "公示信息编辑"
    PUBLICITY_APPROVER = "publicity_approver", "公示信息审核人"
    SUPERVISOR = "supervisor", "司法行政监督人员"
    PARTY = "party", "当事人"
    INTERESTED_PERSON = "interested_person", "利害关系人"
    STATE_ORGAN = "state_organ", "其他国家机关（监察、审判、检察、公安、审计）"
    ORG_ADMIN = "org_admin", "机构信息管理员"


STAFF_ROLES = {
    Role.OFFICER,
    Role.HANDLING_HEAD,
    Role.REVIEWER,
    Role.REVIEW_HEAD,
    Role.AGENCY_HEAD,
    Role.LEGAL_HEAD,
    Role.PUBLICITY_EDITOR,
    Role.PUBLICITY_APPROVER,
    Role.ORG_ADMIN,
}
HEADS = {Role.AGENCY_HEAD, Role.LEGAL_HEAD}

# permission -> roles that hold it. Superusers hold every permission everywhere, except CASE_PERMISSIONS (below).
PERMISSIONS: dict[str, frozenset[Role]] = {
    # Reading the registry: every staff role and the supervisors above them.
    "org.view": frozenset(STAFF_ROLES | {Role.SUPERVISOR}),
    # Personal data of officers (phone, certificate history) beyond what is public.
    "org.view_people": frozenset({*HEADS, Role.HANDLING_HEAD, Role.REVIEW_HEAD, Role.ORG_ADMIN, Role.SUPERVISOR}),
    # Maintaining an agency's own data, units, people and certificates.
    "org.manage": frozenset({Role.AGENCY_HEAD, Role.ORG_ADMIN}),
    # The justice bureau confirms agencies' status and issues / revokes certificates (IM-M §3; AZ-P §9).
    "org.confirm_agency": frozenset({Role.SUPERVISOR}),
    "org.manage_certificates": frozenset({Role.SUPERVISOR}),
    # Importing the agencies' spreadsheets.
    "org.import": frozenset({Role.ORG_ADMIN, Role.AGENCY_HEAD, Role.SUPERVISOR}),
    # Lending legal advisers and public lawyers across a system (KY; IM-P).
    "org.lend_advisers": frozenset({Role.SUPERVISOR, Role.AGENCY_HEAD, Role.LEGAL_HEAD}),
    # Per-jurisdiction rules: read by staff, written by the justice bureau.
    "rules.view": frozenset(STAFF_ROLES | {Role.SUPERVISOR}),
    "rules.manage": frozenset({Role.SUPERVISOR}),
    # Security events: supervisors and heads see their scope.
    "core.view_security_events": frozenset({Role.SUPERVISOR, *HEADS}),
    # Cases (REC): seeing them, handling them, approving stage moves, and seeing parties' full ID numbers.
    "cases.view": frozenset(STAFF_ROLES | {Role.SUPERVISOR}),
    "cases.handle": frozenset({Role.OFFICER, Role.HANDLING_HEAD, Role.AGENCY_HEAD}),
    "cases.approve": frozenset({Role.HANDLING_HEAD, Role.AGENCY_HEAD}),
    # Issuing a document (签发): the agency's electronic seal goes on it, so it is signed for the agency by its
    # 负责人 (the head, or the deputy in charge of legal work), never by whoever can read the case.
    "cases.issue_document": frozenset(HEADS),
    "cases.view_identity": frozenset({Role.OFFICER, Role.HANDLING_HEAD, Role.AGENCY_HEAD, Role.LEGAL_HEAD,
                                      Role.REVIEWER, Role.REVIEW_HEAD}),
    # AV records: uploading clips and notes; registering devices and rooms (REC-10).
    "records.upload": frozenset({Role.OFFICER, Role.HANDLING_HEAD, Role.AGENCY_HEAD}),
    "records.manage_devices": frozenset({Role.HANDLING_HEAD, Role.AGENCY_HEAD, Role.ORG_ADMIN}),
    # Deciding requests to inspect or copy records, and marking confidentiality (AZ-R §18: the head).
    "records.decide_access": frozenset({Role.AGENCY_HEAD}),
    # Findings and statistics of whole-process recording (REC-16, REC-17): the agency's heads and the
    # justice bureaus above them.
    "records.view_findings": frozenset({Role.SUPERVISOR, *HEADS, Role.HANDLING_HEAD}),
    # Destroying a case file after its retention period: proposed by the handling side, approved by the
    # agency head (IM-M §23; AZ-R §20; the archives law's 鉴定销毁).
    "records.request_disposal": frozenset({Role.HANDLING_HEAD, Role.AGENCY_HEAD, Role.ORG_ADMIN}),
    "records.approve_disposal": frozenset({Role.AGENCY_HEAD}),
    # Legal review of major decisions (REV). Reading a review: the agency's staff and the bureaus above.
    "review.view": frozenset(STAFF_ROLES | {Role.SUPERVISOR}),
    # The review catalogue is issued by the agency (IM-M §26; AZ-V §9) and filed with the justice bureau,
    # which acknowledges the filing.
    "review.manage_catalogue": frozenset({Role.AGENCY_HEAD, Role.LEGAL_HEAD, Role.REVIEW_HEAD}),
    "review.acknowledge_catalogue": frozenset({Role.SUPERVISOR}),
    # The handling unit determines whether a decision is major, submits, supplements and resubmits (IM-M §29).
    "review.submit": frozenset({Role.OFFICER, Role.HANDLING_HEAD, Role.AGENCY_HEAD}),
    # The handling unit adopts the opinion or objects to it (IM-M §32; AZ-V §15).
    "review.respond": frozenset({Role.HANDLING_HEAD, Role.AGENCY_HEAD}),
    # The review unit's head assigns reviewers and records recusals (ORG-04; AZ-V §8).
    "review.assign": frozenset({Role.REVIEW_HEAD, Role.LEGAL_HEAD}),
    # Review work: asking for supplements, returning, pausing the clock, asking for an extension. The
    # opinion itself is signed by an assigned reviewer only.
    "review.review": frozenset({Role.REVIEWER, Role.REVIEW_HEAD}),
    # Approving an extension: by the rules' approver (IM-M §31: the head in charge of legal work;
    # AZ-V §14: the agency's head — any 负责人, which includes the head in charge of legal work).
    "review.extension.legal_head": frozenset({Role.LEGAL_HEAD}),
    "review.extension.agency_head": frozenset({Role.AGENCY_HEAD, Role.LEGAL_HEAD}),
    # Consultation between the units is recorded by either unit's head.
    "review.consult": frozenset({Role.HANDLING_HEAD, Role.REVIEW_HEAD, Role.LEGAL_HEAD}),
    # Withdrawing the review unit's opinion after consultation: its head, or the reviewer assigned who signed it
    # (an assignment, not a role; a reviewer who recused or was never assigned may not).
    "review.withdraw_opinion": frozenset({Role.REVIEW_HEAD}),
    # Without agreement the agency head decides (IM-M §32; AZ-V §15).
    "review.decide": frozenset({Role.AGENCY_HEAD}),
    # An agency taking part in a joint decision signs the opinion (AZ-V §8).
    "review.cosign": frozenset({Role.REVIEW_HEAD, Role.LEGAL_HEAD, Role.AGENCY_HEAD}),
    # The overdue list: the review unit, the heads and the supervisors.
    "review.view_overdue": frozenset({Role.REVIEW_HEAD, Role.REVIEWER, *HEADS, Role.SUPERVISOR}),
    # Publicity (PUB). Staff of the agency and the bureaus above read the items, the queue and the masks.
    "publicity.view": frozenset(STAFF_ROLES | {Role.SUPERVISOR}),
    # Collecting items, proposing masks and exemptions, submitting for review (采集).
    "publicity.edit": frozenset({Role.PUBLICITY_EDITOR, Role.PUBLICITY_APPROVER, Role.AGENCY_HEAD}),
    # Reviewing and publishing, approving exemptions (审核、发布; AZ-P §7: nothing unreviewed is published).
    "publicity.approve": frozenset({Role.PUBLICITY_APPROVER, Role.AGENCY_HEAD}),
    # Taking a published item down at once (IM-M §13).
    "publicity.withdraw": frozenset({Role.PUBLICITY_APPROVER, Role.AGENCY_HEAD}),
    "publicity.view_overdue": frozenset({Role.PUBLICITY_EDITOR, Role.PUBLICITY_APPROVER, *HEADS, Role.SUPERVISOR}),
    # The agency's overdue work across every kind (issue 18 §1): the heads and the supervisors above them.
    "worklist.view_overdue": frozenset({*HEADS, Role.SUPERVISOR}),
    # A notification is its recipient's alone: no role opens another's. Named so that the refusal has a name in the
    # security log (every refusal is recorded, issue 2 §4).
    "worklist.open_notification": frozenset(),
    # Correction requests, complaints and disclosure requests (AZ-P §16, §18).
    "publicity.handle_requests": frozenset({Role.PUBLICITY_EDITOR, Role.PUBLICITY_APPROVER, Role.AGENCY_HEAD}),
    # The annual report: prepared by the agency (a bureau's by its supervisors), submitted by the head.
    "publicity.report": frozenset({Role.PUBLICITY_EDITOR, Role.AGENCY_HEAD, Role.SUPERVISOR}),
    "publicity.report_submit": frozenset({Role.AGENCY_HEAD, Role.SUPERVISOR}),
    # Random inspections (issue 22; INS-01..03, PUB-13). The agency's staff and the bureaus above read them; the
    # handling side keeps the item lists, directories, plans and draws; a head submits a list, files a plan and orders
    # a re-draw; the jurisdiction's market-regulation department reviews item lists (NM: 经本级市场监管部门审核后予以
    # 公示); the inspectors record; results are published by those who publish.
    "inspections.view": frozenset(STAFF_ROLES | {Role.SUPERVISOR}),
    "inspections.manage": frozenset({Role.HANDLING_HEAD, *HEADS}),
    "inspections.approve": frozenset(HEADS),
    "inspections.review_items": frozenset(HEADS),
    "inspections.inspect": frozenset({Role.OFFICER, Role.HANDLING_HEAD, Role.AGENCY_HEAD}),
    "inspections.publish": frozenset({Role.PUBLICITY_APPROVER, *HEADS}),
    # Supervision (issue 20; SUP-01, SUP-04): alerts of the problem models. The agency's staff see their agency's
    # alerts, the justice bureaus those of their subtree; only a bureau closes one by hand (with a reason).
    "supervision.view": frozenset(STAFF_ROLES | {Role.SUPERVISOR}),
    "supervision.alert_close": frozenset({Role.SUPERVISOR}),
    # Supervision instruments (SUP-08; 《行政执法监督条例》): issued, accepted and decided by the justice bureau;
    # answered (correction report, request for re-examination) by the agency's heads.
    "instruments.view": frozenset(STAFF_ROLES | {Role.SUPERVISOR}),
    "instruments.issue": frozenset({Role.SUPERVISOR}),
    "instruments.respond": frozenset(HEADS),
    # The cockpit (SUP-01): the bureaus over their subtree, an agency's heads over their agency; the export for the
    # level above (SUP-03): the bureaus only.
    "cockpit.view": frozenset({*HEADS, Role.SUPERVISOR}),
    "cockpit.export": frozenset({Role.SUPERVISOR}),
    # Discretion benchmarks (SUP-07; 国办发〔2022〕27号): every staff role reads the agency's table; the agency's
    # heads and its legal unit's head draw it up.
    "discretion.view": frozenset(STAFF_ROLES | {Role.SUPERVISOR}),
    "discretion.manage": frozenset({*HEADS, Role.REVIEW_HEAD}),
    # Reading ledger entries (they may hold personal data) and integrity findings.
    "ledger.view": frozenset({Role.SUPERVISOR, *HEADS}),
    # Signing a checkpoint on demand and recording how an integrity finding was handled: administrators only.
    "ledger.manage": frozenset(),
    # The national holiday calendar is loaded by system administrators (superusers) only.
    "core.manage_calendar": frozenset(),
    # Issue 14 §7: the API's description (/api/docs, /api/openapi.json) is for staff, not the public or parties.
    "core.view_api_docs": frozenset(STAFF_ROLES | {Role.SUPERVISOR}),
    # Resetting another user's second factor (a lost phone) and revoking anyone's API token: administrators.
    "core.manage_accounts": frozenset(),
}


# What each permission is called where a person reads it (the security log's denials): never the code.
PERMISSION_LABELS: dict[str, str] = {
    "org.view": "查看执法主体和人员", "org.view_people": "查看执法人员个人信息", "org.manage": "维护本机关信息",
    "org.confirm_agency": "确认执法主体资格", "org.manage_certificates": "核发、注销执法证件",
    "org.import": "批量导入", "org.lend_advisers": "调用法律顾问、公职律师",
    "rules.view": "查看区域规则", "rules.manage": "设定区域规则",
    "core.view_security_events": "查看安全日志",
    "cases.view": "查看执法案件", "cases.handle": "办理执法案件", "cases.approve": "审批办案阶段",
    "cases.issue_document": "签发执法文书", "cases.view_identity": "查看当事人完整身份证号码",
    "records.upload": "上传音像记录", "records.manage_devices": "登记执法记录设备和场所",
    "records.decide_access": "审批查阅、复制记录", "records.view_findings": "查看记录问题与统计",
    "records.request_disposal": "申请销毁执法案卷", "records.approve_disposal": "批准销毁执法案卷",
    "review.view": "查看法制审核", "review.manage_catalogue": "编制重大执法决定目录清单",
    "review.acknowledge_catalogue": "目录清单备案", "review.submit": "提交法制审核",
    "review.respond": "采纳审核意见或提出异议", "review.assign": "指派审核人员", "review.review": "法制审核",
    "review.extension.legal_head": "批准延长审核期限（主管法制工作的负责人）",
    "review.extension.agency_head": "批准延长审核期限（执法机关负责人）", "review.consult": "记录协商结果",
    "review.withdraw_opinion": "撤回审核意见", "review.decide": "负责人决定", "review.cosign": "联合决定会签",
    "review.view_overdue": "查看超期审核",
    "publicity.view": "查看公示信息", "publicity.edit": "采集、编辑公示信息", "publicity.approve": "审核发布公示信息",
    "publicity.withdraw": "撤下公示信息", "publicity.view_overdue": "查看逾期未公示决定",
    "publicity.handle_requests": "办理更正、投诉和依申请公开", "publicity.report": "编制统计年报",
    "publicity.report_submit": "报送统计年报", "worklist.view_overdue": "查看本机关（本辖区）超期待办",
    "worklist.open_notification": "打开他人的待办通知",
    "ledger.view": "查看防篡改日志和完整性问题", "ledger.manage": "签名检查点、登记完整性问题处理情况",
    "supervision.view": "查看监督预警", "supervision.alert_close": "关闭监督预警",
    "instruments.view": "查看监督文书", "instruments.issue": "制发、审查监督文书",
    "instruments.respond": "报送整改情况、申请复查", "cockpit.view": "查看监督驾驶舱",
    "inspections.view": "查看双随机抽查", "inspections.manage": "编制抽查清单、名录、计划并抽取",
    "inspections.approve": "报审抽查清单、报备抽查计划、决定重新抽取", "inspections.review_items": "审核随机抽查事项清单",
    "inspections.inspect": "记录抽查检查情况", "inspections.publish": "公示抽查结果",
    "cockpit.export": "导出监督数据", "discretion.view": "查看裁量基准", "discretion.manage": "制定、导入裁量基准",
    "core.manage_calendar": "录入节假日", "core.view_api_docs": "查看接口文档",
    "core.manage_accounts": "管理账户（重置双因素认证、注销令牌）",
}

# Issue 14 (review #1): the system administrator (superuser) is trusted with accounts, not with case content
# (docs/security.md, Actors). These permissions read or act on an agency's cases — handling, sealing, review and
# publicity moves, full ID numbers, the unmasked original — and come only from a role grant for that agency: the
# superuser shortcut in org.permissions does not cover them. Without a grant, an administrator reading a case is
# an outsider to it (cases.selectors.consultation_check: a reason first, every read logged).
CASE_PERMISSIONS: frozenset[str] = frozenset({
    "cases.handle", "cases.approve", "cases.issue_document", "cases.view_identity",
    "records.upload", "records.decide_access", "records.request_disposal", "records.approve_disposal",
    "review.submit", "review.respond", "review.assign", "review.review", "review.extension.legal_head",
    "review.extension.agency_head", "review.consult", "review.withdraw_opinion", "review.decide", "review.cosign",
    "publicity.edit", "publicity.approve", "publicity.withdraw", "publicity.handle_requests",
    # Answering a supervision instrument for an agency (its correction report, a request for re-examination).
    "instruments.respond",
})


def superuser_holds(user, permission: str) -> bool:
    """Whether the superuser shortcut gives `user` this permission everywhere: an active superuser, and a
    permission outside CASE_PERMISSIONS."""
    return bool(getattr(user, "is_superuser", False) and user.is_active) and permission not in CASE_PERMISSIONS


def roles_with(permission: str) -> frozenset[Role]:
    try:
        return PERMISSIONS[permission]
    except KeyError:
        raise KeyError(f"unknown permission {permission!r}; add it to core.permissions.PERMISSIONS") from None


# Apps below org (core, ledger) ask through this hook; org registers its scoped check at start-up
# (org.apps.OrgConfig.ready), so the dependency still points upwards only.
_checker = None


def register_checker(checker) -> None:
    global _checker
    _checker = checker


def can(user, permission: str, **scope) -> bool:
    roles_with(permission)  # unknown permissions are programming errors
    if _checker is None:
        return superuser_holds(user, permission)
    return _checker(user, permission, **scope)


# Issue 14 §6: who must log in with a second factor (TOTP). The roles that decide, sign or oversee — supervisors,
# reviewers, the agency's heads and its registry administrators — and the system administrators (is_staff,
# is_superuser, who reach /admin/). Every other user may enrol too.
SECOND_FACTOR_ROLES: frozenset[Role] = frozenset({
    Role.SUPERVISOR, Role.REVIEWER, Role.REVIEW_HEAD, *HEADS, Role.ORG_ADMIN,
})

# The user's current roles, read through org's grants (org registers the reader at start-up, as for `can`).
_roles_reader = None


def register_roles_reader(reader) -> None:
    global _roles_reader
    _roles_reader = reader


def second_factor_required(user) -> bool:
    """The one predicate for "must this user have a second factor": administrators, or any current grant of a
    role in SECOND_FACTOR_ROLES."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser:
        return True
    roles = _roles_reader(user) if _roles_reader is not None else set()
    return bool(set(roles) & SECOND_FACTOR_ROLES)
