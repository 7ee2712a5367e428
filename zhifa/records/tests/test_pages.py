"""Uploading through the page, playback with range requests, and playback logged as consultation (REC-15)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhifa.ledger.models import Entry
from zhifa.records.models import Recording
from zhifa.records.tests.test_recordings import MP4


@pytest.fixture
def uploaded(client, desk, seizure):
    case, camera = seizure
    client.force_login(desk.officer)
    start = timezone.localtime() - dt.timedelta(hours=2)
    response = client.post(f"/records/cases/{case.pk}/upload/", {
        "file": SimpleUploadedFile("clip.mp4", MP4, "video/mp4"), "device": camera.pk, "officer": desk.officers[0].pk,
        "activity": "seize", "started_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (start + dt.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M"), "place": "人民路8号"}, follow=True)
    assert "已上传音像记录" in response.content.decode()
    return case, Recording.objects.get()


@pytest.mark.req("REC-15")
@pytest.mark.django_db
def test_playback_supports_ranges_and_is_logged(client, uploaded):
    case, rec = uploaded
    url = f"/records/cases/{case.pk}/media/{rec.pk}/"
    whole = client.get(url)
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == MP4
    part = client.get(url, HTTP_RANGE="bytes=4-11")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 4-11/{len(MP4)}"
    assert b"".join(part.streaming_content) == MP4[4:12]
    tail = client.get(url, HTTP_RANGE="bytes=-4")
    assert tail.status_code == 206 and len(b"".join(tail.streaming_content)) == 4
    assert client.get(url, HTTP_RANGE=f"bytes={len(MP4) + 5}-").status_code == 416
    assert Entry.objects.filter(kind="records.recording_played").count() == 1  # one playback, however many ranges


@pytest.mark.django_db
def test_the_page_lists_deadlines_and_refuses_non_media(client, uploaded):
    case, _rec = uploaded
    page = client.get(f"/records/cases/{case.pk}/").content.decode()
    assert "上传期限" in page and "ZFY-0001" in page
    start = timezone.localtime() - dt.timedelta(hours=1)
    refused = client.post(f"/records/cases/{case.pk}/upload/", {
        "file": SimpleUploadedFile("a.pdf", b"%PDF-1.4", "application/pdf"), "device": Recording.objects.get().device_id,
        "officer": Recording.objects.get().officer_id, "activity": "seize", "started_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (start + dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"), "place": "x"}, follow=True)
    assert "不是可识别的音视频" in refused.content.decode()
    assert Recording.objects.count() == 1


@pytest.mark.django_db
def test_other_agencies_cannot_see_or_play(client, uploaded, tree):
    from zhifa.core.permissions import Role
    from zhifa.org.tests.factories import UserFactory, grant

    case, rec = uploaded
    client.force_login(grant(UserFactory(), Role.OFFICER, agency=tree.agency_b1))
    assert client.get(f"/records/cases/{case.pk}/").status_code == 404
    assert client.get(f"/records/cases/{case.pk}/media/{rec.pk}/").status_code == 404
