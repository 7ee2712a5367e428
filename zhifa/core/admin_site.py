"""/admin/ needs a session that passed the second factor (issue 14 §6).

The default admin site (admin.site, which every app's admin.py registers with) is this OTPAdminSite: a staff
user whose session has not passed the second factor is treated as having no admin access, whatever
ZHIFA_OTP_REQUIRED says. Logging in goes through zhifa's own login and second-factor pages (lockout, security
log); the admin's own login form is never served.
"""

from functools import update_wrapper
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.admin import OTPAdminSite

from .errors import PermissionDeniedError
from .models import SecurityEventKind
from .otp import has_second_factor, is_verified
from .services import security_event_record


class ZhifaAdminSite(OTPAdminSite):
    def __init__(self, name="admin"):
        super().__init__(name)

    def admin_view(self, view, cacheable=False):
        """A signed-in user who may not use the admin is refused (403, logged) on every admin page, instead of being
        redirected to a login page they have already passed."""
        inner = super().admin_view(view, cacheable)

        def refused_unless_staff(request, *args, **kwargs):
            user = request.user
            if user.is_authenticated and not (user.is_active and user.is_staff):
                _deny(request)
            return inner(request, *args, **kwargs)

        return update_wrapper(refused_unless_staff, inner)

    def login(self, request, extra_context=None):
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(next_url)
        # Who may use the admin at all is checked first: someone who may not is refused (and logged), not asked
        # to enrol or enter a second factor for a site they cannot use.
        if not (user.is_active and user.is_staff):
            _deny(request)
        if not is_verified(user):
            target = "otp-verify" if has_second_factor(user) else "otp-enrol"
            return redirect(f"{reverse(target)}?{urlencode({'next': next_url})}")
        _deny(request)


def _deny(request):
    security_event_record(kind=SecurityEventKind.DENIED, request=request, permission="admin")
    raise PermissionDeniedError("您没有系统管理权限。")
