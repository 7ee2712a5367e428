"""Passwords, login lockout and the security log (issue 2 §4)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from zhifa.core.models import SecurityEvent, SecurityEventKind

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def person_with_password(db):
    return get_user_model().objects.create_user(username="zhang", password=PASSWORD)


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2(person_with_password):
    assert person_with_password.password.startswith("argon2$")


def test_production_hashes_with_django_s_argon2_at_its_full_cost():
    """Tests hash with a cheap Argon2 (conftest.py); what a deployment runs is the settings module's list: Django's
    own Argon2 hasher first, at its default cost, with PBKDF2 only to read older hashes."""
    from django.contrib.auth.hashers import Argon2PasswordHasher

    from config import settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert (Argon2PasswordHasher.time_cost, Argon2PasswordHasher.memory_cost) == (2, 102400)


@pytest.mark.django_db
def test_login_and_logout_are_recorded(client, person_with_password):
    response = client.post(reverse("login"), {"username": "zhang", "password": PASSWORD})
    assert response.status_code == 302
    client.post(reverse("logout"))
    kinds = list(SecurityEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == [SecurityEventKind.LOGIN, SecurityEventKind.LOGOUT]


@pytest.mark.django_db
def test_repeated_failures_lock_the_account_and_every_failure_is_recorded(client, person_with_password, settings):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit):
        response = client.post(reverse("login"), {"username": "zhang", "password": "wrong"})
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.LOGIN_FAILED, username="zhang").count() == limit
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.LOCKED_OUT, username="zhang").exists()
    # Locked: even the right password is refused.
    response = client.post(reverse("login"), {"username": "zhang", "password": PASSWORD})
    assert response.status_code == 429
    assert "暂时锁定" in response.content.decode()
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.LOGIN).exists()


@pytest.mark.django_db
def test_a_failure_shows_a_chinese_message(client, person_with_password):
    response = client.post(reverse("login"), {"username": "zhang", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_the_tests_hasher_fails_the_deploy_check(settings):
    """The cheap hasher the tests use is refused by `manage.py check --deploy` wherever it is configured."""
    from django.core.checks import run_checks

    settings.PASSWORD_HASHERS = ["zhifa.core.testing.QuickArgon2PasswordHasher"]
    assert "zhifa.core.E001" in {m.id for m in run_checks(include_deployment_checks=True)}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    assert "zhifa.core.E001" not in {m.id for m in run_checks(include_deployment_checks=True)}
