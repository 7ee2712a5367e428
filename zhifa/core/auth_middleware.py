"""Session lifetime and the second factor, enforced on every request (issue 14 §6).

SessionLifetimeMiddleware logs a session out after ZHIFA_SESSION_IDLE_MINUTES without a request and
ZHIFA_SESSION_MAX_HOURS after its login, however active. SecondFactorMiddleware lets a user who logged in with the
password only reach the second-factor pages (and the login and logout) until the session passed the second
factor: a user with a device verifies, a user whose roles require one and who has none enrols. Both answer the
API with 401 JSON and a code, pages with a redirect. Requests authenticated by an API token carry no session and
are not concerned (tokens are issued from a verified session: zhifa.core.tokens).
"""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .error_views import is_api, json_error
from .errors import CoreErrorCode
from .models import SecurityEventKind
from .otp import has_second_factor, is_verified, otp_required
from .services import security_event_record

LOGIN_AT = "zhifa_login_at"  # epoch seconds of the login (set by the user_logged_in receiver, core.signals)
SEEN_AT = "zhifa_seen_at"  # epoch seconds of the last request, to the minute
SEEN_GRANULARITY = 60  # the session is written at most once a minute for activity alone

IDLE_MESSAGE = "由于长时间未操作，您已自动退出登录，请重新登录。"
MAX_MESSAGE = "登录已超过最长有效时间，请重新登录。"


def _htmx_aware(request, response):
    """An htmx request follows a redirect inside the page; tell it to load the target as a whole page."""
    if request.headers.get("HX-Request") and response.status_code in (301, 302):
        swap = HttpResponse(status=200)
        swap["HX-Redirect"] = response["Location"]
        return swap
    return response


class SessionLifetimeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            now = time.time()
            login_at = session.get(LOGIN_AT)
            seen_at = session.get(SEEN_AT)
            if login_at is None:  # a session from before this control: its lifetime starts now
                session[LOGIN_AT] = login_at = now
            reason = None
            if now - login_at > settings.ZHIFA_SESSION_MAX_HOURS * 3600:
                reason = "max"
            elif seen_at is not None and now - seen_at > settings.ZHIFA_SESSION_IDLE_MINUTES * 60:
                reason = "idle"
            if reason:
                return self._expire(request, reason)
            if seen_at is None or now - seen_at >= SEEN_GRANULARITY:
                session[SEEN_AT] = now
        return self.get_response(request)

    def _expire(self, request, reason: str):
        message = IDLE_MESSAGE if reason == "idle" else MAX_MESSAGE
        security_event_record(kind=SecurityEventKind.SESSION_EXPIRED, request=request,
                              detail="空闲超时" if reason == "idle" else "超过最长有效时间")
        logout(request)
        if is_api(request):
            return json_error(401, CoreErrorCode.SESSION_EXPIRED, message)
        messages.info(request, message)
        next_url = request.get_full_path() if request.method == "GET" else ""
        return _htmx_aware(request, redirect_to_login(next_url) if next_url else redirect(settings.LOGIN_URL))


# Views a user between password and second factor may reach (by view name).
ALLOWED_BEFORE_SECOND_FACTOR = frozenset({"login", "logout", "otp-verify", "otp-enrol"})


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or is_verified(user):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in ALLOWED_BEFORE_SECOND_FACTOR:
            return None
        if has_second_factor(user):
            target, message = "otp-verify", "请输入验证器中的动态验证码，完成双因素认证。"
        elif otp_required(user):
            target, message = "otp-enrol", "您的角色要求启用双因素认证，请先绑定验证器。"
        else:
            return None
        if is_api(request):
            return json_error(401, CoreErrorCode.SECOND_FACTOR_REQUIRED, message)
        next_url = request.get_full_path() if request.method == "GET" else ""
        query = f"?{urlencode({'next': next_url})}" if next_url else ""
        return _htmx_aware(request, redirect(reverse(target) + query))
