"""The second factor (issue 14 §6): TOTP devices (django-otp), single-use recovery codes, and who must have one.

Who must: core.permissions.second_factor_required (administrators and the roles in SECOND_FACTOR_ROLES), while
ZHIFA_OTP_REQUIRED is on. Anyone may enrol. A user who has a confirmed device always passes it after the
password; a user who must and has none is sent to enrolment (zhifa.core.auth_middleware.SecondFactorMiddleware).

Every enrolment, failure, verification and reset goes to the security log; a wrong code also counts toward the
login lockout (zhifa.core.lockout), on top of django-otp's own throttling of each device.
"""

import base64
import math
import re

import segno
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import logout
from django.db import transaction
from django.utils import timezone
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import lockout
from .durations import duration_text
from .errors import CoreErrorCode, NotFoundError, PermissionDeniedError, ZhifaError
from .models import SecurityEventKind
from .permissions import can, second_factor_required
from .services import security_event_record

RECOVERY_CODE_COUNT = 10
_TOTP_FORMAT = re.compile(r"\d{6}")


class SecondFactorLocked(ZhifaError):
    """Too many wrong codes (or passwords) for this username or from this address: logged out, locked."""

    status = 429

    def __init__(self):
        super().__init__(CoreErrorCode.LOCKED_OUT, f"由于连续多次验证失败，账户已被暂时锁定。{lock_wait_text()}")


def lock_wait_text() -> str:
    """How long a lockout lasts (AXES_COOLOFF_HOURS), as the lockout page and message say it."""
    cool_off = get_cool_off()
    if not cool_off:
        return "请联系系统管理员解锁。"
    return f"锁定 {duration_text(cool_off)}后自动解除，请届时再试，或联系系统管理员解锁。"


def _throttled(info: dict | None) -> ZhifaError:
    """django-otp's throttle (OTP_*_THROTTLE_FACTOR): after n wrong codes the device refuses every code, the right
    one too, for 2^(n-1) s. Say how long, so someone who retypes the right code at once knows to wait a moment."""
    until = (info or {}).get("locked_until")
    if until is None:
        return ZhifaError(CoreErrorCode.SECOND_FACTOR_THROTTLED, "验证过于频繁，请稍候几秒后再输入。")
    left = until - timezone.now()
    return ZhifaError(CoreErrorCode.SECOND_FACTOR_THROTTLED,
                      f"验证过于频繁：输错验证码后须稍候，以防猜测。请 {duration_text(left)}后再输入。",
                      details={"retry_after": max(1, math.ceil(left.total_seconds()))})


# Reads ---------------------------------------------------------------------------------------------------------


def otp_required(user) -> bool:
    """Must `user` pass a second factor (the deployment requires it and the user's roles do)?"""
    return bool(settings.ZHIFA_OTP_REQUIRED) and second_factor_required(user)


def is_verified(user) -> bool:
    """Whether this request's session passed the second factor. A user authenticated by an API token carries
    no session and is never verified."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def second_factor_pending(user) -> bool:
    """Signed in with the password, but the second factor this user needs has not passed yet (the same rule as
    SecondFactorMiddleware): the session reaches only the second-factor pages, so they show no menu either."""
    if not getattr(user, "is_authenticated", False) or is_verified(user):
        return False
    return has_second_factor(user) or otp_required(user)


def totp_device(user) -> TOTPDevice | None:
    """The user's confirmed TOTP device, if enrolled."""
    if not getattr(user, "is_authenticated", False):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def has_second_factor(user) -> bool:
    return getattr(user, "is_authenticated", False) and TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def secret_base32(device: TOTPDevice) -> str:
    """The key as authenticator apps take it by hand: base32, in groups of four."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URI as an inline SVG QR code (no image request, no inline style: fits the CSP)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2, light="#fff", title="双因素认证二维码")


# Writes --------------------------------------------------------------------------------------------------------


@transaction.atomic
def enrolment_device(*, user) -> TOTPDevice:
    """The unconfirmed device being enrolled: the same one until it is confirmed, so a reload shows the same
    QR code. Only a user without a confirmed device enrols (an administrator resets a lost one)."""
    if has_second_factor(user):
        raise ZhifaError(CoreErrorCode.SECOND_FACTOR_EXISTS, "您已启用双因素认证。如需更换设备，请联系系统管理员重置。")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="验证器", confirmed=False)
    return device


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="恢复码", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def enrolment_confirm(*, request, token: str) -> list[str]:
    """Confirm the device being enrolled with its first code; the session counts as verified. Returns the new
    recovery codes, shown once. A wrong code is logged (not counted toward lockout: the secret is on screen)."""
    user = request.user
    device = enrolment_device(user=user)
    token = _normalise(token)
    allowed, info = device.verify_is_allowed()
    if not allowed:
        raise _throttled(info)
    if not (_TOTP_FORMAT.fullmatch(token) and verify_token(user, device.persistent_id, token)):
        security_event_record(kind=SecurityEventKind.OTP_FAILED, request=request, user=user, detail="启用时验证码错误")
        raise ZhifaError(CoreErrorCode.SECOND_FACTOR_INVALID, "验证码不正确。请确认手机时间准确，并输入验证器当前显示的 6 位数字。")
    with transaction.atomic():
        device.refresh_from_db()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        codes = _new_recovery_codes(user)
        security_event_record(kind=SecurityEventKind.OTP_ENROLLED, request=request, user=user)
    _session_verified(request, device)
    return codes


def verification_check(*, request, token: str):
    """The second step of a login: a code from the authenticator or one recovery code. On success the session
    is verified; a wrong code is logged and counted toward lockout, and a lock logs the user out."""
    user = request.user
    if lockout.is_locked(request, user):
        _lock(request, user, "锁定期间尝试验证")
    token = _normalise(token)
    recovery = not _TOTP_FORMAT.fullmatch(token)
    if recovery:
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    else:
        device = totp_device(user)
    if device is None and not recovery:
        raise NotFoundError("尚未启用双因素认证。")
    allowed, info = device.verify_is_allowed() if device is not None else (True, None)
    throttled = not allowed
    accepted = None
    if device is not None and not throttled and token:
        accepted = verify_token(user, device.persistent_id, token)
    if accepted is None:
        why = "验证过于频繁（设备节流）" if throttled else ("恢复码错误" if recovery else "验证码错误")
        security_event_record(kind=SecurityEventKind.OTP_FAILED, request=request, user=user, detail=why)
        if lockout.failure_record(request, user):
            _lock(request, user, why, counted=True)
        if throttled:
            raise _throttled(info)
        raise ZhifaError(CoreErrorCode.SECOND_FACTOR_INVALID, "验证码不正确。连续多次失败后账户将被暂时锁定。")
    detail = f"使用恢复码，剩余 {recovery_codes_left(user)} 个" if recovery else ""
    security_event_record(kind=SecurityEventKind.OTP_VERIFIED, request=request, user=user, detail=detail)
    _session_verified(request, accepted)
    return accepted


def recovery_codes_renew(*, request) -> list[str]:
    """New recovery codes for a verified session; the old ones stop working."""
    user = request.user
    if not (is_verified(user) and has_second_factor(user)):
        security_event_record(kind=SecurityEventKind.DENIED, request=request, user=user,
                              detail="未完成双因素认证，不能重新生成恢复码")
        raise PermissionDeniedError("请先完成双因素认证。")
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        security_event_record(kind=SecurityEventKind.OTP_ENROLLED, request=request, user=user, detail="重新生成恢复码")
    return codes


def second_factor_disable(*, user, actor, request=None, reason: str = "") -> None:
    """Remove `user`'s devices and recovery codes. Administrators reset anyone's (a lost phone); a user may turn
    off their own only when no role requires it; `actor=None` is the operator's command on the server (the last
    administrator lost their phone). A user who must have one enrols again at the next request. A refusal is
    recorded as a denial before the transaction, so it is not rolled back with it."""
    own = actor is not None and actor.pk == user.pk
    if actor is not None and not own and not can(actor, "core.manage_accounts"):
        security_event_record(kind=SecurityEventKind.DENIED, request=request, user=actor,
                              permission="core.manage_accounts", detail=f"重置 {user.get_username()} 的双因素认证")
        raise PermissionDeniedError("只有系统管理员可以重置他人的双因素认证。")
    if own and otp_required(user):
        security_event_record(kind=SecurityEventKind.DENIED, request=request, user=actor,
                              detail="角色要求双因素认证，不能自行停用")
        raise PermissionDeniedError("您的角色要求启用双因素认证，不能自行停用；如更换手机，请联系系统管理员重置。")
    if not own and not reason.strip():
        raise ZhifaError(CoreErrorCode.INVALID_INPUT, "请填写重置原因。")
    from .tokens import tokens_revoke_all  # tokens imports this module

    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
        by = "本人停用" if own else (f"由 {actor.get_username()} 重置" if actor is not None else "服务器命令行重置")
        security_event_record(kind=SecurityEventKind.OTP_DISABLED, request=request, user=user,
                              detail=f"{by}：{reason.strip()}（删除 {removed} 条设备记录）"[:500])
        if not own:
            # Review finding 9: a reset is for a lost or taken phone; tokens issued while it was in other hands
            # would outlive it. The user issues new ones after enrolling again.
            tokens_revoke_all(user=user, actor=actor, reason=f"双因素认证{by}", request=request)


def _normalise(token: str) -> str:
    return re.sub(r"[\s-]", "", token or "").lower()[:32]


def _session_verified(request, device) -> None:
    """Record the device in the session, under a new session key (the privilege changed), and clear the
    failures counted against this username: the login is complete."""
    otp_login(request, device)
    request.session.cycle_key()
    lockout.login_completed(request.user)


def _lock(request, user, why: str, *, counted: bool = False):
    if not counted:
        security_event_record(kind=SecurityEventKind.LOCKED_OUT, request=request, user=user, detail=why)
    logout(request)
    raise SecondFactorLocked()
