"""Stored files are served with the type the server determined, never the uploader's (issue 14 §1).

The attack: a valid WAV with `<script>` appended passes both media checks; uploaded with `filetype text/html`
(tus) or a `text/html` multipart part (the page), playback answered `Content-Type: text/html` and the script
ran in the agency head's browser."""

import base64
import datetime as dt
import io
import json
import wave
from types import SimpleNamespace
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhifa.core import files
from zhifa.core.models import ApiToken
from zhifa.ledger.models import Entry
from zhifa.records.models import Recording, TusUpload

SCRIPT = b"<script>alert(1)</script>"


def wav(seconds: float = 1.0) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x01" * int(8000 * seconds))
    return buf.getvalue()


EVIL_WAV = wav() + SCRIPT


@pytest.fixture(autouse=True)
def _staging(settings, tmp_path):
    settings.ZHIFA_TUS_DIR = tmp_path / "tus"


def assert_safe_media(response, *, type_prefix="audio/wav"):
    assert response["Content-Type"].startswith(type_prefix), response["Content-Type"]
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert csp.startswith("sandbox") and "default-src 'none'" in csp and "script-src" not in csp
    assert response["Content-Disposition"].startswith("inline;")


def _times():
    start = timezone.localtime() - dt.timedelta(hours=2)
    return start, start + dt.timedelta(minutes=20)


def upload_through_page(client, desk, case, camera, data, *, name="clip.html", declared="text/html"):
    start, end = _times()
    return client.post(f"/records/cases/{case.pk}/upload/", {
        "file": SimpleUploadedFile(name, data, declared), "device": camera.pk, "officer": desk.officers[0].pk,
        "activity": "seize", "started_at": start.strftime("%Y-%m-%dT%H:%M"), "ended_at": end.strftime("%Y-%m-%dT%H:%M"),
        "place": "人民路8号"}, follow=True)


def upload_through_tus(client, desk, case, data, *, filetype="text/html", filename="clip.html"):
    _row, raw = ApiToken.issue(user=desk.officer, name="执法记录仪")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}", "HTTP_TUS_RESUMABLE": "1.0.0"}
    start, end = _times()
    values = {"case": str(case.pk), "device": "ZFY-0001", "officer": str(desk.officers[0].pk), "activity": "seize",
              "started_at": start.isoformat(), "ended_at": end.isoformat(), "place": "人民路8号",
              "filename": filename, "filetype": filetype}
    metadata = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())
    created = client.post("/api/tus/", HTTP_UPLOAD_LENGTH=str(len(data)), HTTP_UPLOAD_METADATA=metadata, **auth)
    assert created.status_code == 201, created.content
    url = created["Location"].replace("http://testserver", "")
    done = client.generic("PATCH", url, data, content_type="application/offset+octet-stream", HTTP_UPLOAD_OFFSET="0",
                          **auth)
    assert done.status_code == 204, done.content


def play(client, case, recording, **headers):
    response = client.get(f"/records/cases/{case.pk}/media/{recording.pk}/", **headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


@pytest.mark.django_db
def test_a_wav_with_script_declared_html_through_the_page_plays_as_audio(client, desk, seizure):
    case, camera = seizure
    client.force_login(desk.officer)
    assert "已上传音像记录" in upload_through_page(client, desk, case, camera, EVIL_WAV).content.decode()
    recording = Recording.objects.get()
    assert recording.blob.content_type == "audio/wav"  # stored as the probe found it, not as declared
    assert json.loads(recording.blob.entry.payload)["content_type"] == "audio/wav"
    client.force_login(desk.officer)
    response, body = play(client, case, recording)
    assert response.status_code == 200 and body == EVIL_WAV
    assert_safe_media(response)
    ranged, part = play(client, case, recording, HTTP_RANGE="bytes=0-99")
    assert ranged.status_code == 206 and part == EVIL_WAV[:100]
    assert_safe_media(ranged)


@pytest.mark.django_db
def test_a_wav_with_script_declared_html_through_tus_plays_as_audio(client, desk, seizure):
    case, _camera = seizure
    upload_through_tus(client, desk, case, EVIL_WAV)
    recording = Recording.objects.get()
    assert recording.blob.content_type == "audio/wav"
    client.force_login(desk.officer)
    response, body = play(client, case, recording)
    assert response.status_code == 200 and body == EVIL_WAV
    assert_safe_media(response)


@pytest.mark.django_db
def test_a_blob_stored_before_the_fix_with_a_declared_type_is_not_trusted(client, desk, seizure, monkeypatch):
    """Rows written before this fix carry what uploaders declared: serving re-derives the type from the bytes."""
    import zhifa.ledger.services as ledger_services

    case, camera = seizure
    client.force_login(desk.officer)
    # The store as it was: it kept whatever type it was handed (blobs are append-only, so an old row cannot be
    # made by editing a new one).
    old_store = SimpleNamespace(HEAD_BYTES=files.HEAD_BYTES, clean_filename=files.clean_filename,
                                determine=lambda head, hint: "text/html")
    monkeypatch.setattr(ledger_services, "files", old_store)
    upload_through_page(client, desk, case, camera, EVIL_WAV)
    monkeypatch.undo()
    recording = Recording.objects.select_related("blob").get()
    assert recording.blob.content_type == "text/html"
    response, _body = play(client, case, recording)
    assert_safe_media(response)


@pytest.mark.django_db
def test_a_device_file_name_with_a_right_to_left_override_is_neutralised(client, desk, seizure):
    """Issue 14 §9: "clip\u202egnp.exe" would read "clipexe.png"; names a device or browser made up are stripped,
    not refused (through tus and through the page)."""
    case, camera = seizure
    upload_through_tus(client, desk, case, EVIL_WAV, filename="clip\u202egnp.exe", filetype="audio/wav")
    assert TusUpload.objects.get().metadata["filename"] == "clipgnp.exe"
    client.force_login(desk.officer)
    upload_through_page(client, desk, case, camera, wav(2.0), name="page\u202egnp.exe", declared="audio/wav")
    payloads = [json.loads(e.payload) for e in Entry.objects.filter(kind="ledger.evidence_stored")]
    assert "pagegnp.exe" in [p["name"] for p in payloads]
    assert not any("\u202e" in e.payload for e in Entry.objects.all())


@pytest.mark.django_db
def test_the_case_file_package_is_a_download_with_nosniff_and_sandbox(client, desk, seizure):
    case, camera = seizure
    client.force_login(desk.officer)
    upload_through_page(client, desk, case, camera, EVIL_WAV)
    response = client.get(f"/records/cases/{case.pk}/case-file.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == files.FILE_CSP
    assert response["Content-Disposition"].startswith("attachment;")
    encoded = response["Content-Disposition"].split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == f"case-file-{case.number}.zip"
