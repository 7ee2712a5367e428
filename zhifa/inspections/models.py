"""Random inspections (双随机、一公开; issue 22; INS-01, INS-02, INS-03, PUB-13).

- Item lists (随机抽查事项清单, INS-01): an agency's list is published as whole versions (`ItemList`, its rows
  `Item`s, append-only). A version is drafted, submitted, reviewed by the jurisdiction's market-regulation department
  (NM: 经本级市场监管部门审核后予以公示; the reviewing field is the rule `inspections.item_list_reviewer`) and published;
  publishing a version supersedes the one before it. Every move leaves an `ItemListStep`.
- Directories (一单两库): the target directory (`Target`, per agency, imported from Excel, codes validated, each with a
  risk/credit class whose ratio is the rule `inspections.class_ratios`) and the recusal links between an inspector and a
  target (`RecusalLink`, append-only; ended by a row that `ends` it). The inspector directory is not a table: it is the
  agency's certified officers whose certificate is in force over the batch's dates (org.selectors.valid_certificate_q).
- Plans: an agency's annual plan (`Plan`, draft → filed with the level above) of `Batch`es (items, target type, area,
  dates, inspectors per agency). A joint batch (`partners`) merges the items of several agencies on the same target,
  which is then inspected once by inspectors of every agency taking part (国发〔2019〕5号).
- The verifiable draw (INS-03; procedure.py): a `Draw` is frozen first (populations as canonical text kept as a
  ledger blob, their digests and the randomness source logged in the freezing entry), then made once a checkpoint
  signed after the stated moment includes that entry. The result is `DrawnTarget`s with their `Assignment`s and the
  `RecusalSkip`s passed over. A re-draw is a new `Draw` naming the one it replaces and why; the old one stays.
- Execution and results: one `Inspection` per drawn target (its record, findings per item as append-only `Finding`s,
  a violation opening a case linked by `Finding.case`), its result published on the portal within the rule
  `inspections.result_days` of the inspection (late ones raise problem model M26).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhifa.core.models import AppendOnlyModel

MAX_ITEMS = 500  # rows of one item-list version
MAX_TEXT = 2000  # one free-text field
MIN_REASON = 4  # a re-draw's, a return's or an ended link's reason: at least this many characters
MAX_POPULATION = 2_000_000  # targets in one draw


class TargetType(models.TextChoices):
    ENTERPRISE = "enterprise", "企业"
    INDIVIDUAL = "individual", "个体工商户"
    PRODUCT = "product", "产品"
    PROJECT = "project", "工程项目"
    OTHER = "other", "其他"


class ItemKind(models.TextChoices):
    GENERAL = "general", "一般检查事项"
    KEY = "key", "重点检查事项"


class ListState(models.TextChoices):
    DRAFT = "draft", "草拟"
    SUBMITTED = "submitted", "待审核"
    RETURNED = "returned", "已退回"
    PUBLISHED = "published", "已公示"
    SUPERSEDED = "superseded", "已被新版本替代"


class PlanState(models.TextChoices):
    DRAFT = "draft", "草拟"
    FILED = "filed", "已报备"


class DrawState(models.TextChoices):
    FROZEN = "frozen", "已固定抽取范围，待随机源"
    DRAWN = "drawn", "已抽取"
    SUPERSEDED = "superseded", "已重新抽取"


class InspectionState(models.TextChoices):
    ASSIGNED = "assigned", "待检查"
    RECORDED = "recorded", "已检查"
    PUBLISHED = "published", "结果已公示"


class Outcome(models.TextChoices):
    """Per item (the standard outcomes of 双随机 results, as published by market regulators)."""

    NO_PROBLEM = "no_problem", "未发现问题"
    CORRECTED = "corrected", "发现问题已责令改正"
    CASE_OPENED = "case_opened", "发现问题已立案查处"
    FOLLOW_UP = "follow_up", "发现问题待后续处理"
    UNREACHABLE = "unreachable", "通过登记的住所（经营场所）无法联系"
    NO_ACTIVITY = "no_activity", "未发现开展本次抽查涉及的经营活动"
    REFUSED = "refused", "不配合检查情节严重"


class Step(AppendOnlyModel):
    """One move of a workflow (core.workflow), by whom, with what: the timeline of an item list, a plan, a draw or an
    inspection. Each subclass adds the object it belongs to and its states; `actor` is None only for the system (a
    draw made by the clock)."""

    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True


class ItemList(models.Model):
    """One version of an agency's item list; its state moves only through workflow.LIST_MOVES."""

    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="inspection_item_lists")
    version = models.PositiveIntegerField()
    title = models.CharField("清单名称", max_length=200)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")
    state = models.CharField("状态", max_length=20, choices=ListState.choices, default=ListState.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "随机抽查事项清单"
        ordering = ["agency", "-version"]
        constraints = [models.UniqueConstraint(fields=["agency", "version"], name="inspection_list_version_once")]
        indexes = [models.Index(fields=["state", "agency"])]

    def __str__(self):
        return f"{self.title}（第 {self.version} 版）"


class ItemListStep(Step):
    item_list = models.ForeignKey(ItemList, on_delete=models.PROTECT, related_name="steps")
    to_state = models.CharField(max_length=20, choices=ListState.choices)

    class Meta:
        ordering = ["item_list", "at", "id"]


class Item(AppendOnlyModel):
    """One row of an item list (NM: 抽查主体、依据、对象、内容、比例、方式、频次)."""

    item_list = models.ForeignKey(ItemList, on_delete=models.PROTECT, related_name="items")
    number = models.CharField("序号", max_length=20)
    name = models.CharField("抽查事项", max_length=200)
    sub_item = models.CharField("抽查子项", max_length=200, blank=True)
    basis = models.TextField("检查依据")
    body = models.CharField("检查主体", max_length=200)
    target_type = models.CharField("检查对象类型", max_length=20, choices=TargetType.choices)
    content = models.TextField("检查内容")
    method = models.CharField("检查方式", max_length=200)
    kind = models.CharField("事项类别", max_length=10, choices=ItemKind.choices)
    # The share of the directory inspected per year under this item: for a general item at most the rule
    # `inspections.general_ratio_max`; a key item has no upper limit (国发〔2019〕5号).
    ratio = models.DecimalField("抽查比例", max_digits=5, decimal_places=4)
    frequency = models.CharField("抽查频次", max_length=100)
    inspector_requirements = models.CharField("检查人员要求", max_length=200, blank=True)

    class Meta:
        ordering = ["item_list", "id"]
        constraints = [models.UniqueConstraint(fields=["item_list", "number"], name="inspection_item_number_once"),
                       models.CheckConstraint(condition=Q(ratio__gt=0, ratio__lte=1), name="inspection_item_ratio")]

    def __str__(self):
        return f"{self.number} {self.name}"


class Target(models.Model):
    """One entry of an agency's target directory (检查对象名录库). Reference data like the org registry: an import
    updates a target's name, class or status and logs the import (events.DIRECTORY_IMPORTED, with its digest)."""

    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="inspection_targets")
    code = models.CharField("统一社会信用代码或编码", max_length=40)
    name = models.CharField("名称", max_length=200)
    target_type = models.CharField("类型", max_length=20, choices=TargetType.choices)
    risk_class = models.CharField("风险（信用）分类", max_length=20)
    place = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, related_name="+",
                              verbose_name="所在行政区划")
    address = models.CharField("地址", max_length=300, blank=True)
    active = models.BooleanField("在册", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "检查对象名录"
        ordering = ["agency", "code"]
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="inspection_target_code_once")]
        indexes = [models.Index(fields=["agency", "target_type", "active", "code"])]

    def __str__(self):
        return f"{self.name}（{self.code}）"


class RecusalLink(AppendOnlyModel):
    """An inspector who must not inspect a target (利害关系), declared by the agency; a later row that `ends` it
    lifts it. Committed into every draw frozen while it stands (procedure.recusal_lines, reason "linked")."""

    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="inspection_recusals")
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="recusal_links")
    reason = models.CharField("回避理由", max_length=200)
    ends = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="ended_by")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["agency", "id"]


class Plan(models.Model):
    """An agency's annual random-inspection plan, filed with the level above."""

    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="inspection_plans")
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("计划名称", max_length=200)
    state = models.CharField("状态", max_length=20, choices=PlanState.choices, default=PlanState.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    filed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "随机抽查年度计划"
        ordering = ["-year", "agency", "-id"]
        indexes = [models.Index(fields=["agency", "-year"])]

    def __str__(self):
        return self.title


class PlanStep(Step):
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="steps")
    to_state = models.CharField(max_length=20, choices=PlanState.choices)

    class Meta:
        ordering = ["plan", "at", "id"]


class Batch(models.Model):
    """One batch of a plan: which items, on which targets (type, area), when, by how many inspectors. Added while the
    plan is a draft, or to a filed plan (the addition logged); frozen once a draw is made of it."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="batches")
    number = models.PositiveSmallIntegerField("批次")
    title = models.CharField("批次名称", max_length=200)
    items = models.ManyToManyField(Item, related_name="batches", verbose_name="抽查事项")
    # Joint inspection (部门联合抽查, 国发〔2019〕5号): the other agencies taking part; each sends inspectors, and a
    # target drawn is inspected once for every agency's items.
    partners = models.ManyToManyField("org.Agency", blank=True, related_name="joint_inspection_batches",
                                      verbose_name="联合抽查部门")
    target_type = models.CharField("检查对象类型", max_length=20, choices=TargetType.choices)
    # The area the targets are in (a jurisdiction of the agency's, its subtree included); none: the agency's whole area.
    area = models.ForeignKey("org.Jurisdiction", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="抽查区域")
    starts_on = models.DateField("检查开始日期")
    ends_on = models.DateField("检查结束日期")
    inspectors_per_agency = models.PositiveSmallIntegerField("每个部门每户检查人员数", default=2)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "抽查批次"
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="inspection_batch_number_once"),
            models.CheckConstraint(condition=Q(starts_on__lte=models.F("ends_on")), name="inspection_batch_dates"),
            models.CheckConstraint(condition=Q(inspectors_per_agency__gte=1, inspectors_per_agency__lte=10),
                                   name="inspection_batch_inspectors"),
        ]

    def __str__(self):
        return self.title


class Draw(models.Model):
    """One draw of a batch (procedure.py). Frozen first: `frozen` is the canonical record (its digest in the freezing
    ledger entry), `population` the blob of the canonical population text (targets, inspectors, recusals: three
    sections, see draws.population_text). Made (state drawn) once a checkpoint signed at or after `beacon_after`
    includes `freeze_entry`: `checkpoint`, `external_value`, `seed` and `result_sha256` are then set, once. A
    re-draw is a new Draw with `redraw_of` and `reason`; the old one becomes superseded, never erased."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="draws")
    number = models.PositiveSmallIntegerField("抽取次序")  # 1, then 2 for the first re-draw, …
    state = models.CharField("状态", max_length=20, choices=DrawState.choices, default=DrawState.FROZEN)
    frozen = models.JSONField()
    frozen_sha256 = models.CharField(max_length=64)
    population = models.ForeignKey("ledger.Blob", on_delete=models.PROTECT, related_name="+")
    beacon_after = models.DateTimeField("随机源时点")
    external_source = models.CharField("外部公开随机值来源", max_length=200, blank=True)
    # How many whole numbers the external value has (a lottery's 7 balls): committed at freezing, so that a spelling
    # cannot choose the outcome (procedure.canonical_external). None when no external value is named.
    external_numbers = models.PositiveSmallIntegerField("外部公开随机值的数字个数", null=True, blank=True)
    external_value = models.CharField("外部公开随机值", max_length=200, blank=True)
    freeze_entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")
    checkpoint = models.ForeignKey("ledger.Checkpoint", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    seed = models.CharField(max_length=64, blank=True)
    result_sha256 = models.CharField(max_length=64, blank=True)
    redraw_of = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="redrawn_by")
    reason = models.TextField("重新抽取理由", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    drawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "双随机抽取"
        ordering = ["batch", "number"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "number"], name="inspection_draw_number_once"),
            # One draw of a batch is live (frozen or drawn) at a time: the others are superseded.
            models.UniqueConstraint(fields=["batch"], condition=~Q(state="superseded"), name="inspection_draw_one_live"),
            models.CheckConstraint(condition=Q(redraw_of__isnull=True) | ~Q(reason=""), name="inspection_redraw_reason"),
        ]

    def __str__(self):
        return f"{self.batch} 第 {self.number} 次抽取"


class DrawStep(Step):
    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="steps")
    to_state = models.CharField(max_length=20, choices=DrawState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["draw", "at", "id"]


class DrawnTarget(AppendOnlyModel):
    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="drawn")
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=40)  # as frozen
    # What stood for the target in the published population (procedure.target_token of the code and the salt); the
    # salt is published with the result once the batch's inspection period is over, so anyone can check the name.
    token = models.CharField(max_length=64)
    salt = models.CharField(max_length=32)
    risk_class = models.CharField(max_length=20)  # as frozen
    rank = models.PositiveIntegerField()
    class_rank = models.PositiveIntegerField()
    score = models.CharField(max_length=64)

    class Meta:
        ordering = ["draw", "rank"]
        constraints = [models.UniqueConstraint(fields=["draw", "rank"], name="inspection_drawn_rank_once"),
                       models.UniqueConstraint(fields=["draw", "target"], name="inspection_drawn_target_once")]


class Assignment(AppendOnlyModel):
    drawn = models.ForeignKey(DrawnTarget, on_delete=models.PROTECT, related_name="assignments")
    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="inspection_assignments")
    certificate = models.CharField(max_length=50)  # as frozen
    order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["drawn", "order"]
        constraints = [models.UniqueConstraint(fields=["drawn", "certificate"], name="inspection_assigned_once")]


class RecusalSkip(AppendOnlyModel):
    """An inspector passed over for a drawn target, with the reason (procedure step 4)."""

    drawn = models.ForeignKey(DrawnTarget, on_delete=models.PROTECT, related_name="skips")
    certificate = models.CharField(max_length=50)
    reason = models.CharField(max_length=20)

    class Meta:
        ordering = ["drawn", "id"]


class Inspection(models.Model):
    """The inspection of one drawn target (of the live draw): its record, then its published result."""

    drawn = models.OneToOneField(DrawnTarget, on_delete=models.PROTECT, related_name="inspection")
    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="+")  # the batch's lead agency
    state = models.CharField("状态", max_length=20, choices=InspectionState.choices, default=InspectionState.ASSIGNED)
    inspected_on = models.DateField("检查日期", null=True, blank=True)
    place = models.CharField("检查地点", max_length=300, blank=True)
    record = models.TextField("检查情况记录", blank=True)
    # The AV record of the inspection, where the rules require one (recording.mandatory_av names "evidence_taking").
    av = models.ForeignKey("ledger.Blob", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    result_due = models.DateField("结果公示期限", null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "抽查检查"
        ordering = ["agency", "id"]
        indexes = [models.Index(fields=["agency", "state", "result_due"])]

    def __str__(self):
        return f"抽查检查 {self.pk}"


class InspectionStep(Step):
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="steps")
    to_state = models.CharField(max_length=20, choices=InspectionState.choices)

    class Meta:
        ordering = ["inspection", "at", "id"]


class Finding(AppendOnlyModel):
    """The outcome for one item on one inspection; the latest row per (inspection, item) counts, a correction
    `supersedes`. A violation that is to be punished opens a case (`case`, cases.Case with external_system
    "inspections")."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="findings")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField("检查结果", max_length=20, choices=Outcome.choices)
    text = models.TextField("情况说明", blank=True)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")
    step = models.ForeignKey(InspectionStep, on_delete=models.PROTECT, related_name="findings")

    class Meta:
        ordering = ["inspection", "item", "id"]
