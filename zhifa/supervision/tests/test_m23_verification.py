"""M23: an evidence file that fails verification raises an alarm for its case (IM-M §33 (三)(四)); the alarm closes
when the finding has been handled. Planted defect (a recording altered behind the system's back) and clean control."""

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from zhifa.ledger import services as ledger_services
from zhifa.ledger.models import Finding
from zhifa.records.tests.conftest import (
    _tus_staging,  # noqa: F401
    seizure,  # noqa: F401
)
from zhifa.records.tests.test_recordings import upload
from zhifa.supervision.models import Alert
from zhifa.supervision.problems.m23_verification import EvidenceVerificationFailed
from zhifa.supervision.registry import REGISTRY, Level
from zhifa.supervision.services import run_models
from zhifa.supervision.testing import context_for

DAY = dt.date(2026, 6, 1)


@pytest.fixture
def recorded(desk, seizure):  # noqa: F811
    case, camera = seizure
    clip = upload(desk, case, camera, start=timezone.now() - dt.timedelta(hours=3), minutes=1)
    return case, clip


def tamper(clip):
    with open(default_storage.path(clip.blob.storage_name), "r+b") as fh:
        fh.seek(100)
        fh.write(b"tampered")
    ledger_services.fixity_run()


def test_m23_is_registered():
    assert isinstance(REGISTRY["M23"], EvidenceVerificationFailed)


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_clean_control_raises_nothing(recorded):
    case, _clip = recorded
    ledger_services.fixity_run()  # every file verifies
    assert list(REGISTRY["M23"].evaluate(context_for(DAY, code="M23"))) == []
    assert list(REGISTRY["M23"].evaluate(context_for(DAY, case_ids=[case.pk], code="M23"))) == []


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_an_altered_recording_raises_an_alarm_for_its_case_until_handled(recorded, users):
    case, clip = recorded
    tamper(clip)
    hits = list(REGISTRY["M23"].evaluate(context_for(DAY, code="M23")))
    assert [(h.case_id, h.agency_id, h.level) for h in hits] == [(case.pk, case.agency_id, Level.ALARM)]
    assert "音像记录" in hits[0].detail and "被篡改" in hits[0].detail
    assert hits[0].evidence["files"] == [clip.blob.sha256]
    # Narrowed to another case, it finds nothing.
    assert list(REGISTRY["M23"].evaluate(context_for(DAY, case_ids=[case.pk + 1000], code="M23"))) == []
    run_models(DAY, codes=["M23"])
    alert = Alert.objects.get(model="M23", case=case)
    assert (alert.state, alert.level) == ("open", "alarm")
    # Handled: the finding's review is recorded; the alarm closes on the next run.
    ledger_services.finding_review(finding=Finding.objects.get(blob=clip.blob), note="已从备份恢复并核验", actor=users.su)
    assert list(REGISTRY["M23"].evaluate(context_for(DAY, code="M23"))) == []
    run_models(DAY, codes=["M23"])
    alert.refresh_from_db()
    assert (alert.state, alert.close_reason) == ("closed", "数据不再触发")


@pytest.mark.req("SUP-04")
@pytest.mark.django_db
def test_the_fixity_failure_event_raises_the_alarm_at_once(recorded, users, django_capture_on_commit_callbacks):
    """Event-driven: the fixity failure's entry is about the file (`ledger.blob:<sha256>`); M23 finds the cases that
    hold it once the transaction commits. The finding's handling closes it the same way."""
    case, clip = recorded
    with django_capture_on_commit_callbacks(execute=True):
        tamper(clip)
    assert Alert.objects.filter(model="M23", case=case, state="open").exists()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            ledger_services.finding_review(finding=Finding.objects.get(blob=clip.blob), note="已处理", actor=users.su)
    assert not Alert.objects.filter(model="M23", state="open").exists()
