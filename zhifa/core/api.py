"""API plumbing shared by every app: authentication and the error shape."""

from django.utils import timezone
from ninja.security import HttpBearer, django_auth

from .models import ApiToken, SecurityEventKind
from .services import security_event_record


class TokenAuth(HttpBearer):
    """`Authorization: Bearer zf_…` for machine clients (external case systems, scripts)."""

    def authenticate(self, request, token):
        row = (
            ApiToken.objects.select_related("user")
            .filter(digest=ApiToken.digest_of(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if row is None:
            security_event_record(kind=SecurityEventKind.TOKEN_FAILED, request=request, detail="invalid API token")
            return None
        now = timezone.now()
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


# Token for machines, the session (with CSRF) for people using the pages.
API_AUTH = [TokenAuth(), django_auth]
