from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

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
class ApiTokenAdmin(ReadOnlyAdmin):
    """Shown here; issued and revoked on 接口令牌 (/accounts/tokens/) or with `manage.py api_token_issue`, which
    log it (issue 14 §7)."""

    list_display = ("name", "user", "created_at", "expires_at", "last_used_at", "revoked_at", "revoked_by")
    exclude = ("digest",)


# Issue 14 §6: second-factor devices change only through core.otp (enrolment, or an administrator's reset on
# /accounts/second-factor/reset/), which logs each change; django-otp's own admin pages would not.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
