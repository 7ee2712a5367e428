"""Resumable uploads are bounded: unfinished uploads expire (tus Expiration) and are cleaned up, and each user may
hold only so many unfinished uploads and declared bytes (issue 14 §8; REC-08)."""

import datetime as dt
import fcntl
import json
import uuid
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone
from django.utils.http import http_date

from zhifa.core.models import ApiToken
from zhifa.ledger.models import Entry
from zhifa.records.models import Recording, TusUpload
from zhifa.records.tests.test_tus import VIDEO, create, patch

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def _url(created) -> str:
    assert created.status_code == 201, created.content
    return created["Location"].replace("http://testserver", "")


def _staged(url) -> Path:
    return Path(django_settings.ZHIFA_TUS_DIR) / url.rstrip("/").rsplit("/", 1)[1]


@pytest.mark.req("REC-08")
@pytest.mark.django_db
def test_an_unfinished_upload_expires_a_day_after_its_last_byte_and_is_cleaned_up(client, desk, seizure, auth):
    """Upload-Expires on POST, PATCH and HEAD (RFC 9110 date), pushed back by every byte that lands; after it the
    upload answers 410 to HEAD and PATCH, and `manage.py tus_cleanup` removes its bytes and row and logs it."""
    case, _camera = seizure
    assert "expiration" in client.options("/api/tus/")["Tus-Extension"].split(",")
    with time_machine.travel(T0, tick=False):
        created = create(client, auth, case, desk)
        url = _url(created)
        assert created["Upload-Expires"] == http_date((T0 + dt.timedelta(hours=24)).timestamp())
    with time_machine.travel(T0 + dt.timedelta(hours=20), tick=False):
        sent = patch(client, url, auth, 0, VIDEO[:200_000])
        assert sent.status_code == 204
        assert sent["Upload-Expires"] == http_date((T0 + dt.timedelta(hours=44)).timestamp())
    with time_machine.travel(T0 + dt.timedelta(hours=43), tick=False):
        head = client.head(url, **auth)
        assert head.status_code == 200 and head["Upload-Expires"] == sent["Upload-Expires"]
        call_command("tus_cleanup")  # not yet expired: nothing removed
        assert _staged(url).stat().st_size == 200_000 and TusUpload.objects.exists()
    with time_machine.travel(T0 + dt.timedelta(hours=44, seconds=1), tick=False):
        assert client.head(url, **auth).status_code == 410
        refused = patch(client, url, auth, 200_000, VIDEO[200_000:])
        assert refused.status_code == 410 and refused.json()["code"] == "record_tus_expired"
        assert "过期" in refused.json()["message"]
        assert _staged(url).stat().st_size == 200_000  # nothing appended
        call_command("tus_cleanup")
    assert not _staged(url).exists() and not TusUpload.objects.exists() and not Recording.objects.exists()
    assert client.head(url, **auth).status_code == 404
    entry = Entry.objects.get(kind="records.tus_upload_expired")
    assert entry.subject == f"cases.case:{case.pk}" and json.loads(entry.payload)["received"] == 200_000


@pytest.mark.req("REC-08")
@pytest.mark.django_db
def test_the_cleanup_keeps_completed_uploads_and_running_ones_and_removes_strays(client, desk, seizure, auth):
    case, _camera = seizure
    with time_machine.travel(T0, tick=False):
        done = _url(create(client, auth, case, desk))
        assert patch(client, done, auth, 0, VIDEO).status_code == 204
        running = _url(create(client, auth, case, desk))
        assert patch(client, running, auth, 0, VIDEO[:1000]).status_code == 204
    folder = Path(django_settings.ZHIFA_TUS_DIR)
    stray = folder / str(uuid.uuid4())  # bytes whose row is gone (removed on another server, a failed unlink)
    stray.write_bytes(b"x" * 10)
    (folder / "README").write_text("not an upload")
    with time_machine.travel(T0 + dt.timedelta(days=3), tick=False), open(_staged(running), "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # a PATCH of this upload is still receiving
        call_command("tus_cleanup")
        assert _staged(running).exists() and TusUpload.objects.count() == 2
        fcntl.flock(held, fcntl.LOCK_UN)
        call_command("tus_cleanup")
    assert TusUpload.objects.get().recording is not None  # the completed one stays
    assert Recording.objects.count() == 1 and not _staged(running).exists() and not stray.exists()
    assert (folder / "README").exists()


def _refusal(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["message"] and response["Tus-Resumable"] == "1.0.0"
    return body


@pytest.mark.req("REC-08")
@pytest.mark.django_db
def test_a_user_may_hold_only_so_many_unfinished_uploads(client, desk, seizure, auth, settings):
    settings.ZHIFA_TUS_MAX_OPEN = 2
    case, _camera = seizure
    first = _url(create(client, auth, case, desk))
    _url(create(client, auth, case, desk))
    body = _refusal(create(client, auth, case, desk), 429, "record_tus_too_many_open")
    assert "上限（2 个）" in body["message"] and body["details"] == {"open": 2, "limit": 2}
    _row, other = ApiToken.issue(user=desk.head, name="另一人的终端")
    assert create(client, {"HTTP_AUTHORIZATION": f"Bearer {other}", "HTTP_TUS_RESUMABLE": "1.0.0"}, case,
                  desk).status_code == 201  # the quota is per user
    assert client.delete(first, **auth).status_code == 204  # a terminated upload no longer counts
    _url(create(client, auth, case, desk))
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):  # nor do expired ones
        _url(create(client, auth, case, desk))
        _url(create(client, auth, case, desk))
        _refusal(create(client, auth, case, desk), 429, "record_tus_too_many_open")


@pytest.mark.req("REC-08")
@pytest.mark.django_db
def test_a_user_may_declare_only_so_many_bytes_in_unfinished_uploads(client, desk, seizure, auth, settings):
    settings.ZHIFA_TUS_MAX_OPEN_BYTES = len(VIDEO) + 1000
    case, _camera = seizure
    done = _url(create(client, auth, case, desk))
    _url(create(client, auth, case, desk, length=1000))  # exactly at the limit
    body = _refusal(create(client, auth, case, desk, length=1), 413, "record_tus_open_bytes_exceeded")
    assert body["details"] == {"open_bytes": len(VIDEO) + 1000, "requested": 1, "limit": len(VIDEO) + 1000}
    assert "上限" in body["message"]
    assert patch(client, done, auth, 0, VIDEO).status_code == 204  # a completed upload no longer counts
    _url(create(client, auth, case, desk, length=len(VIDEO)))


@pytest.mark.req("REC-08")
@pytest.mark.django_db
def test_the_declared_length_is_bounded_by_tus_max_size(client, desk, seizure, auth, settings):
    settings.ZHIFA_TUS_MAX_SIZE = 5 * 1024 * 1024
    case, _camera = seizure
    assert client.options("/api/tus/")["Tus-Max-Size"] == str(5 * 1024 * 1024)
    _url(create(client, auth, case, desk, length=5 * 1024 * 1024))
    body = _refusal(create(client, auth, case, desk, length=5 * 1024 * 1024 + 1), 413, "too_large")
    assert "5 MB" in body["message"]


@pytest.mark.django_db
def test_an_expired_or_revoked_token_is_refused_with_its_reason_as_on_the_rest_of_the_api(client, desk, seizure):
    """tus authenticates by itself; an expired or revoked token answers the same codes as /api/ (issue 14 §7)."""
    row, raw = ApiToken.issue(user=desk.officer, name="执法记录仪")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}", "HTTP_TUS_RESUMABLE": "1.0.0", "HTTP_UPLOAD_LENGTH": "10"}
    with time_machine.travel(row.expires_at + dt.timedelta(seconds=1)):
        response = client.post("/api/tus/", **headers)
    assert response.status_code == 401 and response.json()["code"] == "token_expired"
    row.revoked_at = timezone.now()
    ApiToken.objects.filter(pk=row.pk).update(revoked_at=row.revoked_at)
    response = client.post("/api/tus/", **headers)
    assert response.status_code == 401 and response.json()["code"] == "token_revoked"
    assert client.post("/api/tus/", HTTP_TUS_RESUMABLE="1.0.0").json()["code"] == "unauthenticated"
