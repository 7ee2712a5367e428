"""Alerts of the problem models (issue 20 §3; SUP-04).

One open alert per (case, model) — or (agency, model) for models about an agency as a whole — held by partial unique
constraints. The `Alert` row carries the current state, level and latest evaluation (as `review.Review` carries its
state and clock); its history is the append-only `AlertStep` rows, each with its ledger entry. Only the engine's and
the workflow's bookkeeping changes an alert: its state, level and latest evaluation's words and figures (`detail`,
`due`, `evidence`), each change a move through core.workflow with its step (raise, lower, refresh, close).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhifa.core.models import AppendOnlyModel

from .registry import Level, Scope
from .workflow import AlertState


class Alert(models.Model):
    agency = models.ForeignKey("org.Agency", on_delete=models.PROTECT, related_name="supervision_alerts",
                               verbose_name="执法主体")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="supervision_alerts", verbose_name="案件", help_text="空：关于执法主体整体的预警")
    model = models.CharField("问题模型", max_length=10)
    scope = models.CharField("对象", max_length=10, choices=Scope.choices, default=Scope.CASE)
    level = models.CharField("等级", max_length=10, choices=Level.choices)
    state = models.CharField("状态", max_length=10, choices=AlertState.choices, default=AlertState.OPEN)
    detail = models.CharField("情况", max_length=500)
    due = models.DateField("期限", null=True, blank=True)
    evidence = models.JSONField("依据数据", default=dict, blank=True)
    opened_at = models.DateTimeField("生成时间")
    level_changed_at = models.DateTimeField("等级变化时间")
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    close_reason = models.CharField("关闭理由", max_length=500, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="关闭人", help_text="空：系统自动关闭")

    class Meta:
        verbose_name = verbose_name_plural = "监督预警"
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "model"], condition=Q(state="open", case__isnull=False),
                                    name="alert_open_once_per_case"),
            models.UniqueConstraint(fields=["agency", "model"], condition=Q(state="open", case__isnull=True),
                                    name="alert_open_once_per_agency"),
        ]
        indexes = [
            # The queue: open alerts newest first (keyset on opened_at, id), within an agency or the whole scope.
            models.Index(fields=["state", "opened_at", "id"], name="alert_queue_keyset"),
            models.Index(fields=["state", "agency", "opened_at"], name="alert_agency_open"),
            models.Index(fields=["state", "model"], name="alert_model_open"),
        ]

    def __str__(self):
        return f"{self.model} {self.get_level_display()} {self.detail[:30]}"

    @property
    def is_open(self) -> bool:
        return self.state == AlertState.OPEN


class AlertStep(AppendOnlyModel):
    """One move of an alert: opened, raised, lowered, refreshed, closed (by the engine or a supervisor), with its
    entry and the evaluation it recorded (detail, due date, evidence)."""

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="steps")
    action = models.CharField("环节", max_length=20)
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10)
    from_level = models.CharField(max_length=10, blank=True)
    to_level = models.CharField(max_length=10)
    detail = models.CharField("情况", max_length=500)
    # The evaluation the step recorded (the alert's row holds only the latest one).
    due = models.DateField("期限", null=True, blank=True)
    evidence = models.JSONField("依据数据", default=dict, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    entry = models.OneToOneField("ledger.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "监督预警记录"
        ordering = ["alert", "at", "id"]

    def get_to_level_display(self) -> str:
        return Level(self.to_level).label if self.to_level in Level.values else self.to_level

    def get_from_level_display(self) -> str:
        return Level(self.from_level).label if self.from_level in Level.values else ""
