"""The certificate gate on recordings (ORG-03): a recording's officer holds a certificate in force on the day the
recording began. With the other paths' tests in zhifa/cases/tests/test_certificate_gates.py; here because a test
of cases may not import records (ADR 0009: the demo app sits above both)."""

import datetime as dt
import io

import pytest
from django.utils import timezone

from zhifa.cases.tests.test_certificate_gates import (
    DEFECTS,
    _assigned_before,
    _investigating,
    _refused,
    certified,
)
from zhifa.records import services as records
from zhifa.records.models import Recording
from zhifa.records.tests.test_recordings import MP4


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
@pytest.mark.parametrize("defect", DEFECTS)
def test_a_recording_is_held_to_the_day_it_began(desk, tree, users, defect):
    """Uploaded with the reason it comes two days late: each defect lasts to today, and a late upload by an officer
    whose certificate is no longer in force needs one (review18 finding 1; zhifa/records/tests/
    test_findings_late_entry.py). The reason does not cure a defect on the day the recording began."""
    code, words = DEFECTS[defect]
    start = (timezone.localtime() - dt.timedelta(days=2)).replace(microsecond=0)
    case = _investigating(desk)
    camera = records.device_register(agency=desk.agency, kind="body_camera", serial="ZFY-GATE", actor=desk.head)
    person = certified(desk, tree, users, defect, on=start.date())
    _assigned_before(case, person)

    def upload():
        return records.recording_upload(case=case, fileobj=io.BytesIO(MP4), device=camera, officer=person,
                                        activity="evidence_taking", started_at=start,
                                        ended_at=start + dt.timedelta(seconds=2), place="甲一县人民路8号",
                                        remote_reason="记录仪存储卡今日方导出", actor=desk.officer)
    if code is None:
        assert upload().officer_id == person.pk
        return
    _refused(upload, code, words, f"GATE-{defect}")
    assert not Recording.objects.filter(case=case).exists()
