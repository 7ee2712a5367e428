from django.contrib import admin

from .models import ApiToken, CalendarYear, SecurityEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records are shown, never edited or deleted here (STYLE habit 6)."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyAdmin):
    list_display = ("year", "source", "loaded_by", "loaded_at", "supersedes")


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "user", "username", "ip_address", "path", "permission")
    list_filter = ("kind",)
    search_fields = ("username", "path", "permission")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("digest", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False  # tokens are issued with `manage.py api_token_issue`, which shows the key once
