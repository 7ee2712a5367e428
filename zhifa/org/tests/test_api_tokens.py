"""API tokens expire and can be revoked; issuing one needs the second factor; the API docs are for staff
(issue 14 §7)."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from zhifa.core.errors import ZhifaError
from zhifa.core.models import ApiToken, SecurityEvent, SecurityEventKind, TokenIssue
from zhifa.core.permissions import Role
from zhifa.core.testing import force_login_password_only, totp_device
from zhifa.core.tokens import token_issue
from zhifa.org.tests.factories import UserFactory, grant


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.mark.django_db
def test_a_token_expires_after_the_configured_days_and_is_then_refused_with_a_code(client, users, settings):
    """The attack: a token issued once worked for ever."""
    row, raw = ApiToken.issue(user=users.officer_a1, name="县办案系统")
    assert abs(row.expires_at - (timezone.now() + dt.timedelta(days=settings.ZHIFA_API_TOKEN_DAYS))) < dt.timedelta(
        minutes=1)
    assert client.get("/api/core/me", **bearer(raw)).status_code == 200
    with time_machine.travel(row.expires_at + dt.timedelta(seconds=1)):
        response = client.get("/api/core/me", **bearer(raw))
    assert response.status_code == 401 and response.json()["code"] == "token_expired"
    event = SecurityEvent.objects.get(kind=SecurityEventKind.TOKEN_EXPIRED)
    assert event.user == users.officer_a1


@pytest.mark.django_db
def test_the_owner_lists_and_revokes_a_token_and_it_stops_at_once(client, users):
    row, raw = ApiToken.issue(user=users.officer_a1, name="县办案系统")
    listed = client.get("/api/core/tokens", **bearer(raw)).json()
    assert [t["id"] for t in listed] == [row.pk]
    revoked = client.post(f"/api/core/tokens/{row.pk}/revoke", **bearer(raw))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    refused = client.get("/api/core/me", **bearer(raw))
    assert refused.status_code == 401 and refused.json()["code"] == "token_revoked"
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.TOKEN_REVOKED, user=users.officer_a1).exists()


@pytest.mark.django_db
def test_others_tokens_are_not_found_but_an_administrator_revokes_anyones(client, users):
    row, raw = ApiToken.issue(user=users.officer_a1, name="县办案系统")
    _other, other_raw = ApiToken.issue(user=users.head_a1, name="x")
    assert client.post(f"/api/core/tokens/{row.pk}/revoke", **bearer(other_raw)).status_code == 404
    assert [t["id"] for t in client.get("/api/core/tokens?everyone=true", **bearer(other_raw)).json()] == [_other.pk]
    client.force_login(users.su)
    everyone = client.get(reverse("api-tokens") + "?all=1").content.decode()
    assert "县办案系统" in everyone
    assert client.post(reverse("api-token-revoke", args=[row.pk])).status_code == 302
    client.logout()
    assert client.get("/api/core/me", **bearer(raw)).status_code == 401
    event = SecurityEvent.objects.get(kind=SecurityEventKind.TOKEN_REVOKED)
    assert event.user == users.su and "off_a1" in event.detail


@pytest.mark.django_db
def test_issuing_a_token_needs_the_second_factor_for_the_roles_that_must_have_one(client, users, settings):
    with pytest.raises(ZhifaError) as refused:
        token_issue(user=users.head_a1, actor=users.head_a1, name="脚本")  # no verified session
    assert refused.value.code == "second_factor_required"
    # On the page: the password alone does not reach it …
    force_login_password_only(client, users.head_a1)
    assert client.post(reverse("api-tokens"), {"name": "脚本", "days": 30})["Location"].startswith(
        reverse("otp-enrol"))
    assert not ApiToken.objects.exists()
    # … a verified session issues one, shown once, with the chosen life.
    client.force_login(users.head_a1)
    page = client.post(reverse("api-tokens"), {"name": "脚本", "days": 30}, follow=True)
    row = ApiToken.objects.get()
    assert page.redirect_chain == [(reverse("api-tokens"), 302)] and 'id="new-token"' in page.content.decode()
    assert dt.timedelta(days=29) < row.expires_at - timezone.now() <= dt.timedelta(days=30)
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.TOKEN_ISSUED, user=users.head_a1).exists()
    too_long = client.post(reverse("api-tokens"), {"name": "脚本", "days": settings.ZHIFA_API_TOKEN_DAYS + 1})
    assert "有效期应为" in too_long.content.decode() and ApiToken.objects.count() == 1


@pytest.mark.django_db
def test_an_officer_needs_no_second_factor_for_a_token(users):
    row, _raw = token_issue(user=users.officer_a1, actor=users.officer_a1, name="记录仪工作站")
    assert row.user == users.officer_a1


@pytest.mark.django_db
def test_the_command_issues_a_token_that_expires(users, capsys):
    call_command("api_token_issue", "off_a1", "县办案系统", "--days", "7")
    raw = capsys.readouterr().out.strip()
    row = ApiToken.objects.get(digest=ApiToken.digest_of(raw))
    assert dt.timedelta(days=6) < row.expires_at - timezone.now() <= dt.timedelta(days=7)


@pytest.mark.django_db
def test_a_password_only_token_stops_when_its_user_comes_to_need_a_second_factor(client, users, tree):
    """Review finding 9: someone with an officer's password issued a 90-day token (an officer needs no second
    factor); when the officer was later made agency head, the token acted as agency head and no second factor
    had ever passed. It is refused with its own code, and the refusal is in the security log."""
    row, raw = token_issue(user=users.officer_a1, actor=users.officer_a1, name="记录仪工作站")
    assert row.issued_under == TokenIssue.PASSWORD
    assert client.get("/api/core/me", **bearer(raw)).status_code == 200
    grant(users.officer_a1, Role.AGENCY_HEAD, agency=tree.agency_a1)
    refused = client.get("/api/core/me", **bearer(raw))
    assert refused.status_code == 401 and refused.json()["code"] == "token_second_factor"
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.TOKEN_SECOND_FACTOR, user=users.officer_a1).exists()
    # tus authenticates tokens the same way.
    assert client.post("/api/tus/", HTTP_TUS_RESUMABLE="1.0.0", HTTP_UPLOAD_LENGTH="10",
                       **bearer(raw)).status_code == 401


@pytest.mark.django_db
def test_a_password_only_token_stops_when_its_user_enrols_a_device(client, users):
    """Enrolled, the user's login asks for the second factor; a token from before it must not skip it."""
    _row, raw = token_issue(user=users.officer_a1, actor=users.officer_a1, name="记录仪工作站")
    totp_device(users.officer_a1)
    assert client.get("/api/core/me", **bearer(raw)).json()["code"] == "token_second_factor"


@pytest.mark.django_db
def test_tokens_issued_under_the_second_factor_or_by_the_operator_keep_working(client, users, capsys):
    client.force_login(users.head_a1)  # both factors
    client.post(reverse("api-tokens"), {"name": "脚本", "days": 30})
    page_row = ApiToken.objects.get(user=users.head_a1)
    assert page_row.issued_under == TokenIssue.SECOND_FACTOR
    call_command("api_token_issue", "head_a1", "市局系统")
    operator_raw = capsys.readouterr().out.strip()
    assert ApiToken.objects.get(digest=ApiToken.digest_of(operator_raw)).issued_under == TokenIssue.OPERATOR
    client.logout()
    assert client.get("/api/core/me", **bearer(operator_raw)).status_code == 200


@pytest.mark.django_db
def test_an_administrators_reset_of_the_second_factor_revokes_the_users_tokens(client, users):
    """A reset is for a lost phone: the tokens issued while it was in other hands stop with it."""
    client.force_login(users.head_a1)
    client.post(reverse("api-tokens"), {"name": "脚本", "days": 30})
    raw = client.session["zhifa_new_api_token"]  # shown once on the next page
    row = ApiToken.objects.get(user=users.head_a1)
    _other, other_raw = ApiToken.issue(user=users.officer_a1, name="别人的")
    client.force_login(users.su)
    response = client.post(reverse("otp-reset"), {"username": "head_a1", "reason": "手机遗失"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None and row.revoked_by == users.su
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.TOKEN_REVOKED, user=users.head_a1,
                                        detail__contains=str(row.pk)).exists()
    client.logout()
    assert client.get("/api/core/me", **bearer(raw)).json()["code"] == "token_revoked"
    assert client.get("/api/core/me", **bearer(other_raw)).status_code == 200  # nobody else's


@pytest.mark.django_db
def test_the_api_docs_are_for_staff_only(client, users, tree):
    """The attack: the whole API's description was served to anyone."""
    assert client.get("/api/docs")["Location"].startswith(reverse("login"))
    anonymous = client.get("/api/openapi.json")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthenticated"
    party = grant(UserFactory(username="party_x"), Role.PARTY, agency=tree.agency_a1)
    client.force_login(party)
    assert client.get("/api/openapi.json").status_code == 403
    assert client.get("/api/docs").status_code == 403
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED, permission="core.view_api_docs").exists()
    _row, raw = ApiToken.issue(user=users.officer_a1, name="x")
    client.logout()
    assert "/api/core/me" in client.get("/api/openapi.json", **bearer(raw)).json()["paths"]
    client.force_login(users.city_a_supervisor)
    assert client.get("/api/docs").status_code == 200
