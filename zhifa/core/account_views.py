"""Pages of the second factor and of API tokens (issue 14 §6, §7). Every write is in core.otp / core.tokens."""

from urllib.parse import urlencode

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from . import otp, tokens
from .errors import PermissionDeniedError, ZhifaError
from .forms import ApiTokenForm, SecondFactorCodeForm, SecondFactorResetForm
from .models import SecurityEventKind
from .net import safe_next
from .permissions import can
from .services import security_event_record


def _next(request) -> str:
    """Where to go once the second factor passed: the page asked for, if it is on this site."""
    return safe_next(request, request.POST.get("next") or request.GET.get("next")) or reverse(settings.LOGIN_REDIRECT_URL)


def _locked(request):
    """The same page (and the same word on how long the lock lasts) as django-axes' lockout of the password step."""
    return render(request, "registration/locked_out.html", {"cooloff_timedelta": get_cool_off(request)}, status=429)


def second_factor_verify(request):
    """The step after the password for a user with a device: a code from the authenticator or a recovery code."""
    user = request.user
    if otp.is_verified(user):
        return redirect(_next(request))
    if not otp.has_second_factor(user):
        return redirect(f"{reverse('otp-enrol')}?{urlencode({'next': _next(request)})}")
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            otp.verification_check(request=request, token=form.cleaned_data["token"])
        except otp.SecondFactorLocked:
            return _locked(request)
        except ZhifaError as exc:
            form.add_error("token", exc.message)
        else:
            return redirect(_next(request))
    return render(request, "core/second_factor_verify.html", {"form": form, "next": _next(request)})


def second_factor_enrol(request):
    """Bind an authenticator app: QR code and key, confirmed by a first code; then the recovery codes, once."""
    user = request.user
    if otp.has_second_factor(user):
        return redirect("otp-status" if otp.is_verified(user) else "otp-verify")
    device = otp.enrolment_device(user=user)
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = otp.enrolment_confirm(request=request, token=form.cleaned_data["token"])
        except ZhifaError as exc:
            form.add_error("token", exc.message)
        else:
            return render(request, "core/second_factor_codes.html", {"codes": codes, "next": _next(request)})
    required = otp.otp_required(user)
    # Enrolling is optional for this user: they may change their mind and go back to where they came from (a
    # page of this site only), not only log out.
    back = None if required else (safe_next(request, request.POST.get("next") or request.GET.get("next"))
                                  or reverse("otp-status"))
    return render(request, "core/second_factor_enrol.html", {
        "form": form, "next": _next(request), "qr": otp.qr_svg(device), "secret": otp.secret_base32(device),
        "required": required, "back": back,
    })


def second_factor_status(request):
    """One's own second factor: enrolled or not, recovery codes left; new recovery codes; turning it off when no
    role requires it."""
    user = request.user
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "renew":
                codes = otp.recovery_codes_renew(request=request)
                return render(request, "core/second_factor_codes.html", {"codes": codes, "next": reverse("otp-status")})
            if action == "disable":
                otp.second_factor_disable(user=user, actor=user, request=request)
                messages.success(request, "已停用双因素认证。")
                return redirect("otp-status")
        except ZhifaError as exc:
            messages.error(request, exc.message)
            return redirect("otp-status")
    return render(request, "core/second_factor.html", {
        "enrolled": otp.has_second_factor(user), "required": otp.otp_required(user),
        "codes_left": otp.recovery_codes_left(user), "can_reset": can(user, "core.manage_accounts"),
    })


def second_factor_reset(request):
    """An administrator resets another user's second factor (a lost phone); the user enrols again."""
    if not can(request.user, "core.manage_accounts"):
        security_event_record(kind=SecurityEventKind.DENIED, request=request, permission="core.manage_accounts")
        raise PermissionDeniedError("只有系统管理员可以重置他人的双因素认证。")
    form = SecondFactorResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = get_user_model().objects.filter(username=form.cleaned_data["username"]).first()
        if target is None:
            form.add_error("username", "没有这个用户。")
        else:
            try:
                otp.second_factor_disable(user=target, actor=request.user, request=request,
                                          reason=form.cleaned_data["reason"])
            except ZhifaError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"已重置 {target.get_username()} 的双因素认证并吊销其接口令牌；"
                                          "其下次登录时须重新绑定。")
                return redirect("otp-reset")
    return render(request, "core/second_factor_reset.html", {"form": form})


# The key of a token just issued, kept in the (server-side) session between the POST and the page it redirects
# to, and removed when that page shows it: shown once, and a reload neither shows it again nor issues another.
NEW_TOKEN_KEY = "zhifa_new_api_token"


def api_tokens(request):
    """One's API tokens (an administrator's `?all=1`: everyone's); issuing one shows its key once, on the page the
    POST redirects to (POST-redirect-GET)."""
    everyone = request.GET.get("all") == "1" and can(request.user, "core.manage_accounts")
    most = settings.ZHIFA_API_TOKEN_DAYS
    form = ApiTokenForm(request.POST or None, initial={"days": most})  # the service bounds the days
    if request.method == "POST" and form.is_valid():
        try:
            row, raw = tokens.token_issue(user=request.user, actor=request.user, request=request,
                                          name=form.cleaned_data["name"], days=form.cleaned_data["days"])
        except ZhifaError as exc:
            form.add_error(None, exc.message)
        else:
            request.session[NEW_TOKEN_KEY] = raw
            messages.success(request, f"已签发令牌「{row.name}」。")
            return redirect("api-tokens")
    raw = request.session.pop(NEW_TOKEN_KEY, None) if request.method == "GET" else None
    return render(request, "core/api_tokens.html", {
        # The owner's person (org) is read with the row: the list names people, not accounts (core.names).
        "rows": tokens.token_list_for(actor=request.user, everyone=everyone).select_related("user__person")[:200],
        "form": form, "raw": raw,
        "everyone": everyone, "can_see_all": can(request.user, "core.manage_accounts"), "most": most,
        "now": timezone.now(),
    })


@require_http_methods(["GET", "POST"])
def api_token_revoke(request, pk: int):
    """GET: the confirmation page (revoking cannot be undone; a form, no script, under the CSP); POST: revoke.
    Someone else's token is the same 404 as a missing one either way (core.tokens.token_get_for)."""
    if request.method == "GET":
        row = tokens.token_get_for(actor=request.user, token_id=pk, request=request)
        if row.revoked_at is not None:
            messages.info(request, f"令牌「{row.name}」已吊销。")
            return redirect(reverse("api-tokens") + ("?all=1" if row.user_id != request.user.pk else ""))
        return render(request, "core/api_token_revoke.html", {"row": row, "own": row.user_id == request.user.pk})
    row = tokens.token_revoke(token_id=pk, actor=request.user, request=request)
    messages.success(request, f"已吊销令牌「{row.name}」。")
    back = reverse("api-tokens") + ("?all=1" if row.user_id != request.user.pk else "")
    return redirect(back)
