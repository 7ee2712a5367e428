"""Audio/video records of enforcement (REC-03..REC-08, REC-10)."""

from django.conf import settings
from django.db import models

from zhifa.core.models import AppendOnlyModel
from zhifa.rules.catalogue import AV_ITEMS


class DeviceKind(models.TextChoices):
    BODY_CAMERA = "body_camera", "执法记录仪"
    CAMERA = "camera", "照相机/摄像机"
    RECORDER = "recorder", "录音设备"
    PHONE = "phone", "智能执法终端"
    SURVEILLANCE = "surveillance", "视频监控"


class Device(models.Model):
    """A registered recording device (REC-10; IM-M §21)."""

    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="devices")
    kind = models.CharField("类别", max_length=20, choices=DeviceKind.choices)
    serial = models.CharField("设备编号", max_length=100)
    label = models.CharField("名称", max_length=200, blank=True)
    active = models.BooleanField("在用", default=True)
    registered_at = models.DateTimeField(auto_now_add=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "音像记录设备"
        constraints = [models.UniqueConstraint(fields=["agency", "serial"], name="device_serial_unique_in_agency")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.serial}"


class RoomKind(models.TextChoices):
    INQUIRY = "inquiry", "询问室"
    HEARING = "hearing", "听证室"


class RecordingRoom(models.Model):
    """A registered recording room (询问室、听证室; IM-M §21)."""

    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="recording_rooms")
    kind = models.CharField("类别", max_length=20, choices=RoomKind.choices)
    name = models.CharField("名称", max_length=200)
    location = models.CharField("位置", max_length=300)
    registered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "音像记录场所"

    def __str__(self):
        return self.name


class Recording(AppendOnlyModel):
    """One clip: who recorded what, when, where, on which device, covering which record of the case."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="recordings")
    document = models.ForeignKey("cases.Document", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="recordings", help_text="the on-site record this clip covers")
    activity = models.CharField("执法环节", max_length=40, help_text="rules AV item code")
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="recordings")
    officer = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="recordings")
    blob = models.ForeignKey("ledger.Blob", on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField("开始时间")
    ended_at = models.DateTimeField("结束时间")
    place = models.CharField("地点", max_length=300)
    # REC-06 (IM-M §19; AZ-R §13–14): what the officer declares about how the clip began.
    device_checked = models.BooleanField("记录前已检查设备性能、电量和存储空间", default=False)
    opening_statement = models.BooleanField(
        "开始时已语音说明时间、地点、执法人员、事由和对象，并告知在场人员正在记录", default=False)
    remote = models.BooleanField("连续、异地或边远地区执法", default=False)
    remote_reason = models.CharField("未能按时上传的原因", max_length=300, blank=True)
    returned_at = models.DateTimeField("返回单位时间", null=True, blank=True)
    duration_seconds = models.FloatField("时长（秒）", null=True, blank=True, help_text="read from the media")
    media_created_at = models.DateTimeField("媒体文件记载的创建时间", null=True, blank=True)
    media_format = models.CharField(max_length=60, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")
    external_id = models.CharField(max_length=100, blank=True, help_text="the pushing system's ID (REC-09)")

    class Meta:
        verbose_name = verbose_name_plural = "音像记录"
        ordering = ["started_at", "id"]
        indexes = [models.Index(fields=["case", "started_at"])]
        constraints = [models.UniqueConstraint(fields=["case", "external_id"], condition=~models.Q(external_id=""),
                                               name="recording_external_id_unique")]

    def __str__(self):
        return f"{self.activity} {self.started_at:%Y-%m-%d %H:%M}"

    def get_activity_display(self) -> str:
        """The activity as people call it (AV_ITEMS); the code is API vocabulary, never shown on a page."""
        return AV_ITEMS.get(self.activity, self.activity)


class UploadDeadline(models.Model):
    """The upload deadline of a recording (REC-08), from the jurisdiction's rules. Kept apart from the
    recording (which never changes) because a provisional deadline is recomputed when the holiday
    calendar of its year is loaded (core.workdays)."""

    recording = models.OneToOneField(Recording, on_delete=models.PROTECT, related_name="deadline")
    due_at = models.DateTimeField("上传期限", null=True, blank=True,
                                  help_text="null: as soon as conditions allow (remote work, IM-M §20)")
    provisional = models.BooleanField(default=False)
    late = models.BooleanField("逾期上传", default=False, db_index=True)
    rule = models.CharField(max_length=300, help_text="the rule version it came from")

    class Meta:
        verbose_name = verbose_name_plural = "上传期限"

    def __str__(self):
        return f"{self.recording} 期限 {self.due_at or '具备条件后即时上传'}"


class InterruptionReason(models.TextChoices):
    DEVICE_FAULT = "device_fault", "设备故障"
    WEATHER = "weather", "天气恶劣"
    OBSTRUCTION = "obstruction", "人为阻挠"
    OTHER = "other", "其他客观原因"


class InterruptionNote(AppendOnlyModel):
    """Why recording broke off between two clips, or could not resume (REC-07; IM-M §19; AZ-R §15)."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="interruptions")
    before = models.ForeignKey(Recording, on_delete=models.PROTECT, related_name="interruption_after")
    after = models.ForeignKey(Recording, null=True, blank=True, on_delete=models.PROTECT, related_name="interruption_before")
    reason = models.CharField("中断原因", max_length=20, choices=InterruptionReason.choices)
    explanation = models.TextField("书面说明")
    spoken_on_resume = models.BooleanField("重新开始记录时已语音说明", default=False)
    head_informed = models.BooleanField("无法继续记录，已报告负责人", default=False)
    written_at = models.DateTimeField(auto_now_add=True)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "中断说明"


class TusUpload(models.Model):
    """A resumable upload in progress (tus 1.0). Mutable staging state, not a record: the recording it
    becomes is the record. The bytes stay on the app server's disk until the upload is complete.

    `offset` is the durable offset: it is written only after the staged file has been fsynced at least that
    far, so after a crash it never names a byte that is not on disk (bytes past it are dropped on resume)."""

    id = models.UUIDField(primary_key=True)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    length = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    metadata = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    recording = models.OneToOneField(Recording, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    failed = models.CharField(max_length=300, blank=True)
    terminated = models.BooleanField(default=False)
    # tus Expiration: last activity + ZHIFA_TUS_EXPIRY_HOURS; an unfinished upload past it is gone (410) and its
    # bytes and row are removed by `manage.py tus_cleanup`.
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "断点续传上传"

    def __str__(self):
        return f"{self.id} {self.offset}/{self.length}"


class Confidentiality(models.TextChoices):
    STATE_SECRET = "state_secret", "国家秘密"
    COMMERCIAL_SECRET = "commercial_secret", "商业秘密"
    PERSONAL_PRIVACY = "personal_privacy", "个人隐私"


class CaseMarking(AppendOnlyModel):
    """A confidentiality mark on a case's records (REC-13; IM-M §24)."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="markings")
    kind = models.CharField("密级/类别", max_length=30, choices=Confidentiality.choices)
    note = models.CharField("说明", max_length=300)
    marked_at = models.DateTimeField(auto_now_add=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "保密标识"

    def __str__(self):
        return self.get_kind_display()


class RequesterKind(models.TextChoices):
    PARTY = "party", "当事人"
    INTERESTED_PERSON = "interested_person", "利害关系人"
    STATE_ORGAN = "state_organ", "国家机关（监察、审判、检察、公安、审计）"
    OTHER = "other", "其他单位或个人"


class AccessRequest(models.Model):
    """A request to inspect or copy a case's records (REC-14; IM-M §24; AZ-R §18), decided by the head."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="access_requests")
    requester_kind = models.CharField("申请人类别", max_length=30, choices=RequesterKind.choices)
    requester_name = models.CharField("申请人", max_length=200)
    requester_id_number = models.CharField("身份证号/信用代码", max_length=18, blank=True)
    organ = models.CharField("国家机关名称", max_length=200, blank=True)
    purpose = models.TextField("事由与依据")
    copy = models.BooleanField("需要复制", default=False)
    status = models.CharField(max_length=20, default="pending",
                              choices=[("pending", "待审批"), ("approved", "已批准"), ("refused", "不予提供")])
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decision_reason = models.TextField(blank=True)
    shown = models.JSONField("已提供的记录", default=list, help_text="[{type, id}] of what was shown or copied")

    class Meta:
        verbose_name = verbose_name_plural = "查阅复制申请"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.requester_name} {self.get_status_display()}"


class CaseFileSeal(AppendOnlyModel):
    """The case file sealed on archiving (REC-11, REC-12): the digest of its index, and how long it is kept."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="seal")
    sealed_at = models.DateTimeField("归档时间", auto_now_add=True)
    sealed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    index_sha256 = models.CharField("案卷目录摘要", max_length=64)
    items = models.PositiveIntegerField("案卷材料数")
    retention_years = models.PositiveIntegerField("保管期限（年）", null=True, blank=True, help_text="null: permanent")
    retain_until = models.DateField("保管期满日", null=True, blank=True)
    rule = models.CharField(max_length=300, help_text="the rule version the period came from")
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "案卷封存"

    def __str__(self):
        return f"{self.case} 封存于 {self.sealed_at:%Y-%m-%d}"


class DisposalRequest(models.Model):
    """A request to destroy a case file whose retention period has ended, decided by the head (IM-M §23;
    AZ-R §20). Status is mutable; the request and the decision are each logged."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="disposal_requests")
    reason = models.TextField("销毁理由（鉴定意见）")
    status = models.CharField(max_length=20, default="pending",
                              choices=[("pending", "待审批"), ("approved", "已批准并销毁"), ("refused", "不予销毁")])
    requested_at = models.DateTimeField(auto_now_add=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decision_note = models.TextField("审批意见", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "案卷销毁申请"
        ordering = ["-requested_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["case"], condition=models.Q(status="pending"),
                                               name="one_pending_disposal_per_case")]

    def __str__(self):
        return f"{self.case} {self.get_status_display()}"
