"""Annual assessment (评议考核; issue 21 §6; SUP-02; 《行政处罚法》第七十五条).

An `Assessment` is one year's assessment a justice bureau runs over the agencies of its subtree. Its state moves only
through workflow.MOVES (core.workflow); every move leaves an `AssessmentStep` (append-only, with its ledger entry).
A computation (the move `compute`) writes, for each agency, one `Figure` per indicator of the table in force (the
rule `assessment.indicators` of the bureau's jurisdiction on 31 December of the year), each with the ids of the
records behind it, and one `AgencyScore` (the indicators' points). The bureau's qualitative score per agency is a
`QualitativeScore` with its reason, append-only (a change supersedes). Finalising seals the result report
(`AssessmentDocument`). An `Outcome` is what the bureau records of a reconsideration, a litigation or a complaint
about an agency (the system has no other source for them), with its source reference and reason, append-only.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhifa.core.models import AppendOnlyModel

MIN_YEAR, MAX_YEAR = 2000, 2100


class State(models.TextChoices):
    OPEN = "open", "已组织"
    COMPUTED = "computed", "已计算"
    FINALISED = "finalised", "已确定结果"
    CANCELLED = "cancelled", "已撤销"


class Assessment(models.Model):
    bureau = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="assessments_run",
                               verbose_name="组织考核的司法行政部门")
    year = models.PositiveSmallIntegerField("考核年度")
    title = models.CharField("考核名称", max_length=200)
    agencies = models.ManyToManyField("org.Agency", related_name="assessments", verbose_name="被考核的执法机关")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.OPEN)
    # The indicator table used by the latest computation (the rule's value and its version).
    indicators = models.JSONField("指标体系", default=dict)
    rule_version = models.ForeignKey("rules.RuleVersion", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    computation = models.ForeignKey("AssessmentStep", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", help_text="the latest compute step: its figures count")
    finalised_on = models.DateField("结果确定日期", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "评议考核"
        ordering = ["-year", "-id"]
        constraints = [models.CheckConstraint(condition=Q(year__gte=MIN_YEAR, year__lte=MAX_YEAR),
                                              name="assessment_year_bounded")]

    def __str__(self):
        return self.title


class AssessmentStep(AppendOnlyModel):
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="steps")
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, choices=State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["assessment", "at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(action=""), name="assessment_step_action_named")]


class AgencyScore(AppendOnlyModel):
    """One agency's points from the indicators, for one computation."""

    step = models.ForeignKey(AssessmentStep, on_delete=models.PROTECT, related_name="scores")
    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField("指标得分", max_digits=8, decimal_places=2)

    class Meta:
        ordering = ["step", "-points", "agency"]
        constraints = [models.UniqueConstraint(fields=["step", "agency"], name="assessment_score_once")]


class Figure(AppendOnlyModel):
    """One indicator's figure for one agency in one computation, with the records behind it: `records` are the ids
    of the rows counted (model label `source`), `hits` those of them that met the indicator (a rate's numerator, a
    count's items)."""

    step = models.ForeignKey(AssessmentStep, on_delete=models.PROTECT, related_name="figures")
    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="+")
    indicator = models.CharField("指标代码", max_length=40)
    value = models.FloatField("指标值", null=True, help_text="空：无数据")
    numerator = models.FloatField(default=0)
    denominator = models.FloatField(default=0)
    points = models.DecimalField("得分", max_digits=8, decimal_places=2)
    source = models.CharField(max_length=60, help_text="model label of the records")
    records = models.JSONField(default=list)
    hits = models.JSONField(default=list)
    pending = models.JSONField(default=list, help_text="rows not yet due on the computation day: left out")

    class Meta:
        ordering = ["step", "agency", "id"]
        constraints = [models.UniqueConstraint(fields=["step", "agency", "indicator"], name="assessment_figure_once")]


class QualitativeScore(AppendOnlyModel):
    """The bureau's qualitative score (评议加减分) for one agency, with its reason; the latest (not superseded) counts."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="qualitative")
    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField("评议加减分", max_digits=6, decimal_places=2)
    reason = models.TextField("理由")
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")
    step = models.ForeignKey(AssessmentStep, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["assessment", "agency", "id"]


class AssessmentDocument(AppendOnlyModel):
    """The sealed result report (考核结果报告)."""

    assessment = models.OneToOneField(Assessment, on_delete=models.PROTECT, related_name="document")
    bureau = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="+")
    number = models.CharField("文号", max_length=60)
    issued_on = models.DateField("成文日期")
    blob = models.ForeignKey("ledger.Blob", on_delete=models.PROTECT, related_name="+")
    signer_sha256 = models.CharField(max_length=64)
    pages = models.PositiveIntegerField(null=True)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bureau", "number"], name="assessment_document_number_once")]


class OutcomeKind(models.TextChoices):
    RECONSIDERATION = "reconsideration", "行政复议"
    LITIGATION = "litigation", "行政诉讼"
    COMPLAINT = "complaint", "投诉举报"


class OutcomeResult(models.TextChoices):
    UPHELD = "upheld", "维持、驳回或不予支持"
    REVOKED = "revoked", "撤销"
    CHANGED = "changed", "变更"
    CONFIRMED_ILLEGAL = "confirmed_illegal", "确认违法或无效"
    ORDERED_PERFORMANCE = "ordered_performance", "责令履行"
    COMPLAINT_FOUNDED = "complaint_founded", "投诉举报查证属实"
    COMPLAINT_UNFOUNDED = "complaint_unfounded", "投诉举报查证不实"


# Which results count against the agency (复议、诉讼被纠错) and which complaints were upheld.
ADVERSE = (OutcomeResult.REVOKED, OutcomeResult.CHANGED, OutcomeResult.CONFIRMED_ILLEGAL,
           OutcomeResult.ORDERED_PERFORMANCE)
RESULTS_OF = {
    OutcomeKind.RECONSIDERATION: (OutcomeResult.UPHELD, *ADVERSE),
    OutcomeKind.LITIGATION: (OutcomeResult.UPHELD, *ADVERSE),
    OutcomeKind.COMPLAINT: (OutcomeResult.COMPLAINT_FOUNDED, OutcomeResult.COMPLAINT_UNFOUNDED),
}


class Outcome(AppendOnlyModel):
    """A reconsideration or litigation outcome, or a complaint's finding, about an agency, as the bureau records it
    (with the decision's or judgment's reference); a correction is a new row that `supersedes` the old."""

    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="assessment_outcomes")
    kind = models.CharField("类别", max_length=20, choices=OutcomeKind.choices)
    result = models.CharField("结果", max_length=30, choices=OutcomeResult.choices)
    decided_on = models.DateField("决定或裁判日期")
    reference = models.CharField("文书编号或来源", max_length=200)
    reason = models.TextField("说明")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "复议诉讼及投诉查处结果"
        ordering = ["-decided_on", "-id"]
        indexes = [models.Index(fields=["agency", "kind", "decided_on"])]
