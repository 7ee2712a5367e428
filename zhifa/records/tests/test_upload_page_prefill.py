"""The upload form opened from a to-do is prefilled with the record to cover (issue 18 tryout, defect 7); the
documents are named by the time of the work they record (defect 7); the same file uploaded twice is stored and said
(defect 18)."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhifa.cases import services as cases
from zhifa.cases.tests.conftest import elements
from zhifa.records.models import Recording
from zhifa.records.tests.media import mp4

CLIP = mp4(frames=20, fps=10)


def _select(page: str, name: str) -> str:
    return re.search(rf'<select id="[^"]*" name="{name}">(.*?)</select>', page, re.S).group(1)


def _selected(page: str, name: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)"[^>]* selected', _select(page, name))


def _value(page: str, name: str) -> str:
    return re.search(rf'<input[^>]* name="{name}"[^>]* value="([^"]*)"', page).group(1)


@pytest.fixture
def record(desk, seizure):
    """A 查封/扣押决定书 for on-site work of 02:16–02:56 three days ago."""
    case, _camera = seizure
    began = timezone.localtime().replace(hour=2, minute=16, second=0, microsecond=0) - dt.timedelta(days=3)
    document = cases.document_record(case=case, form="seizure_decision", elements=elements(
        desk, items="货车一辆", legal_basis="依据", period="三十日", time=began.isoformat(),
        end_time=(began + dt.timedelta(minutes=40)).isoformat(), place="人民路8号仓库"), actor=desk.officer)
    return case, document, began


@pytest.mark.req("REC-05")
@pytest.mark.django_db
def test_a_todo_link_prefills_the_document_the_activity_and_the_work_times(client, desk, record):
    case, document, began = record
    client.force_login(desk.officer)
    page = client.get(f"/records/cases/{case.pk}/?document={document.pk}&activity=evidence_taking").content.decode()
    assert _selected(page, "document") == [str(document.pk)]
    assert _selected(page, "activity") == ["evidence_taking"]
    assert _value(page, "started_at") == began.strftime("%Y-%m-%dT%H:%M")
    assert _value(page, "ended_at") == (began + dt.timedelta(minutes=40)).strftime("%Y-%m-%dT%H:%M")
    assert _value(page, "place") == "人民路8号仓库"
    # Without an activity in the link, the record's own first activity.
    page = client.get(f"/records/cases/{case.pk}/?document={document.pk}").content.decode()
    assert _selected(page, "document") == [str(document.pk)] and len(_selected(page, "activity")) == 1


@pytest.mark.django_db
def test_a_link_to_another_cases_document_a_superseded_one_or_an_unknown_activity_is_ignored(client, desk, record, seizure):
    case, document, _began = record
    other = cases.case_open(agency=desk.agency, handling_unit=desk.unit, title="另一案件", action_type="coercion",
                            procedure="ordinary", place=desk.place, legal_basis="《行政强制法》", actor=desk.officer)
    for person in desk.officers:
        cases.officer_assign(case=other, person=person, actor=desk.officer)
    foreign = cases.document_record(case=other, form="filing_approval", elements=elements(
        desk, case_source="检查发现", opinion="同意", approver="局长"), actor=desk.officer)
    newer = cases.document_record(case=case, form="seizure_decision", elements=elements(
        desk, items="货车两辆", legal_basis="依据", period="三十日"), actor=desk.officer, supersedes=document,
        correction_reason="更正财物数量")
    client.force_login(desk.officer)
    for query in (f"document={foreign.pk}&activity=nonsense", f"document={document.pk}&activity=%3Cb%3E",
                  "document=abc&activity=", "document=99999999999999999999"):
        page = client.get(f"/records/cases/{case.pk}/?{query}").content.decode()
        assert _selected(page, "document") == [], query
        assert _selected(page, "activity") == [], query
        assert _value(page, "started_at") == "" and "nonsense" not in page and "<b>" not in page
    page = client.get(f"/records/cases/{case.pk}/?document={newer.pk}").content.decode()
    assert _selected(page, "document") == [str(newer.pk)]


@pytest.mark.django_db
def test_documents_are_named_by_the_work_they_record_in_bounded_queries(client, desk, record,
                                                                        django_assert_max_num_queries):
    case, document, began = record
    client.force_login(desk.officer)
    page = client.get(f"/records/cases/{case.pk}/").content.decode()
    options = _select(page, "document")
    end = began + dt.timedelta(minutes=40)
    day = "%m-%d" if began.year == timezone.localdate().year else "%Y-%m-%d"
    assert (f'<option value="{document.pk}">《查封/扣押决定书》（第1版）· '
            f'{began.strftime(day + " %H:%M")}–{end:%H:%M} 的执法活动</option>') in options
    # Ten more records: the page's queries do not grow with them.
    with django_assert_max_num_queries(80) as before:
        client.get(f"/records/cases/{case.pk}/")
    for n in range(10):
        cases.document_record(case=case, form="inspection_record", elements=elements(desk, content=f"第{n}次检查"),
                              actor=desk.officer)
    with django_assert_max_num_queries(len(before.captured_queries)):
        page = client.get(f"/records/cases/{case.pk}/").content.decode()
    assert _select(page, "document").count("的执法活动") >= 11


@pytest.mark.django_db
def test_a_record_without_a_work_time_shows_when_it_was_recorded(desk, record):
    from zhifa.records.forms import document_label

    _case, document, _began = record
    document.elements = {k: v for k, v in document.elements.items() if k not in ("time", "end_time")}  # not saved
    when = timezone.localtime(document.recorded_at)
    assert document_label(document) == f"《查封/扣押决定书》（第1版）· {when:%Y-%m-%d %H:%M} 录入"


@pytest.mark.req("REC-05")
@pytest.mark.django_db
def test_the_same_file_uploaded_twice_is_stored_and_said(client, desk, record, seizure):
    case, document, began = record
    _case, camera = seizure
    client.force_login(desk.officer)
    post = {"device": camera.pk, "officer": desk.officers[0].pk, "activity": "seize", "place": "人民路8号",
            "document": document.pk, "started_at": began.strftime("%Y-%m-%dT%H:%M"),
            "ended_at": (began + dt.timedelta(minutes=40)).strftime("%Y-%m-%dT%H:%M")}
    first = client.post(f"/records/cases/{case.pk}/upload/", {"file": SimpleUploadedFile("a.mp4", CLIP, "video/mp4"), **post},
                        follow=True).content.decode()
    assert "已上传音像记录" in first and "SHA-256 一致" not in first
    second = client.post(f"/records/cases/{case.pk}/upload/", {"file": SimpleUploadedFile("b.mp4", CLIP, "video/mp4"), **post},
                         follow=True).content.decode()
    one, two = Recording.objects.order_by("pk")
    assert one.blob_id == two.blob_id  # both stored: a re-upload may be deliberate
    assert f"该文件与已上传的音像记录 #{one.pk}（" in second and "相同（SHA-256 一致）" in second
    assert f"#{two.pk}（" not in second.split("SHA-256 一致")[0].split("该文件与")[1]
    assert f'id="recording-{one.pk}"' in second  # the number the message gives is on the list
    # Another file: no such note.
    other = client.post(f"/records/cases/{case.pk}/upload/", {
        "file": SimpleUploadedFile("c.mp4", mp4(frames=25, fps=10), "video/mp4"), **post}, follow=True).content.decode()
    assert "SHA-256 一致" not in other and Recording.objects.count() == 3
