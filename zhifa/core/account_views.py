"""Pages of the second factor and of API tokens (issue 14 §6, §7). Every write is in core.otp / core.tokens."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

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
    return render(request, "registration/locked_out.html", status=429)


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
    return render(request, "core/second_factor_enrol.html", {
        "form": form, "next": _next(request), "qr": otp.qr_svg(device), "secret": otp.secret_base32(device),
        "required": otp.otp_required(user),
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
                messages.success(request, f"已重置 {target.get_username()} 的双因素认证；其下次登录时须重新绑定。")
                return redirect("otp-reset")
    return render(request, "core/second_factor_reset.html", {"form": form})


def api_tokens(request):
    """One's API tokens (an administrator's `?all=1`: everyone's); issuing one shows its key once."""
    everyone = request.GET.get("all") == "1" and can(request.user, "core.manage_accounts")
    most = settings.ZHIFA_API_TOKEN_DAYS
    form = ApiTokenForm(request.POST or None, initial={"days": most})  # the service bounds the days
    raw = None
    if request.method == "POST" and form.is_valid():
        try:
            _row, raw = tokens.token_issue(user=request.user, actor=request.user, request=request,
                                           name=form.cleaned_data["name"], days=form.cleaned_data["days"])
        except ZhifaError as exc:
            form.add_error(None, exc.message)
    return render(request, "core/api_tokens.html", {
        "rows": tokens.token_list_for(actor=request.user, everyone=everyone)[:200], "form": form, "raw": raw,
        "everyone": everyone, "can_see_all": can(request.user, "core.manage_accounts"), "most": most,
        "now": timezone.now(),
    })


@require_POST
def api_token_revoke(request, pk: int):
    row = tokens.token_revoke(token_id=pk, actor=request.user, request=request)
    messages.success(request, f"已吊销令牌「{row.name}」。")
    back = reverse("api-tokens") + ("?all=1" if row.user_id != request.user.pk else "")
    return redirect(back)
