"""Special supervision inspections and their notices (专项监督检查、通报; issue 20 §5; SUP-05; IM-P: 适时组织“三项制度”
专项监督检查，建立通报机制).

A `Campaign` is one inspection a justice bureau runs over agencies of its subtree: its scope (agencies, action types,
a period of filing dates), a sample size per agency and a checklist. Its state moves only through workflow.MOVES
(core.workflow); every move leaves a `CampaignStep` (append-only, with its ledger entry). The draw is a `Population`
(fixed, logged and committed before the seed exists) and a `Draw`, so anyone can replay it (draw.py). The cases drawn
are `SampledCase`s; what the inspectors found is `Finding`s, one per sampled case and check item, append-only (a
correction is a new row superseding the old one). The report and the notice (通报) are `CampaignDocument`s, sealed
with the bureau's PAdES signature like supervision instruments; the notice goes to each agency inspected
(`NoticeDelivery`), whose head acknowledges it (`NoticeReceipt`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhifa.core.models import AppendOnlyModel

# The checklist every campaign starts from (editable at creation): the three systems, then procedure and documents.
DEFAULT_CHECKLIST = ["公示是否及时准确", "全过程记录是否完整", "重大决定是否经法制审核", "程序是否合法", "文书是否规范"]
MAX_CHECK_ITEMS = 30
MAX_CHECK_ITEM_LENGTH = 100
MIN_SAMPLE, MAX_SAMPLE = 1, 200
# The largest population a draw is made from (one [case, agency] pair each, committed before the seed): above it the
# scope is to be narrowed (campaign_population_too_large).
MAX_POPULATION = 200_000
# Cancelling after the draw (the sample known) needs a reason of at least this many characters.
MIN_CANCEL_REASON_AFTER_DRAW = 10


class State(models.TextChoices):
    DRAFT = "draft", "草拟"
    INSPECTING = "inspecting", "检查中"
    REPORTED = "reported", "已形成检查报告"
    PUBLISHED = "published", "已通报"
    CANCELLED = "cancelled", "已撤销"


class Result(models.TextChoices):
    OK = "ok", "符合"
    PROBLEM = "problem", "存在问题"
    SERIOUS = "serious", "严重问题"


class DocumentKind(models.TextChoices):
    REPORT = "report", "专项监督检查报告"
    NOTICE = "notice", "专项监督检查情况通报"


# The word of each document's 文号: 甲司专报〔2026〕1号, 甲司专通〔2026〕1号.
NUMBER_WORD = {DocumentKind.REPORT: "专报", DocumentKind.NOTICE: "专通"}


class Campaign(models.Model):
    """One special inspection by a justice bureau over agencies of its subtree."""

    bureau = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="campaigns_run",
                               verbose_name="组织检查的司法行政部门")
    title = models.CharField("检查名称", max_length=200)
    basis = models.TextField("检查依据和主题")
    agencies = models.ManyToManyField("org.Agency", related_name="campaigns", verbose_name="检查的执法机关")
    # The action types (执法行为类别, org.ActionType) whose cases are inspected.
    action_types = models.JSONField("执法行为类别", default=list)
    # The period is of the case's filing date (立案时间, cases.Case.opened_at, local date), both days included.
    period_from = models.DateField("立案日期自")
    period_to = models.DateField("立案日期至")
    sample_size = models.PositiveSmallIntegerField("每个机关抽取案件数")
    checklist = models.JSONField("检查项目", default=list)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_on = models.DateField("通报日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "专项监督检查"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(period_from__lte=models.F("period_to")), name="campaign_period_ordered"),
            models.CheckConstraint(condition=Q(sample_size__gte=MIN_SAMPLE, sample_size__lte=MAX_SAMPLE),
                                   name="campaign_sample_size_bounded"),
        ]
        indexes = [models.Index(fields=["-created_at", "-id"]), models.Index(fields=["state", "-created_at", "-id"]),
                   models.Index(fields=["bureau", "-created_at", "-id"])]

    def __str__(self):
        return self.title


class CampaignStep(AppendOnlyModel):
    """One move of a campaign, by whom, with what (the timeline)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="steps")
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
        constraints = [models.CheckConstraint(condition=~Q(action=""), name="campaign_step_action_named")]


class Population(AppendOnlyModel):
    """The population as fixed for the draw, committed (with its ledger entry) in its own transaction before any seed
    exists; a later draw of the same campaign reuses it, never fixes a new one."""

    campaign = models.OneToOneField(Campaign, on_delete=models.PROTECT, related_name="population")
    # [[case id, agency id], ...] sorted by case id: what the draw is made from, so that it can be replayed.
    cases = models.JSONField(default=list)
    size = models.PositiveIntegerField()
    digest = models.CharField(max_length=64)  # SHA-256 of the "case:agency" lines (draw.population_digest)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")
    fixed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["digest"])]


class Draw(AppendOnlyModel):
    """The draw's public record: the population fixed (and committed) first, then the seed made after it. `earlier`
    names the campaigns of the same bureau cancelled after a draw over the same population (re-draws are recorded,
    never hidden): [{"campaign", "title", "seed", "cancelled_step"}, ...]."""

    campaign = models.OneToOneField(Campaign, on_delete=models.PROTECT, related_name="draw")
    population = models.OneToOneField(Population, on_delete=models.PROTECT, related_name="draw")
    seed = models.CharField(max_length=64)  # 32 bytes, hex
    rule = models.TextField()
    earlier = models.JSONField(default=list)
    step = models.OneToOneField(CampaignStep, on_delete=models.PROTECT, related_name="+")

    @property
    def population_size(self) -> int:
        return self.population.size

    @property
    def population_digest(self) -> str:
        return self.population.digest

    @property
    def population_entry_id(self) -> int:
        return self.population.entry_id


class SampledCase(AppendOnlyModel):
    """A case drawn for inspection: `order` is its rank among its agency's cases (1 first)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="sampled")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="+")
    order = models.PositiveIntegerField()
    score = models.CharField(max_length=64)  # HMAC-SHA256(seed, case id), hex

    class Meta:
        ordering = ["campaign", "agency", "order"]
        constraints = [models.UniqueConstraint(fields=["campaign", "case"], name="campaign_case_sampled_once"),
                       models.UniqueConstraint(fields=["campaign", "agency", "order"], name="campaign_sample_order")]


class Finding(AppendOnlyModel):
    """What was found on one sampled case for one check item. The latest row per (sampled case, item) counts; a
    correction is a new row that `supersedes` the one it replaces."""

    sampled = models.ForeignKey(SampledCase, on_delete=models.PROTECT, related_name="findings")
    item = models.PositiveSmallIntegerField("检查项目序号")  # index into the campaign's checklist
    result = models.CharField("检查结果", max_length=10, choices=Result.choices)
    text = models.TextField("情况说明", blank=True)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")
    step = models.ForeignKey(CampaignStep, on_delete=models.PROTECT, related_name="findings")

    class Meta:
        ordering = ["sampled", "item", "id"]


class CampaignDocument(AppendOnlyModel):
    """A sealed PDF: the inspection report or the notice, with its 文号 and the text it was made from."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="documents")
    # The organising bureau (the campaign's), so that a 文号 is unique per bureau: a numbering bug fails loudly.
    bureau = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=DocumentKind.choices)
    number = models.CharField("文号", max_length=60)
    issued_on = models.DateField("成文日期")
    text = models.TextField()
    blob = models.ForeignKey("ledger.Blob", on_delete=models.PROTECT, related_name="+")
    signer_sha256 = models.CharField(max_length=64)
    pages = models.PositiveIntegerField(null=True)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["campaign", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "kind"], name="campaign_one_document_per_kind"),
                       models.UniqueConstraint(fields=["bureau", "number"], name="campaign_document_number_once")]


class NoticeDelivery(AppendOnlyModel):
    """The notice sent to one agency inspected (at publication)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="deliveries")
    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="campaign_notices")
    step = models.ForeignKey(CampaignStep, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["campaign", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "agency"], name="campaign_notice_once_per_agency")]


class NoticeReceipt(AppendOnlyModel):
    """The agency's acknowledgement of the notice (签收), by one of its heads."""

    delivery = models.OneToOneField(NoticeDelivery, on_delete=models.PROTECT, related_name="receipt")
    step = models.OneToOneField(CampaignStep, on_delete=models.PROTECT, related_name="+")
