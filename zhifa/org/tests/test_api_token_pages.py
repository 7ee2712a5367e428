"""The API tokens page as a new user meets it (issue 14 §7, tryout findings): issuing is POST-redirect-GET with the
key shown once, revoking asks first (without script: the CSP forbids inline script), and every refusal to issue
is in the security log."""

import re

import pytest
from django.urls import reverse

from zhifa.core.errors import PermissionDeniedError, ZhifaError
from zhifa.core.models import ApiToken, SecurityEvent, SecurityEventKind
from zhifa.core.tokens import token_issue
from zhifa.org.tests.factories import PersonFactory


def _denials(user) -> int:
    return SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED, user=user).count()


@pytest.mark.django_db
def test_issuing_redirects_and_shows_the_key_once_so_a_reload_issues_nothing(client, users):
    """The page answered the POST itself: reloading it, or pressing 签发 again on the refilled form, issued
    another token. Now the POST redirects; the key is shown on the next page only."""
    client.force_login(users.officer_a1)
    issued = client.post(reverse("api-tokens"), {"name": "记录仪工作站", "days": 30})
    assert issued.status_code == 302 and issued["Location"] == reverse("api-tokens")
    row = ApiToken.objects.get()
    page = client.get(reverse("api-tokens")).content.decode()
    key = re.search(r'<code id="new-token">(zf_[^<]+)</code>', page).group(1)
    assert ApiToken.objects.get(digest=ApiToken.digest_of(key)) == row
    assert "已签发令牌「记录仪工作站」" in page
    assert 'value="记录仪工作站"' not in page  # the form is empty again
    reloaded = client.get(reverse("api-tokens")).content.decode()
    assert 'id="new-token"' not in reloaded and key not in reloaded
    assert ApiToken.objects.count() == 1
    assert key not in str(dict(client.session))  # not kept after it was shown


@pytest.mark.django_db
def test_the_labels_end_with_the_full_width_colon(client, users):
    client.force_login(users.officer_a1)
    page = client.get(reverse("api-tokens")).content.decode()
    assert "用途：</label>" in page and "有效期（天）：</label>" in page and ":</label>" not in page


@pytest.mark.django_db
def test_revoking_asks_for_confirmation_first_without_script(client, users):
    """吊销 revoked at once. The list now links to a confirmation page (GET changes nothing); its form revokes."""
    row, _raw = ApiToken.issue(user=users.officer_a1, name="县办案系统")
    client.force_login(users.officer_a1)
    listing = client.get(reverse("api-tokens")).content.decode()
    confirm_url = reverse("api-token-revoke", args=[row.pk])
    assert f'<a href="{confirm_url}">吊销…</a>' in listing
    assert f'action="{confirm_url}"' not in listing  # no one-click revoking form in the list
    confirm = client.get(confirm_url)
    body = confirm.content.decode()
    assert confirm.status_code == 200 and "县办案系统" in body and "确认吊销" in body and "不能撤销" in body
    assert f'<form method="post" action="{confirm_url}">' in body
    assert not re.search(r"<script(?![^>]*\bsrc=)|\son[a-z]+=", body)  # no inline script or handler (CSP)
    row.refresh_from_db()
    assert row.revoked_at is None  # looking at the confirmation revoked nothing
    done = client.post(confirm_url, follow=True)
    row.refresh_from_db()
    assert row.revoked_at is not None and "已吊销令牌「县办案系统」" in done.content.decode()
    # Once revoked, the confirmation is not offered again.
    assert client.get(confirm_url)["Location"] == reverse("api-tokens")


@pytest.mark.django_db
def test_someone_elses_token_has_no_confirmation_page_either(client, users):
    row, _raw = ApiToken.issue(user=users.head_a1, name="局长的脚本")
    client.force_login(users.officer_a1)
    before = _denials(users.officer_a1)
    assert client.get(reverse("api-token-revoke", args=[row.pk])).status_code == 404
    assert _denials(users.officer_a1) == before + 1
    # An administrator's confirmation names whose token it is, by name and account.
    PersonFactory(name="甲一局长", agency=users.head_a1.grants.get().agency, user=users.head_a1)
    client.force_login(users.su)
    page = client.get(reverse("api-token-revoke", args=[row.pk])).content.decode()
    assert "甲一局长（head_a1）" in page and f'{reverse("api-tokens")}?all=1' in page


@pytest.mark.django_db
def test_a_refused_issue_is_in_the_security_log(users):
    """token_issue refused issuing for someone else (and without the second factor) with no record."""
    before = _denials(users.officer_a1)
    with pytest.raises(PermissionDeniedError):
        token_issue(user=users.head_a1, actor=users.officer_a1, name="替局长签发")
    assert _denials(users.officer_a1) == before + 1
    before = _denials(users.head_a1)
    with pytest.raises(ZhifaError) as refused:
        token_issue(user=users.head_a1, actor=users.head_a1, name="脚本")  # no verified session
    assert refused.value.code == "second_factor_required" and _denials(users.head_a1) == before + 1
    assert not ApiToken.objects.exists()
