"""The second-factor pages as a new user meets them (issue 14 §6, tryout findings): a way back from optional
enrolment, no menu before the second factor, waits and locks that say how long, and every refusal logged."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse

from zhifa.core import otp
from zhifa.core.errors import PermissionDeniedError
from zhifa.core.models import SecurityEvent, SecurityEventKind
from zhifa.core.permissions import Role
from zhifa.core.testing import force_login_password_only, totp_code, totp_device
from zhifa.org.tests.factories import PersonFactory, grant

PASSWORD = "correct-horse-battery-staple"
T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
MENU = ('aria-label="主导航"', "执法案件", "安全日志", "账户安全")


@pytest.fixture
def head(tree):
    user = get_user_model().objects.create_user(username="head_pw", password=PASSWORD)
    PersonFactory(name="甲一局长", agency=tree.agency_a1, user=user)
    return grant(user, Role.AGENCY_HEAD, agency=tree.agency_a1)


@pytest.fixture
def officer(tree):
    user = get_user_model().objects.create_user(username="officer_pw", password=PASSWORD)
    return grant(user, Role.OFFICER, agency=tree.agency_a1)


def login(client, username, **extra):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD}, **extra)


def denials(user) -> int:
    return SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED, user=user).count()


@pytest.mark.django_db
def test_an_officer_who_opens_the_optional_enrolment_can_go_back_without_logging_out(client, officer):
    """The only way off the enrol page was 退出, which logged the officer out. Enrolment is optional for an
    officer: the page offers 取消，返回 to where they came from — a page of this site only."""
    force_login_password_only(client, officer)
    page = client.get(reverse("otp-enrol"), {"next": "/cases/"}).content.decode()
    assert '<a href="/cases/">取消，返回</a>' in page
    # From the status page, the link carries the way back.
    status = client.get(reverse("otp-status")).content.decode()
    assert f'{reverse("otp-enrol")}?next=/accounts/second-factor/' in status
    for elsewhere in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        page = client.get(reverse("otp-enrol"), {"next": elsewhere}).content.decode()
        assert "evil.example" not in page and f'<a href="{reverse("otp-status")}">取消，返回</a>' in page
    assert client.get("/cases/").status_code == 200  # still signed in


@pytest.mark.django_db
def test_who_must_enrol_is_offered_no_way_round_it(client, head):
    force_login_password_only(client, head)
    page = client.get(reverse("otp-enrol"), {"next": "/cases/"}).content.decode()
    assert "取消，返回" not in page and "您的角色要求使用双因素认证" in page
    assert f'action="{reverse("logout")}"' in page


@pytest.mark.django_db
def test_no_menu_and_no_name_before_the_second_factor(client, head, officer):
    """The verify page (and the enrol page of someone who must enrol) showed the whole staff menu and the user's
    name, as if logged in. Until the session passed the second factor, the header shows neither."""
    force_login_password_only(client, head)  # must enrol, has no device
    enrol = client.get(reverse("otp-enrol")).content.decode()
    assert not any(m in enrol for m in MENU) and "甲一局长" not in enrol
    device = totp_device(head)
    with time_machine.travel(T0, tick=False):
        login(client, "head_pw")
        verify = client.get(reverse("otp-verify")).content.decode()
        assert not any(m in verify for m in MENU) and "甲一局长" not in verify
        assert client.post(reverse("otp-verify"), {"token": totp_code(device)}).status_code == 302
        home = client.get("/").content.decode()
        assert all(m in home for m in MENU) and "甲一局长" in home
    # An officer, for whom the second factor is optional and who has none, is not pending: the menu is there.
    force_login_password_only(client, officer)
    assert 'aria-label="主导航"' in client.get(reverse("otp-enrol")).content.decode()


@pytest.mark.django_db
def test_the_throttle_after_a_wrong_code_says_how_long_to_wait(client, head):
    """Retyping the right code straight after a wrong one got "验证过于频繁" with no word of how long: django-otp
    refuses every code for 1 s after one failure (2^(n-1) s after n). The message says the wait; the throttle
    stays, and the right code works once it is over."""
    device = totp_device(head)
    with time_machine.travel(T0, tick=False) as clock:
        login(client, "head_pw")
        right = totp_code(device)
        client.post(reverse("otp-verify"), {"token": f"{(int(right) + 1) % 1000000:06d}"})
        throttled = client.post(reverse("otp-verify"), {"token": right}).content.decode()
        assert "过于频繁" in throttled and "请 1 秒后再输入" in throttled
        assert client.get("/").status_code == 302  # the throttle is kept
        clock.shift(1)
        assert client.post(reverse("otp-verify"), {"token": right}).status_code == 302
        assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_the_enrolment_throttle_says_how_long_too(client, officer):
    force_login_password_only(client, officer)
    with time_machine.travel(T0, tick=False):
        client.get(reverse("otp-enrol"))
        device = otp.enrolment_device(user=officer)
        right = totp_code(device)
        client.post(reverse("otp-enrol"), {"token": f"{(int(right) + 1) % 1000000:06d}"})
        page = client.post(reverse("otp-enrol"), {"token": right}).content.decode()
        assert "请 1 秒后再输入" in page


@pytest.mark.django_db
def test_the_lockout_pages_say_how_long_the_lock_lasts(client, head, settings):
    """"账户已暂时锁定…请稍后再试" did not say for how long. Both lockouts — wrong codes (our 429) and wrong
    passwords (django-axes' page) — say it, from AXES_COOLOFF_HOURS."""
    settings.AXES_COOLOFF_TIME = 0.5
    device = totp_device(head)
    with time_machine.travel(T0, tick=False) as clock:
        login(client, "head_pw")
        for _ in range(settings.AXES_FAILURE_LIMIT):
            clock.shift(120)
            response = client.post(reverse("otp-verify"), {"token": f"{(int(totp_code(device)) + 1) % 1000000:06d}"})
        assert response.status_code == 429 and "锁定 30 分钟后自动解除" in response.content.decode()
        by_password = login(client, "head_pw")
        assert by_password.status_code == 429 and "锁定 30 分钟后自动解除" in by_password.content.decode()
    settings.AXES_COOLOFF_TIME = 1.5
    assert "锁定 1 小时 30 分钟后自动解除" in otp.SecondFactorLocked().message


@pytest.mark.django_db
def test_refusing_new_recovery_codes_or_turning_it_off_is_logged_as_a_denial(client, head, officer, users):
    """recovery_codes_renew and second_factor_disable refused without a security-log record."""
    force_login_password_only(client, officer)  # no device: nothing to renew
    before = denials(officer)
    page = client.post(reverse("otp-status"), {"action": "renew"}, follow=True)
    assert "请先完成双因素认证" in page.content.decode() and denials(officer) == before + 1
    client.force_login(head)  # verified; the role requires the second factor: not turned off by oneself
    before = denials(head)
    page = client.post(reverse("otp-status"), {"action": "disable"}, follow=True)
    assert "不能自行停用" in page.content.decode() and denials(head) == before + 1
    assert otp.has_second_factor(head)
    # Someone else's, without the administrator's permission: refused and recorded, not rolled back with it.
    totp_device(users.officer_a1)
    before = denials(officer)
    with pytest.raises(PermissionDeniedError):
        otp.second_factor_disable(user=users.officer_a1, actor=officer, reason="x")
    assert denials(officer) == before + 1
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED, user=officer,
                                        permission="core.manage_accounts").exists()
    assert otp.has_second_factor(users.officer_a1)
