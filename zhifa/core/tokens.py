"""API tokens (issue 14 §7): issued with an expiry, listed and revoked by their owner or an administrator.

A token lets a machine act as its user without the second factor, so issuing one needs a session that passed
it when the user's roles require one. Tokens are issued on the tokens page or by `manage.py api_token_issue`
(an operator on the server), never with another token.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .errors import CoreErrorCode, NotFoundError, PermissionDeniedError, ZhifaError
from .models import ApiToken, SecurityEventKind, TokenIssue
from .otp import has_second_factor, is_verified, otp_required
from .permissions import can
from .services import security_event_record


def token_list_for(*, actor, everyone: bool = False):
    """The actor's own tokens; an administrator's `everyone` lists all users' tokens."""
    rows = ApiToken.objects.select_related("user", "revoked_by").order_by("-created_at", "-id")
    if everyone and can(actor, "core.manage_accounts"):
        return rows
    return rows.filter(user=actor)


def token_get_for(*, actor, token_id: int, request=None) -> ApiToken:
    """One token the actor may see (own, or any for an administrator); others are the same 404 as a missing one,
    the attempt recorded as a denial."""
    row = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if row is not None and row.user_id != actor.pk and not can(actor, "core.manage_accounts"):
        security_event_record(kind=SecurityEventKind.DENIED, request=request, user=actor,
                              permission="core.manage_accounts", detail=f"令牌 {row.pk}")
        row = None
    if row is None:
        raise NotFoundError()
    return row


def token_issue(*, user, name: str, actor=None, days: int | None = None, request=None) -> tuple[ApiToken, str]:
    """Issue a token for `user`, living `days` (at most ZHIFA_API_TOKEN_DAYS). With an actor (pages), the actor
    issues for themselves and, if their roles require a second factor, from a session that passed it. Without
    one it is the operator's command on the server. A refusal is recorded as a denial before the transaction."""
    name = (name or "").strip()
    if not name:
        raise ZhifaError(CoreErrorCode.INVALID_INPUT, "请填写令牌用途。")
    most = settings.ZHIFA_API_TOKEN_DAYS
    days = most if days is None else days
    if not 1 <= days <= most:
        raise ZhifaError(CoreErrorCode.INVALID_INPUT, f"有效期应为 1 至 {most} 天。")
    if actor is not None:
        if actor.pk != user.pk:
            security_event_record(kind=SecurityEventKind.DENIED, request=request, user=actor,
                                  detail=f"为 {user.get_username()} 签发接口令牌")
            raise PermissionDeniedError("只能为自己签发接口令牌。")
        if otp_required(actor) and not is_verified(actor):
            security_event_record(kind=SecurityEventKind.DENIED, request=request, user=actor,
                                  detail="未完成双因素认证，签发接口令牌")
            raise ZhifaError(CoreErrorCode.SECOND_FACTOR_REQUIRED, "签发接口令牌前须完成双因素认证。", status=403)
    if actor is None:
        issued_under = TokenIssue.OPERATOR
    else:
        issued_under = TokenIssue.SECOND_FACTOR if is_verified(actor) else TokenIssue.PASSWORD
    with transaction.atomic():
        row, raw = ApiToken.issue(user=user, name=name, expires_at=timezone.now() + dt.timedelta(days=days),
                                  issued_under=issued_under)
        security_event_record(kind=SecurityEventKind.TOKEN_ISSUED, request=request, user=user,
                              detail=f"令牌 {row.pk}「{name}」，有效期至 {timezone.localtime(row.expires_at):%Y-%m-%d %H:%M}"
                              + ("" if actor is not None else "（命令行签发）"))
    return row, raw


def token_revoke(*, token_id: int, actor, request=None) -> ApiToken:
    """Revoke a token at once. Revoking a revoked token changes nothing. Whose token it is, is checked before the
    transaction, so a refusal's record is not rolled back with it."""
    row = token_get_for(actor=actor, token_id=token_id, request=request)
    with transaction.atomic():
        row = ApiToken.objects.select_for_update().get(pk=row.pk)
        if row.revoked_at is None:
            row.revoked_at = timezone.now()
            row.revoked_by = actor
            row.save(update_fields=["revoked_at", "revoked_by"])
            owner = "" if row.user_id == actor.pk else f"（{row.user.get_username()} 的令牌）"
            security_event_record(kind=SecurityEventKind.TOKEN_REVOKED, request=request, user=actor,
                                  detail=f"令牌 {row.pk}「{row.name}」{owner}")
        return row


def token_lacks_second_factor(row: ApiToken) -> bool:
    """Whether a token may no longer act because its user now needs a second factor (a role that requires one,
    or an enrolled device, which the login asks for too) and the token was issued from a session that passed
    the password only. Checked on every use, so a role granted after issue closes the token at once."""
    if row.issued_under != TokenIssue.PASSWORD:
        return False
    return otp_required(row.user) or has_second_factor(row.user)


def tokens_revoke_all(*, user, actor=None, reason: str, request=None) -> int:
    """Revoke every live token of `user` (an administrator reset their second factor: a lost phone may have
    gone with a session that issued them). Returns how many; records one event when there were any."""
    now = timezone.now()
    live = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    ids = list(live.values_list("pk", flat=True))
    if ids:
        live.filter(pk__in=ids).update(revoked_at=now, revoked_by=actor)
        security_event_record(kind=SecurityEventKind.TOKEN_REVOKED, request=request, user=user,
                              detail=f"{reason}：吊销令牌 {', '.join(map(str, ids))}"[:500])
    return len(ids)
