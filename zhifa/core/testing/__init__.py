"""Test helpers shared by every app."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def query_count(fn) -> int:
    """How many SQL queries `fn()` runs."""
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


# The second factor in tests (issue 14 §6) ------------------------------------------------------------------------


def totp_device(user, *, key: str | None = None):
    """The user's confirmed TOTP device, created if missing (with `key`, hex, when given)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="测试验证器", confirmed=True, **({"key": key} if key else {}))
    return device


def totp_code(device, *, at: float | None = None) -> str:
    """The code the device's authenticator shows now (or at epoch `at`). If this step's code was already used
    (a second login within 30 s), the next step's, which the device still accepts (tolerance 1)."""
    import time

    from django_otp.oath import TOTP

    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    if totp.t() <= device.last_t:
        totp.time += device.step
    return f"{totp.token():0{device.digits}d}"


def mark_verified(client, user) -> None:
    """Make the client's logged-in session one that passed the second factor, as the verification page does."""
    from django_otp import DEVICE_ID_SESSION_KEY

    session = client.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    session.save()


def force_login_with_second_factor(self, user, backend=None):
    """Client.force_login standing for a complete login, both factors (installed by the root conftest). Tests
    of the second factor itself log in through the login page, or use `force_login_password_only`."""
    _force_login(self, user, backend)
    mark_verified(self, user)


def force_login_password_only(client, user, backend=None):
    """A session after the password step only: the second factor not passed."""
    _force_login(client, user, backend)


def _force_login(client, user, backend=None):
    from django.test import Client

    original = getattr(Client, "_zhifa_original_force_login", Client.force_login)
    original(client, user, backend)


def second_factor_in_browser(page, username: str) -> None:
    """After the password step in a real browser (Playwright page): enrol with the key the page shows, or enter
    the current code of the user's device. Does nothing when the login needed no second factor."""
    import base64

    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if "/accounts/second-factor/enrol/" in page.url:
        secret = page.locator("#otp-secret").inner_text().replace(" ", "")
        secret += "=" * (-len(secret) % 8)
        page.get_by_label("验证码").fill(f"{totp(base64.b32decode(secret)):06d}")
        with page.expect_navigation():
            page.get_by_role("button", name="确认绑定").click()
        with page.expect_navigation():
            page.get_by_role("link", name="我已保存，继续").click()
    elif "/accounts/second-factor/verify/" in page.url:
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        page.get_by_label("验证码").fill(totp_code(device))
        with page.expect_navigation():
            page.get_by_role("button", name="验证").click()


# Password hashing in tests ----------------------------------------------------------------------------------------

from django.contrib.auth.hashers import Argon2PasswordHasher  # noqa: E402


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with the smallest cost, for tests only (conftest.py): the same algorithm and encoding ("argon2$…"),
    so what a test proves about hashing holds, at about 1 ms a hash instead of Django's ~0.35 s (100 MiB, 2 passes)
    — a few hundred password logins in the suite. Production uses config.settings.PASSWORD_HASHERS, checked in
    zhifa/org/tests/test_auth.py."""

    time_cost = 1
    memory_cost = 8  # KiB, Argon2's minimum for one lane
    parallelism = 1
