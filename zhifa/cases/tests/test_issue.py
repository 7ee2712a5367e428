"""Issuing (签发) a document puts the agency's seal on it: a write by the person who signs for the agency, by POST,
through the issue checks, logged. A GET only serves what was issued, and never writes (issue 14 §5)."""

import pytest

from zhifa.cases.models import DocumentRendition
from zhifa.cases.tests.conftest import inspection_with_record
from zhifa.core.models import ApiToken, SecurityEvent, SecurityEventKind
from zhifa.core.permissions import Role
from zhifa.ledger.models import Entry
from zhifa.org.tests.factories import UserFactory, grant


@pytest.fixture(autouse=True)
def _keys(settings, tmp_path):
    settings.ZHIFA_SIGNING_DIR = str(tmp_path / "signing")


@pytest.fixture
def inspection(desk):
    return inspection_with_record(desk)


def _bearer(user):
    _row, raw = ApiToken.issue(user=user, name="测试")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _denials(permission="cases.issue_document"):
    return SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED, permission=permission).count()


@pytest.mark.req("REC-02")
@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_a_get_never_issues(client, inspection, desk, users, kind):
    """Downloading a document that was not issued answers 409 尚未签发 — for the officer and for the head alike —
    and writes neither a rendition nor a log entry."""
    case, doc = inspection
    entries = Entry.objects.count()
    for user in (desk.officer, users.head_a1):
        client.force_login(user)
        response = client.get(f"/cases/{case.pk}/documents/{doc.pk}.{kind}")
        assert response.status_code == 409 and "尚未签发" in response.content.decode()
    assert client.get(f"/cases/{case.pk}/documents/{doc.pk}/issue/").status_code == 405
    assert not DocumentRendition.objects.exists() and Entry.objects.count() == entries


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_reading_the_case_is_not_signing_for_the_agency(client, inspection, desk, users):
    """The officer and the handling head read and handle the case but do not sign for the agency: refused on the
    page and the API, and each refusal is in the security log. So is the system administrator, who is trusted with
    accounts, not with any agency's seal (issue 14, review #1)."""
    case, doc = inspection
    for user in (desk.officer, desk.head, users.su):
        client.force_login(user)
        before = _denials()
        page = client.post(f"/cases/{case.pk}/documents/{doc.pk}/issue/", {"kind": "pdf"})
        assert page.status_code == 403 and "只有机关负责人可以签发文书" in page.content.decode()  # issue 17: the 403 page
        api = client.post(f"/api/cases/{case.pk}/documents/{doc.pk}/issue?kind=pdf", **_bearer(user))
        assert api.status_code == 403 and api.json()["code"] == "permission_denied"
        assert _denials() == before + 2
    assert not DocumentRendition.objects.exists()
    assert not Entry.objects.filter(kind="cases.document_issued").exists()


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_the_signer_issues_by_post_and_then_anyone_in_the_case_downloads(client, inspection, desk, users, tree):
    case, doc = inspection
    client.force_login(users.head_a1)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f"/cases/{case.pk}/documents/{doc.pk}/issue/" in page and "签发（加盖电子签章）" in page
    done = client.post(f"/cases/{case.pk}/documents/{doc.pk}/issue/", {"kind": "pdf"}, follow=True)
    assert "已签发《现场检查笔录》第 1 版" in done.content.decode()
    rendition = DocumentRendition.objects.get()
    assert rendition.issued_by == users.head_a1 and rendition.signer_sha256
    assert Entry.objects.filter(kind="cases.document_issued", pk=rendition.entry_id).exists()
    legal_head = grant(UserFactory(username="lh_x"), Role.LEGAL_HEAD, agency=desk.agency)  # a 负责人 too
    api = client.post(f"/api/cases/{case.pk}/documents/{doc.pk}/issue?kind=docx", **_bearer(legal_head))
    assert api.status_code == 200 and api.json()["kind"] == "docx"
    client.force_login(desk.officer)
    officer_page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "签发（加盖电子签章）" not in officer_page and f"/documents/{doc.pk}.pdf" in officer_page
    entries = Entry.objects.count()
    response = client.get(f"/cases/{case.pk}/documents/{doc.pk}.pdf")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert DocumentRendition.objects.count() == 2 and Entry.objects.count() == entries  # the GET wrote nothing
    other_head = grant(UserFactory(username="head_b1"), Role.AGENCY_HEAD, agency=tree.agency_b1)
    client.force_login(other_head)  # another agency's head cannot see the case at all: the same 404
    assert client.post(f"/cases/{case.pk}/documents/{doc.pk}/issue/", {"kind": "pdf"}).status_code == 404
