"""The pages and the API of execution and results (issue 22 §5): the inspection page with its record form and publish
button for those who may, read-only for a supervisor, 404 outside the scope (logged); 我的抽查任务; the draw page's
panel; the API's four doors to the same services; the to-do provider."""

import datetime as dt
import json

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from zhifa.core.models import SecurityEvent, SecurityEventKind
from zhifa.core.permissions import Role
from zhifa.inspections import execution, todo
from zhifa.inspections.models import Draw, Inspection, InspectionState, Outcome
from zhifa.org.tests.factories import UserFactory, grant

from .conftest import drawn_batch
from .test_execution import inspection_of, record, wav

pytestmark = pytest.mark.req("INS-02")


def denials() -> int:
    return SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count()


def _post(ins, **over) -> dict:
    data = {"inspected_on": timezone.localdate().isoformat(), "place": "甲一县测试路1号",
            "record": "出示执法证件，查阅年度报告。"}
    for item in execution.batch_items(ins):
        data[f"outcome_{item.pk}"] = Outcome.NO_PROBLEM
        data[f"text_{item.pk}"] = ""
    data.update(over)
    return data


# --- the inspection page ------------------------------------------------------------------------------------------

def test_the_assigned_inspector_records_on_the_page(world, client):
    draw = drawn_batch(world)
    ins = inspection_of(draw, world.insp1)
    client.force_login(world.insp1)
    page = client.get(f"/inspections/inspections/{ins.pk}/").content.decode()
    assert ins.drawn.target.name in page and "记录检查情况" in page and "企业公示信息情况检查" in page
    assert "发现问题已立案查处" in page  # the outcome select
    assert "公示检查结果</button>" not in page  # an officer does not publish
    response = client.post(f"/inspections/inspections/{ins.pk}/record/", _post(ins, av=wav()))
    assert response.status_code == 302
    ins.refresh_from_db()
    assert ins.state == InspectionState.RECORDED and ins.av is not None
    page = client.get(f"/inspections/inspections/{ins.pk}/").content.decode()
    assert "更正检查情况" in page and "已检查" in page and ins.result_due.strftime("%Y-%m-%d") in page


def test_the_form_shows_errors_in_chinese_next_to_the_field(world, client):
    draw = drawn_batch(world)
    ins = inspection_of(draw, world.insp1)
    client.force_login(world.insp1)
    first = execution.batch_items(ins)[0]
    response = client.post(f"/inspections/inspections/{ins.pk}/record/", _post(ins, **{f"outcome_{first.pk}": ""}))
    assert response.status_code == 400 and "请选择该事项的检查结果" in response.content.decode()
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.post(f"/inspections/inspections/{ins.pk}/record/", _post(ins, inspected_on=future))
    assert response.status_code == 400 and "不能晚于今天" in response.content.decode()
    ins.refresh_from_db()
    assert ins.state == InspectionState.ASSIGNED


def test_a_violation_recorded_on_the_page_links_the_case(world, client):
    draw = drawn_batch(world)
    ins = inspection_of(draw, world.insp1)
    client.force_login(world.insp1)
    first = execution.batch_items(ins)[0]
    assert client.post(f"/inspections/inspections/{ins.pk}/record/",
                       _post(ins, **{f"outcome_{first.pk}": Outcome.CASE_OPENED})).status_code == 302
    case = execution.current_findings(ins).get(item=first).case
    page = client.get(f"/inspections/inspections/{ins.pk}/").content.decode()
    assert f"/cases/{case.pk}/" in page and case.number in page


def test_an_unassigned_officer_reads_but_is_refused_the_record_logged(world, client):
    draw = drawn_batch(world)
    ins = Inspection.objects.filter(drawn__draw=draw).order_by("id").first()
    client.force_login(world.officer)
    page = client.get(f"/inspections/inspections/{ins.pk}/")
    assert page.status_code == 200 and 'name="place"' not in page.content.decode()
    before = denials()
    assert client.post(f"/inspections/inspections/{ins.pk}/record/", _post(ins)).status_code == 403
    assert denials() == before + 1


def test_a_supervisor_reads_only_and_another_agency_gets_404_logged(world, client):
    draw = drawn_batch(world)
    ins = record(inspection_of(draw, world.insp1), world.insp1)
    client.force_login(world.sup)
    page = client.get(f"/inspections/inspections/{ins.pk}/").content.decode()
    assert ins.drawn.target.name in page and 'name="place"' not in page and "公示检查结果</button>" not in page
    assert client.post(f"/inspections/inspections/{ins.pk}/publish/").status_code == 403
    head_b1 = grant(UserFactory(username="head_b1_insp"), Role.AGENCY_HEAD, agency=world.tree.agency_b1)
    client.force_login(head_b1)
    before = denials()
    assert client.get(f"/inspections/inspections/{ins.pk}/").status_code == 404
    assert denials() == before + 1


def test_the_publisher_publishes_from_the_page(world, client):
    draw = drawn_batch(world)
    ins = record(inspection_of(draw, world.insp1), world.insp1)
    client.force_login(world.pub)
    page = client.get(f"/inspections/inspections/{ins.pk}/").content.decode()
    assert "公示检查结果</button>" in page
    assert client.post(f"/inspections/inspections/{ins.pk}/publish/").status_code == 302
    ins.refresh_from_db()
    assert ins.state == InspectionState.PUBLISHED


# --- 我的抽查任务 and the to-do list --------------------------------------------------------------------------------

def test_my_tasks_lists_what_is_assigned_and_what_awaits_publication(world, client):
    draw = drawn_batch(world)
    mine = Inspection.objects.filter(drawn__draw=draw, drawn__assignments__person__user=world.insp1)
    client.force_login(world.insp1)
    page = client.get("/inspections/tasks/").content.decode()
    for ins in mine:
        assert f"/inspections/inspections/{ins.pk}/" in page
    done = record(mine.first(), world.insp1)
    client.force_login(world.pub)
    page = client.get("/inspections/tasks/").content.decode()
    assert "待公示的检查结果" in page and f"/inspections/inspections/{done.pk}/#publish" in page
    assert done.result_due.strftime("%Y-%m-%d") in page
    client.force_login(world.nobody)
    assert client.get("/inspections/tasks/").status_code == 403


def test_my_tasks_highlights_an_overdue_result(world, client):
    draw = drawn_batch(world)
    done = record(inspection_of(draw, world.insp1), world.insp1)
    Inspection.objects.filter(pk=done.pk).update(result_due=timezone.localdate() - dt.timedelta(days=1))
    client.force_login(world.pub)
    page = client.get("/inspections/tasks/").content.decode()
    assert 'class="overdue"' in page and "已逾期" in page


def test_the_todo_provider(world):
    draw = drawn_batch(world)
    on = timezone.localdate()
    items = todo.todo_items_for(world.insp1, on=on)
    assert items and {i.kind for i in items} == {"inspections.record"}
    done = record(inspection_of(draw, world.insp1), world.insp1)
    assert len(todo.todo_items_for(world.insp1, on=on)) == len(items) - 1
    publish = [i for i in todo.todo_items_for(world.pub, on=on) if i.kind == "inspections.publish"]
    assert [(i.subject, i.due) for i in publish] == [(f"inspections.inspection:{done.pk}", done.result_due)]
    assert todo.todo_items_for(world.officer, on=on) == []
    late = done.result_due + dt.timedelta(days=1)
    assert [i.kind for i in todo.overdue_items_for(world.sup, on=late)] == ["inspections.overdue"]
    assert todo.overdue_items_for(world.nobody, on=late) == []


# --- the draw page's panel ----------------------------------------------------------------------------------------

def test_the_draw_panel_lists_the_inspections(world):
    draw = drawn_batch(world)
    done = record(inspection_of(draw, world.insp1), world.insp1)
    html = render_to_string("inspections/results/_draw_panel.html", {"draw": draw})
    for ins in Inspection.objects.filter(drawn__draw=draw):
        assert f"/inspections/inspections/{ins.pk}/" in html and ins.drawn.target.name in html
    assert "检查员" in html and "已检查" in html and done.result_due.strftime("%Y-%m-%d") in html


# --- the API ------------------------------------------------------------------------------------------------------

def _api_findings(ins, **per_item):
    return [{"item_id": i.pk, "outcome": per_item.get(i.number, "no_problem"), "text": ""}
            for i in execution.batch_items(ins)]


def test_the_api_lists_filters_and_shows(world, client):
    draw = drawn_batch(world)
    done = record(inspection_of(draw, world.insp1), world.insp1)
    client.force_login(world.sup)
    data = client.get("/api/inspections/inspections").json()
    assert data["count"] == Inspection.objects.filter(drawn__draw=draw).count()
    recorded = client.get("/api/inspections/inspections?state=recorded").json()
    assert [i["id"] for i in recorded["items"]] == [done.pk]
    assert client.get("/api/inspections/inspections?overdue=true").json()["items"] == []
    Inspection.objects.filter(pk=done.pk).update(result_due=timezone.localdate() - dt.timedelta(days=1))
    overdue = client.get("/api/inspections/inspections?overdue=true").json()["items"]
    assert [(i["id"], i["overdue"]) for i in overdue] == [(done.pk, True)]
    assert client.get(f"/api/inspections/inspections?agency_id={world.tree.agency_a2.pk}").json()["count"] == 0
    detail = client.get(f"/api/inspections/inspections/{done.pk}").json()
    assert detail["state"] == "recorded" and len(detail["findings"]) == 2 and detail["assignments"]
    assert detail["steps"][0]["action"] == "record"
    client.force_login(world.nobody)
    assert client.get(f"/api/inspections/inspections/{done.pk}").status_code == 404


def test_the_api_records_and_publishes(world, client):
    draw = drawn_batch(world)
    ins = inspection_of(draw, world.insp1)
    client.force_login(world.insp1)
    body = {"inspected_on": timezone.localdate().isoformat(), "place": "甲一县测试路1号", "record": "检查记录。",
            "findings": _api_findings(ins)[:1]}
    response = client.post(f"/api/inspections/inspections/{ins.pk}/record", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "inspection_findings_incomplete"
    body["findings"] = _api_findings(ins, **{"1": "case_opened"})
    response = client.post(f"/api/inspections/inspections/{ins.pk}/record", body, content_type="application/json")
    assert response.status_code == 200, response.content
    out = response.json()
    assert out["state"] == "recorded" and any(f["case_id"] for f in out["findings"])
    assert client.post(f"/api/inspections/inspections/{ins.pk}/publish").status_code == 403
    client.force_login(world.pub)
    response = client.post(f"/api/inspections/inspections/{ins.pk}/publish")
    assert response.status_code == 200 and response.json()["published_at"]
    response = client.post(f"/api/inspections/inspections/{ins.pk}/publish")
    assert response.status_code == 409


def test_the_api_records_with_an_av_file(world, client):
    draw = drawn_batch(world)
    ins = inspection_of(draw, world.insp1)
    client.force_login(world.insp1)
    data = json.dumps({"inspected_on": timezone.localdate().isoformat(), "place": "甲一县测试路1号", "record": "检查记录。",
                       "findings": _api_findings(ins)})
    response = client.post(f"/api/inspections/inspections/{ins.pk}/record-with-av", {"data": data, "av": wav()})
    assert response.status_code == 200, response.content
    assert response.json()["av_sha256"]


def test_the_api_refuses_an_unassigned_officer_logged(world, client):
    draw = drawn_batch(world)
    ins = Inspection.objects.filter(drawn__draw=draw).order_by("id").first()
    client.force_login(world.officer)
    before = denials()
    body = {"inspected_on": timezone.localdate().isoformat(), "place": "甲一县", "record": "记录。",
            "findings": _api_findings(ins)}
    response = client.post(f"/api/inspections/inspections/{ins.pk}/record", body, content_type="application/json")
    assert response.status_code == 403 and denials() == before + 1


def test_the_api_list_reads_in_a_fixed_number_of_queries(world, client):
    from zhifa.core.testing import query_count

    draw = drawn_batch(world)
    client.force_login(world.sup)
    record(inspection_of(draw, world.insp1), world.insp1)
    one = query_count(lambda: client.get("/api/inspections/inspections?state=recorded"))
    for ins in Inspection.objects.filter(drawn__draw=draw, state="assigned"):
        record(ins, world.dz)
    assert query_count(lambda: client.get("/api/inspections/inspections?state=recorded")) == one


def test_the_draw_panel_reads_in_a_fixed_number_of_queries(world):
    from zhifa.core.testing import query_count

    draw = drawn_batch(world)
    n = query_count(lambda: render_to_string("inspections/results/_draw_panel.html", {"draw": draw}))
    assert n <= 4


def test_a_head_recording_in_place_of_the_inspectors_gives_a_reason_shown_to_staff_and_flagged_on_the_portal(
        world, client):
    """Review M8: the page asks a head (not assigned) for the reason; the staff page shows it; the portal result says
    "由非抽中的执法人员代为检查" without a name."""
    draw = drawn_batch(world)
    ins = Inspection.objects.filter(drawn__draw=draw).exclude(drawn__assignments__person__user=world.dz)[0]
    client.force_login(world.dz)
    page = client.get(f"/inspections/inspections/{ins.pk}/").content.decode()
    assert "代为记录的理由" in page
    refused = client.post(f"/inspections/inspections/{ins.pk}/record/", _post(ins))
    assert refused.status_code == 400 and "代为记录的理由" in refused.content.decode()
    reason = "选派的两名检查人员因公外出，由大队长代为检查"
    assert client.post(f"/inspections/inspections/{ins.pk}/record/",
                       _post(ins, substitution_reason=reason)).status_code == 302
    page = client.get(f"/inspections/inspections/{ins.pk}/").content.decode()
    assert "代为记录" in page and reason in page
    detail = client.get(f"/api/inspections/inspections/{ins.pk}").json()
    assert detail["steps"][0]["substitution_reason"] == reason
    execution.inspection_publish(inspection=ins, actor=world.pub)
    portal = client.get(f"/portal/{world.tree.a1.code}/inspections/results/{ins.pk}/").content.decode()
    assert "由非抽中的执法人员代为检查" in portal and reason not in portal
    # An assigned inspector's result carries no such line.
    mine = record(inspection_of(draw, world.insp1), world.insp1)
    execution.inspection_publish(inspection=mine, actor=world.pub)
    portal = client.get(f"/portal/{world.tree.a1.code}/inspections/results/{mine.pk}/").content.decode()
    assert "由非抽中的执法人员代为检查" not in portal


def test_the_api_asks_a_head_for_the_substitution_reason(world, client):
    draw = drawn_batch(world)
    ins = Inspection.objects.filter(drawn__draw=draw).exclude(drawn__assignments__person__user=world.dz)[0]
    client.force_login(world.dz)
    body = {"inspected_on": timezone.localdate().isoformat(), "place": "甲一县测试路1号", "record": "出示执法证件。",
            "findings": [{"item_id": i.pk, "outcome": "no_problem"} for i in execution.batch_items(ins)]}
    url = f"/api/inspections/inspections/{ins.pk}/record"
    refused = client.post(url, body, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "inspection_reason_too_short"
    done = client.post(url, body | {"substitution_reason": "检查人员因公外出代为检查"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["steps"][0]["substitution_reason"] == "检查人员因公外出代为检查"


def test_the_lists_leave_out_the_inspections_of_a_superseded_draw(world, client):
    """Low: a superseded draw's inspections are nobody's work any more (staff list, API list, tasks)."""
    draw = drawn_batch(world)
    ins = inspection_of(draw, world.insp1)
    client.force_login(world.insp1)
    assert client.get("/api/inspections/inspections").json()["count"] > 0
    Draw.objects.filter(pk=draw.pk).update(state="superseded")
    assert client.get("/api/inspections/inspections").json()["count"] == 0
    assert f"/inspections/inspections/{ins.pk}/" not in client.get("/inspections/tasks/").content.decode()
    from zhifa.inspections import selectors_results

    assert not selectors_results.inspection_list_for(actor=world.dz).exists()


@pytest.mark.req("INS-02")
def test_the_recorded_inspection_prints_as_its_sealed_standard_document(client, world):
    """Issue 22 §5: the inspection record as the standard document (双随机抽查检查记录), sealed by the lead agency:
    the target, the date and place, the drawn inspectors, the record and each item's result; none before recording;
    out of scope: not found."""
    import io

    from django.template.loader import render_to_string
    from pyhanko.pdf_utils.reader import PdfFileReader

    from zhifa.inspections import selectors_results
    from zhifa.inspections.tests.conftest import drawn_batch

    draw = drawn_batch(world)
    ins = draw.drawn.order_by("rank").first().inspection
    client.force_login(world.head)
    url = f"/inspections/inspections/{ins.pk}/record.pdf"
    assert client.get(url).status_code == 404  # not recorded yet
    execution.inspection_record(
        inspection=ins, actor=world.head, inspected_on=draw.batch.starts_on, place="企业生产车间",
        record="执法人员出示证件，现场核对年度报告。", substitution_reason="抽中的检查人员外出培训",
        findings=[{"item_id": it.pk, "outcome": "no_problem", "text": ""} for it in execution.batch_items(ins)])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert len(PdfFileReader(io.BytesIO(response.content)).embedded_signatures) == 1  # sealed by the agency
    ins.refresh_from_db()
    html = render_to_string("inspections/print/record.html", selectors_results.record_context(ins))
    assert "双随机抽查检查记录" in html and ins.drawn.target.name in html and "企业生产车间" in html
    assert "未发现问题" in html and "代为记录，理由：抽中的检查人员外出培训" in html
    assert all(a.certificate in html for a in ins.drawn.assignments.all())
    client.force_login(world.env_head)
    assert client.get(url).status_code == 404
