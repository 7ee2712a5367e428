"""A late entry is visible (review18 finding 1; ORG-03, 行政处罚法 第四十二条): the work day of a record or recording is
typed by whoever enters it, so a record or recording of past work, entered on a day when a named officer's certificate
was no longer in force, is admitted only from a head (documents) or with a reason (recordings), and is always listed
to supervisors as the finding "补录时执法证已失效". A genuine late entry by certified officers is neither."""

import datetime as dt

import pytest
from django.utils import timezone

from zhifa.cases import services as cases
from zhifa.cases.models import CaseOfficer, Document
from zhifa.cases.tests.conftest import elements
from zhifa.core.errors import ZhifaError
from zhifa.core.testing import query_count
from zhifa.org.models import Field
from zhifa.org.tests.factories import CertificateFactory, PersonFactory
from zhifa.records import services
from zhifa.records.findings import KINDS, findings_for
from zhifa.records.models import Recording
from zhifa.records.tests.media import mp4
from zhifa.records.tests.test_recordings import clip

KIND = "late_entry_uncertified"


def lapsed_officer(desk, tree, case, name="过期员"):
    """Assigned to the case while certified; the certificate expired yesterday."""
    today = timezone.localdate()
    person = PersonFactory(agency=desk.agency, unit=desk.unit, name=name)
    cert = CertificateFactory(person=person, number=f"LATE-{name}", category=Field.MARKET, area=tree.a1,
                              valid_from=today - dt.timedelta(days=400), valid_to=today - dt.timedelta(days=1))
    CaseOfficer.objects.create(case=case, person=person, certificate_number=cert.number, assigned_by=desk.officer)
    return person


def inspection(desk, case, *, days_ago, officers=None):
    action = timezone.localtime() - dt.timedelta(days=days_ago)
    return elements(desk, time=action.isoformat(), end_time=(action + dt.timedelta(minutes=20)).isoformat(),
                    **({"officers": officers} if officers else {}))


def send(desk, case, camera, officer, *, days_ago, reason=""):
    start = timezone.now() - dt.timedelta(days=days_ago, minutes=5)
    return services.recording_upload(case=case, fileobj=clip(mp4(frames=60, fps=1), "late.mp4"), device=camera,
                                     officer=officer, activity="seize", started_at=start,
                                     ended_at=start + dt.timedelta(minutes=1), place="甲一县人民路8号",
                                     actor=desk.officer, device_checked=True, opening_statement=True,
                                     remote_reason=reason)


def late(users):
    return [f for f in findings_for(actor=users.head_a1) if f.kind == KIND]


@pytest.mark.req("ORG-03")
@pytest.mark.req("REC-17")
@pytest.mark.django_db
def test_a_backdated_record_after_the_expiry_is_refused_to_an_officer_and_flagged_from_a_head(desk, tree, users,
                                                                                              seizure):
    case, _camera = seizure
    person = lapsed_officer(desk, tree, case)
    body = inspection(desk, case, days_ago=2, officers=[desk.officers[0].pk, person.pk])
    before = Document.objects.count()
    with pytest.raises(ZhifaError) as exc:
        cases.document_record(case=case, form="inspection_record", elements=body, actor=desk.officer)
    assert exc.value.code == "officer_certificate_expired" and "补录" in exc.value.message
    assert Document.objects.count() == before and late(users) == []
    doc = cases.document_record(case=case, form="inspection_record", elements=body, actor=desk.head)
    found = late(users)
    assert [(f.case_id, f.at) for f in found] == [(case.pk, doc.recorded_at)]
    assert "过期员" in found[0].detail and "《现场检查笔录》" in found[0].detail
    assert found[0].label == KINDS[KIND][0] == "补录时执法证已失效"
    assert "行政处罚法" in found[0].basis and "NM" not in found[0].basis and "持证上岗" in found[0].basis


@pytest.mark.req("ORG-03")
@pytest.mark.req("REC-17")
@pytest.mark.django_db
def test_a_backdated_recording_after_the_expiry_needs_a_reason_and_is_flagged(desk, tree, users, seizure):
    case, camera = seizure
    person = lapsed_officer(desk, tree, case)
    with pytest.raises(ZhifaError) as exc:
        send(desk, case, camera, person, days_ago=2)
    assert exc.value.code == "officer_certificate_expired" and "请在“原因”中说明" in exc.value.message
    assert not Recording.objects.exists()
    rec = send(desk, case, camera, person, days_ago=2, reason="记录仪存储卡损坏，今日方恢复数据")
    found = late(users)
    assert [(f.case_id, f.at) for f in found] == [(case.pk, rec.uploaded_at)]
    assert "过期员" in found[0].detail and "今日方恢复数据" in found[0].detail
    # today's work by the lapsed officer stays refused whatever the reason (the work-day gate)
    with pytest.raises(ZhifaError) as exc:
        send(desk, case, camera, person, days_ago=0, reason="补传")
    assert exc.value.code == "officer_certificate_expired" and "补传" not in exc.value.message


@pytest.mark.req("ORG-03")
@pytest.mark.req("REC-17")
@pytest.mark.django_db
def test_a_genuine_late_entry_by_certified_officers_is_accepted_and_not_flagged(desk, tree, users, seizure):
    case, camera = seizure
    lapsed_officer(desk, tree, case)  # on the case, but named on neither entry
    cases.document_record(case=case, form="inspection_record", elements=inspection(desk, case, days_ago=3),
                          actor=desk.officer)
    send(desk, case, camera, desk.officers[0], days_ago=3)
    assert late(users) == []


@pytest.mark.req("REC-17")
@pytest.mark.django_db
def test_the_finding_takes_a_bounded_number_of_queries(desk, tree, users, seizure):
    case, camera = seizure
    person = lapsed_officer(desk, tree, case)
    cases.document_record(case=case, form="inspection_record",
                          elements=inspection(desk, case, days_ago=2, officers=[desk.officers[0].pk, person.pk]),
                          actor=desk.head)
    send(desk, case, camera, person, days_ago=2, reason="补传")
    findings_for(actor=users.head_a1, kinds=[KIND])  # warm caches
    few = query_count(lambda: findings_for(actor=users.head_a1, kinds=[KIND]))
    for i in range(4):
        other = lapsed_officer(desk, tree, case, name=f"过期员{i}")
        cases.document_record(case=case, form="inspection_record",
                              elements=inspection(desk, case, days_ago=2, officers=[desk.officers[0].pk, other.pk]),
                              actor=desk.head)
        send(desk, case, camera, other, days_ago=2, reason="补传")
    assert query_count(lambda: findings_for(actor=users.head_a1, kinds=[KIND])) == few
    assert len(late(users)) == 10
