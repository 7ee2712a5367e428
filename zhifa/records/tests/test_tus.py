"""Resumable uploads (tus 1.0): an upload cut off and resumed gives the exact original digest (REC-08)."""

import base64
import datetime as dt
import hashlib
import io

import pytest
from django.test import RequestFactory
from django.utils import timezone

from zhifa.core.models import ApiToken
from zhifa.records import tus
from zhifa.records.models import Recording, TusUpload
from zhifa.records.tests.media import mp4

VIDEO = mp4(frames=30, size=(320, 240), noise=True)  # a playable clip of about a megabyte


def meta(case, desk, **extra):
    start = timezone.now() - dt.timedelta(hours=1)
    values = {"case": str(case.pk), "device": "ZFY-0001", "officer": str(desk.officers[0].pk), "activity": "seize",
              "started_at": start.isoformat(), "ended_at": (start + dt.timedelta(minutes=30)).isoformat(),
              "place": "人民路8号", "filename": "clip.mp4", "filetype": "video/mp4"} | extra
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def create(client, auth, case, desk, length=None, **extra):
    length = len(VIDEO) if length is None else length
    return client.post("/api/tus/", HTTP_UPLOAD_LENGTH=str(length), HTTP_UPLOAD_METADATA=meta(case, desk, **extra), **auth)


def patch(client, url, auth, offset, data):
    return client.generic("PATCH", url, data, content_type="application/offset+octet-stream",
                          HTTP_UPLOAD_OFFSET=str(offset), **auth)


@pytest.mark.req("REC-08")
@pytest.mark.django_db
def test_an_upload_cut_off_and_resumed_gives_the_exact_digest(client, desk, seizure, auth):
    case, _camera = seizure
    options = client.options("/api/tus/")
    assert options.status_code == 204 and options["Tus-Version"] == "1.0.0" and "creation" in options["Tus-Extension"]
    created = create(client, auth, case, desk)
    assert created.status_code == 201, created.content
    url = created["Location"].replace("http://testserver", "")
    first = patch(client, url, auth, 0, VIDEO[:400_000])
    assert first.status_code == 204 and first["Upload-Offset"] == "400000"
    # The network broke; the client asks where to resume.
    head = client.head(url, **auth)
    assert head["Upload-Offset"] == "400000" and head["Upload-Length"] == str(len(VIDEO))
    assert patch(client, url, auth, 0, VIDEO).status_code == 409  # wrong offset: nothing appended
    done = patch(client, url, auth, 400_000, VIDEO[400_000:])
    assert done.status_code == 204, done.content
    recording = Recording.objects.get()
    assert recording.blob.sha256 == hashlib.sha256(VIDEO).hexdigest() == done["Zhifa-Sha256"]
    assert TusUpload.objects.get().recording == recording


@pytest.mark.req("REC-08")
@pytest.mark.django_db
def test_bytes_that_arrived_before_the_connection_broke_are_kept(desk, seizure, auth):
    case, _camera = seizure
    from django.test import Client

    created = create(Client(), auth, case, desk)
    upload_id = created["Location"].rstrip("/").rsplit("/", 1)[1]

    class Breaks(io.RawIOBase):
        def __init__(self):
            self.sent = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            if self.sent >= 300_000:
                raise ConnectionResetError("network gone")
            n = min(len(buffer), 100_000)
            buffer[:n] = VIDEO[self.sent:self.sent + n]
            self.sent += n
            return n

    request = RequestFactory().generic("PATCH", f"/api/tus/{upload_id}/", b"", content_type="application/offset+octet-stream",
                                       HTTP_UPLOAD_OFFSET="0", **auth)
    body = Breaks()
    request.META["wsgi.input"] = body  # raw: each read returns what arrived, as a WSGI input does
    request.META["CONTENT_LENGTH"] = str(len(VIDEO))
    request.META["CONTENT_TYPE"] = "application/offset+octet-stream"
    request.content_type = "application/offset+octet-stream"
    request._stream = None
    from django.core.handlers.wsgi import LimitedStream

    request._stream = LimitedStream(request.META["wsgi.input"], len(VIDEO))
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = tus.resource(request, upload_id)
    assert response.status_code == 204 and int(response["Upload-Offset"]) == body.sent >= 300_000  # all that arrived
    assert not Recording.objects.exists()


@pytest.mark.django_db
def test_protocol_errors(client, desk, seizure, auth, tree):
    case, _camera = seizure
    assert client.post("/api/tus/", HTTP_UPLOAD_LENGTH="10", HTTP_AUTHORIZATION=auth["HTTP_AUTHORIZATION"]).status_code == 412
    assert client.post("/api/tus/", HTTP_UPLOAD_LENGTH="10", HTTP_TUS_RESUMABLE="1.0.0").status_code == 401
    bad_device = create(client, auth, case, desk, device="NOPE")
    assert bad_device.status_code == 400 and bad_device.json()["code"] == "record_device_unregistered"
    assert create(client, auth, case, desk, length=0).json()["code"] == "evidence_empty_file"
    url = create(client, auth, case, desk)["Location"].replace("http://testserver", "")
    wrong_type = client.generic("PATCH", url, b"x", content_type="text/plain", HTTP_UPLOAD_OFFSET="0", **auth)
    assert wrong_type.status_code == 415
    from zhifa.core.permissions import Role
    from zhifa.org.tests.factories import UserFactory, grant

    other = grant(UserFactory(), Role.OFFICER, agency=tree.agency_b1)
    _row, raw = ApiToken.issue(user=other, name="x")
    assert client.head(url, HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_TUS_RESUMABLE="1.0.0").status_code == 404
    assert create(client, {"HTTP_AUTHORIZATION": f"Bearer {raw}", "HTTP_TUS_RESUMABLE": "1.0.0"}, case, desk).status_code == 404
    assert client.delete(url, **auth).status_code == 204
    assert client.head(url, **auth).status_code == 410


@pytest.mark.req("REC-05")
@pytest.mark.django_db
def test_a_non_media_upload_is_refused_when_complete(client, desk, seizure, auth):
    case, _camera = seizure
    data = b"%PDF-1.7 " + b"x" * 1000
    url = create(client, auth, case, desk, length=len(data))["Location"].replace("http://testserver", "")
    refused = patch(client, url, auth, 0, data)
    assert refused.status_code == 400 and refused.json()["code"] == "record_not_media"
    assert client.head(url, **auth).status_code == 410 and not Recording.objects.exists()


@pytest.mark.req("REC-09")
@pytest.mark.django_db
def test_a_clip_already_pushed_is_refused_at_creation_with_its_id(client, desk, seizure, auth):
    case, _camera = seizure
    created = create(client, auth, case, desk, external_id="EXT-9", device_checked="1", opening_statement="1")
    url = created["Location"].replace("http://testserver", "")
    assert patch(client, url, auth, 0, VIDEO).status_code == 204
    recording = Recording.objects.get()
    assert recording.external_id == "EXT-9" and recording.device_checked and recording.opening_statement
    again = create(client, auth, case, desk, external_id="EXT-9")
    assert again.status_code == 409
    body = again.json()
    assert body["code"] == "record_external_id_exists" and body["details"]["recording_id"] == recording.pk
    assert TusUpload.objects.count() == 1
