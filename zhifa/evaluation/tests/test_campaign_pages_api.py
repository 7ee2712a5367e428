"""The pages and the API of case-file evaluation campaigns (SUP-06): grants and denials on every page and call, the
scoring sheet pre-filled by the machine, each agency seeing only its own results once closed, lists flat in queries,
to-do items for evaluators and agencies."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from zhifa.core.models import SecurityEvent
from zhifa.evaluation import services
from zhifa.evaluation.models import Assigned, EvalCampaign, EvalFile, FileResult, Mark, State

from .conftest import archived, create, drawn, person_items
from .test_campaign_workflow import closed

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-06")]


def _form(ew, **over):
    today = timezone.localdate()
    data = {"organiser": ew.bureau.pk, "title": "行政处罚案卷评查", "basis": "行政处罚法第七十五条",
            "agencies": [ew.tree.agency_a1.pk, ew.tree.agency_a2.pk], "action_types": ["penalty"],
            "period_from": (today - dt.timedelta(days=30)).isoformat(), "period_to": today.isoformat(),
            "sample_size": "2", "evaluators": [ew.sup.pk, ew.lawyer.pk]}
    data.update(over)
    return data


def test_the_new_form_opens_a_campaign_with_its_evaluators(ew, client):
    client.force_login(ew.sup)
    page = client.get("/evaluation/new/").content.decode()
    assert "公职律师甲" in page and "乙一县市场监督管理局" not in page
    response = client.post("/evaluation/new/", _form(ew))
    assert response.status_code == 302, response.content.decode()[:2000]
    c = EvalCampaign.objects.get()
    assert {e.user_id for e in c.evaluators.all()} == {ew.sup.pk, ew.lawyer.pk}
    assert c.standards["penalty"]["rule_version_id"]


def test_the_new_form_refuses_in_chinese_and_keeps_nothing(ew, client):
    client.force_login(ew.sup)
    response = client.post("/evaluation/new/", _form(ew, sample_size="", sample_ratio=""))
    assert response.status_code == 400 and "抽取的案卷数或抽取比例" in response.content.decode()
    assert not EvalCampaign.objects.exists()


@pytest.mark.parametrize("who", ["nobody", "head_b1", "sup_b"])
def test_pages_refuse_outsiders_with_the_denial_logged(ew, client, who):
    from zhifa.core.permissions import Role
    from zhifa.org.tests.factories import UserFactory, grant

    outsiders = {"nobody": ew.nobody, "head_b1": grant(UserFactory(), Role.AGENCY_HEAD, agency=ew.tree.agency_b1),
                 "sup_b": grant(UserFactory(), Role.SUPERVISOR, jurisdiction=ew.tree.city_b)}
    c = drawn(ew)
    client.force_login(outsiders[who])
    before = SecurityEvent.objects.count()
    f = EvalFile.objects.filter(campaign=c).first()
    assert client.get(f"/evaluation/{c.pk}/").status_code == 404
    assert client.get(f"/evaluation/{c.pk}/files/{f.pk}/").status_code == 404
    assert client.post(f"/evaluation/{c.pk}/act/assign/").status_code == 404
    assert SecurityEvent.objects.count() >= before + 3
    assert not Assigned.objects.exists()


def test_an_agencys_staff_read_their_files_not_the_results_before_closing(ew, client):
    c = drawn(ew)
    services.assign(campaign=c, actor=ew.sup)
    f = EvalFile.objects.filter(campaign=c, agency=ew.tree.agency_a1).first()
    services.score(campaign=c, actor=Assigned.objects.filter(file=f).first().evaluator, file_id=f.pk,
                   marks=[{"item": code, "passed": True} for code in person_items(c)])
    other = EvalFile.objects.filter(campaign=c, agency=ew.tree.agency_a2).first()
    for who in (ew.officer, ew.sup_a1):
        client.force_login(who)
        page = client.get(f"/evaluation/{c.pk}/").content.decode()
        assert f.case.number in page and other.case.number not in page and "评查结果" not in page
        assert 'id="result"' not in client.get(f"/evaluation/{c.pk}/files/{f.pk}/").content.decode()
        assert client.get(f"/evaluation/{c.pk}/files/{other.pk}/").status_code == 404


def test_an_agency_head_cannot_make_the_organisers_moves(ew, client):
    c = drawn(ew)
    client.force_login(ew.head)
    assert client.get(f"/evaluation/{c.pk}/").status_code == 200  # A1's files are A1's to read
    response = client.post(f"/evaluation/{c.pk}/act/assign/")
    assert response.status_code == 403 and not Assigned.objects.exists()
    assert client.get("/evaluation/new/").status_code == 200  # an agency opens its own self-check
    response = client.post("/evaluation/new/", _form(ew, organiser=ew.bureau.pk))
    assert response.status_code == 403


def test_the_sheet_is_prefilled_and_an_override_needs_its_reason(ew, client):
    c = drawn(ew)
    services.assign(campaign=c, actor=ew.sup)
    f = Assigned.objects.filter(file__campaign=c, evaluator=ew.sup).first().file
    client.force_login(ew.sup)
    page = client.get(f"/evaluation/{c.pk}/files/{f.pk}/").content.decode()
    assert "系统核查" in page and 'value="1" selected' in page
    data = {f"passed_{code}": "1" for code in person_items(c)}
    machine_code = f.machine.exclude(item__startswith="B").first().item
    data[f"passed_{machine_code}"] = "0"
    response = client.post(f"/evaluation/{c.pk}/files/{f.pk}/act/score/", data)
    assert response.status_code == 400 and "须说明理由" in response.content.decode()
    assert not Mark.objects.exists()
    data[f"reason_{machine_code}"] = "案卷缺少送达回证。"
    response = client.post(f"/evaluation/{c.pk}/files/{f.pk}/act/score/", data)
    assert response.status_code == 302
    assert Mark.objects.get(file=f, item=machine_code).source == "overridden"
    assert FileResult.objects.filter(file=f).exists()


def test_an_agency_sees_only_its_own_results_once_closed_and_rectifies(ew, client):
    c, failing = closed(ew)
    client.force_login(ew.head)
    page = client.get(f"/evaluation/{c.pk}/").content.decode()
    a2_case = EvalFile.objects.filter(campaign=c, agency=ew.tree.agency_a2).first().case.number
    assert failing.case.number in page and a2_case not in page
    page = client.get(f"/evaluation/{c.pk}/files/{failing.pk}/").content.decode()
    assert "不合格" in page and "报告整改情况" in page
    result = FileResult.objects.get(file=failing)
    response = client.post(f"/evaluation/{c.pk}/files/{failing.pk}/act/rectify/",
                           {"result": result.pk, "text": "已补正并组织培训。"})
    assert response.status_code == 302
    assert "已于" in client.get(f"/evaluation/{c.pk}/files/{failing.pk}/").content.decode()
    # The sealed report covers every agency: the organiser's only (refused, logged); the agency has its own extract.
    before = SecurityEvent.objects.count()
    assert client.get(f"/evaluation/{c.pk}/report.pdf").status_code == 403
    assert SecurityEvent.objects.count() == before + 1
    extract = client.get(f"/evaluation/{c.pk}/results.pdf")
    assert extract.status_code == 200 and extract.content[:4] == b"%PDF"
    xlsx = client.get(f"/evaluation/{c.pk}/results.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_the_list_and_the_detail_are_flat_in_queries(ew, client, django_assert_max_num_queries):
    client.force_login(ew.sup)
    create(ew)
    with django_assert_max_num_queries(30) as few:
        client.get("/evaluation/")
    n_list = len(few.captured_queries)
    c = drawn(ew)
    services.assign(campaign=c, actor=ew.sup)
    with django_assert_max_num_queries(60) as small:
        client.get(f"/evaluation/{c.pk}/")
    for _ in range(4):
        create(ew)
    archived(ew, ew.tree.agency_a1, 6)
    archived(ew, ew.tree.agency_a2, 6)
    c2 = services.campaign_draw(campaign=create(ew, sample_size=6), actor=ew.sup)
    services.assign(campaign=c2, actor=ew.sup)
    with django_assert_max_num_queries(n_list) :
        client.get("/evaluation/")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(f"/evaluation/{c2.pk}/")
    with django_assert_max_num_queries(60) as api_small:
        client.get(f"/api/evaluation/{c.pk}")
    with django_assert_max_num_queries(len(api_small.captured_queries)):
        client.get(f"/api/evaluation/{c2.pk}")


def test_the_api_runs_a_campaign_and_refuses_with_stable_codes(ew, client):
    archived(ew, ew.tree.agency_a1, 2)
    archived(ew, ew.tree.agency_a2, 2)
    today = timezone.localdate()
    body = {"organiser_id": ew.bureau.pk, "title": "接口评查", "agency_ids": [ew.tree.agency_a1.pk, ew.tree.agency_a2.pk],
            "action_types": ["penalty"], "period_from": (today - dt.timedelta(days=30)).isoformat(),
            "period_to": today.isoformat(), "sample_ratio": "0.5", "evaluator_ids": [ew.sup.pk, ew.lawyer_a1.pk]}
    client.force_login(ew.head)
    response = client.post("/api/evaluation/", json.dumps(body), content_type="application/json")
    assert response.status_code == 403
    client.force_login(ew.sup)
    response = client.post("/api/evaluation/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    cid = response.json()["id"]
    assert client.post(f"/api/evaluation/{cid}/actions/draw", "{}", content_type="application/json").status_code == 200
    detail = client.get(f"/api/evaluation/{cid}").json()
    assert detail["state"] == State.SCORING and len(detail["files"]) == 2 and detail["draw"]["seed"]
    a1_file = next(f for f in detail["files"] if f["agency_id"] == ew.tree.agency_a1.pk)
    response = client.post(f"/api/evaluation/{cid}/actions/assign",
                           json.dumps({"assignments": [[a1_file["id"], ew.lawyer_a1.pk]]}),
                           content_type="application/json")
    assert response.status_code == 409
    assert response.json()["code"] == "evaluation_evaluator_from_evaluated_agency"
    assert client.post(f"/api/evaluation/{cid}/actions/assign", "{}", content_type="application/json").status_code == 200
    f = client.get(f"/api/evaluation/{cid}/files/{a1_file['id']}").json()
    assert f["evaluator_ids"] == [ew.sup.pk] and f["machine"] and f["machine"][0]["evidence"]
    c = EvalCampaign.objects.get(pk=cid)
    marks = [{"item": code, "passed": True} for code in person_items(c)]
    machine = f["machine"][0]["item"]
    bad = marks + [{"item": machine, "passed": False, "errors": 1}]
    response = client.post(f"/api/evaluation/{cid}/files/{a1_file['id']}/actions/score", json.dumps({"marks": bad}),
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "evaluation_override_reason_required"
    client.force_login(ew.head_a2)
    response = client.post(f"/api/evaluation/{cid}/files/{a1_file['id']}/actions/score", json.dumps({"marks": marks}),
                           content_type="application/json")
    assert response.status_code in (403, 404)


def test_todo_items_for_evaluators_and_agencies(ew):
    from zhifa.evaluation.todo import todo_items_for

    today = timezone.localdate()
    c = drawn(ew)
    services.assign(campaign=c, actor=ew.sup)
    mine = todo_items_for(ew.sup, on=today)
    assert mine and all(i.kind == "evaluation.score" for i in mine)
    assert todo_items_for(ew.nobody, on=today) == []
    c2, failing = closed(ew)
    items = todo_items_for(ew.head, on=today)
    assert [i.kind for i in items] == ["evaluation.rectify"] and items[0].due
    assert todo_items_for(ew.head_a2, on=today) == []
