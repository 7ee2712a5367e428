"""Sessions end after an idle time and after an absolute lifetime, both from settings (issue 14 §6)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from zhifa.core.models import SecurityEvent, SecurityEventKind

T0 = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_the_cookie_lives_no_longer_than_the_absolute_lifetime(settings):
    assert settings.SESSION_COOKIE_AGE == int(settings.ZHIFA_SESSION_MAX_HOURS * 3600) <= 12 * 3600
    assert settings.ZHIFA_SESSION_IDLE_MINUTES == 30


@pytest.mark.django_db
def test_an_idle_session_is_logged_out_with_a_chinese_message(client, users, settings):
    """The attack: a session left open on an office computer stayed valid for 14 days."""
    with time_machine.travel(T0, tick=False) as clock:
        client.force_login(users.head_a1)
        assert client.get("/org/agencies/").status_code == 200
        clock.shift(dt.timedelta(minutes=settings.ZHIFA_SESSION_IDLE_MINUTES - 1))
        assert client.get("/org/agencies/").status_code == 200  # activity keeps it alive
        clock.shift(dt.timedelta(minutes=settings.ZHIFA_SESSION_IDLE_MINUTES + 1))
        response = client.get("/org/agencies/")
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        page = client.get(response["Location"])
        assert "长时间未操作" in page.content.decode()
        assert client.get("/org/agencies/")["Location"].startswith(reverse("login"))  # the session is gone
    event = SecurityEvent.objects.get(kind=SecurityEventKind.SESSION_EXPIRED)
    assert event.user == users.head_a1 and event.detail == "空闲超时"


@pytest.mark.django_db
def test_an_active_session_ends_at_its_absolute_lifetime(client, users, settings):
    settings.ZHIFA_SESSION_MAX_HOURS = 2
    with time_machine.travel(T0, tick=False) as clock:
        client.force_login(users.officer_a1)
        for _ in range(5):  # busy every 20 minutes: never idle
            clock.shift(dt.timedelta(minutes=20))
            assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=21))  # 2 h 1 min after the login
        response = client.get("/")
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        assert "最长有效时间" in client.get(response["Location"]).content.decode()
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.SESSION_EXPIRED, detail="超过最长有效时间").exists()


@pytest.mark.django_db
def test_the_api_answers_an_expired_session_with_401_and_a_code(client, users, settings):
    settings.ZHIFA_SESSION_IDLE_MINUTES = 5
    with time_machine.travel(T0, tick=False) as clock:
        client.force_login(users.officer_a1)
        assert client.get("/api/core/me").status_code == 200
        clock.shift(dt.timedelta(minutes=6))
        response = client.get("/api/core/me")
        assert response.status_code == 401 and response.json()["code"] == "session_expired"


@pytest.mark.django_db
def test_an_htmx_request_is_sent_to_the_login_page_as_a_whole(client, users, settings):
    with time_machine.travel(T0, tick=False) as clock:
        client.force_login(users.officer_a1)
        client.get("/")
        clock.shift(dt.timedelta(minutes=settings.ZHIFA_SESSION_IDLE_MINUTES + 1))
        response = client.get("/calendar/deadline/?start=2026-06-01&days=3", HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and response["HX-Redirect"].startswith(reverse("login"))


@pytest.mark.django_db
def test_a_new_login_starts_a_new_lifetime(client, users, settings):
    settings.ZHIFA_SESSION_MAX_HOURS = 1
    with time_machine.travel(T0, tick=False) as clock:
        client.force_login(users.officer_a1)
        clock.shift(dt.timedelta(minutes=50))
        client.get("/")
        client.force_login(users.officer_a1)
        clock.shift(dt.timedelta(minutes=20))
        assert client.get("/").status_code == 200
