"""The recording upload page (issue 18 §4, §2): it carries what the resumable client needs (the tus endpoint, the
session's CSRF token, the case, device serials), the session + CSRF path of tus works from it, the no-JS form post
still works, a refused field keeps the rest, and documents to link are named in full Chinese."""

import base64
import datetime as dt
import hashlib
import re
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from zhifa.cases import services as cases
from zhifa.cases.tests.conftest import elements
from zhifa.records.models import Recording, TusUpload
from zhifa.records.tests.media import mp4

CLIP = mp4(frames=30, fps=10)  # three seconds


def _form(page: str) -> str:
    return re.search(r'<form id="upload-form"[^>]*>', page, re.S).group(0)


def _attr(tag: str, name: str) -> str:
    return unescape(re.search(rf'{name}="([^"]*)"', tag).group(1))


def _times(hours_ago=2, minutes=20):
    start = timezone.localtime() - dt.timedelta(hours=hours_ago)
    return {"started_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ended_at": (start + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")}


@pytest.mark.req("REC-05")
@pytest.mark.django_db
def test_the_page_carries_the_tus_endpoint_csrf_and_the_vendored_client(client, desk, seizure):
    case, camera = seizure
    client.force_login(desk.officer)
    page = client.get(f"/records/cases/{case.pk}/").content.decode()
    form = _form(page)
    assert _attr(form, "data-tus-endpoint") == "/api/tus/"
    assert _attr(form, "data-case") == str(case.pk)
    assert _attr(form, "data-recordings") == f"/api/records/cases/{case.pk}/recordings"
    # The server's "now" in its zone: the page checks the end time against it, not against the phone's clock.
    now = dt.datetime.fromisoformat(_attr(form, "data-now"))
    assert abs((timezone.make_aware(now) - timezone.now()).total_seconds()) < 60
    token = _attr(form, "data-csrf")
    assert len(token) == 64 and f'name="csrfmiddlewaretoken" value="{token}"' in page
    # The device select gives tus the serial it expects, and the no-JS post the key.
    assert re.search(rf'<option value="{camera.pk}"[^>]*data-serial="ZFY-0001">', page)
    assert '<progress id="upload-bar" max="100" value="0">' in page
    assert 'id="upload-pause"' in page and 'id="upload-resume"' in page and 'role="status"' in page
    # Scripts are files of this server (no inline script under the CSP), and they exist.
    for src in re.findall(r'<script src="/static/([^"]+)"', page):
        assert finders.find(src), src
    assert "/static/vendor/tus-js-client-4.3.1.min.js" in page and "/static/js/upload.js" in page
    assert not re.search(r"<script>|<script(?![^>]*\bsrc=)[^>]*>", page)


def test_the_vendored_client_is_the_pinned_release():
    """The file is tus-js-client 4.3.1's dist/tus.min.js, unmodified: its digest is the one the README records."""
    vendor = Path(settings.BASE_DIR) / "static" / "vendor"
    digest = hashlib.sha256((vendor / "tus-js-client-4.3.1.min.js").read_bytes()).hexdigest()
    assert digest in (vendor / "README.md").read_text()
    assert "MIT License" in (vendor / "tus-js-client-LICENSE").read_text()


@pytest.mark.req("REC-05")
@pytest.mark.django_db
def test_a_tus_upload_from_the_page_session_needs_the_pages_csrf_token(desk, seizure, settings, tmp_path):
    """What upload.js does: POST /api/tus/ with the session and X-CSRFToken from the form, PATCH the bytes, then read
    the media check's duration from the recordings API. Without the token the session is not enough."""
    case, _camera = seizure
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(desk.officer)
    token = _attr(_form(browser.get(f"/records/cases/{case.pk}/").content.decode()), "data-csrf")
    times = {k: v for k, v in _times().items()}
    values = {"case": str(case.pk), "device": "ZFY-0001", "officer": str(desk.officers[0].pk), "activity": "seize",
              "place": "人民路8号", "filename": "clip.mp4", "device_checked": "1", **times}
    meta = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())
    headers = {"HTTP_TUS_RESUMABLE": "1.0.0", "HTTP_UPLOAD_LENGTH": str(len(CLIP)), "HTTP_UPLOAD_METADATA": meta}
    refused = browser.post("/api/tus/", **headers)
    assert refused.status_code == 401 and not TusUpload.objects.exists()
    created = browser.post("/api/tus/", HTTP_X_CSRFTOKEN=token, **headers)
    assert created.status_code == 201, created.content
    done = browser.generic("PATCH", created["Location"], CLIP, content_type="application/offset+octet-stream",
                           HTTP_TUS_RESUMABLE="1.0.0", HTTP_UPLOAD_OFFSET="0", HTTP_X_CSRFTOKEN=token)
    assert done.status_code == 204, done.content
    recording = Recording.objects.get()
    assert done["Zhifa-Recording"] == str(recording.pk) and recording.device_checked
    rows = browser.get(f"/api/records/cases/{case.pk}/recordings").json()
    assert rows[0]["id"] == recording.pk and rows[0]["duration_seconds"] == pytest.approx(3, abs=0.2)


@pytest.mark.req("REC-05")
@pytest.mark.django_db
def test_the_form_post_without_javascript_still_uploads(client, desk, seizure):
    case, camera = seizure
    client.force_login(desk.officer)
    response = client.post(f"/records/cases/{case.pk}/upload/", {
        "file": SimpleUploadedFile("clip.mp4", CLIP, "video/mp4"), "device": camera.pk,
        "officer": desk.officers[0].pk, "activity": "seize", "place": "人民路8号", **_times()})
    assert response.status_code == 302 and response["Location"] == f"/records/cases/{case.pk}/"
    assert Recording.objects.get().duration_seconds == pytest.approx(3, abs=0.2)
    assert "已上传音像记录" in client.get(response["Location"]).content.decode()


@pytest.mark.req("REC-04")
@pytest.mark.django_db
def test_one_invalid_field_keeps_everything_else_typed(client, desk, seizure):
    """The end before the start: refused with the reason; the other fields come back as typed, the file must be
    chosen again (a browser never refills a file input) and the page says so."""
    case, camera = seizure
    client.force_login(desk.officer)
    times = _times()
    response = client.post(f"/records/cases/{case.pk}/upload/", {
        "file": SimpleUploadedFile("clip.mp4", CLIP, "video/mp4"), "device": camera.pk,
        "officer": desk.officers[1].pk, "activity": "evidence_taking", "place": "人民路八号仓库", "device_checked": "1",
        "started_at": times["ended_at"], "ended_at": times["started_at"]})
    page = response.content.decode()
    assert response.status_code == 400 and not Recording.objects.exists()
    assert "开始时间应早于结束时间" in page and "请重新选择文件" in page
    assert 'value="人民路八号仓库"' in page and f'value="{times["ended_at"]}"' in page
    assert re.search(rf'<option value="{desk.officers[1].pk}" selected>', page)
    assert '<option value="evidence_taking" selected>' in page
    assert re.search(r'name="device_checked" value="1" checked', page)
    assert 'name="file"' in page and 'value="clip.mp4"' not in page


@pytest.mark.django_db
def test_documents_to_link_are_named_in_full_chinese(client, desk, seizure):
    """Issue 18 §2: "filing_approval · 11-30 14:51" led an officer to link a video to the wrong document."""
    case, _camera = seizure
    record = cases.document_record(case=case, form="seizure_decision", elements=elements(
        desk, items="货车一辆", legal_basis="依据", period="三十日"), actor=desk.officer)
    client.force_login(desk.officer)
    page = client.get(f"/records/cases/{case.pk}/").content.decode()
    select = re.search(r'<select id="doc"[^>]*>(.*?)</select>', page, re.S).group(1)
    # Named by the work the record states (its time and end time), which the clip must cover.
    begin = timezone.localtime(dt.datetime.fromisoformat(record.elements["time"]))
    end = timezone.localtime(dt.datetime.fromisoformat(record.elements["end_time"]))
    day = "%m-%d" if begin.year == timezone.localdate().year else "%Y-%m-%d"
    assert (f'<option value="{record.pk}">《查封/扣押决定书》（第1版）· {begin.strftime(day + " %H:%M")}–'
            f'{end.strftime("%H:%M" if end.date() == begin.date() else day + " %H:%M")} 的执法活动</option>') in select
    assert "《立案审批表》（第1版）· " in select
    assert not re.search(r"[a-z]+_[a-z]+", re.sub(r'value="[^"]*"', "", select))


@pytest.mark.django_db
def test_who_may_not_upload_gets_no_upload_form(client, desk, seizure, tree):
    """The form (and the token it carries for tus) is only on the page of someone who may upload there."""
    from zhifa.core.permissions import Role
    from zhifa.org.tests.factories import UserFactory, grant

    case, _camera = seizure
    outsider = grant(UserFactory(), Role.OFFICER, agency=tree.agency_b1)
    client.force_login(outsider)
    assert client.get(f"/records/cases/{case.pk}/").status_code == 404
    assert client.post(f"/records/cases/{case.pk}/upload/", {"file": SimpleUploadedFile("c.mp4", CLIP)}).status_code in (403, 404)
    assert not Recording.objects.exists()
