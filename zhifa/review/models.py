"""Legal review of major decisions (REV-01..REV-13): the catalogue, the determination, the review with
its submissions, reviewers, clock, opinions and the handling unit's response.

Every row but `Review` is append-only (STYLE habit 6). `Review` carries the current state and the
clock as computed by the services, the way `cases.Case` carries its stage; its history is the
append-only `Step` rows, each with its ledger entry.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhifa.core.models import AppendOnlyModel
from zhifa.org.models import ActionType, Level
from zhifa.rules.catalogue import REVIEW_ITEMS

from .workflow import MEASURES, Criterion, OpinionKind, State, findings_for


class Catalogue(AppendOnlyModel):
    """目录清单 (REV-02): an agency's catalogue of major decisions, issued as a whole version and filed with
    the justice bureau (IM-M §26; AZ-V §9). A new version supersedes the last."""

    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="review_catalogues")
    version = models.PositiveIntegerField(default=1)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by")
    effective_from = models.DateField("施行日期")
    review_all_ordinary = models.BooleanField(
        "普通程序决定一律审核", default=False, help_text="对法定简易程序以外的所有行政执法决定进行法制审核（本地规定有此要求的选用）")
    note = models.TextField("说明", blank=True)
    filed_with = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="+", verbose_name="备案机关")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "法制审核目录清单"
        ordering = ["agency", "-version"]
        constraints = [models.UniqueConstraint(fields=["agency", "version"], name="catalogue_version_unique")]

    def __str__(self):
        return f"{self.agency} 目录清单 第{self.version}版"


class CatalogueItem(AppendOnlyModel):
    """One line of a catalogue: an action type, optionally a level, and the standard that makes it major."""

    catalogue = models.ForeignKey(Catalogue, on_delete=models.PROTECT, related_name="items")
    action_type = models.CharField("执法行为类别", max_length=20, choices=ActionType.choices)
    matter = models.CharField("事项", max_length=200)
    level = models.CharField("执法层级", max_length=10, choices=Level.choices, blank=True, help_text="空：各层级")
    criterion = models.CharField("标准", max_length=20, choices=Criterion.choices)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    measure = models.CharField("措施", max_length=30, blank=True)
    collective_discussion = models.BooleanField("应当集体讨论", default=False,
                                                help_text="法律规定应当集体讨论决定的（如行政处罚法第五十七条）")
    basis = models.CharField("依据", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "目录清单事项"
        ordering = ["catalogue", "id"]

    def get_measure_display(self) -> str:
        """The measure as people call it (MEASURES); the stored code is vocabulary."""
        return MEASURES.get(self.measure, self.measure)


class CatalogueFiling(AppendOnlyModel):
    """The justice bureau's acknowledgement of a filed catalogue (备案登记)."""

    catalogue = models.OneToOneField(Catalogue, on_delete=models.PROTECT, related_name="filing")
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(auto_now_add=True)
    remarks = models.CharField("备案意见", max_length=500, blank=True)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "目录清单备案"


class Determination(AppendOnlyModel):
    """重大执法决定认定: whether a case's decision is major, and why. A later version supersedes."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="review_determinations")
    version = models.PositiveIntegerField(default=1)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by")
    fine_amount = models.DecimalField("罚没款金额（元）", max_digits=14, decimal_places=2, default=0)
    property_value = models.DecimalField("涉案财物价值（元）", max_digits=14, decimal_places=2, default=0)
    measures = models.JSONField("拟采取的措施", default=list)
    criteria = models.JSONField("符合的一般情形", default=list)
    hearing_held = models.BooleanField("经过听证", default=False)
    catalogue = models.ForeignKey(Catalogue, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    matched_items = models.JSONField("符合的目录清单事项", default=list)
    review_all_ordinary = models.BooleanField(default=False)
    is_major = models.BooleanField("重大执法决定")
    collective_discussion = models.BooleanField("应当集体讨论", default=False)
    reasons = models.JSONField("认定理由", default=list)
    joint_agencies = models.JSONField("共同作出决定的其他机关", default=list)
    # What the officer declared (fine_amount, property_value, measures, criteria, collective_discussion). The
    # fields above are the assessment: the declaration merged with the draft decision, which it cannot lower.
    declared = models.JSONField("认定人申报的情况", default=dict)
    # The document that caused an automatic re-determination (a draft decision recorded or corrected).
    draft = models.ForeignKey("cases.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "重大执法决定认定"
        ordering = ["case", "-version"]
        constraints = [models.UniqueConstraint(fields=["case", "version"], name="determination_version_unique")]


class Review(models.Model):
    """The legal review of one case's decision. State and clock are kept current by the services."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="review")
    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="reviews")
    review_unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="reviews")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.SUBMITTED)
    round = models.PositiveIntegerField("送审轮次", default=1)
    rules = models.JSONField("适用规则", help_text="送审时有效的审核期限、不计入期间、审核内容、送审材料和书面意见规则及其版本")
    clock_started_on = models.DateField("起算日", null=True, blank=True)
    due_on = models.DateField("审核期限届满日", null=True, blank=True)
    due_provisional = models.BooleanField(default=False)
    paused_since = models.DateField("中止计时自", null=True, blank=True)
    extended = models.BooleanField("已延长", default=False)
    passed_at = models.DateTimeField("审核通过时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "法制审核"
        # The reviewer's queue and the overdue list: by agency and state, ordered by due date.
        # Issue 19 §2: the queue's keyset pages (state, due_on, id) start at the cursor in this index, never sort.
        indexes = [models.Index(fields=["agency", "state", "due_on"]),
                   models.Index(fields=["state", "due_on", "id"], name="review_queue_keyset")]

    def __str__(self):
        return f"{self.case} 法制审核"


class JointAgency(AppendOnlyModel):
    """Another agency deciding jointly (AZ-V §8): it takes part in the review and co-signs."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="joint_agencies")
    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="joint_reviews")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "agency"], name="joint_agency_once")]


class Submission(AppendOnlyModel):
    """送审 (REV-04): one round's materials, as the case's document versions at the moment of submission."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="submissions")
    round = models.PositiveIntegerField()
    materials = models.JSONField("送审材料", help_text="{材料代码: [{document, form, version}]}")
    note = models.TextField("说明", blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    received_on = models.DateField("收到送审材料日期")
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["review", "round"]
        constraints = [models.UniqueConstraint(fields=["review", "round"], name="submission_round_unique")]

    def document_ids(self) -> set[int]:
        return {m["document"] for items in self.materials.values() for m in items if "document" in m}


class Assignment(AppendOnlyModel):
    """A reviewer on a review (REV-03, ORG-04): of the agency's review unit, or a lent adviser."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="assignments")
    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="review_assignments")
    adviser = models.ForeignKey("org.Adviser", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    first_time = models.BooleanField("初次从事法制审核", default=False)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["review", "assigned_at", "id"]


class Recusal(AppendOnlyModel):
    """回避 (REV-11): a reviewer with a direct interest steps aside; the reason is kept."""

    assignment = models.OneToOneField(Assignment, on_delete=models.PROTECT, related_name="recusal")
    reason = models.CharField("回避理由", max_length=500)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")


class Opinion(AppendOnlyModel):
    """法制审核意见 (REV-05, REV-07): the checklist, the kind with its grounds, signed by the reviewer."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="opinions")
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="opinions")
    kind = models.CharField("审核意见", max_length=20, choices=OpinionKind.choices)
    grounds = models.JSONField("理由", default=list)
    checklist = models.JSONField("审核内容", help_text="[{item, finding, note}]")
    text = models.TextField("意见")
    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="opinions")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(auto_now_add=True)
    late = models.BooleanField("超过审核期限", default=False)
    case_document = models.ForeignKey("cases.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                      verbose_name="执法案卷存档")
    archive_blob = models.ForeignKey("ledger.Blob", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="审核机构存档")
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["review", "signed_at", "id"]

    def checklist_display(self) -> list[dict]:
        """The checklist rows with the item and finding as people call them; the stored codes are vocabulary."""
        return [row | {"item": REVIEW_ITEMS.get(row.get("item"), row.get("item")),
                       "finding": findings_for(row.get("item")).get(row.get("finding"), row.get("finding"))} for row in self.checklist]


class CoSignature(AppendOnlyModel):
    """A joint agency's part in the review of a joint decision (AZ-V §8)."""

    opinion = models.ForeignKey(Opinion, on_delete=models.PROTECT, related_name="cosignatures")
    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="+")
    concur = models.BooleanField("同意")
    note = models.CharField("意见", max_length=500, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(auto_now_add=True)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["opinion", "agency"], name="cosign_once")]


class Step(AppendOnlyModel):
    """One step of the review, by the person who took it (REV-12): the review's timeline."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="steps")
    round = models.PositiveIntegerField()
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, choices=State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    on = models.DateField("日期")
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["review", "at", "id"]
        indexes = [models.Index(fields=["review", "round", "action"])]
        constraints = [models.CheckConstraint(condition=~Q(action=""), name="step_action_named")]
