"""Mandatory recording means a recording of the activity (REC-03, REC-06, REC-07): audio or video with a duration
read from the media, covering the record's start and end; every activity on a jurisdiction's list triggers the
check, whichever record it is written in (IM-M §17, §19; AZ-R §10, §14–15)."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image

from zhifa.cases import services as cases
from zhifa.cases.doctypes import FORMS
from zhifa.cases.models import Document, Stage
from zhifa.cases.tests.conftest import elements
from zhifa.core.errors import ZhifaError
from zhifa.records import selectors, services
from zhifa.records.tests.media import mp4
from zhifa.rules.services import ruleset_read

from .test_recordings import upload


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def _seizure_record(desk, case, *, start, minutes):
    return cases.document_record(case=case, form="seizure_decision", actor=desk.officer, elements=elements(
        desk, items="小型货车一辆", legal_basis="《行政强制法》第二十二条", period="三十日", time=start.isoformat(),
        end_time=(start + dt.timedelta(minutes=minutes)).isoformat()))


@pytest.mark.req("REC-03")
@pytest.mark.django_db
def test_a_still_image_is_an_evidence_photo_not_a_recording(desk, seizure):
    """The issue's finding: a 16×16 PNG was accepted as the full recording of a seizure."""
    case, camera = seizure
    cases.document_record(case=case, form="inspection_record", elements=elements(desk), actor=desk.officer)
    start = timezone.now() - dt.timedelta(hours=3)
    seize = _seizure_record(desk, case, start=start, minutes=10)
    photo = upload(desk, case, camera, document=seize, data=_png(), name="photo.png", start=start, minutes=10)
    assert photo.pk and not selectors.is_recording(photo)  # stored as evidence all the same
    with pytest.raises(ZhifaError) as exc:
        cases.case_advance(case=case, actor=desk.officer)
    assert exc.value.code == "case_recording_missing" and "照片不是音像记录" in exc.value.message
    assert case.stage == Stage.INVESTIGATION


@pytest.mark.req("REC-03")
@pytest.mark.req("REC-06")
@pytest.mark.django_db
def test_a_two_second_clip_does_not_cover_a_two_hour_seizure(desk, seizure):
    """The issue's finding: a 2-second clip, its metadata claiming two hours, "covered" a two-hour seizure."""
    case, camera = seizure
    cases.document_record(case=case, form="inspection_record", elements=elements(desk), actor=desk.officer)
    start = timezone.now() - dt.timedelta(hours=3)
    seize = _seizure_record(desk, case, start=start, minutes=120)
    short = upload(desk, case, camera, document=seize, data=mp4(), start=start, minutes=120)
    assert short.duration_seconds == pytest.approx(2.0, abs=0.2)
    with pytest.raises(ZhifaError) as exc:
        cases.case_advance(case=case, actor=desk.officer)
    assert "未覆盖全过程" in exc.value.message and "按媒体实际时长" in exc.value.message
    # The rest of the two hours, in two clips with a minute's break between them: covered.
    upload(desk, case, camera, document=seize, data=mp4(frames=59 * 60, fps=1), start=start + dt.timedelta(seconds=2),
            minutes=59)
    upload(desk, case, camera, document=seize, data=mp4(frames=60 * 60, fps=1), start=start + dt.timedelta(minutes=60),
            minutes=60)
    assert cases.case_advance(case=case, actor=desk.officer).stage == Stage.DECISION


@pytest.mark.req("REC-03")
@pytest.mark.django_db
def test_a_recording_that_starts_late_does_not_cover_the_start(desk, seizure):
    case, camera = seizure
    cases.document_record(case=case, form="inspection_record", elements=elements(desk), actor=desk.officer)
    start = timezone.now() - dt.timedelta(hours=3)
    seize = _seizure_record(desk, case, start=start, minutes=10)
    upload(desk, case, camera, document=seize, data=mp4(frames=8 * 60, fps=1), start=start + dt.timedelta(minutes=2),
            minutes=8)
    with pytest.raises(ZhifaError) as exc:
        cases.case_advance(case=case, actor=desk.officer)
    assert "未覆盖开始部分" in exc.value.message


@pytest.mark.req("REC-03")
@pytest.mark.django_db
def test_a_record_without_its_end_time_cannot_be_checked(desk, seizure):
    case, camera = seizure
    cases.document_record(case=case, form="inspection_record", elements=elements(desk), actor=desk.officer)
    start = timezone.now() - dt.timedelta(hours=3)
    seize = cases.document_record(case=case, form="seizure_decision", actor=desk.officer, elements=elements(
        desk, items="货车", legal_basis="依据", period="三十日", time=start.isoformat(), end_time=""))
    upload(desk, case, camera, document=seize, data=mp4(frames=600, fps=1), start=start, minutes=10)
    with pytest.raises(ZhifaError) as exc:
        cases.case_advance(case=case, actor=desk.officer)
    assert "未载明现场执法的开始和结束时间" in exc.value.message
    with pytest.raises(ZhifaError) as exc:  # and an end before the start is refused on entry
        cases.document_record(case=case, form="inspection_record", actor=desk.officer, elements=elements(
            desk, time=start.isoformat(), end_time=(start - dt.timedelta(minutes=1)).isoformat()))
    assert exc.value.code == "case_element_invalid"


@pytest.mark.req("REC-07")
@pytest.mark.django_db
def test_recording_that_could_not_resume_is_excused_to_the_end_once_noted(desk, seizure):
    case, camera = seizure
    cases.document_record(case=case, form="inspection_record", elements=elements(desk), actor=desk.officer)
    start = timezone.now() - dt.timedelta(hours=3)
    seize = _seizure_record(desk, case, start=start, minutes=30)
    first = upload(desk, case, camera, document=seize, data=mp4(frames=600, fps=1), start=start, minutes=10)
    with pytest.raises(ZhifaError):
        cases.case_advance(case=case, actor=desk.officer)
    services.interruption_note(case=case, before=first, after=None, reason="device_fault", head_informed=True,
                               explanation="记录仪故障无法继续记录，已报告负责人", actor=desk.officer)
    assert cases.case_advance(case=case, actor=desk.officer).stage == Stage.DECISION


def _mandatory(name: str) -> set[str]:
    return set(ruleset_read(name)["rules"]["recording.mandatory_av"]["value"])


def _record_for(activity: str) -> Document:
    """An unsaved record of the activity, written the way an officer would write it."""
    stamp = {"time": "2026-11-30T09:00:00+08:00", "end_time": "2026-11-30T09:10:00+08:00"}
    for code, form in FORMS.items():
        if activity in form.activities and not form.system:
            return Document(pk=1, form=code, elements=stamp)
    for code in ("coercive_measure_record", "enforcement_record"):
        if activity in dict(next(e for e in FORMS[code].elements if e.name == "measure").choices):
            return Document(pk=1, form=code, elements=stamp | {"measure": activity})
    if activity in ("service_by_leaving", "service_by_public_notice"):
        method = {"service_by_leaving": "leaving", "service_by_public_notice": "public_notice"}[activity]
        return Document(pk=1, form="service_receipt", elements=stamp | {"service_method": method})
    return Document(pk=1, form="inspection_record", elements=stamp | {"activities": [activity]})  # ticked


@pytest.mark.req("REC-03")
@pytest.mark.parametrize("ruleset", ["national", "im-m", "az"])
def test_every_activity_on_each_jurisdictions_list_triggers_the_check(ruleset):
    """Driven by each rule set's list, not by a table of two forms: 强制拆除, 代履行, 限制人身自由 and the rest."""
    listed = _mandatory(ruleset)
    assert {"seal", "seize", "demolition"} <= listed
    for activity in listed:
        record = _record_for(activity)
        problems = selectors.av_problems(documents=([record], {1: {1}}), recordings=[], notes=set(),
                                         mandatory_for=lambda d, listed=listed: listed)
        assert [kind for kind, _ in problems] == ["missing_recording"], (ruleset, activity, record.form)


@pytest.mark.req("REC-03")
def test_the_lists_differ_by_jurisdiction():
    """AZ-R §10 names 代履行 and 限制人身自由; IM-M §17 names neither, but restricting personal freedom is an
    on-site action "直接涉及人身自由", which IM-M lists; 代履行 is not necessarily one."""
    assert {"substitute_performance", "restrict_freedom"} <= _mandatory("az")
    assert not {"substitute_performance", "restrict_freedom"} & _mandatory("im-m")

    def problems(activity, ruleset):
        return selectors.av_problems(documents=([_record_for(activity)], {1: {1}}), recordings=[], notes=set(),
                                     mandatory_for=lambda d: _mandatory(ruleset))

    assert problems("substitute_performance", "im-m") == []
    assert [k for k, _ in problems("substitute_performance", "az")] == ["missing_recording"]
    assert [k for k, _ in problems("restrict_freedom", "im-m")] == ["missing_recording"]


@pytest.mark.req("REC-03")
@pytest.mark.django_db
def test_a_forced_demolition_without_a_recording_is_not_archived(desk, seizure, assess):
    """The issue's finding: a forced demolition with no recording was archived (only 查封/扣押 triggered the check)."""
    case, camera = seizure
    start = timezone.now() - dt.timedelta(hours=3)
    cases.document_record(case=case, form="inspection_record", elements=elements(desk), actor=desk.officer)
    seize = _seizure_record(desk, case, start=start, minutes=10)
    upload(desk, case, camera, document=seize, data=mp4(frames=600, fps=1), start=start, minutes=10)
    case = cases.case_advance(case=case, actor=desk.officer)
    assess(case, desk.officer)
    case = cases.case_advance(case=case, actor=desk.head)
    demolition_start = timezone.now() - dt.timedelta(hours=2)
    demolition = cases.document_record(case=case, form="enforcement_record", actor=desk.officer, elements=elements(
        desk, measure="demolition", legal_basis="《行政强制法》第四十四条", time=demolition_start.isoformat(),
        end_time=(demolition_start + dt.timedelta(minutes=10)).isoformat()))
    for form, extra in (("service_receipt", {"served_document": "强制拆除决定书", "recipient": "某某商店",
                                             "service_method": "direct"}),
                        ("closing_report", {"result": "违法建筑已拆除"})):
        cases.document_record(case=case, form=form, elements=elements(desk, **extra), actor=desk.officer)
    with pytest.raises(ZhifaError) as exc:
        cases.case_advance(case=case, actor=desk.officer)
    assert "强制拆除应当全程音像记录" in exc.value.message
    upload(desk, case, camera, start=demolition_start, minutes=10, document=demolition, activity="demolition")
    assert cases.case_advance(case=case, actor=desk.officer).stage == Stage.ARCHIVE


@pytest.mark.req("REC-03")
@pytest.mark.django_db
def test_an_activity_ticked_on_an_inspection_record_triggers_the_check(desk, seizure):
    """Execution premises (执法办案场所) on the national list: an inquiry held there must be recorded."""
    case, camera = seizure
    cases.document_record(case=case, form="inquiry_record", actor=desk.officer,
                          elements=elements(desk, inquired_person="张三", activities=["case_premises"]))
    assert any("执法办案场所应当全程音像记录" in p for p in selectors.av_problems_for_advance(case))
    with pytest.raises(ZhifaError) as exc:
        cases.document_record(case=case, form="inquiry_record", actor=desk.officer,
                              elements=elements(desk, inquired_person="张三", activities=["flogging"]))
    assert exc.value.code == "case_element_invalid"


@pytest.mark.req("REC-03")
def test_every_record_that_can_stand_for_an_activity_says_when_it_ended():
    """Otherwise its recording could never be held against its end, and the case would be stuck."""
    from zhifa.cases.doctypes import possible_activities

    for code, form in FORMS.items():
        if possible_activities(code):
            assert "end_time" in {e.name for e in form.elements}, code



class _Clip:
    """A recording as the check reads it (probed duration in seconds)."""

    def __init__(self, pk, start, minutes, claimed=None):
        self.pk, self.document_id, self.started_at = pk, 1, start
        self.duration_seconds, self.media_format = minutes * 60, "mov,mp4,m4a"
        self.ended_at = start + dt.timedelta(minutes=claimed if claimed is not None else minutes)
        self.device_checked = self.opening_statement = True


def _problems(clips, begin, minutes, notes=()):
    record = Document(pk=1, form="seizure_decision", elements={
        "time": begin.isoformat(), "end_time": (begin + dt.timedelta(minutes=minutes)).isoformat()})
    return [kind for kind, _ in selectors.av_problems(documents=([record], {1: {1}}), recordings=clips,
                                                      notes=set(notes), mandatory_for=lambda d: {"seize"})]


T0 = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)


@pytest.mark.req("REC-07")
def test_overlapping_clips_make_no_false_gap():
    m = dt.timedelta(minutes=1)
    clips = [_Clip(1, T0, 120), _Clip(2, T0 + 5 * m, 1), _Clip(3, T0 + 119 * m, 6)]
    assert _problems(clips, T0, 120) == []


@pytest.mark.req("REC-03")
def test_a_clip_from_another_day_does_not_cover_the_record():
    m = dt.timedelta(minutes=1)
    clips = [_Clip(1, T0 - dt.timedelta(days=1), 150), _Clip(2, T0 + 119 * m, 1)]
    assert "not_covered" in _problems(clips, T0, 120, notes={(1, 2)})


@pytest.mark.req("REC-07")
def test_a_could_not_resume_note_in_the_middle_excuses_nothing_after_it():
    m = dt.timedelta(minutes=1)
    clips = [_Clip(1, T0, 10), _Clip(2, T0 + 10 * m + dt.timedelta(seconds=30), 10), _Clip(3, T0 + 110 * m, 5)]
    assert _problems(clips, T0, 120, notes={(1, None)}) == ["gap_without_note", "not_covered"]
    assert _problems(clips[:1], T0, 120, notes={(1, None)}) == []  # after the last clip it excuses the rest
