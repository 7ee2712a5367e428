"""Audit receivers for authentication events (issue 2 §4: every login, failure and lockout recorded).

These are Django's and django-axes' own signals: the only way to observe logins made by
contrib.auth's views. Domain writes never use signals (STYLE habit 1).
"""

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .auth_middleware import LOGIN_AT, SEEN_AT
from .lockout import login_completed
from .models import SecurityEventKind
from .otp import has_second_factor, otp_required
from .services import security_event_record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    security_event_record(kind=SecurityEventKind.LOGIN, request=request, user=user)
    # Issue 14 §6: the session's absolute lifetime counts from here (core.auth_middleware).
    # Idle time counts from the login too, so the first request after it need not write the session again.
    request.session[LOGIN_AT] = request.session[SEEN_AT] = time.time()
    # Without a second step the login is complete: clear this username's failures (core.lockout). With one,
    # core.otp clears them when the code is right, so a known password cannot reset the count of wrong codes.
    if not (has_second_factor(user) or otp_required(user)):
        login_completed(user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        security_event_record(kind=SecurityEventKind.LOGOUT, request=request, user=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    security_event_record(
        kind=SecurityEventKind.LOGIN_FAILED, request=request, username=str(credentials.get("username", ""))
    )


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    security_event_record(kind=SecurityEventKind.LOCKED_OUT, request=request, username=username or "")
