"""Public items (PUB-01..PUB-14): decisions and the lists of basic information, the masks applied before
publication, requests from the public, and the annual statistics report.

`Publication` carries an item's current state the way `cases.Case` carries its stage; its history is the
append-only `Step` rows, each with its ledger entry. The unmasked original (`original_text`) is written at
collection and never changed; what the portal shows (`public_text`) is fixed at approval. A change is a
new version that supersedes the old one, which stays findable as history (habit 6).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhifa.core.models import AppendOnlyModel
from zhifa.org.models import ActionType

from .workflow import (
    AttachmentState,
    ExemptionGround,
    Kind,
    MaskRemovalState,
    Mode,
    ReportState,
    RequestKind,
    RequestState,
    State,
    Trigger,
    UpdateReason,
)


class Publication(models.Model):
    kind = models.CharField("类别", max_length=30, choices=Kind.choices)
    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="publications")
    # Denormalised from the agency, so a portal's subtree is one indexed prefix scan over a million rows.
    jurisdiction_path = models.CharField(max_length=255, db_index=True, editable=False)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="publications")
    decision_document = models.ForeignKey("cases.Document", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")
    version = models.PositiveIntegerField(default=1)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by")
    update_reason = models.CharField("更新原因", max_length=30, choices=UpdateReason.choices, blank=True)
    title = models.CharField("标题", max_length=300)
    state = models.CharField("状态", max_length=30, choices=State.choices, default=State.COLLECTED)
    mode = models.CharField("公开方式", max_length=20, choices=Mode.choices, blank=True)
    action_type = models.CharField("执法类别", max_length=20, choices=ActionType.choices, blank=True)
    target_name = models.CharField("执法对象", max_length=300, blank=True)
    # The unified social credit code of an organisation targeted by the decision; blank for natural persons,
    # so the portal has a page per organisation and never one per person.
    target_code = models.CharField("执法对象统一社会信用代码", max_length=18, blank=True, db_index=True)
    fields = models.JSONField("摘要要素", default=dict, blank=True)
    rows = models.JSONField("清单条目", default=list, blank=True)
    original_text = models.TextField("原文（未隐去）", blank=True)
    public_text = models.TextField("公开文本", blank=True)
    minor_party = models.BooleanField("当事人为未成年人", default=False)
    decided_on = models.DateField("决定日期", null=True, blank=True)
    due_on = models.DateField("公开期限", null=True, blank=True)
    due_provisional = models.BooleanField(default=False)
    exemption_ground = models.CharField("不予公开情形", max_length=30, choices=ExemptionGround.choices, blank=True)
    collected_at = models.DateTimeField("采集时间", auto_now_add=True)
    collected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    published_entry = models.OneToOneField("ledger.Entry", null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="+")
    withdrawn_at = models.DateTimeField("撤下时间", null=True, blank=True)
    withdrawal_trigger = models.CharField("撤下原因", max_length=30, choices=Trigger.choices, blank=True)
    withdrawal_basis = models.CharField("撤下依据", max_length=300, blank=True)
    # Chinese text cut into words (jieba), for the full-text index of each database (search.py).
    search_tokens = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "公示信息"
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(kind="decision", supersedes__isnull=True),
                                    name="one_first_publication_per_case"),
            models.CheckConstraint(condition=~Q(state="published") | Q(published_entry__isnull=False),
                                   name="published_has_log_entry"),
        ]
        indexes = [
            models.Index(fields=["state", "kind", "-published_at", "-id"], name="pub_portal_order"),
            # The portal's newest-first pages without a kind filter (home, search, feeds).
            models.Index(fields=["-published_at", "-id"], condition=Q(state="published"), name="pub_published_recent"),
            # A county's items newest first: the search walks it (search.PROBE_ROWS) and the county's pages read it.
            models.Index(fields=["jurisdiction_path", "-published_at", "-id"], condition=Q(state="published"),
                         name="pub_area_recent"),
            models.Index(fields=["agency", "state", "due_on"], name="pub_agency_due"),
            models.Index(fields=["state", "due_on"], name="pub_due"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.title}"

    @property
    def subject(self) -> str:
        return f"publicity.publication:{self.pk}"


class Step(AppendOnlyModel):
    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="steps")
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=30, choices=State.choices)
    to_state = models.CharField(max_length=30, choices=State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "公示流转记录"
        ordering = ["at", "id"]


class Mask(AppendOnlyModel):
    """One span of the original hidden in the public text: proposed by the detector or added by a person,
    with who and why (as body-camera systems keep for redacted copies). Removing it is a MaskRemoval."""

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="masks")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    kind = models.CharField("类别", max_length=30)
    origin = models.CharField(max_length=10, choices=[("auto", "自动识别"), ("manual", "人工添加")])
    reason = models.CharField("理由", max_length=300)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    entry = models.ForeignKey("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "隐去处理"
        ordering = ["start", "id"]
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="mask_not_empty")]


class MaskRemovalRequest(models.Model):
    """A request to lift a mask whose kind needs a second person (workflow.MASK_LIFT, issue 15 §3): the
    requester's reason and legal basis, then another holder of publicity.approve decides. The mask stays until
    the approval, which writes the MaskRemoval. Each step has its ledger entry."""

    mask = models.ForeignKey(Mask, on_delete=models.PROTECT, related_name="removal_requests")
    state = models.CharField("状态", max_length=20, choices=MaskRemovalState.choices, default=MaskRemovalState.PENDING)
    reason = models.CharField("理由", max_length=300)
    legal_basis = models.CharField("法律依据", max_length=300)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    request_entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=300, blank=True)
    decision_entry = models.OneToOneField("ledger.Entry", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "取消隐去申请"
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["mask"], condition=Q(state="pending"), name="one_pending_mask_removal"),
            # The four-eyes rule in the data too: whoever decides is not whoever asked.
            models.CheckConstraint(condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                                   name="mask_removal_decided_by_other"),
        ]

    def __str__(self):
        return f"取消隐去申请 {self.pk}（{self.get_state_display()}）"


class MaskRemoval(AppendOnlyModel):
    mask = models.OneToOneField(Mask, on_delete=models.PROTECT, related_name="removal")
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("理由", max_length=300)
    removed_at = models.DateTimeField(auto_now_add=True)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")
    # The approved request, for a kind that needs one (its legal basis and requester); null for a FREE kind.
    approval = models.OneToOneField(MaskRemovalRequest, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="removal")


class Request(models.Model):
    """A correction request, a complaint or a disclosure request from the public (PUB-10, PUB-14).

    The requester follows it with the reference and a query code given once at submission; only the
    code's hash is stored. The contact details are personal data and never shown on the portal.
    """

    reference = models.CharField("受理编号", max_length=20, unique=True)
    query_code_sha256 = models.CharField(max_length=64)
    kind = models.CharField("类别", max_length=20, choices=RequestKind.choices)
    # The organ that handles it. For a complaint that is the complained-about agency's superior (AZ-P §19),
    # and `about_agency` is the agency complained about.
    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="publicity_requests")
    about_agency = models.ForeignKey("org.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="被投诉机关")
    publication = models.ForeignKey(Publication, null=True, blank=True, on_delete=models.PROTECT, related_name="requests")
    requester_name = models.CharField("申请人", max_length=200)
    requester_contact = models.CharField("联系方式", max_length=200)
    content = models.TextField("内容")
    state = models.CharField("状态", max_length=20, choices=RequestState.choices, default=RequestState.RECEIVED)
    received_at = models.DateTimeField("受理时间", auto_now_add=True)
    due_on = models.DateField("答复期限", null=True)
    due_provisional = models.BooleanField(default=False)
    forwarded_to = models.ForeignKey("org.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answer = models.TextField("答复", blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "更正、投诉与依申请公开"
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["agency", "state", "due_on"])]

    def __str__(self):
        return self.reference


class RequestEvidence(AppendOnlyModel):
    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="evidence")
    blob = models.ForeignKey("ledger.Blob", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)


class RequestStep(AppendOnlyModel):
    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="steps")
    action = models.CharField(max_length=30)
    to_state = models.CharField(max_length=20, choices=RequestState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]


def quarantine_name(instance, filename: str) -> str:
    """Where a public attachment waits: a random name under the quarantine prefix, never the sender's file name
    (which could carry a path or a misleading extension) and never under the evidence prefix."""
    return f"{settings.ZHIFA_QUARANTINE_PREFIX}/publicity/{uuid.uuid4().hex}"


class RequestAttachment(models.Model):
    """A file sent with a request from the public, held in quarantine (issue 14 §2).

    Anyone may submit a request, so what they attach is untrusted: it is stored outside the evidence store,
    is not in the log, and is served only to the staff handling the request, as a download. It enters the
    evidence store (and so the log, and on S3 its 30-year lock) only by a staff decision on this file (accept);
    a rejected file's bytes are deleted at once. Files nobody decided on are deleted by the purge: those of a
    request still untouched after ZHIFA_QUARANTINE_UNHANDLED_DAYS, and those of a request closed more than
    ZHIFA_QUARANTINE_RETENTION_DAYS ago. The row stays as the trace of what was sent. `content_type` is what the
    server read from the bytes, not what the sender declared.
    """

    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="attachments")
    state = models.CharField("状态", max_length=20, choices=AttachmentState.choices,
                             default=AttachmentState.QUARANTINED)
    file = models.FileField(upload_to=quarantine_name, max_length=255, blank=True)
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("文件类型（按内容识别）", max_length=100)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField(auto_now_add=True)
    evidence = models.OneToOneField(RequestEvidence, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="attachment")
    accepted_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # The staff decision on this file (accept or reject), or the purge's reason for deleting it undecided.
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="审查人")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField("理由", max_length=500, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "申请附件（隔离区）"
        ordering = ["id"]
        indexes = [models.Index(fields=["state", "request"], name="request_attachment_state")]
        constraints = [
            models.CheckConstraint(condition=~Q(state="accepted") | Q(evidence__isnull=False),
                                   name="accepted_attachment_has_evidence"),
            models.CheckConstraint(condition=~Q(state="rejected") | (Q(decided_by__isnull=False) & ~Q(reason="")),
                                   name="rejected_attachment_has_reason"),
        ]

    def __str__(self):
        return self.name


class PublicSubmission(models.Model):
    """One accepted anonymous submission, counted by the portal's rate limits (issue 14 §2). Only a keyed
    hash of the client's address is kept (HMAC with SECRET_KEY), and the cleanup drops rows once they are
    older than the rate window, so no address and no lasting link between requests is stored."""

    class Kind(models.TextChoices):
        SUBMISSION = "submission", "提交申请"
        LOOKUP_FAILED = "lookup_failed", "查询码错误"

    client_key = models.CharField(max_length=64)
    # A failed status lookup (wrong reference or query code) is counted too, so the 8-character query code
    # cannot be guessed by trying every value from one address.
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SUBMISSION)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["client_key", "at"], name="public_submission_client"),
                   models.Index(fields=["at"], name="public_submission_at")]

    def __str__(self):
        return f"{self.client_key[:12]}… {self.at:%Y-%m-%d %H:%M}"


class AnnualReport(models.Model):
    """行政执法统计年报 (PUB-11): an agency's figures for a year, computed from the data and editable while a
    draft; a justice bureau's report aggregates its area. Each change is in the ledger with the figures."""

    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="annual_reports")
    year = models.PositiveSmallIntegerField("年度")
    state = models.CharField("状态", max_length=20, choices=ReportState.choices, default=ReportState.DRAFT)
    computed = models.JSONField("系统统计数", default=dict)
    figures = models.JSONField("报送数", default=dict)
    adjustments = models.JSONField("修改说明", default=dict, blank=True)
    narrative = models.TextField("总体情况", blank=True)
    sources = models.JSONField("汇总来源", default=list, blank=True)
    due_on = models.DateField("报送截止日", null=True)
    computed_at = models.DateTimeField(null=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "行政执法统计年报"
        ordering = ["-year", "agency"]
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="one_report_per_agency_year")]

    def __str__(self):
        return f"{self.agency} {self.year} 年度行政执法统计年报"
