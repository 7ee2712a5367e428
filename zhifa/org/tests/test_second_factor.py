"""The second factor (issue 14 §6): TOTP required for administrators, supervisors, reviewers and agency heads,
available to everyone; /admin/ only with a verified device; every enrolment, failure and reset logged."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhifa.core.models import SecurityEvent, SecurityEventKind
from zhifa.core.permissions import SECOND_FACTOR_ROLES, Role, second_factor_required
from zhifa.core.testing import force_login_password_only, totp_code, totp_device
from zhifa.org.tests.factories import grant

PASSWORD = "correct-horse-battery-staple"
T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def head(tree):
    user = get_user_model().objects.create_user(username="head_pw", password=PASSWORD)
    return grant(user, Role.AGENCY_HEAD, agency=tree.agency_a1)


@pytest.fixture
def officer(tree):
    user = get_user_model().objects.create_user(username="officer_pw", password=PASSWORD)
    return grant(user, Role.OFFICER, agency=tree.agency_a1)


def login(client, username, **extra):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD}, **extra)


def kinds(user) -> list[str]:
    return list(SecurityEvent.objects.filter(user=user).order_by("id").values_list("kind", flat=True))


PAGES = ["/", "/org/agencies/", "/org/people/", "/calendar/", "/cases/", "/security/events/",
         "/accounts/tokens/", "/accounts/second-factor/", "/accounts/second-factor/reset/", "/admin/"]


@pytest.mark.django_db
def test_who_must_is_one_predicate_over_the_role_grants(users, tree):
    """Administrators and the roles of SECOND_FACTOR_ROLES must; an officer or a user without a role need not,
    until granted such a role."""
    must = [users.su, users.city_a_supervisor, users.county_a1_supervisor, users.head_a1]
    assert all(second_factor_required(u) for u in must)
    assert not second_factor_required(users.officer_a1) and not second_factor_required(users.nobody)
    assert {Role.SUPERVISOR, Role.REVIEWER, Role.REVIEW_HEAD, Role.AGENCY_HEAD, Role.LEGAL_HEAD} <= SECOND_FACTOR_ROLES
    reviewer = grant(get_user_model().objects.get(pk=users.nobody.pk), Role.REVIEWER, agency=tree.agency_a1)
    assert second_factor_required(reviewer)
    staff = get_user_model().objects.create_user(username="staffer", is_staff=True)
    assert second_factor_required(staff)


@pytest.mark.django_db
def test_an_agency_head_without_totp_reaches_nothing_but_enrolment(client, head):
    """The attack: a password alone must not open any page or API of a role that needs a second factor."""
    response = login(client, "head_pw")
    assert response.status_code == 302
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("otp-enrol")), (url, response["Location"])
    api = client.get("/api/core/me")
    assert api.status_code == 401 and api.json()["code"] == "second_factor_required"
    assert client.post("/api/core/tokens/1/revoke").status_code in (401, 403)
    enrol = client.get(reverse("otp-enrol"))
    body = enrol.content.decode()
    assert enrol.status_code == 200 and "<svg" in body and 'id="otp-secret"' in body
    assert client.post(reverse("logout")).status_code == 302  # logging out stays possible


@pytest.mark.django_db
def test_enrolment_needs_a_right_first_code_and_gives_single_use_recovery_codes(client, head):
    login(client, "head_pw")
    client.get(reverse("otp-enrol"))
    device = TOTPDevice.objects.get(user=head)
    assert not device.confirmed
    wrong = client.post(reverse("otp-enrol"), {"token": "000000" if totp_code(device) != "000000" else "111111"})
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
    assert client.get("/").status_code == 302
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5), tick=False):
        done = client.post(reverse("otp-enrol"), {"token": totp_code(device), "next": "/org/agencies/"})
        assert done.status_code == 200 and 'id="recovery-codes"' in done.content.decode()
        assert StaticToken.objects.filter(device__user=head).count() == 10
        assert client.get("/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert SecurityEventKind.OTP_FAILED in kinds(head) and SecurityEventKind.OTP_ENROLLED in kinds(head)


@pytest.mark.django_db
def test_with_totp_a_wrong_code_is_refused_and_the_right_code_lets_in(client, head):
    device = totp_device(head)
    with time_machine.travel(T0, tick=False) as clock:
        response = login(client, "head_pw", follow=True)
        assert response.redirect_chain[-1][0].startswith(reverse("otp-verify"))
        assert client.get("/org/agencies/")["Location"].startswith(reverse("otp-verify"))
        right = totp_code(device)
        wrong = client.post(reverse("otp-verify"), {"token": f"{(int(right) + 1) % 1000000:06d}"})
        assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
        assert client.get("/").status_code == 302
        clock.shift(5)  # past django-otp's throttle (1 s after one failure)
        ok = client.post(reverse("otp-verify"), {"token": totp_code(device), "next": "/org/agencies/"})
        assert ok.status_code == 302 and ok["Location"] == "/org/agencies/"
        assert client.get("/org/agencies/").status_code == 200
        assert client.get("/api/core/me").status_code == 200
    assert kinds(head) == [SecurityEventKind.LOGIN, SecurityEventKind.OTP_FAILED, SecurityEventKind.OTP_VERIFIED]


@pytest.mark.django_db
def test_django_otp_throttling_is_on(client, head, settings):
    """Right after a wrong code the device refuses even the right one for a moment (OTP_TOTP_THROTTLE_FACTOR)."""
    assert settings.OTP_TOTP_THROTTLE_FACTOR > 0 and settings.OTP_STATIC_THROTTLE_FACTOR > 0
    device = totp_device(head)
    with time_machine.travel(T0, tick=False):
        login(client, "head_pw")
        right = totp_code(device)
        client.post(reverse("otp-verify"), {"token": f"{(int(right) + 1) % 1000000:06d}"})
        throttled = client.post(reverse("otp-verify"), {"token": right})
        assert "过于频繁" in throttled.content.decode()
        assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_wrong_codes_count_toward_the_lockout_and_a_lock_logs_out(client, head, settings):
    device = totp_device(head)
    with time_machine.travel(T0, tick=False) as clock:
        login(client, "head_pw")
        for _ in range(settings.AXES_FAILURE_LIMIT):
            clock.shift(120)
            wrong = f"{(int(totp_code(device)) + 1) % 1000000:06d}"
            response = client.post(reverse("otp-verify"), {"token": wrong})
        assert response.status_code == 429 and "暂时锁定" in response.content.decode()
        assert client.get("/")["Location"].startswith(reverse("login"))  # logged out
        assert SecurityEventKind.LOCKED_OUT in kinds(head) or SecurityEvent.objects.filter(
            kind=SecurityEventKind.LOCKED_OUT, username="head_pw").exists()
        # The right password is refused while the lock lasts, from any address.
        assert login(client, "head_pw", REMOTE_ADDR="192.0.2.77").status_code == 429


@pytest.mark.django_db
def test_logging_in_again_with_the_password_does_not_reset_the_count_of_wrong_codes(client, head, settings):
    """Whoever knows the password must not get unlimited guesses at the code by logging in again."""
    device = totp_device(head)
    with time_machine.travel(T0, tick=False) as clock:
        for attempt in range(settings.AXES_FAILURE_LIMIT):
            if attempt % 2 == 0:
                assert login(client, "head_pw").status_code == 302
            clock.shift(120)
            response = client.post(reverse("otp-verify"), {"token": f"{(int(totp_code(device)) + 1) % 1000000:06d}"})
        assert response.status_code == 429


@pytest.mark.django_db
def test_a_recovery_code_lets_in_once(client, head):
    totp_device(head)
    from django_otp.plugins.otp_static.models import StaticDevice

    static = StaticDevice.objects.create(user=head, name="恢复码", confirmed=True)
    static.token_set.create(token="abcd2345")
    with time_machine.travel(T0, tick=False) as clock:
        login(client, "head_pw")
        assert client.post(reverse("otp-verify"), {"token": "ABCD 2345"}).status_code == 302
        assert client.get("/").status_code == 200
        client.post(reverse("logout"))
        clock.shift(60)
        login(client, "head_pw")
        again = client.post(reverse("otp-verify"), {"token": "abcd2345"})
        assert again.status_code == 200 and client.get("/").status_code == 302


@pytest.mark.django_db
def test_admin_is_not_served_without_a_verified_device(client, users, settings):
    """/admin/ needs a session that passed the second factor, even where the deployment makes it optional."""
    settings.ZHIFA_OTP_REQUIRED = False
    force_login_password_only(client, users.su)
    for url in ("/admin/", "/admin/core/securityevent/"):
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0].startswith(reverse("otp-enrol")), url
        assert "zhifa 执法 · 系统管理" not in response.content.decode()
    # The admin's own login form never logs anyone in.
    posted = client.post("/admin/login/", {"username": "root", "password": "x", "otp_token": "1"})
    assert posted.status_code == 302
    client.force_login(users.su)  # both factors
    served = client.get("/admin/")
    assert served.status_code == 200 and "zhifa 执法 · 系统管理" in served.content.decode()
    assert client.get("/admin/core/securityevent/").status_code == 200


@pytest.mark.django_db
def test_a_verified_non_staff_user_gets_no_admin(client, users):
    client.force_login(users.officer_a1)
    assert client.get("/admin/").status_code in (302, 403)
    assert client.get("/admin/login/").status_code == 403


@pytest.mark.django_db
def test_an_administrator_resets_a_lost_device_and_it_is_logged(client, users, head):
    verified_elsewhere = client.__class__()
    verified_elsewhere.force_login(head)
    assert verified_elsewhere.get("/").status_code == 200
    client.force_login(users.su)
    page = client.post(reverse("otp-reset"), {"username": "head_pw", "reason": "手机遗失，已当面核实"})
    assert page.status_code == 302
    assert not TOTPDevice.objects.filter(user=head).exists()
    event = SecurityEvent.objects.get(kind=SecurityEventKind.OTP_DISABLED)
    assert event.user == head and "root" in event.detail and "手机遗失" in event.detail
    # A session the head had verified with that device is no longer verified: enrol again.
    assert verified_elsewhere.get("/")["Location"].startswith(reverse("otp-enrol"))


@pytest.mark.django_db
def test_only_administrators_reset_others_and_a_required_user_cannot_turn_it_off(client, users, head):
    client.force_login(users.head_a1)
    assert client.post(reverse("otp-reset"), {"username": "head_pw", "reason": "x"}).status_code == 403
    assert client.post(reverse("otp-status"), {"action": "disable"}).status_code == 302
    assert TOTPDevice.objects.filter(user=users.head_a1, confirmed=True).exists()
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED, permission="core.manage_accounts").exists()


@pytest.mark.django_db
def test_any_user_may_enrol_and_then_always_passes_the_second_factor(client, officer):
    login(client, "officer_pw")
    assert client.get("/").status_code == 200  # not required for an officer
    client.get(reverse("otp-enrol"))
    device = TOTPDevice.objects.get(user=officer)
    assert client.post(reverse("otp-enrol"), {"token": totp_code(device)}).status_code == 200
    client.post(reverse("logout"))
    login(client, "officer_pw")
    assert client.get("/")["Location"].startswith(reverse("otp-verify"))
    # Not required: the officer may turn it off again, from a verified session.
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=31), tick=False):
        client.post(reverse("otp-verify"), {"token": totp_code(device)})
        client.post(reverse("otp-status"), {"action": "disable"})
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.OTP_DISABLED, user=officer).exists()


@pytest.mark.django_db
def test_the_requirement_can_be_switched_off_for_everyone_but_the_admin(client, head, settings):
    settings.ZHIFA_OTP_REQUIRED = False
    login(client, "head_pw")
    assert client.get("/").status_code == 200
