"""Login lockout (issue 14 §6): by username across addresses, and by address across usernames.

django-axes counts failures per criterion of AXES_LOCKOUT_PARAMETERS (["username", "ip_address"]: each its own
criterion) and locks when the worst criterion reaches the one AXES_FAILURE_LIMIT. An address needs a higher
limit than a username (an office behind one NAT address shares it), so this handler measures each criterion
against its own limit: the username against AXES_FAILURE_LIMIT, the address against
ZHIFA_LOGIN_ADDRESS_FAILURE_LIMIT. The address is zhifa.core.net.client_ip (AXES_CLIENT_IP_CALLABLE): a
forwarded header counts only from a trusted proxy.

Failures are cleared by `login_completed` when both factors have passed, for that username only
(AXES_RESET_ON_SUCCESS is off): see config/settings.py.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def limit_of(parameter) -> int:
    """The failure limit of one lockout criterion."""
    if parameter == "ip_address":
        return settings.ZHIFA_LOGIN_ADDRESS_FAILURE_LIMIT
    return settings.AXES_FAILURE_LIMIT


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        """The failures of the worst criterion, scaled to AXES_FAILURE_LIMIT, which axes compares them with:
        a criterion with limit L and n failures counts n·base // L, which reaches `base` exactly when n ≥ L."""
        base = settings.AXES_FAILURE_LIMIT
        parameters = get_lockout_parameters(request, credentials)
        worst = 0
        for parameter, attempts in zip(parameters, self.get_user_attempts(request, credentials), strict=True):
            count = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            worst = max(worst, count * base // limit_of(parameter))
        return worst


def credentials_of(user) -> dict:
    return {settings.AXES_USERNAME_FORM_FIELD: user.get_username()}


def is_locked(request, user) -> bool:
    """Whether `user`'s username, or the request's address, is locked out now."""
    return AxesProxyHandler.is_locked(request, credentials_of(user))


def failure_record(request, user) -> bool:
    """Count a failed step of `user`'s login (a wrong second-factor code) as axes counts a wrong password.
    True when this failure locks the username or the address; the request then carries axes_locked_out, so
    AxesMiddleware answers with the lockout page."""
    AxesProxyHandler.user_login_failed(sender=failure_record, credentials=credentials_of(user), request=request)
    return bool(getattr(request, "axes_locked_out", False))


def login_completed(user) -> None:
    """Both factors passed: clear the failures counted against this username (from any address). Failures
    from an address over other usernames stay, so a login with one's own account cannot reset a spray."""
    AccessAttempt.objects.filter(username=user.get_username()).delete()
