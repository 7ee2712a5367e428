"""Findings of whole-process recording (REC-17, AZ-R §22) and the statistics they feed (REC-16)."""

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from zhifa.cases import services as cases
from zhifa.cases.models import Case
from zhifa.cases.tests.conftest import elements
from zhifa.core.testing import query_count
from zhifa.ledger import services as ledger_services
from zhifa.records import services
from zhifa.records.findings import KINDS, findings_for
from zhifa.records.statistics import record_statistics
from zhifa.records.tests.test_recordings import upload


def seizure_record(desk, case, start=None, minutes=10):
    """A seizure record; from `start` for `minutes` when given (else the helper's three hours ago, ten minutes)."""
    when = {} if start is None else {"time": start.isoformat(),
                                     "end_time": (start + dt.timedelta(minutes=minutes)).isoformat()}
    return cases.document_record(case=case, form="seizure_decision", elements=elements(
        desk, items="货车", legal_basis="依据", period="三十日", **when), actor=desk.officer)


@pytest.fixture
def troubled(desk, seizure):
    """One case with most of AZ-R §22's problems in it."""
    case, camera = seizure
    cases.document_record(case=case, form="inspection_record", elements=elements(desk), actor=desk.officer)
    start = timezone.now() - dt.timedelta(days=5)
    seize = seizure_record(desk, case, start, minutes=40)
    first = upload(desk, case, camera, start=start, document=seize, opening_statement=False)
    upload(desk, case, camera, start=start + dt.timedelta(minutes=30), document=seize)  # a gap, no note
    services.interruption_note(case=case, before=first, after=None, reason="device_fault",
                               explanation="记录仪损坏，无法继续记录", head_informed=True, actor=desk.officer)
    return case, camera, first


@pytest.mark.req("REC-17")
@pytest.mark.django_db
def test_the_selector_finds_each_violation_of_az_r_22(troubled, desk, users, tree, client):
    case, camera, first = troubled
    # (四) an original altered behind the system's back, caught by the fixity check
    path = default_storage.path(first.blob.storage_name)
    with open(path, "r+b") as fh:
        fh.seek(100)
        fh.write(b"tampered")
    ledger_services.fixity_run()
    # (五) someone from another county tries to open the case
    client.force_login(users.city_a_supervisor)  # in scope: allowed, not a finding
    client.get(f"/cases/{case.pk}/?reason=检查")
    outsider = users.nobody
    client.force_login(outsider)
    assert client.get(f"/records/cases/{case.pk}/").status_code == 404
    # (一) a second seizure case with no recording at all
    other = Case.objects.create(agency=case.agency, handling_unit=case.handling_unit, number="2026-99999",
                                title="无记录", action_type="coercion", procedure="ordinary", place=case.place,
                                legal_basis="x", opened_by=desk.officer)
    for person in desk.officers:
        cases.officer_assign(case=other, person=person, actor=desk.officer)
    Case.objects.filter(pk=other.pk).update(stage="investigation")  # as a legacy import would leave it
    other.refresh_from_db()
    seizure_record(desk, other)
    found = findings_for(actor=users.head_a1)
    kinds = {(f.kind, f.case_id) for f in found}
    assert ("missing_recording", other.pk) in kinds
    assert ("no_opening_statement", case.pk) in kinds
    assert ("gap_without_note", case.pk) in kinds
    assert ("recording_lost", case.pk) in kinds
    assert ("altered", case.pk) in kinds
    assert ("unauthorised_access", case.pk) in kinds
    assert ("missing_document", other.pk) in kinds  # passed the start stage without a filing approval
    assert all(f.label == KINDS[f.kind][0] for f in found)


@pytest.mark.req("REC-17")
@pytest.mark.django_db
def test_late_uploads_are_found(desk, seizure, users):
    from zhifa.records.models import UploadDeadline

    case, camera = seizure
    rec = upload(desk, case, camera, start=timezone.now() - dt.timedelta(hours=3))
    assert not any(f.kind == "late_upload" for f in findings_for(actor=users.head_a1))
    UploadDeadline.objects.filter(recording=rec).update(late=True, due_at=timezone.now() - dt.timedelta(hours=1))
    late = [f for f in findings_for(actor=users.head_a1) if f.kind == "late_upload"]
    assert len(late) == 1 and late[0].case_id == case.pk


@pytest.mark.req("REC-17")
@pytest.mark.django_db
def test_a_clean_case_has_no_findings(desk, seizure, users):
    case, camera = seizure
    cases.document_record(case=case, form="inspection_record", elements=elements(desk), actor=desk.officer)
    seize = seizure_record(desk, case)
    upload(desk, case, camera, start=timezone.now() - dt.timedelta(hours=3), document=seize)
    assert [f for f in findings_for(actor=users.head_a1) if f.case_id == case.pk] == []


@pytest.mark.req("REC-17")
@pytest.mark.django_db
def test_findings_are_scoped_and_denied_to_officers(troubled, client, users, tree):
    case = troubled[0]
    from zhifa.core.permissions import Role
    from zhifa.org.tests.factories import UserFactory, grant

    b1 = grant(UserFactory(username="sup_b1"), Role.SUPERVISOR, jurisdiction=tree.b1)
    assert findings_for(actor=b1) == []
    assert {f.case_id for f in findings_for(actor=users.region_supervisor)} == {case.pk}
    client.force_login(users.officer_a1)
    assert client.get("/records/findings/").status_code == 403
    assert client.get("/api/records/findings").status_code == 403
    client.force_login(users.county_a1_supervisor)
    page = client.get("/records/findings/?kind=gap_without_note")
    assert page.status_code == 200 and "音像记录中断未作说明" in page.content.decode() and case.number in page.content.decode()
    api = client.get("/api/records/findings?kind=recording_lost")
    assert api.status_code == 200 and [f["kind"] for f in api.json()["items"]] == ["recording_lost"]
    bad = client.get("/api/records/findings?kind=nonsense")
    assert bad.status_code == 400 and bad.json()["code"] == "record_finding_kind_unknown"


@pytest.mark.req("REC-17")
@pytest.mark.django_db
def test_findings_queries_do_not_grow_with_cases(desk, seizure, users):
    case, camera = seizure

    def add_case(i):
        c = cases.case_open(agency=desk.agency, handling_unit=desk.unit, title=f"扣押{i}", action_type="coercion",
                            procedure="ordinary", place=desk.place, legal_basis="x", actor=desk.officer)
        for person in desk.officers:
            cases.officer_assign(case=c, person=person, actor=desk.officer)
        cases.document_record(case=c, form="filing_approval", elements=elements(
            desk, case_source="检查", opinion="同意", approver="局长"), actor=desk.officer)
        c = cases.case_advance(case=c, actor=desk.head)
        seize = seizure_record(desk, c)
        upload(desk, c, camera, start=timezone.now() - dt.timedelta(hours=3), document=seize, opening_statement=False)

    add_case(0)
    findings_for(actor=users.region_supervisor)  # warm the per-process caches (content types, scope)
    few = query_count(lambda: findings_for(actor=users.region_supervisor))
    for i in range(1, 6):
        add_case(i)
    many = query_count(lambda: findings_for(actor=users.region_supervisor))
    assert few == many
    assert len([f for f in findings_for(actor=users.region_supervisor) if f.kind == "no_opening_statement"]) == 6


@pytest.mark.req("REC-16")
@pytest.mark.django_db
def test_statistics_per_agency_feed_supervision(troubled, client, users, tree):
    case = troubled[0]
    year = timezone.localdate().year
    rows = {r.agency_id: r for r in record_statistics(actor=users.region_supervisor, year=year)}
    mine = rows[case.agency_id]
    assert mine.cases_opened == 1 and mine.by_stage["investigation"] == 1 and mine.recordings == 2
    assert mine.recorded_seconds > 0 and mine.findings["gap_without_note"] == 1 and mine.findings_total >= 3
    assert rows[tree.agency_b1.pk].cases_opened == 0
    assert set(rows) >= {tree.agency_a1.pk, tree.agency_a2.pk, tree.agency_b1.pk}
    assert {r.agency_id for r in record_statistics(actor=users.county_a1_supervisor, year=year)} == {tree.agency_a1.pk}
    client.force_login(users.region_supervisor)
    page = client.get(f"/records/statistics/?year={year}")
    assert page.status_code == 200 and tree.agency_a1.name in page.content.decode()
    api = client.get(f"/api/records/statistics?year={year}")
    assert api.status_code == 200 and any(r["recordings"] == 2 for r in api.json())
    client.force_login(users.officer_a1)
    assert client.get(f"/api/records/statistics?year={year}").status_code == 403
    assert client.get("/records/statistics/").status_code == 403
