"""The ledger's permission check. The ledger sits below org, so it asks core.permissions.can (org's scoped check,
registered at start-up) and records a refusal itself, as org.permissions.require does for the apps above it:
every denial is in the security log (issue 2 §4), before anything else is looked at."""

from zhifa.core.errors import PermissionDeniedError
from zhifa.core.models import SecurityEventKind
from zhifa.core.permissions import can
from zhifa.core.services import security_event_record


def require(request, permission: str, message: str = "") -> None:
    """Raise PermissionDeniedError, the denial recorded, unless the request's user holds `permission`."""
    if can(request.user, permission):
        return
    security_event_record(kind=SecurityEventKind.DENIED, request=request, permission=permission)
    raise PermissionDeniedError(*((message,) if message else ()))
