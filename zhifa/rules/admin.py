from django.contrib import admin

from zhifa.core.admin import ReadOnlyAdmin

from .models import RuleVersion


@admin.register(RuleVersion)
class RuleVersionAdmin(ReadOnlyAdmin):
    list_display = ("key", "jurisdiction", "effective_from", "ruleset", "source", "created_at")
    list_filter = ("key", "ruleset")
