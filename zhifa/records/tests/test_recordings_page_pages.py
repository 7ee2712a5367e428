"""The recordings page of a case (issue 19 §2, and the tryout of issue 19): its list pages by keyset, with the same
queries at two sizes, and after a successful upload the form starts empty."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhifa.core.testing import query_count
from zhifa.records import services, views
from zhifa.records.models import Recording
from zhifa.records.tests.test_recordings import MP4, clip

pytestmark = pytest.mark.django_db


def _clips(desk, case, camera, n: int, start: int = 0) -> None:
    first = timezone.now() - dt.timedelta(days=2)
    for i in range(start, start + n):
        at = first + dt.timedelta(minutes=30 * i)
        services.recording_upload(case=case, fileobj=clip(MP4), device=camera, officer=desk.officers[0],
                                  activity="seize", started_at=at, ended_at=at + dt.timedelta(minutes=10),
                                  place="甲一县人民路8号", actor=desk.officer, device_checked=True,
                                  opening_statement=True, remote=True, remote_reason="异地执法")


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return response


def test_recordings_page_runs_the_same_queries_at_two_sizes(client, desk, seizure):
    case, camera = seizure
    client.force_login(desk.officer)
    url = f"/records/cases/{case.pk}/"
    _clips(desk, case, camera, 2)
    _get(client, url)
    small = query_count(lambda: _get(client, url))
    _clips(desk, case, camera, 18, start=2)
    large = query_count(lambda: _get(client, url))
    assert small == large, (small, large)


def test_recordings_page_pages_in_recording_order(client, desk, seizure, monkeypatch):
    """Five clips, two to a page: every clip once, in the order they were made, by 下一页."""
    monkeypatch.setattr(views, "RECORDINGS_PAGE", 2)
    case, camera = seizure
    client.force_login(desk.officer)
    _clips(desk, case, camera, 5)
    url, shown = f"/records/cases/{case.pk}/", []
    page = _get(client, url).context["page"]
    assert page.count_label == "5"
    shown += [r.pk for r in page.object_list]
    while page.has_next:
        response = _get(client, f"{url}?cursor={page.next_cursor}")
        page = response.context["page"]
        assert 'rel="prev"' in response.content.decode()
        shown += [r.pk for r in page.object_list]
    assert shown == list(Recording.objects.filter(case=case).order_by("started_at", "id").values_list("pk", flat=True))


def test_after_a_successful_upload_the_form_is_empty(client, desk, seizure):
    """Tryout of issue 19: the form kept what was typed after the clip was stored, inviting the same clip twice.
    The page after a successful upload (no JavaScript: the redirect) offers an empty form; a refused one keeps the
    input (test_upload_page)."""
    case, camera = seizure
    client.force_login(desk.officer)
    start = timezone.localtime() - dt.timedelta(hours=2)
    response = client.post(f"/records/cases/{case.pk}/upload/", {
        "file": SimpleUploadedFile("clip.mp4", MP4, "video/mp4"), "device": camera.pk,
        "officer": desk.officers[1].pk, "activity": "evidence_taking", "place": "人民路八号仓库", "device_checked": "1",
        "started_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (start + dt.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M")}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and "已上传音像记录" in page and Recording.objects.count() == 1
    form = re.search(r'<form id="upload-form".*?</form>', page, re.S).group(0)
    assert "人民路八号仓库" not in form and start.strftime("%Y-%m-%dT%H:%M") not in form
    assert " selected" not in form and " checked" not in form
