"""Notifications (issue 18 §1): one row when an item first lands on a person's to-do list.

Append-only (STYLE habit 6): the one change a row ever sees is `read_at`, set when its recipient opens it.
"""

from django.conf import settings
from django.db import models

from zhifa.core.errors import CoreErrorCode, ZhifaError


def _refuse():
    raise ZhifaError(CoreErrorCode.APPEND_ONLY, "通知只能追加；除标记为已读外，不能修改或删除。")


class NotificationQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if set(kwargs) != {"read_at"}:
            _refuse()
        return super().update(**kwargs)

    def delete(self):
        _refuse()


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications",
                                  verbose_name="接收人")
    key = models.CharField("待办标识", max_length=200, help_text="core.todo.TodoItem.key: one notification per item")
    kind = models.CharField("待办类别", max_length=60)
    title = models.CharField("事项", max_length=300)
    label = models.CharField("对象", max_length=400, blank=True)
    url = models.CharField("办理页面", max_length=500)
    due_on = models.DateField("期限", null=True, blank=True)
    created_at = models.DateTimeField("通知时间", auto_now_add=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "待办通知"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_item")]
        # Issue 19 §2: the list's keyset pages walk (recipient, created_at, id) from the cursor, never sort.
        indexes = [models.Index(fields=["recipient", "read_at"]),
                   models.Index(fields=["recipient", "-created_at", "-id"], name="notification_list_keyset")]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self._state.adding and list(kwargs.get("update_fields") or ()) != ["read_at"]:
            _refuse()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse()
