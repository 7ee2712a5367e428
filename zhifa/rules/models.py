from django.conf import settings
from django.db import models

from zhifa.core.models import AppendOnlyModel

from .catalogue import CATALOGUE


class RuleVersion(AppendOnlyModel):
    """One value of one rule key for one jurisdiction (or the national baseline), from a date on.

    Inherited down the tree: the lookup takes the nearest node that has a version in force. A
    mistaken version is corrected by a new one that supersedes it; nothing is edited (habit 6).
    """

    jurisdiction = models.ForeignKey(
        "org.Jurisdiction", null=True, blank=True, on_delete=models.PROTECT, related_name="rule_versions",
        help_text="空表示全国基线",
    )
    key = models.CharField("规则项", max_length=60, choices=[(k, r.label) for k, r in CATALOGUE.items()])
    value = models.JSONField("取值")
    effective_from = models.DateField("施行日期")
    source = models.CharField("依据", max_length=300)
    ruleset = models.CharField("规则集", max_length=30, blank=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "规则版本"
        ordering = ["key", "-effective_from", "-id"]
        indexes = [models.Index(fields=["key", "jurisdiction", "effective_from"])]

    def __str__(self):
        return f"{self.key} @ {self.jurisdiction or '全国'} 自 {self.effective_from}"
