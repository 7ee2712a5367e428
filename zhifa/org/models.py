"""The organisation registry (ORG-01..ORG-05): jurisdictions, agencies, units, people, certificates,
legal advisers and role grants."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhifa.core.errors import CoreErrorCode, ZhifaError
from zhifa.core.permissions import Role


class Level(models.TextChoices):
    REGION = "region", "自治区/省"
    CITY = "city", "盟/市"
    COUNTY = "county", "旗/县/区"


LEVEL_PARENT = {Level.REGION: None, Level.CITY: Level.REGION, Level.COUNTY: Level.CITY}


class Jurisdiction(models.Model):
    """A node of the region → city → county tree (ORG-01).

    `path` is the materialised path of ids ("/1/4/9/"), so a subtree is one indexed prefix query.
    """

    name = models.CharField("名称", max_length=100)
    code = models.CharField("行政区划代码", max_length=12, unique=True)
    level = models.CharField("层级", max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=255, unique=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "行政区划"
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level="region", parent__isnull=True) | Q(~Q(level="region"), parent__isnull=False),
                name="jurisdiction_region_is_root",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this node, inclusive."""
        return [int(p) for p in self.path.strip("/").split("/") if p]


class AgencyKind(models.TextChoices):
    ORGAN = "organ", "行政机关"
    AUTHORISED = "authorised", "法律法规授权组织"
    ENTRUSTED = "entrusted", "受委托组织"


class AgencyStatus(models.TextChoices):
    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "已确认"
    REVOKED = "revoked", "已撤销"


class Field(models.TextChoices):
    """Enforcement field (执法领域/执法类别) of an agency, a certificate and an adviser pool."""

    JUSTICE = "justice", "司法行政"
    MARKET = "market", "市场监管"
    ENVIRONMENT = "environment", "生态环境"
    TRANSPORT = "transport", "交通运输"
    CULTURE = "culture", "文化旅游"
    WATER = "water", "水利"
    AGRICULTURE = "agriculture", "农业农村"
    NATURAL_RESOURCES = "natural_resources", "自然资源"
    HOUSING = "housing", "住房城乡建设"
    EMERGENCY = "emergency", "应急管理"
    HEALTH = "health", "卫生健康"
    URBAN = "urban", "城市管理"
    COMPREHENSIVE = "comprehensive", "综合行政执法"


class ActionType(models.TextChoices):
    """执法行为类别 (GLOSSARY)."""

    LICENCE = "licence", "行政许可"
    PENALTY = "penalty", "行政处罚"
    COERCION = "coercion", "行政强制"
    LEVY = "levy", "行政征收征用"
    INSPECTION = "inspection", "行政检查"
    OTHER = "other", "其他"


class Agency(models.Model):
    """An enforcement agency (执法主体, ORG-02) or the justice bureau of a jurisdiction."""

    name = models.CharField("名称", max_length=200)
    kind = models.CharField("主体类别", max_length=20, choices=AgencyKind.choices)
    field = models.CharField("执法领域", max_length=30, choices=Field.choices)
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="agencies", verbose_name="所属行政区划")
    is_justice_bureau = models.BooleanField("司法行政部门", default=False)
    upper_agency = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="lower_agencies",
        verbose_name="上级业务主管部门", help_text="同一系统的上级行政执法部门（上级指导监督下级）",
    )
    entrusted_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="entrusted_organisations",
        verbose_name="委托机关", help_text="受委托组织必填",
    )
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    office_address = models.CharField("办公地址", max_length=300, blank=True)
    mailing_address = models.CharField("通信地址", max_length=300, blank=True)
    enquiry_phone = models.CharField("咨询电话", max_length=50, blank=True)
    supervision_phone = models.CharField("监督电话", max_length=50, blank=True)
    duties = models.TextField("职责", blank=True)
    enforcement_types = models.JSONField("执法类型", default=list, help_text="执法行为类别代码列表")
    enforcement_area = models.CharField("执法区域", max_length=300, blank=True)
    status = models.CharField("主体资格", max_length=20, choices=AgencyStatus.choices, default=AgencyStatus.PENDING)
    # Issue 18 §2: what the standard documents print (REC-02). The abbreviation heads the document number
    # (文号, e.g. "X市监罚〔2026〕9号"); the seal image stands over the date of a sealed document; the fine
    # collector, reconsideration organ and court fill 履行方式 (行政处罚法 §59, §67) and 救济途径 (§59;
    # 行政强制法 §24).
    abbreviation = models.CharField("文书简称", max_length=20, blank=True,
                                    help_text="文号中的机关代字，如“东市监”，文号为“东市监罚〔2026〕9号”")
    seal_image = models.FileField("印章图像", upload_to="seals/", blank=True,
                                  help_text="PNG 或 SVG，透明底，盖于文书落款日期之上")
    fine_collector = models.CharField("罚款代收机构", max_length=200, blank=True,
                                      help_text="如“中国工商银行东城支行及其各营业网点”")
    reconsideration_organ = models.CharField("行政复议机关", max_length=200, blank=True,
                                             help_text="如“东城区人民政府”")
    litigation_court = models.CharField("行政诉讼管辖法院", max_length=200, blank=True,
                                        help_text="如“东城区人民法院”")
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "执法主体"
        ordering = ["jurisdiction__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="agency_name_unique_in_jurisdiction"),
            models.UniqueConstraint(
                fields=["jurisdiction"], condition=Q(is_justice_bureau=True), name="one_justice_bureau_per_jurisdiction"
            ),
            models.CheckConstraint(
                condition=~Q(kind="entrusted") | Q(entrusted_by__isnull=False), name="entrusted_agency_names_entruster"
            ),
        ]
        indexes = [models.Index(fields=["status", "jurisdiction"])]

    def __str__(self):
        return self.name

    def get_enforcement_types_display(self) -> str:
        """The enforcement types as people call them (ActionType labels), not the stored codes."""
        return "、".join(ActionType(t).label for t in self.enforcement_types if t in ActionType.values)


class UnitKind(models.TextChoices):
    HANDLING = "handling", "执法承办机构"
    REVIEW = "review", "法制审核机构"
    OTHER = "other", "其他内设机构"


class Unit(models.Model):
    """An internal unit of an agency. Handling and review are separate units (IM-M §27)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="units")
    name = models.CharField("名称", max_length=200)
    kind = models.CharField("类别", max_length=20, choices=UnitKind.choices)
    duties = models.TextField("职责", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "内设机构"
        ordering = ["agency", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="unit_name_unique_in_agency")]

    def __str__(self):
        return f"{self.agency} · {self.name}"


class Person(models.Model):
    """Anyone who works in an agency: officers, reviewers, heads, editors (ORG-03, ORG-04)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="person")
    name = models.CharField("姓名", max_length=50)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="people")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="people")
    post = models.CharField("职务", max_length=100, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    photo = models.FileField("照片", upload_to="people/photos/", blank=True)
    is_reviewer = models.BooleanField("法制审核人员", default=False)
    legal_qualification_number = models.CharField("法律职业资格证书编号", max_length=50, blank=True)
    legal_qualification_date = models.DateField("取得法律职业资格日期", null=True, blank=True)
    active = models.BooleanField("在岗", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "人员"
        ordering = ["agency", "name", "id"]
        # The list order (agency, name, id): a page of a large list is read off the index, not sorted.
        indexes = [models.Index(fields=["agency", "active"]), models.Index(fields=["agency", "name", "id"])]

    def __str__(self):
        return self.name

    @property
    def has_legal_qualification(self) -> bool:
        return bool(self.legal_qualification_number)


class Certificate(models.Model):
    """An enforcement certificate (行政执法证, ORG-03). Only a valid one allows enforcement work."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="certificates")
    number = models.CharField("执法证号", max_length=50, unique=True)
    category = models.CharField("执法类别", max_length=30, choices=Field.choices)
    area = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+", verbose_name="执法区域")
    valid_from = models.DateField("有效期自")
    valid_to = models.DateField("有效期至")
    revoked_at = models.DateTimeField("注销时间", null=True, blank=True)
    revoked_reason = models.CharField("注销原因", max_length=200, blank=True)
    issued_by = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="发证机关")

    class Meta:
        verbose_name = verbose_name_plural = "执法证件"
        ordering = ["-valid_to"]
        constraints = [models.CheckConstraint(condition=Q(valid_to__gte=models.F("valid_from")), name="certificate_period_ordered")]
        indexes = [models.Index(fields=["person", "valid_to"])]

    def __str__(self):
        return self.number

    def is_valid_on(self, day) -> bool:
        """Within its period and not revoked. A suspension is a separate row: `in_force_on` adds it, and
        org.selectors (valid_certificate_q, officer_eligibility) decide who may enforce with both."""
        return self.revoked_at is None and self.valid_from <= day <= self.valid_to

    def suspension_on(self, day):
        """The suspension (暂扣) covering `day`, or None. Reads `suspensions` (prefetch them for a list)."""
        return next((s for s in self.suspensions.all() if s.covers(day)), None)

    def in_force_on(self, day) -> bool:
        return self.is_valid_on(day) and self.suspension_on(day) is None


LIFT_FIELDS = ("lifted_on", "lift_reason", "lifted_by", "lifted_at")


def _suspension_refused():
    raise ZhifaError(CoreErrorCode.APPEND_ONLY, "执法证件暂扣记录只能追加；除一次解除暂扣外，不能修改或删除。")


class CertificateSuspensionQuerySet(models.QuerySet):
    """No bulk change: lifting goes through `save(update_fields=LIFT_FIELDS)`, which checks it happens once."""

    def update(self, **kwargs):
        _suspension_refused()

    def delete(self):
        _suspension_refused()


class CertificateSuspension(models.Model):
    """A certificate withheld (暂扣) for a period: the holder may not enforce meanwhile (ORG-03; IM-M §3).

    Append-only in substance: a suspension is never edited or deleted. Its planned end (`ends_on`) is given when
    it is recorded, or left open; lifting it early sets `lifted_on` once, with who and why. A suspension covers
    the days from `starts_on` through `ends_on`, and stops covering from `lifted_on` on.
    """

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="suspensions",
                                    verbose_name="执法证件")
    starts_on = models.DateField("暂扣起始日期")
    ends_on = models.DateField("暂扣截止日期", null=True, blank=True, help_text="不填写则至解除暂扣之日")
    reason = models.CharField("暂扣原因", max_length=300)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="登记人")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    lifted_on = models.DateField("解除暂扣日期", null=True, blank=True, help_text="自该日起恢复有效")
    lift_reason = models.CharField("解除原因", max_length=300, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="解除登记人")
    lifted_at = models.DateTimeField("解除登记时间", null=True, blank=True)

    objects = CertificateSuspensionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "执法证件暂扣"
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                                   name="suspension_period_ordered"),
            models.CheckConstraint(condition=Q(lifted_on__isnull=True) | Q(lifted_on__gte=models.F("starts_on")),
                                   name="suspension_lifted_after_start"),
        ]
        indexes = [models.Index(fields=["certificate", "starts_on"])]

    def __str__(self):
        return f"{self.certificate_id} 暂扣（{self.starts_on} 起）"

    def save(self, *args, **kwargs):
        """Append-only (STYLE habit 6) but for the one lift: a save of an existing row must name exactly the lift
        fields, set `lifted_on`, and find the stored row not yet lifted."""
        if not self._state.adding:
            if (set(kwargs.get("update_fields") or ()) != set(LIFT_FIELDS) or self.lifted_on is None
                    or not type(self).objects.filter(pk=self.pk, lifted_on__isnull=True).exists()):
                _suspension_refused()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _suspension_refused()

    def covers(self, day) -> bool:
        return (self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)
                and (self.lifted_on is None or day < self.lifted_on))

    @property
    def effective_end(self):
        """The last day it covers, or None while open-ended."""
        ends = [d for d in (self.ends_on, self.lifted_on and self.lifted_on - dt.timedelta(days=1)) if d]
        return min(ends) if ends else None


class AdviserKind(models.TextChoices):
    LEGAL_ADVISER = "legal_adviser", "法律顾问"
    PUBLIC_LAWYER = "public_lawyer", "公职律师"


class Adviser(models.Model):
    """A legal adviser or public lawyer in a system-wide pool that agencies may borrow (ORG-04; KY; IM-P).

    The pool is defined by field and jurisdiction: the adviser may be lent to agencies of the same
    field within `pool_jurisdiction`'s subtree.
    """

    name = models.CharField("姓名", max_length=50)
    kind = models.CharField("类别", max_length=20, choices=AdviserKind.choices)
    field = models.CharField("所属系统", max_length=30, choices=Field.choices)
    pool_jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+", verbose_name="统筹调用范围")
    home_agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="advisers", verbose_name="所在单位")
    organisation = models.CharField("执业机构", max_length=200, blank=True)
    legal_qualification_number = models.CharField("法律职业资格证书编号", max_length=50)
    practice_certificate_number = models.CharField("执业证/公职律师证号", max_length=50, blank=True)
    active = models.BooleanField("可调用", default=True)
    person = models.OneToOneField(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="adviser")

    class Meta:
        verbose_name = verbose_name_plural = "法律顾问与公职律师"
        ordering = ["field", "name"]

    def __str__(self):
        return f"{self.name}（{self.get_kind_display()}）"


class AdviserLoan(models.Model):
    """An adviser lent to an agency for a period, to help with legal review."""

    adviser = models.ForeignKey(Adviser, on_delete=models.PROTECT, related_name="loans")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="borrowed_advisers")
    starts_on = models.DateField("起始日期")
    ends_on = models.DateField("截止日期")
    reason = models.CharField("事由", max_length=300)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "调用记录"
        ordering = ["-starts_on"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="loan_period_ordered")]

    def __str__(self):
        return f"{self.adviser} → {self.agency}（{self.starts_on} 至 {self.ends_on}）"


class RoleGrant(models.Model):
    """A role held by a user for one agency or for one jurisdiction subtree (ORG-05)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grants")
    role = models.CharField("角色", max_length=30, choices=Role.choices)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="grants")
    jurisdiction = models.ForeignKey(Jurisdiction, null=True, blank=True, on_delete=models.PROTECT, related_name="grants")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "角色授权"
        constraints = [
            models.CheckConstraint(
                condition=Q(agency__isnull=False, jurisdiction__isnull=True) | Q(agency__isnull=True, jurisdiction__isnull=False),
                name="grant_scoped_to_agency_xor_jurisdiction",
            ),
        ]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.agency or self.jurisdiction}"
