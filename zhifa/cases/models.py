"""Enforcement cases: parties, officers, stages and text records (REC-01, REC-02, PUB-12)."""

from django.conf import settings
from django.db import models

from zhifa.core.models import AppendOnlyModel
from zhifa.org.models import ActionType


class Stage(models.TextChoices):
    """启动、调查取证、审核决定、送达执行、归档 (IM-M §15; AZ-R §3, §9)."""

    START = "start", "启动"
    INVESTIGATION = "investigation", "调查取证"
    DECISION = "decision", "审核决定"
    SERVICE_ENFORCEMENT = "service_enforcement", "送达执行"
    ARCHIVE = "archive", "归档"


class Procedure(models.TextChoices):
    SIMPLIFIED = "simplified", "简易程序"
    ORDINARY = "ordinary", "普通程序"


class Case(models.Model):
    """One enforcement matter from start to archive. Its stage moves only through workflow.TRANSITIONS."""

    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="cases")
    handling_unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="cases")
    number = models.CharField("案号", max_length=40)
    title = models.CharField("案由", max_length=300)
    action_type = models.CharField("执法行为类别", max_length=20, choices=ActionType.choices)
    procedure = models.CharField("程序", max_length=20, choices=Procedure.choices)
    place = models.ForeignKey("org.Jurisdiction", on_delete=models.PROTECT, related_name="+", verbose_name="执法地点所在区划")
    legal_basis = models.TextField("法律依据")
    stage = models.CharField("阶段", max_length=30, choices=Stage.choices, default=Stage.START)
    opened_at = models.DateTimeField("立案时间", auto_now_add=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    external_system = models.CharField(max_length=100, blank=True)
    external_id = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "执法案件"
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "number"], name="case_number_unique_in_agency"),
            models.UniqueConstraint(fields=["external_system", "external_id"], condition=~models.Q(external_id=""),
                                    name="case_external_id_unique"),
        ]
        # The list order: a supervisor's page over many agencies walks this index instead of sorting every case.
        indexes = [models.Index(fields=["agency", "stage"]), models.Index(fields=["agency", "-opened_at", "-id"]),
                   models.Index(fields=["-opened_at", "-id"]),
                   # Issue 19 §2: the list filtered by stage pages by cursor along this index, never sorts the stage.
                   models.Index(fields=["stage", "-opened_at", "-id"], name="case_stage_list_keyset")]

    def __str__(self):
        return f"{self.number} {self.title}"


class PartyKind(models.TextChoices):
    NATURAL = "natural", "自然人"
    ORGANISATION = "organisation", "法人或其他组织"


class Party(AppendOnlyModel):
    """当事人. The ID number is personal data: lists and exports show it masked unless the role needs it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="parties")
    kind = models.CharField("类别", max_length=20, choices=PartyKind.choices)
    name = models.CharField("姓名/名称", max_length=200)
    id_number = models.CharField("身份证号/统一社会信用代码", max_length=18)
    address = models.CharField("住址/住所", max_length=300, blank=True)
    # Issue 18 §2: the party block of a decision names the legal representative (or the person in charge) of a
    # legal person or other organisation, as the national document formats do.
    legal_representative = models.CharField("法定代表人（负责人）", max_length=100, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    external_id = models.CharField(max_length=100, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "当事人"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["case", "external_id"], condition=~models.Q(external_id=""),
                                               name="party_external_id_unique")]

    def __str__(self):
        return self.name

    @property
    def masked_id(self) -> str:
        n = self.id_number
        return n[:6] + "*" * (len(n) - 10) + n[-4:] if len(n) > 10 else "*" * len(n)


class CaseOfficer(AppendOnlyModel):
    """An officer assigned to a case, with the certificate that allowed it (ORG-03)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="officers")
    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="case_assignments")
    certificate_number = models.CharField(max_length=50)
    assigned_at = models.DateTimeField(auto_now_add=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "承办执法人员"
        constraints = [models.UniqueConstraint(fields=["case", "person"], name="case_officer_once")]

    def __str__(self):
        return f"{self.person} ({self.certificate_number})"


class StageChange(AppendOnlyModel):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="stage_changes")
    from_stage = models.CharField(max_length=30, choices=Stage.choices)
    to_stage = models.CharField(max_length=30, choices=Stage.choices)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_stage} → {self.to_stage}"


class Document(AppendOnlyModel):
    """A text record in a standard form (REC-02). A correction is a new version that supersedes this one."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    form = models.CharField("文书", max_length=40)
    version = models.PositiveIntegerField(default=1)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by")
    correction_reason = models.CharField("更正原因", max_length=300, blank=True)
    elements = models.JSONField("记录要素")
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")
    external_id = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "文字记录"
        ordering = ["recorded_at", "id"]
        indexes = [models.Index(fields=["case", "form"])]
        constraints = [models.UniqueConstraint(fields=["case", "external_id"], condition=~models.Q(external_id=""),
                                               name="document_external_id_unique")]

    def __str__(self):
        return f"{self.form} v{self.version}"

    def get_form_display(self) -> str:
        """The form's title (doctypes.FORMS), as pages show it; the code is API vocabulary."""
        from .doctypes import FORMS  # doctypes imports this module for Stage

        return FORMS[self.form].title if self.form in FORMS else self.form


class DocumentNumber(AppendOnlyModel):
    """文号 (issue 18 §2, REC-02): "东市监罚决〔2026〕9号" — the agency's abbreviation, the kind characters of the
    form, the year and a serial, gap-free per agency, year and kind. Given once, when the first version of a
    document is first issued; a corrected version keeps its number (numbering.number_for walks the chain)."""

    document = models.OneToOneField(Document, on_delete=models.PROTECT, related_name="number_record",
                                    help_text="the first version of the document")
    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField("年度")
    kind = models.CharField("文书代字", max_length=10)
    serial = models.PositiveIntegerField("顺序号")
    text = models.CharField("文号", max_length=80)
    # The document's date (成文日期, 行政处罚法 第五十九条 "作出决定的日期"), from which the fifteen days to pay
    # (第六十七条) and the sixty days and six months of the remedies run: the day of its first issue, stored once
    # and printed by every rendition of every version, issued whenever, and by the case-file index.
    issued_on = models.DateField("成文日期")
    assigned_at = models.DateTimeField(auto_now_add=True)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "文书文号"
        constraints = [models.UniqueConstraint(fields=["agency", "year", "kind", "serial"],
                                               name="document_number_unique")]

    def __str__(self):
        return self.text


class Rendition(models.TextChoices):
    PDF = "pdf", "PDF（电子签章）"
    DOCX = "docx", "Word"


class DocumentRendition(AppendOnlyModel):
    """A document version rendered from its template (REC-02: electronic and paper agree), stored in the
    evidence store. The PDF carries the agency's PAdES signature. One per version and format: issuing
    again returns the same file, so what was served is what the log says was issued."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="renditions")
    kind = models.CharField(max_length=10, choices=Rendition.choices)
    blob = models.ForeignKey("ledger.Blob", on_delete=models.PROTECT, related_name="+")
    signer_sha256 = models.CharField("签章证书指纹", max_length=64, blank=True)
    # A PDF's page count, counted once at issue: the case-file index numbers its pages from it without reading or
    # rendering anything (null: a Word file, or a PDF issued before the count was kept — read from the file).
    pages = models.PositiveIntegerField("页数", null=True, blank=True)
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "文书文本"
        constraints = [models.UniqueConstraint(fields=["document", "kind"], name="one_rendition_per_kind")]


class Consultation(AppendOnlyModel):
    """调阅 (REC-15; KY; AZ-R §19): someone outside a case states why they read it. The statement opens the
    case to them until `expires_at`, on every door alike (pages by session, API by token), so it lives here
    and not in a session. Every read it covers is logged against it (cases.content_read)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="consultations")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("调阅事由", max_length=300)
    opened_at = models.DateTimeField("调阅时间")
    expires_at = models.DateTimeField("有效至")
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "调阅登记"
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["case", "actor", "-expires_at"])]

    def __str__(self):
        return f"{self.actor} {self.opened_at:%Y-%m-%d %H:%M} {self.reason}"
