"""Archiving seals the case file; retention comes from the rules; destruction only after it ends, on the
head's approval, logged (REC-11, REC-12)."""

import datetime as dt
import hashlib
import io
import json

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.utils import timezone

from zhifa.cases import services as cases
from zhifa.cases.tests.conftest import elements
from zhifa.core.errors import PermissionDeniedError, ZhifaError
from zhifa.ledger import services as ledger_services
from zhifa.ledger.canonical import canonical_json
from zhifa.ledger.models import BlobDisposal, Entry, Finding
from zhifa.records import archive, services
from zhifa.records.casefile import case_index
from zhifa.records.models import CaseFileSeal, DisposalRequest
from zhifa.records.tests.test_recordings import MP4
from zhifa.rules.services import rule_version_create


def walk_to_archive(desk, case, camera, assess):
    """A seizure case from investigation to the archive, with its recording."""
    cases.document_record(case=case, form="inspection_record", elements=elements(desk), actor=desk.officer)
    start = timezone.now() - dt.timedelta(hours=2)  # a two-second seizure, recorded whole by a two-second clip
    seize = cases.document_record(case=case, form="seizure_decision", elements=elements(
        desk, items="货车一辆", legal_basis="第二十二条", period="三十日", time=start.isoformat(),
        end_time=(start + dt.timedelta(seconds=2)).isoformat()), actor=desk.officer)
    recording = services.recording_upload(
        case=case, fileobj=io.BytesIO(MP4), device=camera, officer=desk.officers[0], activity="seize",
        started_at=start, ended_at=start + dt.timedelta(seconds=2),
        place="甲一县人民路8号", document=seize, actor=desk.officer, device_checked=True, opening_statement=True)
    case = cases.case_advance(case=case, actor=desk.officer)
    assess(case, desk.officer)
    case = cases.case_advance(case=case, actor=desk.head)
    cases.document_record(case=case, form="service_receipt", elements=elements(
        desk, served_document="查封/扣押决定书", recipient="某某商店", service_method="direct"), actor=desk.officer)
    cases.document_record(case=case, form="closing_report", elements=elements(desk, result="扣押期满解除"),
                          actor=desk.officer)
    return cases.case_advance(case=case, actor=desk.officer), recording


@pytest.fixture
def archived(desk, seizure, assess):
    case, camera = seizure
    case, recording = walk_to_archive(desk, case, camera, assess)
    return case, recording, camera


@pytest.mark.req("REC-11")
@pytest.mark.django_db
def test_archiving_seals_the_case_file_with_the_rules_retention(archived, desk):
    case, _recording, _camera = archived
    seal = CaseFileSeal.objects.get(case=case)
    assert seal.retention_years == 30  # national baseline: ordinary procedure, default 30 years
    assert seal.retain_until == timezone.localdate().replace(year=timezone.localdate().year + 30)
    assert seal.index_sha256 == hashlib.sha256(canonical_json(case_index(case)).encode()).hexdigest()
    entry = Entry.objects.get(pk=seal.entry_id)
    assert entry.kind == "records.case_file_sealed" and json.loads(entry.payload)["index_sha256"] == seal.index_sha256
    with pytest.raises(ZhifaError) as exc:  # sealed: nothing more is filed
        services.recording_upload(case=case, fileobj=io.BytesIO(MP4), device=archived[2], officer=desk.officers[0],
                                  activity="seize", started_at=timezone.now() - dt.timedelta(hours=2),
                                  ended_at=timezone.now() - dt.timedelta(hours=1), place="p", actor=desk.officer)
    assert exc.value.code == "record_case_archived"


@pytest.mark.req("REC-11")
@pytest.mark.django_db
def test_the_jurisdictions_rule_sets_the_period_and_permanent_files_are_never_destroyed(desk, seizure, users, assess):
    rule_version_create(key="casefile.retention", value={"default": 30, "coercion": None},
                        effective_from=dt.date(2020, 1, 1), source="甲一县文书档案保管期限表",
                        jurisdiction=desk.place, actor=users.su)
    case, camera = seizure
    case, _rec = walk_to_archive(desk, case, camera, assess)
    seal = CaseFileSeal.objects.get(case=case)
    assert seal.retention_years is None and seal.retain_until is None and "甲一县" in seal.rule
    with time_machine.travel(timezone.now() + dt.timedelta(days=365 * 200)), pytest.raises(ZhifaError) as exc:
        archive.disposal_request(case=case, reason="期满", actor=desk.head)
    assert exc.value.code == "record_retention_not_ended" and "永久" in exc.value.message


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_nothing_is_destroyed_before_the_retention_period_ends(archived, desk):
    case, _recording, _camera = archived
    seal = CaseFileSeal.objects.get(case=case)
    with time_machine.travel(dt.datetime.combine(seal.retain_until, dt.time(12), tzinfo=timezone.get_current_timezone())):
        with pytest.raises(ZhifaError) as exc:
            archive.disposal_request(case=case, reason="期满", actor=desk.head)
    assert exc.value.code == "record_retention_not_ended" and str(seal.retain_until) in exc.value.message
    assert not DisposalRequest.objects.exists()


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_destruction_after_retention_needs_the_heads_approval_and_is_logged(archived, desk, users):
    case, recording, _camera = archived
    seal = CaseFileSeal.objects.get(case=case)
    later = dt.datetime.combine(seal.retain_until + dt.timedelta(days=1), dt.time(10),
                                tzinfo=timezone.get_current_timezone())
    with time_machine.travel(later):
        with pytest.raises(PermissionDeniedError):  # an officer may not propose it
            archive.disposal_request(case=case, reason="保管期满", actor=desk.officer)
        with pytest.raises(ZhifaError):
            archive.disposal_request(case=case, reason="  ", actor=desk.head)
        item = archive.disposal_request(case=case, reason="保管期满，经鉴定无继续保存价值", actor=desk.head)
        with pytest.raises(ZhifaError):  # one pending request at a time
            archive.disposal_request(case=case, reason="again", actor=desk.head)
        with pytest.raises(PermissionDeniedError):  # the handling head may not approve
            archive.disposal_decide(request=item, approve=True, note="同意", actor=desk.head)
        assert default_storage.exists(recording.blob.storage_name)
        done = archive.disposal_decide(request=item, approve=True, note="同意销毁", actor=users.head_a1)
        assert done.status == "approved" and done.decided_by == users.head_a1
        with pytest.raises(ZhifaError):
            archive.disposal_decide(request=item, approve=True, note="again", actor=users.head_a1)
    assert not default_storage.exists(recording.blob.storage_name)
    disposal = BlobDisposal.objects.get(blob=recording.blob)
    assert f"#{item.pk}" in disposal.authority
    kinds = list(Entry.objects.filter(subject=f"cases.case:{case.pk}").values_list("kind", flat=True))
    assert {"records.disposal_requested", "records.disposal_decided", "records.case_file_destroyed"} <= set(kinds)
    # The digest and the log stay; the fixity check no longer expects the bytes.
    result = ledger_services.fixity_run()
    assert result.missing == 0 and not Finding.objects.exists()
    assert archive.is_destroyed(case)


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_a_refusal_destroys_nothing(archived, desk, users):
    case, recording, _camera = archived
    seal = CaseFileSeal.objects.get(case=case)
    with time_machine.travel(seal.retain_until + dt.timedelta(days=2)):
        item = archive.disposal_request(case=case, reason="期满", actor=desk.head)
        with pytest.raises(ZhifaError):  # a decision gives its reasons
            archive.disposal_decide(request=item, approve=False, note="", actor=users.head_a1)
        archive.disposal_decide(request=item, approve=False, note="涉诉，继续保存", actor=users.head_a1)
    assert default_storage.exists(recording.blob.storage_name) and not BlobDisposal.objects.exists()


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_pages_and_api_after_destruction(client, archived, desk, users):
    case, recording, _camera = archived
    seal = CaseFileSeal.objects.get(case=case)
    with time_machine.travel(seal.retain_until + dt.timedelta(days=2)):
        client.force_login(desk.head)
        page = client.get(f"/records/cases/{case.pk}/")
        assert "申请销毁到期案卷" in page.content.decode()
        client.post(f"/records/cases/{case.pk}/disposals/", {"reason": "保管期满"})
        item = DisposalRequest.objects.get()
        client.force_login(users.officer_a1)
        assert "批准销毁" not in client.get(f"/records/cases/{case.pk}/").content.decode()
        response = client.post(f"/records/cases/{case.pk}/disposals/{item.pk}/decision/", {"approve": "1", "note": "x"})
        assert DisposalRequest.objects.get().status == "pending"
        client.force_login(users.head_a1)
        assert "批准销毁" in client.get(f"/records/cases/{case.pk}/").content.decode()
        client.post(f"/records/cases/{case.pk}/disposals/{item.pk}/decision/", {"approve": "1", "note": "同意"})
        assert DisposalRequest.objects.get().status == "approved"
        response = client.get(f"/records/cases/{case.pk}/media/{recording.pk}/")
        assert response.status_code == 410 and "销毁" in response.content.decode()
        response = client.get(f"/records/cases/{case.pk}/case-file.zip", follow=True)
        assert "不能再导出" in response.content.decode()
        api = client.get(f"/api/records/cases/{case.pk}/seal")
        assert api.status_code == 200 and api.json()["index_sha256"] == seal.index_sha256


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_disposal_api_denials(client, archived, desk, users, tree):
    case, _recording, _camera = archived
    seal = CaseFileSeal.objects.get(case=case)
    with time_machine.travel(seal.retain_until + dt.timedelta(days=2)):
        client.force_login(users.officer_a1)
        denied = client.post(f"/api/records/cases/{case.pk}/disposals", {"reason": "x"}, content_type="application/json")
        assert denied.status_code == 403
        client.force_login(desk.head)
        created = client.post(f"/api/records/cases/{case.pk}/disposals", {"reason": "期满"},
                              content_type="application/json")
        assert created.status_code == 201, created.content
        client.force_login(users.city_a_supervisor)  # sees the case, may not decide
        decided = client.post(f"/api/records/disposals/{created.json()['id']}/decision", {"approve": True, "note": "x"},
                              content_type="application/json")
        assert decided.status_code == 403
    client.force_login(users.officer_a1)
    early = client.get(f"/api/records/cases/{case.pk}/seal")
    assert early.status_code == 200
