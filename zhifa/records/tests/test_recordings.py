"""AV records: registered devices, media only, deadlines by jurisdiction, mandatory coverage, gaps
(REC-03, REC-04, REC-05, REC-07, REC-08, REC-10)."""

import datetime as dt
import io
import json

import pytest
import time_machine
from django.utils import timezone

from zhifa.cases import services as cases
from zhifa.cases.tests.conftest import elements
from zhifa.core.errors import PermissionDeniedError, ZhifaError
from zhifa.core.services import calendar_year_load
from zhifa.ledger.models import Entry
from zhifa.records import selectors, services
from zhifa.records.models import UploadDeadline
from zhifa.records.tests.media import mp4
from zhifa.rules.services import rule_version_create

TZ = dt.timezone(dt.timedelta(hours=8))
MP4 = mp4()
FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 2000  # an MP4 signature, but no playable content


def clip(data=MP4, name="clip.mp4"):
    f = io.BytesIO(data)
    f.name = name
    return f


def upload(desk, case, camera, *, start, minutes=10, document=None, activity="seize", name="clip.mp4", **kw):
    """A clip that really lasts `minutes` (one frame a second), uploaded as starting at `start`; with `data`,
    those bytes instead, still claiming `minutes`."""
    kw.setdefault("device_checked", True)
    kw.setdefault("opening_statement", True)
    data = kw.pop("data", None) or mp4(frames=minutes * 60, fps=1)
    return services.recording_upload(case=case, fileobj=clip(data, name), device=camera, officer=desk.officers[0],
                                     activity=activity, started_at=start, ended_at=start + dt.timedelta(minutes=minutes),
                                     place="甲一县人民路8号", document=document, actor=desk.officer, **kw)


@pytest.mark.req("REC-03")
@pytest.mark.django_db
def test_a_seizure_cannot_move_on_without_recordings_covering_it(desk, seizure):
    case, camera = seizure
    cases.document_record(case=case, form="inspection_record", elements=elements(desk), actor=desk.officer)
    seize = cases.document_record(case=case, form="seizure_decision", elements=elements(
        desk, items="小型货车一辆", legal_basis="《行政强制法》第二十二条", period="三十日"), actor=desk.officer)
    with pytest.raises(ZhifaError) as exc:
        cases.case_advance(case=case, actor=desk.officer)
    assert exc.value.code == "case_recording_missing" and "应当全程音像记录" in exc.value.message
    upload(desk, case, camera, start=timezone.now() - dt.timedelta(hours=3), document=seize)
    assert cases.case_advance(case=case, actor=desk.officer).stage == "decision"


@pytest.mark.req("REC-07")
@pytest.mark.django_db
def test_a_gap_between_clips_needs_an_interruption_note(desk, seizure):
    case, camera = seizure
    cases.document_record(case=case, form="inspection_record", elements=elements(desk), actor=desk.officer)
    start = timezone.now() - dt.timedelta(hours=3)
    seize = cases.document_record(case=case, form="seizure_decision", elements=elements(
        desk, items="货车", legal_basis="依据", period="三十日", time=start.isoformat(),
        end_time=(start + dt.timedelta(minutes=35)).isoformat()), actor=desk.officer)
    first = upload(desk, case, camera, start=start, document=seize)
    second = upload(desk, case, camera, start=start + dt.timedelta(minutes=25), document=seize)
    with pytest.raises(ZhifaError) as exc:
        cases.case_advance(case=case, actor=desk.officer)
    assert "中断" in exc.value.message
    with pytest.raises(ZhifaError):  # on restart the reason must be stated by voice
        services.interruption_note(case=case, before=first, after=second, reason="device_fault",
                                   explanation="记录仪电量耗尽，更换电池", actor=desk.officer)
    services.interruption_note(case=case, before=first, after=second, reason="device_fault",
                               explanation="记录仪电量耗尽，更换电池", spoken_on_resume=True, actor=desk.officer)
    assert cases.case_advance(case=case, actor=desk.officer).stage == "decision"


@pytest.mark.req("REC-07")
@pytest.mark.django_db
def test_recording_that_could_not_resume_needs_the_head_informed(desk, seizure):
    case, camera = seizure
    first = upload(desk, case, camera, start=timezone.now() - dt.timedelta(hours=3))
    with pytest.raises(ZhifaError):
        services.interruption_note(case=case, before=first, after=None, reason="obstruction", explanation="被阻挠",
                                   actor=desk.officer)
    note = services.interruption_note(case=case, before=first, after=None, reason="obstruction",
                                      explanation="现场人员阻挠，无法继续记录", head_informed=True, actor=desk.officer)
    assert note.head_informed and Entry.objects.filter(kind="records.interruption_noted").exists()


@pytest.mark.req("REC-04")
@pytest.mark.django_db
def test_circumstantial_items_do_not_block(desk, seizure):
    case, _camera = seizure
    cases.document_record(case=case, form="inspection_record", elements=elements(desk), actor=desk.officer)
    assert selectors.av_problems_for_advance(case) == []  # evidence-taking is recorded according to circumstances


@pytest.mark.req("REC-10")
@pytest.mark.django_db
def test_only_registered_active_devices_of_the_agency(desk, seizure, tree):
    case, camera = seizure
    other = services.device_register(agency=tree.agency_a2, kind="body_camera", serial="B-1", actor=_head_of(tree))
    with pytest.raises(ZhifaError) as exc:
        upload(desk, case, other, start=timezone.now() - dt.timedelta(hours=1))
    assert exc.value.code == "record_device_unregistered"
    with pytest.raises(ZhifaError) as exc:
        services.device_register(agency=desk.agency, kind="body_camera", serial="ZFY-0001", actor=desk.head)
    assert exc.value.code == "record_duplicate"
    with pytest.raises(PermissionDeniedError):
        services.device_register(agency=desk.agency, kind="body_camera", serial="X", actor=desk.officer)
    room = services.room_register(agency=desk.agency, kind="inquiry", name="询问室一", location="局机关一楼",
                                  actor=desk.head)
    assert room.get_kind_display() == "询问室"


def _head_of(tree):
    from zhifa.core.permissions import Role
    from zhifa.org.tests.factories import UserFactory, grant

    return grant(UserFactory(), Role.AGENCY_HEAD, agency=tree.agency_a2)


@pytest.mark.req("REC-05")
@pytest.mark.django_db
@pytest.mark.parametrize(("data", "code"), [
    (b"%PDF-1.7 not a video", "record_not_media"),
    (b"", "record_not_media"),
    (FAKE_MP4, "record_not_media"),  # right signature, corrupt body
])
def test_a_non_media_file_is_refused_and_nothing_is_stored(desk, seizure, data, code):
    case, camera = seizure
    from zhifa.ledger.models import Blob

    with pytest.raises(ZhifaError) as exc:
        services.recording_upload(case=case, fileobj=clip(data, "x.pdf"), device=camera, officer=desk.officers[0],
                                  activity="seize", started_at=timezone.now() - dt.timedelta(hours=1),
                                  ended_at=timezone.now() - dt.timedelta(minutes=30), place="p", actor=desk.officer)
    assert exc.value.code == code and not Blob.objects.exists()


@pytest.mark.req("REC-05")
@pytest.mark.django_db
def test_metadata_is_checked(desk, seizure):
    case, camera = seizure
    now = timezone.now()
    stranger = __import__("zhifa.org.tests.factories", fromlist=["PersonFactory"]).PersonFactory(agency=desk.agency)
    cases_bad = [
        dict(officer=stranger, code="record_officer_not_assigned"),
        dict(activity="dance", code="record_activity_unknown"),
        dict(started_at=now, ended_at=now - dt.timedelta(minutes=1), code="record_times_invalid"),
        dict(started_at=now + dt.timedelta(hours=1), ended_at=now + dt.timedelta(hours=2), code="record_times_invalid"),
        dict(remote=True, code="record_remote_reason_required"),
    ]
    for bad in cases_bad:
        code = bad.pop("code")
        kwargs = dict(case=case, fileobj=clip(), device=camera, officer=desk.officers[0], activity="seize",
                      started_at=now - dt.timedelta(hours=1), ended_at=now - dt.timedelta(minutes=30), place="p",
                      actor=desk.officer) | bad
        with pytest.raises(ZhifaError) as exc:
            services.recording_upload(**kwargs)
        assert exc.value.code == code


def _anze_rules(place):
    """Give the test county the AZ-R upload rule (2 working days; 2 after return)."""
    rule_version_create(key="recording.upload_limit", value={
        "unit": "working_days", "amount": 2, "remote": {"rule": "after_return", "unit": "working_days", "amount": 2}},
        effective_from=dt.date(2022, 7, 6), source="AZ-R 第十七条", jurisdiction=place, actor=None)


def _inner_mongolia_rules(place):
    rule_version_create(key="recording.upload_limit", value={"unit": "hours", "amount": 24,
                        "remote": {"rule": "when_possible"}}, effective_from=dt.date(2020, 4, 1),
                        source="IM-M 第二十条", jurisdiction=place, actor=None)


@pytest.mark.req("REC-08")
@pytest.mark.django_db
def test_24_hours_in_inner_mongolia_even_over_national_day(desk, seizure):
    case, camera = seizure
    _inner_mongolia_rules(desk.place)
    with time_machine.travel(dt.datetime(2026, 10, 3, 9, 0, tzinfo=TZ)):
        rec = upload(desk, case, camera, start=dt.datetime(2026, 9, 30, 16, 0, tzinfo=TZ), minutes=60)
    deadline = UploadDeadline.objects.get(recording=rec)
    assert deadline.due_at == dt.datetime(2026, 10, 1, 17, 0, tzinfo=TZ)
    assert deadline.late is True  # uploaded on 3 October: 24 hours are clock hours
    assert rec in selectors.late_recordings_for(actor=desk.head)


@pytest.mark.req("REC-08")
@pytest.mark.django_db
def test_two_working_days_in_anze_skip_the_national_day_holiday(desk, seizure):
    case, camera = seizure
    _anze_rules(desk.place)
    with time_machine.travel(dt.datetime(2026, 10, 3, 9, 0, tzinfo=TZ)):
        rec = upload(desk, case, camera, start=dt.datetime(2026, 9, 30, 16, 0, tzinfo=TZ), minutes=60)
    deadline = UploadDeadline.objects.get(recording=rec)
    # 1–7 October are off (国办发明电〔2025〕7号): the 2nd working day after 30 Sep is Fri 9 Oct.
    assert timezone.localtime(deadline.due_at).date() == dt.date(2026, 10, 9)
    assert deadline.late is False


@pytest.mark.req("REC-08")
@pytest.mark.django_db
def test_remote_work_exceptions(desk, seizure):
    case, camera = seizure
    _anze_rules(desk.place)
    start = timezone.now() - dt.timedelta(days=10)
    with pytest.raises(ZhifaError) as exc:
        upload(desk, case, camera, start=start, remote=True, remote_reason="在边远牧区执法")
    assert exc.value.code == "record_returned_at_required"
    rec = upload(desk, case, camera, start=start, remote=True, remote_reason="在边远牧区执法",
                 returned_at=timezone.now() - dt.timedelta(hours=1))
    assert UploadDeadline.objects.get(recording=rec).late is False
    _inner_mongolia_rules(desk.place.parent)  # the region's rule does not override the county's own
    rec2 = upload(desk, case, camera, start=start + dt.timedelta(hours=1), remote=True, remote_reason="异地执法",
                  returned_at=timezone.now())
    assert UploadDeadline.objects.get(recording=rec2).due_at is not None


@pytest.mark.req("REC-08")
@pytest.mark.django_db(transaction=True)
def test_a_provisional_deadline_is_recomputed_when_the_year_is_loaded(desk, seizure):
    case, camera = seizure
    _anze_rules(desk.place)
    with time_machine.travel(dt.datetime(2026, 12, 31, 9, 0, tzinfo=TZ)):
        rec = upload(desk, case, camera, start=dt.datetime(2026, 12, 30, 16, 0, tzinfo=TZ), minutes=60)
    deadline = UploadDeadline.objects.get(recording=rec)
    # 2 working days: Thu 31 Dec; Fri 1 Jan 2027 is New Year's Day (statutory, known without the notice), so Mon 4 Jan.
    assert deadline.provisional and timezone.localtime(deadline.due_at).date() == dt.date(2027, 1, 4)
    calendar_year_load(year=2027, source="测试用安排（非官方）", holidays=["2027-01-01", "2027-01-04"], workdays_=[],
                       actor=None)
    deadline.refresh_from_db()
    assert not deadline.provisional and timezone.localtime(deadline.due_at).date() == dt.date(2027, 1, 5)


@pytest.mark.req("REC-05")
@pytest.mark.django_db
def test_duration_and_creation_time_are_read_from_the_media(desk, seizure):
    case, camera = seizure
    rec = upload(desk, case, camera, start=timezone.now() - dt.timedelta(hours=1), data=MP4)
    assert rec.duration_seconds == pytest.approx(2.0, abs=0.2)
    assert rec.media_created_at == dt.datetime(2026, 11, 25, 1, 2, 3, tzinfo=dt.UTC)
    assert rec.media_format.startswith("mov,mp4")


@pytest.mark.req("REC-06")
@pytest.mark.django_db
def test_mandatory_recording_must_open_with_device_check_and_spoken_statement(desk, seizure):
    case, camera = seizure
    cases.document_record(case=case, form="inspection_record", elements=elements(desk), actor=desk.officer)
    seize = cases.document_record(case=case, form="seizure_decision", elements=elements(
        desk, items="货车", legal_basis="依据", period="三十日"), actor=desk.officer)
    start = timezone.now() - dt.timedelta(hours=3)
    # The clip is evidence: it is stored even when the officer says the opening statement was not made.
    clip_without = upload(desk, case, camera, start=start, document=seize, device_checked=True, opening_statement=False)
    assert not clip_without.opening_statement and Entry.objects.filter(pk=clip_without.entry_id).exists()
    assert json.loads(Entry.objects.get(pk=clip_without.entry_id).payload)["opening_statement"] is False
    with pytest.raises(ZhifaError) as exc:
        cases.case_advance(case=case, actor=desk.officer)
    assert "语音说明" in exc.value.message and "检查设备" in exc.value.message
    # The case goes on once the record's recording is one that began as IM-M §19 requires — here a
    # correction of the seizure record covered by a new, properly opened clip.
    fixed = cases.document_record(case=case, form="seizure_decision", supersedes=seize, correction_reason="补录",
                                  elements=elements(desk, items="货车", legal_basis="依据", period="三十日"),
                                  actor=desk.officer)
    upload(desk, case, camera, start=start + dt.timedelta(minutes=30), document=fixed, device_checked=True,
           opening_statement=False)
    with pytest.raises(ZhifaError):  # the chain's first clip still lacks the statement
        cases.case_advance(case=case, actor=desk.officer)


@pytest.mark.req("REC-06")
@pytest.mark.django_db
def test_a_properly_opened_recording_lets_the_case_move_on(desk, seizure):
    case, camera = seizure
    cases.document_record(case=case, form="inspection_record", elements=elements(desk), actor=desk.officer)
    seize = cases.document_record(case=case, form="seizure_decision", elements=elements(
        desk, items="货车", legal_basis="依据", period="三十日"), actor=desk.officer)
    rec = upload(desk, case, camera, start=timezone.now() - dt.timedelta(hours=3), document=seize)
    assert rec.device_checked and rec.opening_statement
    assert cases.case_advance(case=case, actor=desk.officer).stage == "decision"


@pytest.mark.req("REC-09")
@pytest.mark.django_db
def test_a_clip_pushed_twice_under_its_external_id_is_stored_once(desk, seizure):
    case, camera = seizure
    start = timezone.now() - dt.timedelta(hours=3)
    first = upload(desk, case, camera, start=start, external_id="EXT-CLIP-1")
    entries = Entry.objects.count()
    again = upload(desk, case, camera, start=start, external_id="EXT-CLIP-1")
    assert again.pk == first.pk and Entry.objects.count() == entries
