"""The pages and the API of special inspections (issue 20 §5; SUP-05): the form's and the API's refusals in Chinese
with stable codes, lists flat in queries, each agency seeing only its own sampled cases, the link to a supervision
opinion for an agency with problems."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zhifa.campaigns import services
from zhifa.campaigns.models import Campaign, CampaignStep, State
from zhifa.core.models import SecurityEvent, SecurityEventKind

from .conftest import all_ok, drawn, make_case

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-05")]


def _form(world, **over):
    today = timezone.localdate()
    data = {"bureau": world.bureau_a.pk, "title": "行政处罚案件专项监督检查", "basis": "IM-P 三项制度专项监督检查",
            "agencies": [world.tree.agency_a1.pk], "action_types": ["penalty"],
            "period_from": (today - dt.timedelta(days=30)).isoformat(), "period_to": today.isoformat(),
            "sample_size": "5", "checklist": "公示是否及时准确\n程序是否合法"}
    data.update(over)
    return data


def test_the_new_form_organises_a_campaign(world, client):
    client.force_login(world.sup)
    page = client.get("/campaigns/new/").content.decode()
    assert "公示是否及时准确\n全过程记录是否完整\n重大决定是否经法制审核\n程序是否合法\n文书是否规范" in page
    assert "乙一县市场监督管理局" not in page  # not in the city bureau's subtree
    response = client.post("/campaigns/new/", _form(world, agencies=[], all_agencies="on"))
    assert response.status_code == 302
    c = Campaign.objects.get()
    assert set(c.agencies.all()) == {world.tree.agency_a1, world.tree.agency_a2, world.tree.agency_city_a}
    assert c.checklist == ["公示是否及时准确", "程序是否合法"] and c.state == State.DRAFT
    assert CampaignStep.objects.get(campaign=c).action == "create"


@pytest.mark.parametrize(("over", "message"), [
    ({"period_from": "2026-05-02", "period_to": "2026-05-01"}, "检查期间的开始日期（2026-05-02）不能晚于结束日期（2026-05-01）"),
    ({"sample_size": "0"}, "每个机关抽取的案件数应在 1 至 200 件之间"),
    ({"sample_size": "201"}, "每个机关抽取的案件数应在 1 至 200 件之间"),
    ({"checklist": " \n \n"}, "检查项目不能为空"),
    ({"agencies": []}, "请至少选择一个被检查的执法机关"),
    ({"action_types": []}, "请选择要检查的执法行为类别"),
])
def test_the_new_form_refuses_bad_input_in_chinese(world, client, over, message):
    client.force_login(world.sup)
    response = client.post("/campaigns/new/", _form(world, **over))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Campaign.objects.exists()


@pytest.mark.req("SUP-01")
def test_the_new_form_refuses_an_agency_outside_the_bureaus_subtree(world, client):
    """The region's supervisor is offered B1 (under the region bureau) but the city bureau cannot inspect it."""
    client.force_login(world.sup_r)
    response = client.post("/campaigns/new/", _form(world, agencies=[world.tree.agency_a1.pk,
                                                                     world.tree.agency_b1.pk]))
    assert response.status_code == 400
    assert "乙一县市场监督管理局不在甲市司法局的监督范围内" in response.content.decode()


@pytest.mark.req("SUP-01")
def test_organising_as_another_citys_bureau_is_refused_logged(world, client):
    client.force_login(world.sup)
    before = SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count()
    assert client.post("/campaigns/new/", _form(world, bureau=world.bureau_b.pk)).status_code == 403
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count() == before + 1
    assert not Campaign.objects.exists()


def test_the_new_form_is_refused_to_agency_staff_logged(world, client):
    client.force_login(world.head)
    before = SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count()
    assert client.get("/campaigns/new/").status_code == 403
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count() == before + 1


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _bulk(world, n):
    for k in range(n):
        Campaign.objects.create(bureau=world.bureau_a, title=f"批量{k}", basis="x", action_types=["penalty"],
                                period_from=dt.date(2026, 1, 1), period_to=dt.date(2026, 6, 30), sample_size=3,
                                checklist=["a"], created_by=world.sup)


@pytest.mark.parametrize("url", ["/campaigns/", "/api/campaigns/", "/campaigns/?state=draft"])
def test_lists_cost_the_same_queries_at_2_and_20_rows(world, client, url):
    _bulk(world, 2)
    client.force_login(world.sup)
    small = _queries(client, url)
    _bulk(world, 18)
    assert _queries(client, url) == small
    assert client.get("/api/campaigns/").json()["count"] == 20


def test_the_api_organises_draws_records_and_reports_with_its_codes(world, client):
    client.force_login(world.sup)
    today = timezone.localdate()
    body = {"bureau_id": world.bureau_a.pk, "title": "专项检查", "basis": "IM-P", "agency_ids": [world.tree.agency_a1.pk],
            "action_types": ["penalty"], "period_from": str(today - dt.timedelta(days=30)), "period_to": str(today),
            "sample_size": 1}
    for over, code in (({"period_from": str(today), "period_to": str(today - dt.timedelta(days=1))},
                        "campaign_period_invalid"),
                       ({"sample_size": 0}, "campaign_sample_size_invalid"),
                       ({"sample_size": 201}, "campaign_sample_size_invalid"),
                       ({"agency_ids": [world.tree.agency_b1.pk]}, "campaign_agency_not_supervised"),
                       ({"checklist": []}, "campaign_checklist_invalid"),
                       ({"action_types": ["nonsense"]}, "campaign_action_types_invalid"),
                       ({"bureau_id": world.tree.agency_a1.pk}, "campaign_organiser_not_justice_bureau"),
                       ({"bureau_id": world.bureau_b.pk}, "permission_denied")):
        bad = client.post("/api/campaigns/", body | over, content_type="application/json")
        assert bad.json()["code"] == code, over
        assert bad.status_code == (403 if code == "permission_denied" else 400)
    made = client.post("/api/campaigns/", body, content_type="application/json")
    assert made.status_code == 201
    pk = made.json()["id"]
    assert made.json()["checklist"][0] == "公示是否及时准确" and len(made.json()["checklist"]) == 5
    empty = client.post(f"/api/campaigns/{pk}/actions/draw", {}, content_type="application/json")
    assert (empty.status_code, empty.json()["code"]) == (400, "campaign_population_empty")
    make_case(world, world.tree.agency_a1)
    drew = client.post(f"/api/campaigns/{pk}/actions/draw", {}, content_type="application/json")
    assert drew.status_code == 200 and drew.json()["state"] == "inspecting"
    again = client.post(f"/api/campaigns/{pk}/actions/draw", {}, content_type="application/json")
    assert (again.status_code, again.json()["code"]) == (409, "wrong_state")
    early = client.post(f"/api/campaigns/{pk}/actions/report", {"summary": "x"}, content_type="application/json")
    assert (early.status_code, early.json()["code"]) == (400, "campaign_findings_incomplete")
    sampled = drew.json()["sampled"][0]["id"]
    results = [{"item": n, "result": "ok"} for n in range(5)]
    recorded = client.post(f"/api/campaigns/{pk}/findings", {"sampled_case_id": sampled, "results": results},
                           content_type="application/json")
    assert recorded.status_code == 200 and len(recorded.json()["sampled"][0]["findings"]) == 5
    unknown = client.post(f"/api/campaigns/{pk}/actions/nonsense", {}, content_type="application/json")
    assert unknown.status_code == 422
    client.force_login(world.sup_a1)
    denied = client.post(f"/api/campaigns/{pk}/actions/cancel", {"reason": "x"}, content_type="application/json")
    # The county supervisor reads the campaign for her county's agency, but cannot act on the city's campaign.
    assert (denied.status_code, denied.json()["code"]) == (403, "permission_denied")
    assert client.get(f"/api/campaigns/{pk}").json()["side"] == "agency"


def test_an_agency_sees_only_its_own_sampled_cases(world, client):
    """M5: while inspecting, an agency sees that it is inspected and nothing more (no sampled case, no finding, no
    seed, no population); from the report on, its own sampled cases and findings; the population once published."""
    from zhifa.campaigns import services as svc

    c = drawn(world)
    seed = c.draw.seed
    a1 = {s.case.number for s in c.sampled.filter(agency=world.tree.agency_a1)}
    a2 = {s.case.number for s in c.sampled.filter(agency=world.tree.agency_a2)}
    client.force_login(world.head)
    page = client.get(f"/campaigns/{c.pk}/").content.decode()
    assert "被检查机关" in page and not any(n in page for n in a1 | a2) and seed not in page
    assert f"/campaigns/{c.pk}/population.json" not in page
    api = client.get(f"/api/campaigns/{c.pk}").json()
    assert api["sampled"] == [] and api["draw"] is None and api["side"] == "agency"
    before = SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count()
    assert client.get(f"/campaigns/{c.pk}/population.json").status_code == 404
    assert client.get(f"/api/campaigns/{c.pk}/population").status_code == 404
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count() == before + 2
    all_ok(world, c)
    c = svc.campaign_report(campaign=c, actor=world.sup, summary="抽查案件总体规范。")
    page = client.get(f"/campaigns/{c.pk}/").content.decode()
    assert all(n in page for n in a1) and not any(n in page for n in a2) and seed in page
    api = client.get(f"/api/campaigns/{c.pk}").json()
    assert {s["case_number"] for s in api["sampled"]} == a1 and api["draw"]["seed"] == seed
    assert api["agency_ids"] == [world.tree.agency_a1.pk]
    assert client.get(f"/api/campaigns/{c.pk}/population").status_code == 404  # the bureau's until published
    svc.campaign_publish(campaign=c, actor=world.sup, text="经检查，各机关总体规范。")
    assert len(client.get(f"/api/campaigns/{c.pk}/population").json()["population"]) == 6
    assert client.get(f"/campaigns/{c.pk}/population.json").status_code == 200
    assert [r["id"] for r in client.get("/api/campaigns/").json()["items"]] == [c.pk]
    client.force_login(world.head_b1)  # B1 was not inspected: the same 404 as a missing campaign, logged
    before = SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count()
    assert client.get(f"/campaigns/{c.pk}/").status_code == 404
    assert client.get(f"/api/campaigns/{c.pk}").status_code == 404
    assert client.get(f"/api/campaigns/{c.pk}/population").status_code == 404
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count() == before + 3
    assert client.get("/api/campaigns/").json()["items"] == []


def test_findings_on_the_page_and_the_link_to_a_supervision_opinion(world, client):
    c = drawn(world)
    s = c.sampled.filter(agency=world.tree.agency_a1).first()
    client.force_login(world.sup)
    data = {"sampled": s.pk, "result_0": "problem", "text_0": "", "result_1": "ok"}
    refused = client.post(f"/campaigns/{c.pk}/act/record_findings/", data)
    assert refused.status_code == 400 and "情况说明" in refused.content.decode()
    data["text_0"] = "行政处罚决定未在规定期限内公示。"
    assert client.post(f"/campaigns/{c.pk}/act/record_findings/", data).status_code == 302
    page = client.get(f"/campaigns/{c.pk}/").content.decode()
    assert "行政处罚决定未在规定期限内公示。" in page
    link = (f"/instruments/new/?bureau={c.bureau_id}&amp;agency={world.tree.agency_a1.pk}&amp;kind=opinion"
            f"&amp;cases={s.case_id}")
    assert link in page
    opened = client.get(link.replace("&amp;", "&"))  # the instruments' form opens with the agency and the case
    assert opened.status_code == 200 and s.case.number in opened.content.decode()
    # ... issued by the organising bureau, not by the nearest one above the agency (the browser tryout)
    assert f'<option value="{c.bureau_id}" selected>' in opened.content.decode()
    assert "向甲一县市场监督管理局发出监督意见书" in page and "向甲二县市场监督管理局发出监督意见书" not in page
    client.force_login(world.head)  # while inspecting the agency does not read the finding, and has no form
    page = client.get(f"/campaigns/{c.pk}/").content.decode()
    assert "行政处罚决定未在规定期限内公示。" not in page and "记录检查结果</button>" not in page
    assert "发出监督意见书" not in page
    assert client.post(f"/campaigns/{c.pk}/act/draw/").status_code == 403


def test_findings_recorded_with_htmx_answer_the_card_only(world, client):
    c = drawn(world)
    s = c.sampled.first()
    client.force_login(world.sup)
    hx = {"HTTP_HX_REQUEST": "true"}
    refused = client.post(f"/campaigns/{c.pk}/act/record_findings/", {"sampled": s.pk, "result_0": "serious"}, **hx)
    body = refused.content.decode()
    # 200 for htmx, which swaps only 2xx: the card itself says what is missing (a 400 left the page unchanged).
    assert refused.status_code == 200 and "情况说明" in body and "<html" not in body
    assert f'id="sampled-{s.pk}"' in body and 'value="serious" selected' in body  # the input kept as typed
    done = client.post(f"/campaigns/{c.pk}/act/record_findings/",
                       {"sampled": s.pk, "result_0": "serious", "text_0": "重大决定未经法制审核。"}, **hx)
    body = done.content.decode()
    assert done.status_code == 200 and "已记录检查结果。" in body and "重大决定未经法制审核。" in body
    assert "<html" not in body and "严重问题" in body
    # The heading's count comes along out of band (it went stale after each card in the tryout): 4 cases × 3 items,
    # one recorded.
    assert '<span id="missing-count" hx-swap-oob="true">（尚有 11 个检查项目未记录结果）</span>' in body
    assert '<span id="missing-count">（尚有 11 个检查项目未记录结果）</span>' in client.get(f"/campaigns/{c.pk}/").content.decode()


def test_an_agency_in_scope_with_no_case_is_a_row_of_its_own(world, client):
    """The tryout: an agency of the scope with no case filed in the period vanished from the table and the report."""
    from .conftest import cases, create

    cases(world, world.tree.agency_a1, 2)
    c = services.campaign_draw(campaign=create(world), actor=world.sup)  # A2 has no case
    table = services.report_table(c)
    assert [(r["agency_id"], r["sampled"], r["no_cases"]) for r in table] == [
        (world.tree.agency_a1.pk, 2, False), (world.tree.agency_a2.pk, 0, True)]
    client.force_login(world.sup)
    assert "检查期间内无立案案件，未抽取" in client.get(f"/campaigns/{c.pk}/").content.decode()


def test_the_report_on_the_page_is_sealed_and_readable_by_the_bureau_only(world, client):
    c = drawn(world)
    for s in c.sampled.all():
        services.findings_record(campaign=c, actor=world.sup, sampled_id=s.pk,
                                 results=[{"item": n, "result": "ok", "text": ""} for n in range(3)])
    client.force_login(world.sup)
    assert client.post(f"/campaigns/{c.pk}/act/report/", {"summary": ""}).status_code == 400
    assert client.post(f"/campaigns/{c.pk}/act/report/", {"summary": "总体规范。"}).status_code == 302
    c.refresh_from_db()
    report = c.documents.get()
    pdf = client.get(f"/campaigns/{c.pk}/documents/{report.pk}.pdf")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    client.force_login(world.head)
    assert client.get(f"/campaigns/{c.pk}/documents/{report.pk}.pdf").status_code == 404
    assert "总体规范。" not in client.get(f"/campaigns/{c.pk}/").content.decode()


def test_the_detail_page_costs_the_same_queries_whatever_the_sample(world, client):
    """More sampled cases, findings and steps do not add queries (each is read in bulk)."""
    small = drawn(world, sample_size=1)
    big = drawn(world, sample_size=3)
    for c in (small, big):
        for s in c.sampled.all():
            services.findings_record(campaign=c, actor=world.sup, sampled_id=s.pk,
                                     results=[{"item": 0, "result": "problem", "text": "问题"}])
    client.force_login(world.sup)
    assert big.sampled.count() > small.sampled.count()
    assert _queries(client, f"/campaigns/{big.pk}/") == _queries(client, f"/campaigns/{small.pk}/")


def test_an_htmx_findings_post_refused_by_permission_is_the_403_logged_once(world, client):
    """H1: the inspected agency's head posts findings with htmx: the 403 refusal (logged once), not a 500."""
    c = drawn(world)
    s = c.sampled.filter(agency=world.tree.agency_a1).first()
    client.force_login(world.head)
    before = SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count()
    refused = client.post(f"/campaigns/{c.pk}/act/record_findings/",
                          {"sampled": s.pk, "result_0": "ok"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 403
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count() == before + 1
    assert f'id="sampled-{s.pk}"' not in refused.content.decode()  # no card of a case it may not read
    # A sampled id that is not a number: refused as well, never a 500.
    client.force_login(world.sup)
    bad = client.post(f"/campaigns/{c.pk}/act/record_findings/", {"sampled": "x", "result_0": "ok"},
                      HTTP_HX_REQUEST="true")
    assert bad.status_code == 400


def test_the_new_form_costs_the_same_queries_whatever_the_bureaus(world, client, tree):
    """L1: the form's agencies come in one query whatever the number of bureaus in the actor's subtree."""
    from zhifa.org.tests.factories import AgencyFactory

    client.force_login(world.sup_r)  # the region's supervisor: the region's, both cities' bureaus
    small = _queries(client, "/campaigns/new/")
    for k, j in enumerate([tree.a1, tree.a2, tree.b1]):
        AgencyFactory(name=f"县司法局{k}", jurisdiction=j, is_justice_bureau=True, field="justice")
    assert _queries(client, "/campaigns/new/") == small
    page = client.get("/campaigns/new/").content.decode()
    assert page.count(f'value="{world.tree.agency_a1.pk}"') == 1  # offered once, not once per bureau above it


def test_api_inputs_are_bounded_and_too_long_text_has_its_code(world, client):
    """L2: lists and texts are bounded in the schema; a too-long text is campaign_text_too_long; a bool is no item."""
    from zhifa.core.errors import ZhifaError

    c = drawn(world)
    client.force_login(world.sup)
    many = client.post("/api/campaigns/", {"bureau_id": world.bureau_a.pk, "title": "t", "basis": "b",
                                           "agency_ids": list(range(1, 2002)), "action_types": ["penalty"],
                                           "period_from": "2026-01-01", "period_to": "2026-01-31", "sample_size": 1},
                       content_type="application/json")
    assert many.status_code == 422
    s = c.sampled.first()
    flag = client.post(f"/api/campaigns/{c.pk}/findings",
                       {"sampled_case_id": s.pk, "results": [{"item": True, "result": "ok"}]},
                       content_type="application/json")
    assert flag.status_code == 422
    with pytest.raises(ZhifaError) as exc:
        services.findings_record(campaign=c, actor=world.sup, sampled_id=s.pk,
                                 results=[{"item": True, "result": "ok", "text": ""}])
    assert exc.value.code == "campaign_finding_invalid"
    huge = client.post(f"/api/campaigns/{c.pk}/actions/report", {"summary": "长" * 20001},
                       content_type="application/json")
    assert huge.status_code == 422
    with pytest.raises(ZhifaError) as exc:
        services.findings_record(campaign=c, actor=world.sup, sampled_id=s.pk,
                                 results=[{"item": 0, "result": "problem", "text": "长" * 2001}])
    assert exc.value.code == "campaign_text_too_long"
