"""A request body is parsed only once the request may run (review finding 4).

ZhifaErrorMiddleware read request.POST/FILES for every request, before the login check, CSRF and the view, so an
anonymous POST of a huge multipart body to a login-only page was spooled to disk before it was refused, and the
portal's early 413 came after the body had been parsed. Now the form body is checked and normalised when it is
parsed (core.middleware._CheckedBody), and CSRF (the first reader of a POST) runs after the login and
second-factor checks. Each test counts how often Django's multipart parser ran."""

import pytest
from django.http.multipartparser import MultiPartParser
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from zhifa.core.testing import force_login_password_only, totp_device

NUL = "\x00"  # no database stores it: the middleware's rule (core.bounds.text_problem)


@pytest.fixture
def parses(monkeypatch):
    """How many multipart bodies Django parsed."""
    calls = []
    original = MultiPartParser.parse

    def counting(self):
        calls.append(self)
        return original(self)

    monkeypatch.setattr(MultiPartParser, "parse", counting)
    return calls


def _csrf_client() -> Client:
    """A browser with a CSRF cookie, posting the matching token: CSRF's check would read the form."""
    browser = Client(enforce_csrf_checks=True)
    browser.get(reverse("login"))
    return browser


def _upload(browser, path, **extra):
    token = browser.cookies["csrftoken"].value
    body = encode_multipart(BOUNDARY, {"csrfmiddlewaretoken": token,
                                       "file": _file(), "device": "1", "officer": "1"})
    return browser.generic("POST", path, body, content_type=MULTIPART_CONTENT, **extra)


def _file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("clip.wav", b"RIFF" + b"\0" * 4096, content_type="audio/wav")


@pytest.mark.django_db
def test_an_anonymous_upload_is_sent_to_the_login_without_its_body_being_read(parses):
    """The attack: an anonymous 8 GB multipart POST to the page upload route was parsed before the redirect."""
    browser = _csrf_client()
    response = _upload(browser, "/records/cases/1/upload/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert parses == []


@pytest.mark.django_db
def test_a_session_without_its_second_factor_does_not_get_its_body_read(parses, users):
    totp_device(users.officer_a1)
    browser = _csrf_client()
    force_login_password_only(browser, users.officer_a1)
    browser.get(reverse("otp-verify"))  # a CSRF cookie for this session
    response = _upload(browser, "/records/cases/1/upload/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("otp-verify"))
    assert parses == []


@pytest.mark.django_db
def test_the_portal_refuses_a_declared_body_beyond_its_limits_before_reading_it(parses, settings):
    """The portal's promise: a body beyond the attachment limits is refused before it is read."""
    declared = settings.ZHIFA_PUBLIC_ATTACHMENTS_TOTAL_BYTES + 2 * 1024 * 1024
    body = encode_multipart(BOUNDARY, {"kind": "disclosure", "file": _file()})
    response = Client().generic("POST", "/portal/requests/new/", body, content_type=MULTIPART_CONTENT,
                                CONTENT_LENGTH=str(declared))
    assert response.status_code == 413
    assert parses == []


@pytest.mark.django_db
def test_a_signed_in_form_still_has_its_text_checked_and_normalised(parses, users):
    """CSRF now reads the body after the login check; the text rule and NFC still apply to what it read."""
    browser = _csrf_client()
    browser.force_login(users.su)
    browser.get(reverse("api-tokens"))
    token = browser.cookies["csrftoken"].value
    refused = browser.post(reverse("api-tokens"), {"csrfmiddlewaretoken": token, "name": f"脚本{NUL}", "days": 30})
    assert refused.status_code == 400 and "表单字段" in refused.content.decode()
    accepted = browser.post(reverse("api-tokens"), {"csrfmiddlewaretoken": token, "name": "Cafe\u0301", "days": 30})
    assert accepted.status_code == 302
    from zhifa.core.models import ApiToken

    assert ApiToken.objects.get().name == "Caf\u00e9"  # NFC


@pytest.mark.django_db
def test_a_form_a_view_reads_itself_is_checked_when_it_reads_it(users):
    """A CSRF-exempt view (the portal form) parses its body itself: the rule answers 400 there too."""
    response = Client().post("/portal/requests/new/", {"kind": "disclosure", "name": f"张三{NUL}"})
    assert response.status_code == 400 and "表单字段" in response.content.decode()


@pytest.mark.django_db
def test_a_form_too_large_to_read_is_still_a_413_when_csrf_reads_it(users, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    browser = _csrf_client()
    browser.force_login(users.su)
    browser.get(reverse("api-tokens"))
    token = browser.cookies["csrftoken"].value
    response = browser.post(reverse("api-tokens"), {"csrfmiddlewaretoken": token, "name": "x" * 5000, "days": 30})
    assert response.status_code == 413
