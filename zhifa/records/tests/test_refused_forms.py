"""A refused form on the recordings page keeps what the officer typed (tryout of issue 14, finding 5): the page
comes back with the refusal (4xx) and every value; only the file must be chosen again."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhifa.cases import services as cases
from zhifa.cases.tests.conftest import elements
from zhifa.records.models import InterruptionNote, Recording
from zhifa.records.tests.test_recordings import upload


def _selected(page: str, select_id: str) -> str:
    select = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', page, re.S).group(1)
    chosen = re.search(r'<option value="([^"]*)" selected', select)
    return chosen.group(1) if chosen else ""


@pytest.mark.req("REC-04")
@pytest.mark.django_db
def test_a_refused_upload_keeps_every_field(client, desk, seizure):
    """A file that is not media (HTML renamed .mp4) is refused; place, times, officer, activity, linked document,
    the declarations and the remote-work reason all come back as typed."""
    case, camera = seizure
    record = cases.document_record(case=case, form="seizure_decision", elements=elements(
        desk, items="货车一辆", legal_basis="依据", period="三十日"), actor=desk.officer)
    client.force_login(desk.officer)
    start = timezone.localtime() - dt.timedelta(hours=2)
    times = {"started_at": start.strftime("%Y-%m-%dT%H:%M"),
             "ended_at": (start + dt.timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M")}
    response = client.post(f"/records/cases/{case.pk}/upload/", {
        "file": SimpleUploadedFile("clip.mp4", b"<html><body>not a video</body></html>", "video/mp4"),
        "device": camera.pk, "officer": desk.officers[1].pk, "activity": "evidence_taking", "document": record.pk,
        "place": "人民路八号仓库", "device_checked": "1", "opening_statement": "1", "remote": "1",
        "remote_reason": "异地执法，无网络", "returned_at": "", **times})
    page = response.content.decode()
    assert response.status_code == 400 and Recording.objects.count() == 0
    assert "不是可识别的音视频" in page and "请重新选择文件" in page
    assert _selected(page, "dv") == str(camera.pk) and _selected(page, "of") == str(desk.officers[1].pk)
    assert _selected(page, "ac") == "evidence_taking" and _selected(page, "doc") == str(record.pk)
    assert f'value="{times["started_at"]}"' in page and f'value="{times["ended_at"]}"' in page
    assert 'value="人民路八号仓库"' in page and 'value="异地执法，无网络"' in page
    for box in ("device_checked", "opening_statement", "remote"):
        assert re.search(rf'name="{box}" value="1" checked', page), box


@pytest.mark.django_db
def test_a_refused_interruption_note_keeps_its_explanation(client, desk, seizure):
    case, camera = seizure
    start = timezone.now() - dt.timedelta(hours=3)
    first = upload(desk, case, camera, start=start, minutes=1)
    client.force_login(desk.officer)
    # Could not resume and the head was not told: refused (IM-M §21), the explanation typed stays.
    response = client.post(f"/records/cases/{case.pk}/interruptions/", {
        "before": first.pk, "after": "", "reason": "device_fault", "explanation": "记录仪电量耗尽，无法继续记录"})
    page = response.content.decode()
    assert response.status_code == 400 and not InterruptionNote.objects.exists()
    assert "记录仪电量耗尽，无法继续记录</textarea>" in page
    assert _selected(page, "b") == str(first.pk) and _selected(page, "rs") == "device_fault"
