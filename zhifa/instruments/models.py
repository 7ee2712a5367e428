"""Supervision instruments (监督文书; issue 20 §4; SUP-08): what the justice bureau issues to an agency it supervises
and what the agency answers.

An `Instrument` is one 监督意见书, 监督决定书, 约谈 or 通报批评 from one bureau to one agency. Its state moves only
through workflow.MOVES (core.workflow); every move leaves a `Step` (append-only, with its ledger entry), and the
files sent with a correction report are `StepFile`s in the evidence store. Every sealed document — the instrument
itself, and a re-examination decision — is a `SealedDocument`: the PDF with the bureau's PAdES signature, stored
once, with its 文号.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhifa.core.models import AppendOnlyModel


class Kind(models.TextChoices):
    OPINION = "opinion", "行政执法监督意见书"
    DECISION = "decision", "行政执法监督决定书"
    SUMMONS = "summons", "约谈"
    NOTICE = "notice", "通报批评"


# The word of the 文号 for each sealed document: 〔2026〕甲市司监意字第3号.
NUMBER_WORD = {Kind.OPINION: "监意", Kind.DECISION: "监决", Kind.SUMMONS: "监谈", Kind.NOTICE: "监通", "review": "监复"}

# What a summons or a notice is printed as (its document's title).
DOCUMENT_TITLE = {Kind.OPINION: "行政执法监督意见书", Kind.DECISION: "行政执法监督决定书",
                  Kind.SUMMONS: "行政执法监督约谈记录", Kind.NOTICE: "行政执法监督通报批评决定"}


class Order(models.TextChoices):
    """What a supervision decision orders (issue 20 §4)."""

    PERFORM = "perform", "责令履行"
    CORRECT = "correct", "责令改正"
    REVOKE = "revoke", "撤销"
    CONFIRM_UNLAWFUL = "confirm_unlawful", "确认违法"


class State(models.TextChoices):
    ISSUED = "issued", "待整改"
    REPORTED = "reported", "已报告整改"
    RETURNED = "returned", "整改被退回"
    REVIEW_REQUESTED = "review_requested", "申请复查中"
    UPHELD = "upheld", "复查维持"
    CHANGED = "changed", "复查变更"
    REVOKED = "revoked", "复查撤销"
    CLOSED = "closed", "已办结"


class ReviewOutcome(models.TextChoices):
    UPHELD = "upheld", "维持"
    CHANGED = "changed", "变更"
    REVOKED = "revoked", "撤销"


class Instrument(models.Model):
    """One instrument from a justice bureau to an agency in its subtree."""

    kind = models.CharField("文书种类", max_length=20, choices=Kind.choices)
    bureau = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="instruments_issued",
                               verbose_name="监督机关（司法行政部门）")
    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="instruments",
                               verbose_name="被监督的行政执法机关")
    number = models.CharField("文号", max_length=60)
    title = models.CharField("事由", max_length=200)
    findings = models.TextField("发现的问题")
    basis = models.CharField("依据", max_length=500)
    requirement = models.TextField("整改要求或决定事项")
    order = models.CharField("决定事项", max_length=20, choices=Order.choices, blank=True)
    # 约谈: when, where and who talked, and what was said (a record of the talk).
    talk = models.JSONField("约谈记录", default=dict, blank=True)
    # Where it came from: the problem model whose alert raised it (issue 20 §4) and the cases concerned.
    model_code = models.CharField("问题模型", max_length=10, blank=True)
    alert = models.ForeignKey("supervision.Alert", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="instruments", verbose_name="预警")
    cases = models.ManyToManyField("cases.Case", related_name="instruments", blank=True, verbose_name="涉及案件")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.ISSUED)
    issued_on = models.DateField("作出日期")
    # The agency's clock: from the day it was issued, or from a re-examination decision that upheld or changed it.
    clock_from = models.DateField("期限起算日")
    due_on = models.DateField("整改报告期限")
    review_due_on = models.DateField("申请复查期限", null=True, blank=True)
    review_decision_due_on = models.DateField("复查决定期限", null=True, blank=True)
    provisional = models.BooleanField("期限跨越未公布放假安排的年份", default=False)
    rule_source = models.TextField("期限依据", blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "行政执法监督文书"
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["bureau", "number"], name="instrument_number_unique_in_bureau"),
            models.CheckConstraint(condition=Q(kind="decision") | Q(order=""), name="instrument_order_only_decision"),
            models.CheckConstraint(condition=~Q(kind="decision") | ~Q(order=""), name="instrument_decision_orders"),
        ]
        indexes = [models.Index(fields=["bureau", "-issued_at", "-id"]),
                   models.Index(fields=["agency", "-issued_at", "-id"]),
                   models.Index(fields=["state", "due_on"])]

    def __str__(self):
        return f"{self.number} {self.title}"


class Step(AppendOnlyModel):
    """One move of an instrument, by whom, with what (the timeline)."""

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="steps")
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, choices=State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["instrument", "at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(action=""), name="instrument_step_action_named")]


class StepFile(AppendOnlyModel):
    """A file sent with a step (the evidence of a correction report), kept in the evidence store."""

    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="files")
    blob = models.ForeignKey("ledger.Blob", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("文件名", max_length=200)

    class Meta:
        ordering = ["step", "id"]


class SealedDocument(AppendOnlyModel):
    """A sealed PDF: the instrument as issued, or a re-examination decision on it (`kind` "review")."""

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=20)
    number = models.CharField("文号", max_length=60)
    issued_on = models.DateField("成文日期")
    blob = models.ForeignKey("ledger.Blob", on_delete=models.PROTECT, related_name="+")
    signer_sha256 = models.CharField(max_length=64)
    pages = models.PositiveIntegerField(null=True)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["instrument", "id"]
