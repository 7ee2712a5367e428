"""Case-file evaluation campaigns (案卷评查活动; issue 21 §2, §4, §5; SUP-06).

An `EvalCampaign` is opened by a justice bureau over agencies of its subtree, or by an agency for its own self-check
(自查). Its scope: agencies, action types, a period of archive dates (the day a case entered the stage 归档,
cases.StageChange), a sample size or ratio per agency, the standard of each action type as in force on the opening
day (standards.standard_for; the whole standard is pinned in `standards`, naming its rule version), and the
evaluators. Its state moves only through workflow.MOVES; every move leaves an `EvalStep` (append-only, with its ledger
entry). The draw is an `EvalPopulation` (committed before the seed) and an `EvalDraw` (core.sampling), the files drawn
`EvalFile`s, each pre-scored by the machine (`MachineScore`, per item with its evidence).

Scoring: an evaluator is `Assigned` to a file (two where the standard says `double`); an `Recusal` ends an
assignment (with its reason) and the file is given to another evaluator. Each scorer's item marks are `Mark`s
(append-only; a change is a new row superseding) and each sheet handed in is a `Verdict` (score, grade, deductions,
how many points the machine decided). The file's result is one `FileResult` (from the one verdict, from two that
agree, or from the lead's reconciliation, both evaluators' verdicts kept). At closing the agencies receive their
results; a failed file is to be rectified (`Rectification`, due by the per-jurisdiction rule
"evaluation.rectification_days"). The campaign report is an `EvalDocument`, sealed with the organiser's signature.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhifa.core.models import AppendOnlyModel

MIN_SAMPLE, MAX_SAMPLE = 1, 200
MAX_POPULATION = 200_000
MIN_REASON = 4  # a recusal's or an override's reason: at least this many characters


class State(models.TextChoices):
    DRAFT = "draft", "草拟"
    SELF_CHECK = "self_check", "自查中"
    SCORING = "scoring", "评查中"
    CLOSED = "closed", "已完成"
    CANCELLED = "cancelled", "已撤销"


class Phase(models.TextChoices):
    SELF = "self", "自查评分"
    SPOT = "spot", "评查评分"
    RECONCILED = "reconciled", "复核确定"


class MarkSource(models.TextChoices):
    CONFIRMED = "confirmed", "确认机器评分"
    OVERRIDDEN = "overridden", "改判机器评分"
    PERSON = "person", "人工评分"


class EvaluatorSource(models.TextChoices):
    SUPERVISOR = "supervisor", "执法监督人员"
    ADVISER = "adviser", "法律顾问、公职律师"
    AGENCY = "agency", "本机关人员（自查）"


class EvalCampaign(models.Model):
    """One case-file evaluation: a bureau's over agencies of its subtree, or an agency's self-check."""

    organiser = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="evaluations_run",
                                  verbose_name="组织评查的机关")
    title = models.CharField("评查名称", max_length=200)
    basis = models.TextField("评查依据", blank=True)
    agencies = models.ManyToManyField("org.Agency", related_name="evaluations", verbose_name="被评查机关")
    action_types = models.JSONField("执法行为类别", default=list)
    # The period is of the archive date (归档: the case's StageChange into "archive", local date), both days included.
    period_from = models.DateField("归档日期自")
    period_to = models.DateField("归档日期至")
    sample_size = models.PositiveSmallIntegerField("每个机关抽取案卷数", null=True, blank=True)
    sample_ratio = models.DecimalField("每个机关抽取比例", max_digits=4, decimal_places=3, null=True, blank=True)
    self_check = models.BooleanField("先由被评查机关自查", default=False)
    # {action type: standards.Standard as a dict}: the standard as in force on the opening day, pinned.
    standards = models.JSONField("评查标准", default=dict)
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name="评查组长")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    opened_on = models.DateField("组织日期")
    closed_on = models.DateField("完成日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "案卷评查"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(period_from__lte=models.F("period_to")), name="eval_period_ordered"),
            models.CheckConstraint(condition=Q(sample_size__isnull=True) ^ Q(sample_ratio__isnull=True),
                                   name="eval_size_or_ratio"),
        ]
        indexes = [models.Index(fields=["-created_at", "-id"]), models.Index(fields=["organiser", "-created_at", "-id"]),
                   models.Index(fields=["state", "closed_on"])]

    def __str__(self):
        return self.title

    @property
    def is_self_check(self) -> bool:
        """Opened by an agency for its own self-check (no bureau, no spot check)."""
        return not self.organiser.is_justice_bureau


class EvalStep(AppendOnlyModel):
    campaign = models.ForeignKey(EvalCampaign, on_delete=models.PROTECT, related_name="steps")
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, choices=State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["campaign", "at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(action=""), name="eval_step_action_named")]


class Evaluator(AppendOnlyModel):
    """A user named an evaluator of a campaign (at opening or later), with where they come from."""

    campaign = models.ForeignKey(EvalCampaign, on_delete=models.PROTECT, related_name="evaluators")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=20, choices=EvaluatorSource.choices)
    step = models.ForeignKey(EvalStep, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["campaign", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "user"], name="eval_evaluator_once")]


class EvalPopulation(AppendOnlyModel):
    """The population fixed for the draw, committed with its ledger entry before any seed exists."""

    campaign = models.OneToOneField(EvalCampaign, on_delete=models.PROTECT, related_name="population")
    cases = models.JSONField(default=list)  # [[case id, agency id], ...] by case id
    size = models.PositiveIntegerField()
    digest = models.CharField(max_length=64)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")
    fixed_at = models.DateTimeField(auto_now_add=True)


class EvalDraw(AppendOnlyModel):
    campaign = models.OneToOneField(EvalCampaign, on_delete=models.PROTECT, related_name="draw")
    population = models.OneToOneField(EvalPopulation, on_delete=models.PROTECT, related_name="draw")
    seed = models.CharField(max_length=64)
    rule = models.TextField()
    step = models.OneToOneField(EvalStep, on_delete=models.PROTECT, related_name="+")


class EvalFile(AppendOnlyModel):
    """A case file drawn for evaluation; `order` its rank among its agency's files (1 first)."""

    campaign = models.ForeignKey(EvalCampaign, on_delete=models.PROTECT, related_name="files")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="+")
    order = models.PositiveIntegerField()
    score = models.CharField(max_length=64)  # HMAC-SHA256(seed, case id)

    class Meta:
        ordering = ["campaign", "agency", "order"]
        constraints = [models.UniqueConstraint(fields=["campaign", "case"], name="eval_case_drawn_once"),
                       models.UniqueConstraint(fields=["campaign", "agency", "order"], name="eval_file_order")]


class MachineScore(AppendOnlyModel):
    """The machine's outcome of one item of a file (prescore.Outcome), with the evidence an evaluator reads."""

    file = models.ForeignKey(EvalFile, on_delete=models.PROTECT, related_name="machine")
    item = models.CharField(max_length=20)
    check_code = models.CharField(max_length=60)
    passed = models.BooleanField(null=True)  # None: the data cannot decide it
    errors = models.PositiveIntegerField(default=0)
    evidence = models.JSONField(default=list)
    refs = models.JSONField(default=list)

    class Meta:
        ordering = ["file", "id"]
        constraints = [models.UniqueConstraint(fields=["file", "item"], name="eval_machine_once")]


class Assigned(AppendOnlyModel):
    """An evaluator given a file to score (spot check). Ended by a `Recusal`."""

    file = models.ForeignKey(EvalFile, on_delete=models.PROTECT, related_name="assignments")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    step = models.ForeignKey(EvalStep, on_delete=models.PROTECT, related_name="+")
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="replaced_by")

    class Meta:
        ordering = ["file", "id"]


class Recusal(AppendOnlyModel):
    assignment = models.OneToOneField(Assigned, on_delete=models.PROTECT, related_name="recusal")
    reason = models.TextField()
    step = models.ForeignKey(EvalStep, on_delete=models.PROTECT, related_name="+")


class Mark(AppendOnlyModel):
    """One scorer's mark on one item of a file: the latest per (file, phase, assignment, item) counts."""

    file = models.ForeignKey(EvalFile, on_delete=models.PROTECT, related_name="marks")
    phase = models.CharField(max_length=12, choices=Phase.choices)
    assignment = models.ForeignKey(Assigned, null=True, blank=True, on_delete=models.PROTECT, related_name="marks")
    item = models.CharField(max_length=20)
    passed = models.BooleanField()
    errors = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=12, choices=MarkSource.choices)
    reason = models.TextField(blank=True)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")
    step = models.ForeignKey(EvalStep, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["file", "id"]
        constraints = [models.CheckConstraint(condition=~Q(source="overridden") | ~Q(reason=""),
                                              name="eval_override_has_reason")]


class Verdict(AppendOnlyModel):
    """A sheet handed in: the file's score and grade by one scorer (or the lead's reconciliation)."""

    file = models.ForeignKey(EvalFile, on_delete=models.PROTECT, related_name="verdicts")
    phase = models.CharField(max_length=12, choices=Phase.choices)
    assignment = models.ForeignKey(Assigned, null=True, blank=True, on_delete=models.PROTECT, related_name="verdicts")
    scorer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(max_digits=6, decimal_places=2)
    grade = models.CharField(max_length=12)
    vetoed_by = models.JSONField(default=list)
    deductions = models.JSONField(default=list)  # [[item code, points off], ...]
    marks = models.JSONField(default=dict)  # {item code: [passed, errors]}: what was scored, to compare two sheets
    machine_points = models.PositiveIntegerField(default=0)  # the points of items the machine decided, confirmed
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")
    step = models.ForeignKey(EvalStep, on_delete=models.PROTECT, related_name="+")

    @property
    def grade_label(self) -> str:
        from .standards import GRADE_LABELS

        return GRADE_LABELS.get(self.grade, self.grade)

    class Meta:
        ordering = ["file", "id"]


class FileResult(AppendOnlyModel):
    """The file's result: one per file (from one verdict, two that agree, or the reconciliation)."""

    file = models.OneToOneField(EvalFile, on_delete=models.PROTECT, related_name="result")
    campaign = models.ForeignKey(EvalCampaign, on_delete=models.PROTECT, related_name="results")
    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="+")
    verdict = models.OneToOneField(Verdict, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(max_digits=6, decimal_places=2)
    grade = models.CharField(max_length=12)
    deductions = models.JSONField(default=list)
    vetoed_by = models.JSONField(default=list)
    machine_points = models.PositiveIntegerField(default=0)
    step = models.ForeignKey(EvalStep, on_delete=models.PROTECT, related_name="+")

    @property
    def grade_label(self) -> str:
        from .standards import GRADE_LABELS

        return GRADE_LABELS.get(self.grade, self.grade)

    class Meta:
        ordering = ["campaign", "agency", "id"]
        indexes = [models.Index(fields=["agency", "campaign"])]


class Rectification(AppendOnlyModel):
    """A failed file's rectification: due at closing (`due_on`), done when the agency records what it did."""

    result = models.OneToOneField(FileResult, on_delete=models.PROTECT, related_name="rectification")
    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField("整改期限")
    rule_version_id = models.PositiveIntegerField(null=True)
    step = models.ForeignKey(EvalStep, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["agency", "due_on"])]


class RectificationReport(AppendOnlyModel):
    """What the agency did (整改情况), by one of its heads; one per rectification."""

    rectification = models.OneToOneField(Rectification, on_delete=models.PROTECT, related_name="report")
    text = models.TextField()
    reported_on = models.DateField()
    step = models.OneToOneField(EvalStep, on_delete=models.PROTECT, related_name="+")


class EvalDocument(AppendOnlyModel):
    """The sealed campaign report (PDF) with its 文号."""

    campaign = models.OneToOneField(EvalCampaign, on_delete=models.PROTECT, related_name="report")
    organiser = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="+")
    number = models.CharField("文号", max_length=60)
    issued_on = models.DateField()
    blob = models.ForeignKey("ledger.Blob", on_delete=models.PROTECT, related_name="+")
    signer_sha256 = models.CharField(max_length=64)
    pages = models.PositiveIntegerField(null=True)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organiser", "number"], name="eval_document_number_once")]
