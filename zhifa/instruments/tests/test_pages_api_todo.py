"""The pages, the API and the to-do lists of supervision instruments (issue 20 §4; SUP-08)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zhifa.core import todo as core_todo
from zhifa.instruments import services, todo
from zhifa.instruments.models import Instrument, State

from .conftest import issue, upload

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-08")]


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _bulk(world, n):
    """n more instruments without rendering each (the list's cost does not depend on how they were made)."""
    first = Instrument.objects.first()
    for k in range(n):
        Instrument.objects.create(kind=first.kind, bureau=first.bureau, agency=first.agency, number=f"批量{k}",
                                  title=first.title, findings=first.findings, basis=first.basis,
                                  requirement=first.requirement, issued_on=first.issued_on, clock_from=first.clock_from,
                                  due_on=first.due_on, issued_by=first.issued_by)


def test_bureau_list_is_keyset_paged_and_flat_in_rows(world, client):
    issue(world, today=timezone.localdate())
    client.force_login(world.sup)
    small = _queries(client, "/instruments/")
    _bulk(world, 30)
    assert _queries(client, "/instruments/") == small
    page = client.get("/instruments/")
    assert "甲司监意〔2026〕1号" in page.content.decode() or "批量" in page.content.decode()


def test_overdue_filter_and_the_agency_sees_its_own(world, client):
    late = issue(world, today=timezone.localdate() - dt.timedelta(days=90))
    issue(world, today=timezone.localdate(), agency=world.tree.agency_a2)
    client.force_login(world.sup)
    body = client.get("/instruments/?overdue=1").content.decode()
    assert late.number in body and "甲二县" not in body
    client.force_login(world.head)
    body = client.get("/instruments/").content.decode()
    assert late.number in body and "甲二县市场监督管理局" not in body


def test_another_agencys_head_gets_404_logged(world, client):
    i = issue(world, today=timezone.localdate())
    client.force_login(world.head_a2)
    assert client.get(f"/instruments/{i.pk}/").status_code == 404


def test_issue_form_from_a_case_then_detail_with_document(world, client, desk):
    from zhifa.cases.tests.conftest import inspection_with_record

    case, _ = inspection_with_record(desk)
    client.force_login(world.sup)
    form = client.get(f"/instruments/new/?case={case.pk}&model=M06")
    assert form.status_code == 200 and "制发行政执法监督文书" in form.content.decode()
    response = client.post("/instruments/new/", {
        "bureau": world.bureau_a.pk, "agency": world.agency.pk, "kind": "opinion", "order": "", "title": "音像记录缺失",
        "findings": "查封现场未全程音像记录。", "basis": "IM-M 第十七条", "requirement": "补充说明并整改。",
        "cases": str(case.pk), "model_code": "M06"})
    assert response.status_code == 302
    i = Instrument.objects.get(title="音像记录缺失")
    assert list(i.cases.all()) == [case] and i.model_code == "M06"
    detail = client.get(f"/instruments/{i.pk}/").content.decode()
    assert i.number in detail and "制发并签章" in detail
    pdf = client.get(f"/instruments/{i.pk}/documents/{i.documents.get().pk}.pdf")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_issue_form_refuses_bad_input_in_chinese(world, client):
    client.force_login(world.sup)
    response = client.post("/instruments/new/", {
        "bureau": world.bureau_a.pk, "agency": world.agency.pk, "kind": "decision", "order": "", "title": "x",
        "findings": "y", "basis": "z", "requirement": "w"})
    assert response.status_code == 400
    assert "监督决定书须写明决定事项" in response.content.decode()


def test_agency_reports_with_files_on_the_page_and_bureau_accepts(world, client):
    i = issue(world, today=timezone.localdate())
    client.force_login(world.head)
    page = client.get(f"/instruments/{i.pk}/").content.decode()
    assert 'id="report"' in page and "验收整改并办结" not in page
    response = client.post(f"/instruments/{i.pk}/act/report/", {"text": "已整改。", "files": [upload()]})
    assert response.status_code == 302
    i.refresh_from_db()
    assert i.state == State.REPORTED
    f = i.steps.get(action="report").files.get()
    assert client.get(f"/instruments/{i.pk}/files/{f.pk}/").status_code == 200
    assert client.post(f"/instruments/{i.pk}/act/accept/", {"reason": ""}).status_code == 403
    client.force_login(world.sup)
    assert "验收整改并办结" in client.get(f"/instruments/{i.pk}/").content.decode()
    assert client.post(f"/instruments/{i.pk}/act/accept/", {"reason": "整改到位。"}).status_code == 302
    i.refresh_from_db()
    assert i.state == State.CLOSED


def test_api_issue_report_review_and_errors(world, client):
    client.force_login(world.sup)
    body = {"bureau_id": world.bureau_a.pk, "agency_id": world.agency.pk, "kind": "decision", "order": "",
            "title": "未公示", "findings": "未公示。", "basis": "依据", "requirement": "改正。"}
    bad = client.post("/api/instruments/", body, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "instrument_order_invalid"
    body["order"] = "perform"
    made = client.post("/api/instruments/", body, content_type="application/json")
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert made.json()["documents"][0]["number"] == made.json()["number"]
    listed = client.get("/api/instruments/").json()
    assert [row["id"] for row in listed["items"]] == [pk]
    client.force_login(world.head)
    missing = client.post(f"/api/instruments/{pk}/report", {"text": "已整改。"})
    assert missing.status_code == 400 and missing.json()["code"] == "instrument_report_files_required"
    asked = client.post(f"/api/instruments/{pk}/review-request", {"reasons": "不服。"}, content_type="application/json")
    assert asked.status_code == 200 and asked.json()["state"] == "review_requested"
    denied = client.post(f"/api/instruments/{pk}/review-decision", {"outcome": "upheld", "reasons": "x"},
                         content_type="application/json")
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
    client.force_login(world.sup)
    decided = client.post(f"/api/instruments/{pk}/review-decision", {"outcome": "upheld", "reasons": "事实清楚。"},
                          content_type="application/json")
    assert decided.status_code == 200 and decided.json()["state"] == "upheld"
    client.force_login(world.head)
    reported = client.post(f"/api/instruments/{pk}/report", {"text": "已履行。", "files": [upload()]})
    assert reported.status_code == 200 and reported.json()["state"] == "reported"
    assert reported.json()["steps"][-1]["files"][0]["name"] == "整改照片.png"
    client.force_login(world.head_a2)
    assert client.get(f"/api/instruments/{pk}").status_code == 404


def test_todo_for_the_agency_and_the_bureau_and_overdue(world):
    today = timezone.localdate()
    late = issue(world, today=today - dt.timedelta(days=90))
    fresh = issue(world, today=today)
    items = todo.todo_items_for(world.head, on=today)
    assert {t.key.split(":")[1] for t in items} == {str(late.pk), str(fresh.pk)}
    assert all(t.url.endswith("#report") for t in items)
    assert todo.todo_items_for(world.head_a2, on=today) == []
    services.correction_report(instrument=fresh, actor=world.head, text="已整改。", files=[upload()])
    bureau = todo.todo_items_for(world.sup, on=today)
    assert [(t.kind, t.ref) for t in bureau if t.kind.startswith("instruments.")] == [("instruments.accept", fresh.number)]
    overdue = todo.overdue_items_for(world.sup, on=today)
    assert [t.ref for t in overdue] == [late.number] and overdue[0].overdue
    assert todo.overdue_items_for(world.head, on=today) == []
    assert "instruments" in {r.name for r in core_todo.providers()}


def test_issue_form_shows_no_case_of_another_agency_and_logs_the_attempt(world, client, desk):
    """Review: an agency of the supervisor's own beside another county's case id printed that case's 案号 and 案由."""
    from zhifa.cases.tests.conftest import inspection_with_record
    from zhifa.core.models import SecurityEvent, SecurityEventKind

    case, _ = inspection_with_record(desk)  # a case of desk's agency
    other = world.tree.agency_a2 if case.agency_id != world.tree.agency_a2.pk else world.tree.agency_a1
    client.force_login(world.sup)
    before = SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED, user=world.sup).count()
    page = client.get(f"/instruments/new/?agency={other.pk}&case={case.pk}")
    assert page.status_code == 404 and case.number not in page.content.decode()
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED, user=world.sup).count() == before + 1


def test_the_issuing_bureau_and_the_agency_read_the_instruments_log_entries_and_no_one_else(world):
    """W3's tryout: the supervisor's own instrument's steps were 'not in the log' on the ledger lookup."""
    from zhifa.core.errors import NotFoundError
    from zhifa.ledger.models import Entry
    from zhifa.ledger.selectors import entry_read_for
    from zhifa.ledger.services import integrate

    i = issue(world, today=timezone.localdate())
    integrate()
    entry = Entry.objects.filter(subject=f"instruments.instrument:{i.pk}").order_by("id").first()
    seq = entry.seq
    assert seq is not None
    for reader in (world.sup, world.head):
        assert entry_read_for(actor=reader, seq=seq).pk == entry.pk
    with pytest.raises(NotFoundError):
        entry_read_for(actor=world.head_a2, seq=seq)
