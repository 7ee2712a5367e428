"""行政裁量权基准 (SUP-07; 行政处罚法 第三十四条; 国办发〔2022〕27号): each agency's benchmark table, as versioned data.

A table is issued as a whole and never edited: a new version supersedes the last (AppendOnlyModel). The table in
force on a day is the agency's highest version whose `effective_from` is on or before that day. Its items are the
violations (违法行为) with their legal basis, the statutory fine range — a fixed range in yuan, or N to M times an
amount (违法所得、货值金额…) — the 首违不罚 flag, and the circumstance tiers (裁量阶次), each with its own range and
the conditions under which it applies.

A `FineAssessment` is what a case's decision decided about its fine: the item, the tier, the amount, the reasons for
a departure from the tier, and the facts of 行政处罚法 第三十三条 (first violation, harm, corrected in time). It is
written when the decision is recorded (services.fine_assessment_record) and read by the problem models M15–M18.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models

from zhifa.core.models import AppendOnlyModel


class RangeKind(models.TextChoices):
    FIXED = "fixed", "固定金额"
    MULTIPLE = "multiple", "倍数"


class Tier(models.TextChoices):
    """The circumstance tiers of 国办发〔2022〕27号 and 行政处罚法 第三十二条、第三十三条, mildest first."""

    NO_PENALTY = "no_penalty", "不予处罚"
    MITIGATED = "mitigated", "减轻处罚"
    LIGHTER = "lighter", "从轻处罚"
    GENERAL = "general", "一般处罚"
    HEAVIER = "heavier", "从重处罚"


class Harm(models.TextChoices):
    """The harm of the violation as the decision finds it (行政处罚法 第三十三条第一款)."""

    NONE = "none", "没有造成危害后果"
    MINOR = "minor", "危害后果轻微"
    OTHER = "other", "其他"


class BenchmarkTable(AppendOnlyModel):
    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="discretion_tables",
                               verbose_name="执法主体")
    version = models.PositiveIntegerField("版本", default=1)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")
    title = models.CharField("名称", max_length=200)
    document_number = models.CharField("文号", max_length=100, blank=True)
    effective_from = models.DateField("施行日期")
    note = models.TextField("说明", blank=True)
    source_sha256 = models.CharField("导入文件 SHA-256", max_length=64, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "行政裁量权基准"
        ordering = ["agency", "-version"]
        constraints = [models.UniqueConstraint(fields=["agency", "version"], name="discretion_table_version_unique")]
        indexes = [models.Index(fields=["agency", "effective_from", "version"], name="discretion_table_in_force")]

    def __str__(self):
        return f"{self.title} 第{self.version}版"


class Item(AppendOnlyModel):
    """One violation of a table (裁量事项)."""

    table = models.ForeignKey(BenchmarkTable, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveIntegerField("序号")
    code = models.CharField("事项编码", max_length=40)
    name = models.CharField("违法行为", max_length=300)
    violated_provision = models.TextField("违法依据")
    penalty_provision = models.TextField("处罚依据")
    range_kind = models.CharField("法定罚款方式", max_length=10, choices=RangeKind.choices)
    # Yuan for a fixed range; the multiple (倍) of `base_label`'s amount for a multiple range.
    statutory_min = models.DecimalField("法定下限", max_digits=14, decimal_places=2)
    statutory_max = models.DecimalField("法定上限", max_digits=14, decimal_places=2)
    base_label = models.CharField("倍数基数", max_length=40, blank=True, help_text="倍数时填写：违法所得、货值金额等")
    first_violation_exempt = models.BooleanField("首违不罚", default=False,
                                                 help_text="列入首违不罚清单（行政处罚法第三十三条第一款）")

    class Meta:
        verbose_name = verbose_name_plural = "裁量事项"
        ordering = ["table", "position"]
        constraints = [models.UniqueConstraint(fields=["table", "code"], name="discretion_item_code_unique")]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def unit(self) -> str:
        return "元" if self.range_kind == RangeKind.FIXED else "倍"

    def range_text(self, low: Decimal, high: Decimal) -> str:
        if self.range_kind == RangeKind.FIXED:
            return f"{low:,.2f} 元至 {high:,.2f} 元"
        return f"{self.base_label or '基数'}的 {low.normalize():f} 倍至 {high.normalize():f} 倍"

    @property
    def statutory_text(self) -> str:
        return self.range_text(self.statutory_min, self.statutory_max)


class ItemTier(AppendOnlyModel):
    """One circumstance tier of an item (裁量阶次): its range, in the item's unit, and when it applies."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="tiers")
    tier = models.CharField("裁量阶次", max_length=20, choices=Tier.choices)
    fine_min = models.DecimalField("阶次下限", max_digits=14, decimal_places=2)
    fine_max = models.DecimalField("阶次上限", max_digits=14, decimal_places=2)
    conditions = models.TextField("适用情形", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "裁量阶次"
        constraints = [models.UniqueConstraint(fields=["item", "tier"], name="discretion_item_tier_unique")]

    def __str__(self):
        return f"{self.item.code} {self.get_tier_display()}"

    @property
    def range_text(self) -> str:
        return self.item.range_text(self.fine_min, self.fine_max)


class FineAssessment(AppendOnlyModel):
    """What a case's decision decided about its fine, against the benchmark in force (one version per change).

    `case_id` is the case's primary key: cases sits above discretion, so this is a plain indexed column, not a
    foreign key (a lower app's table never depends on a higher app's migrations)."""

    case_id = models.PositiveBigIntegerField("案件", db_index=True)
    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="fine_assessments")
    version = models.PositiveIntegerField(default=1)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")
    table = models.ForeignKey(BenchmarkTable, on_delete=models.PROTECT, related_name="assessments")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="assessments")
    item_code = models.CharField("事项编码", max_length=40)  # the same violation across table versions (M17)
    tier = models.CharField("裁量阶次", max_length=20, choices=Tier.choices)
    amount = models.DecimalField("罚款金额（元）", max_digits=14, decimal_places=2)
    base_amount = models.DecimalField("倍数基数金额（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    reasons = models.TextField("偏离阶次的理由", blank=True)
    first_violation = models.BooleanField("初次违法", default=False)
    harm = models.CharField("危害后果", max_length=10, choices=Harm.choices, default=Harm.OTHER)
    corrected_in_time = models.BooleanField("及时改正", default=False)
    decided_on = models.DateField("决定日期")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "罚款裁量记录"
        constraints = [models.UniqueConstraint(fields=["case_id", "version"], name="discretion_assessment_version")]
        indexes = [models.Index(fields=["item_code", "tier", "decided_on"], name="discretion_assessment_peers")]

    def __str__(self):
        return f"案件 {self.case_id} · {self.item_code} · {self.get_tier_display()} · {self.amount} 元"
