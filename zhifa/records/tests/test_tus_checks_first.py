"""Issue 18 §4: a resumable upload is refused when it is created, not after its last byte, for every reason the
finished upload would be refused for (times, activity, the officer's certificate on the day)."""

import datetime as dt

import pytest
from django.utils import timezone

from zhifa.org.models import CertificateSuspension
from zhifa.records.models import TusUpload
from zhifa.records.tests.test_tus import create, meta


@pytest.mark.req("REC-08")
@pytest.mark.django_db
@pytest.mark.parametrize(("extra", "code"), [
    ({"ended_at": (timezone.now() + dt.timedelta(hours=2)).isoformat()}, "record_times_invalid"),
    ({"started_at": timezone.now().isoformat(), "ended_at": (timezone.now() - dt.timedelta(hours=1)).isoformat()},
     "record_times_invalid"),
    ({"activity": "not_an_activity"}, "record_activity_unknown"),
    ({"remote": "1", "remote_reason": " "}, "record_remote_reason_required"),
], ids=["ends-in-the-future", "ends-before-it-starts", "unknown-activity", "remote-without-reason"])
def test_a_bad_upload_is_refused_before_any_byte(client, desk, seizure, auth, extra, code):
    case, _camera = seizure
    response = client.post("/api/tus/", HTTP_UPLOAD_LENGTH="1000", HTTP_UPLOAD_METADATA=meta(case, desk, **extra), **auth)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert not TusUpload.objects.exists()




@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_an_officer_whose_certificate_was_suspended_that_day_is_refused_at_creation(client, desk, seizure, auth):
    case, _camera = seizure
    officer = desk.officers[0]
    certificate = officer.certificates.first()
    CertificateSuspension.objects.create(certificate=certificate, starts_on=timezone.localdate() - dt.timedelta(days=3),
                                         reason="涉嫌违规执法，暂扣待查", recorded_by=desk.head)
    response = create(client, auth, case, desk)
    assert response.status_code == 400 and response.json()["code"] == "officer_certificate_suspended"
    assert "暂扣" in response.json()["message"]
    assert not TusUpload.objects.exists()
