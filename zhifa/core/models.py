"""Shared kernel models: the working-day calendar, security events, API tokens, append-only base."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from .errors import CoreErrorCode, ZhifaError


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ZhifaError(CoreErrorCode.APPEND_ONLY, "该记录只能追加，不能修改。")

    def delete(self):
        raise ZhifaError(CoreErrorCode.APPEND_ONLY, "该记录只能追加，不能删除。")


class AppendOnlyModel(models.Model):
    """A row that is written once (STYLE habit 6). Corrections are new rows that supersede it.

    This guards the ORM path; the ledger issue adds database triggers for the log tables.
    """

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ZhifaError(CoreErrorCode.APPEND_ONLY, "该记录只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ZhifaError(CoreErrorCode.APPEND_ONLY, "该记录只能追加，不能删除。")


class CalendarYear(AppendOnlyModel):
    """One year's official holiday arrangement as loaded by an administrator.

    The State Council publishes next year's notice each November; until the chinesecalendar
    package ships it, an administrator enters it here. A newer row for the same year supersedes
    the older one (a corrected notice), so what was in force when a deadline was computed stays
    readable.
    """

    year = models.PositiveSmallIntegerField("年份")
    source = models.CharField("依据", max_length=200, help_text="例如：国办发明电〔2025〕7号")
    holidays = models.JSONField("放假日期", help_text="ISO 日期列表：法定节假日及调休放假日")
    workdays = models.JSONField("调休上班日期", help_text="ISO 日期列表：周末调休上班日")
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    loaded_at = models.DateTimeField("录入时间", auto_now_add=True)
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "节假日安排"
        ordering = ["-year", "-id"]

    def __str__(self):
        return f"{self.year}年（{self.source}）"


class SecurityEventKind(models.TextChoices):
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOCKED_OUT = "locked_out", "账户锁定"
    LOGOUT = "logout", "退出"
    DENIED = "denied", "拒绝访问"
    TOKEN_FAILED = "token_failed", "令牌无效"
    # Issue 14 §6, §7: the second factor, session lifetime and API tokens.
    OTP_ENROLLED = "otp_enrolled", "启用双因素认证"
    OTP_VERIFIED = "otp_verified", "双因素认证通过"
    OTP_FAILED = "otp_failed", "双因素认证失败"
    OTP_DISABLED = "otp_disabled", "停用双因素认证"
    SESSION_EXPIRED = "session_expired", "会话超时"
    TOKEN_ISSUED = "token_issued", "签发令牌"
    TOKEN_EXPIRED = "token_expired", "令牌已过期"
    TOKEN_REVOKED = "token_revoked", "吊销令牌"
    TOKEN_SECOND_FACTOR = "token_second_factor", "令牌未经双因素认证"


class SecurityEvent(AppendOnlyModel):
    """Every login, failure, lockout and permission denial (issue 2 §4)."""

    # What someone else typed or sent: recorded with invisible control characters shown ([U+202E]), never
    # refused, so a record of an attack cannot fail (core.bounds, issue 14 §9).
    RECORDED_TEXT_FIELDS = ("username", "path", "detail")

    kind = models.CharField(max_length=20, choices=SecurityEventKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    username = models.CharField(max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=500, blank=True)
    permission = models.CharField(max_length=100, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "安全事件"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["kind", "at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.username or self.user_id} {self.at:%Y-%m-%d %H:%M}"


def token_default_expiry():
    """Issue 14 §7: a token lives ZHIFA_API_TOKEN_DAYS unless its issuer chose a shorter life."""
    return timezone.now() + dt.timedelta(days=settings.ZHIFA_API_TOKEN_DAYS)


def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class TokenIssue(models.TextChoices):
    """How a token was issued, which decides whether it may act for a user who now needs a second factor."""

    PASSWORD = "password", "仅密码登录的会话"
    SECOND_FACTOR = "second_factor", "通过双因素认证的会话"
    # `manage.py api_token_issue`: someone with a shell on the server, who can read the database and the
    # secret key, vouches for the token; a second factor adds nothing against them (docs/security.md).
    OPERATOR = "operator", "服务器命令行"


class ApiToken(models.Model):
    """A bearer token for machine clients. Only its SHA-256 is stored; the key is shown once. Every token
    expires (issue 14 §7: ZHIFA_API_TOKEN_DAYS from issue) and can be revoked by its owner or an administrator."""

    PREFIX = "zf_"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField("用途", max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField("有效期至")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    # Review finding 9: a token from a password-only session stops working when its user comes to need a
    # second factor (a role that requires one, or an enrolled device). Tokens from before this field are
    # counted as password-only: their issue was not recorded.
    issued_under = models.CharField("签发方式", max_length=16, choices=TokenIssue.choices,
                                    default=TokenIssue.PASSWORD)

    class Meta:
        verbose_name = verbose_name_plural = "接口令牌"

    def __str__(self):
        return f"{self.name}（{self.user}）"

    @classmethod
    def issue(cls, *, user, name: str, expires_at=None, issued_under: str = TokenIssue.OPERATOR
              ) -> tuple["ApiToken", str]:
        """The row and the raw key. Pages, the API and the command go through core.tokens.token_issue, which
        checks the second factor, records how the token was issued and logs the issue; code on the server
        (tests, benchmarks) may call this directly, which is an operator's issue unless told otherwise."""
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        if expires_at is None:
            expires_at = token_default_expiry()
        return cls.objects.create(user=user, name=name, digest=_token_digest(raw), expires_at=expires_at,
                                  issued_under=issued_under), raw

    @classmethod
    def digest_of(cls, raw: str) -> str:
        return _token_digest(raw)
