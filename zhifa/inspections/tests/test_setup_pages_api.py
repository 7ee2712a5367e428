"""The set-up pages, the API over the same services, and the public portal: pages render for the right people and
refuse (403/404) the others; the portal shows published lists and filed plans only, without internal data."""


import io

import pytest
from django.utils import timezone

from zhifa.core.permissions import Role
from zhifa.inspections import directory, items
from zhifa.inspections.models import ItemList, ListState, Plan, PlanState, Target
from zhifa.org.tests.factories import UserFactory, grant

from .conftest import _item_list, published_batch, xlsx

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year
TEXT_ROW = "1\t企业公示信息情况检查\t\t《企业信息公示暂行条例》第十四条\t甲一县市场监督管理局\t企业\t年度报告\t书面检查\t一般检查事项\t5%\t每年一次\t"


def test_staff_pages_render_for_the_agency(world, client):
    batch = published_batch(world)
    lst = ItemList.objects.get(agency=world.a1)
    target = world.targets[0]
    directory.recusal_declare(actor=world.head, target=target, person=world.inspectors[0].person, reason="近亲属任职")
    client.force_login(world.dz)
    for url in ["/inspections/", "/inspections/items/", "/inspections/items/new/", f"/inspections/items/{lst.pk}/",
                f"/inspections/directory/{world.a1.pk}/", f"/inspections/directory/{world.a1.pk}/?risk_class=high&q=公司",
                f"/inspections/directory/{world.a1.pk}/import/", f"/inspections/targets/{target.pk}/",
                "/inspections/plans/", "/inspections/plans/new/", f"/inspections/plans/{batch.plan.pk}/",
                f"/inspections/plans/{batch.plan.pk}/batches/new/", f"/inspections/batches/{batch.pk}/"]:
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(f"/inspections/targets/{target.pk}/").content.decode()
    assert "检查员1" in page and "近亲属任职" in page
    for url in ["/inspections/items/template.xlsx", f"/inspections/items/{lst.pk}/export.xlsx",
                f"/inspections/directory/{world.a1.pk}/export.xlsx",
                f"/inspections/directory/{world.a1.pk}/template.xlsx"]:
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment"), url


def test_other_agencies_get_404_and_officers_403_on_writes(world, client):
    batch = published_batch(world)
    lst = ItemList.objects.get(agency=world.a1)
    client.force_login(world.env_head)
    for url in [f"/inspections/items/{lst.pk}/", f"/inspections/directory/{world.a1.pk}/",
                f"/inspections/targets/{world.targets[0].pk}/", f"/inspections/plans/{batch.plan.pk}/",
                f"/inspections/batches/{batch.pk}/"]:
        assert client.get(url).status_code == 404, url
    client.force_login(world.officer)
    assert client.get("/inspections/").status_code == 200
    assert client.get("/inspections/items/new/").status_code == 403
    assert client.get(f"/inspections/directory/{world.a1.pk}/import/").status_code == 403
    assert client.get(f"/inspections/plans/{batch.plan.pk}/batches/new/").status_code == 403
    client.force_login(world.nobody)
    assert client.get("/inspections/").status_code == 403


def test_supervisors_see_filed_plans_not_drafts(world, client):
    batch = published_batch(world)
    draft = Plan.objects.create(agency=world.a1, year=YEAR, title="草拟中的计划", created_by=world.head)
    client.force_login(world.sup)
    page = client.get("/inspections/plans/").content.decode()
    assert batch.plan.title in page and "草拟中的计划" not in page
    assert client.get(f"/inspections/plans/{batch.plan.pk}/").status_code == 200
    assert client.get(f"/inspections/plans/{draft.pk}/").status_code == 404
    assert client.get(f"/inspections/batches/{batch.pk}/").status_code == 200


@pytest.mark.req("INS-01")
def test_item_list_by_the_form_then_reviewed_on_the_page(world, client):
    client.force_login(world.env_head)
    bad = client.post("/inspections/items/new/", {"agency": world.env.pk, "title": "清单",
                                                   "rows": TEXT_ROW.replace("5%", "50%")})
    assert bad.status_code == 400 and "第 1 行“抽查比例”：一般检查事项的抽查比例不能超过 5%" in bad.content.decode()
    made = client.post("/inspections/items/new/", {"agency": world.env.pk, "title": "生态环境局清单", "rows": TEXT_ROW})
    assert made.status_code == 302
    lst = ItemList.objects.get(agency=world.env)
    assert client.post(f"/inspections/items/{lst.pk}/act/submit/").status_code == 302
    assert client.post(f"/inspections/items/{lst.pk}/act/approve/").status_code == 403  # not the reviewing field
    client.force_login(world.head)  # the market-regulation department of the county reviews
    assert "生态环境局清单" in client.get("/inspections/items/").content.decode()
    short = client.post(f"/inspections/items/{lst.pk}/act/return/", {"reason": "不行"})
    assert short.status_code == 400 and "不少于 4 个字" in short.content.decode()
    assert client.post(f"/inspections/items/{lst.pk}/act/approve/").status_code == 302
    lst.refresh_from_db()
    assert lst.state == ListState.PUBLISHED


@pytest.mark.req("INS-01")
def test_item_list_by_upload(world, client):
    client.force_login(world.dz)
    data = items.template_workbook()
    response = client.post("/inspections/items/new/", {"agency": world.a1.pk, "title": "清单",
                                                        "file": io.BytesIO(data)})
    assert response.status_code == 302
    assert ItemList.objects.get(agency=world.a1).items.count() == 1


@pytest.mark.req("INS-02")
def test_directory_import_page_all_or_nothing(world, client):
    client.force_login(world.dz)
    header = [label for _, label in directory.COLUMNS]
    bad = xlsx([header, ["PRD-1", "产品一", "产品", "low", "T10101", "", "是"],
                ["PRD-2", "产品二", "产品", "未知", "T10101", "", "是"]])
    f = io.BytesIO(bad)
    f.name = "d.xlsx"
    response = client.post(f"/inspections/directory/{world.a1.pk}/import/", {"file": f})
    assert response.status_code == 400 and "第 3 行“风险（信用）分类”" in response.content.decode()
    assert not Target.objects.filter(code="PRD-1").exists()


def test_plan_and_batch_by_the_pages(world, client):
    _item_list(world, world.a1)
    client.force_login(world.dz)
    response = client.post("/inspections/plans/new/", {"agency": world.a1.pk, "year": YEAR, "title": "年度计划"})
    plan = Plan.objects.get(title="年度计划")
    assert response.status_code == 302
    ids = list(ItemList.objects.get(agency=world.a1).items.values_list("pk", flat=True))
    form = {"title": "第一批", "target_type": "enterprise", "items": ids, "area": "",
            "starts_on": f"{YEAR}-04-01", "ends_on": f"{YEAR}-04-30", "inspectors_per_agency": 1}
    bad = client.post(f"/inspections/plans/{plan.pk}/batches/new/", form)
    assert bad.status_code == 400 and "不得少于两人" in bad.content.decode()
    ok = client.post(f"/inspections/plans/{plan.pk}/batches/new/", form | {"inspectors_per_agency": 2})
    assert ok.status_code == 302
    client.post(f"/inspections/plans/{plan.pk}/file/")
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAFT  # a handling head does not file (403 page)
    client.force_login(world.head)
    client.post(f"/inspections/plans/{plan.pk}/file/")
    plan.refresh_from_db()
    assert plan.state == PlanState.FILED


# --- API -----------------------------------------------------------------------------------------------------------

def api_row(**kw):
    return {"number": "1", "name": "事项", "basis": "依据", "body": "主体", "target_type": "企业", "content": "内容",
            "method": "书面检查", "kind": "general", "ratio": "0.05", "frequency": "每年一次"} | kw


@pytest.mark.req("INS-01")
def test_api_item_lists(world, client):
    client.force_login(world.head)
    bad = client.post("/api/inspections/item-lists", {"agency_id": world.a1.pk, "title": "清单",
                                                      "rows": [api_row(kind="key", ratio="1.5")]},
                      content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "inspection_ratio_invalid"
    made = client.post("/api/inspections/item-lists", {"agency_id": world.a1.pk, "title": "清单",
                                                       "rows": [api_row(), api_row(number="2", kind="key", ratio="1")]},
                       content_type="application/json")
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert made.json()["items"][0]["ratio"] == "0.0500"
    sub = client.post(f"/api/inspections/item-lists/{pk}/actions/submit", {}, content_type="application/json")
    assert sub.json()["state"] == "submitted"
    own = client.post(f"/api/inspections/item-lists/{pk}/actions/approve", {}, content_type="application/json")
    assert own.status_code == 403 and "报送和审核应由不同的人员办理" in own.json()["message"]  # four eyes (review M10)
    client.force_login(grant(UserFactory(username="legal_a1_api"), Role.LEGAL_HEAD, agency=world.a1))
    ok = client.post(f"/api/inspections/item-lists/{pk}/actions/approve", {}, content_type="application/json")
    assert ok.json()["state"] == "published"
    listed = client.get("/api/inspections/item-lists").json()
    assert listed["count"] == 1
    client.force_login(world.env_head)
    assert client.get(f"/api/inspections/item-lists/{pk}").status_code == 404


@pytest.mark.req("INS-02")
def test_api_targets_recusals_plans(world, client):
    _item_list(world, world.a1)
    client.force_login(world.dz)
    page = client.get(f"/api/inspections/targets?agency_id={world.a1.pk}&risk_class=high").json()
    assert page["count"] == 5
    f = io.BytesIO(xlsx([[label for _, label in directory.COLUMNS], ["PRD-9", "产品", "产品", "低风险", "T10101", "", "是"]]))
    f.name = "d.xlsx"
    imported = client.post("/api/inspections/targets/import", {"agency_id": world.a1.pk, "file": f})
    assert imported.status_code == 200 and imported.json()["created"] == 1, imported.content
    t = world.targets[0]
    recusal = {"target_id": t.pk, "person_id": world.inspectors[1].person.pk, "reason": "曾在该企业任职"}
    # A head declares and ends recusal links, not the handling side (review H5).
    assert client.post("/api/inspections/recusals", recusal, content_type="application/json").status_code == 403
    client.force_login(world.head)
    link = client.post("/api/inspections/recusals", recusal, content_type="application/json")
    assert link.status_code == 201
    assert len(client.get(f"/api/inspections/targets/{t.pk}").json()["recusals"]) == 1
    end = client.post(f"/api/inspections/recusals/{link.json()['id']}/end", {"reason": "已满回避期限"},
                      content_type="application/json")
    assert end.status_code == 201 and end.json()["ends_id"] == link.json()["id"]
    client.force_login(world.dz)
    plan = client.post("/api/inspections/plans", {"agency_id": world.a1.pk, "year": YEAR, "title": "计划"},
                       content_type="application/json")
    assert plan.status_code == 201
    pid = plan.json()["id"]
    ids = list(ItemList.objects.get(agency=world.a1).items.values_list("pk", flat=True))
    batch = client.post(f"/api/inspections/plans/{pid}/batches", {
        "title": "第一批", "item_ids": ids, "target_type": "enterprise", "area_code": "T10101",
        "starts_on": f"{YEAR}-05-01", "ends_on": f"{YEAR}-05-20", "inspectors_per_agency": 2},
        content_type="application/json")
    assert batch.status_code == 201, batch.content
    assert client.get(f"/api/inspections/batches/{batch.json()['id']}").json()["area_code"] == "T10101"
    refused = client.post(f"/api/inspections/plans/{pid}/file", {}, content_type="application/json")
    assert refused.status_code == 403
    client.force_login(world.head)
    filed = client.post(f"/api/inspections/plans/{pid}/file", {}, content_type="application/json")
    assert filed.json()["state"] == "filed"


# --- portal --------------------------------------------------------------------------------------------------------

@pytest.mark.req("PUB-13")
def test_portal_shows_published_lists_and_filed_plans_only(world, client):
    batch = published_batch(world)
    lst = ItemList.objects.get(agency=world.a1)
    draft = ItemList.objects.create(agency=world.env, version=1, title="环境局草拟清单", created_by=world.env_head)
    draft_plan = Plan.objects.create(agency=world.a1, year=YEAR, title="草拟计划", created_by=world.head)
    directory.recusal_declare(actor=world.head, target=world.targets[0], person=world.inspectors[0].person,
                              reason="近亲属任职")
    code = world.tree.a1.code
    index = client.get(f"/portal/{code}/inspections/")
    assert index.status_code == 200
    html = index.content.decode()
    assert "随机抽查事项清单" in html and "环境局草拟清单" not in html
    page = client.get(f"/portal/{code}/inspections/items/").content.decode()
    assert lst.title in page and "环境局草拟清单" not in page
    detail = client.get(f"/portal/{code}/inspections/items/{lst.pk}/")
    assert detail.status_code == 200
    text = detail.content.decode()
    for word in ["检查依据", "检查主体", "检查内容", "抽查比例", "检查方式", "抽查频次", "5%", "《产品质量法》第十五条"]:
        assert word in text
    assert client.get(f"/portal/{code}/inspections/items/{draft.pk}/").status_code == 404
    plans_page = client.get(f"/portal/{code}/inspections/plans/").content.decode()
    assert batch.plan.title in plans_page and "草拟计划" not in plans_page
    plan_page = client.get(f"/portal/{code}/inspections/plans/{batch.plan.pk}/").content.decode()
    assert batch.title in plan_page and "检查员1" not in plan_page and "近亲属任职" not in plan_page
    assert client.get(f"/portal/{code}/inspections/plans/{draft_plan.pk}/").status_code == 404
    # Another county's portal does not show a1's.
    assert lst.title not in client.get(f"/portal/{world.tree.b1.code}/inspections/items/").content.decode()
    # The city's covers its counties.
    assert lst.title in client.get(f"/portal/{world.tree.city_a.code}/inspections/items/").content.decode()





def test_lists_are_keyset_pages(world, client):
    published_batch(world)
    client.force_login(world.users.su)
    for url in ["/inspections/items/", "/inspections/plans/", f"/inspections/directory/{world.a1.pk}/"]:
        assert client.get(url).status_code == 200, url
        page = client.get(url, {"cursor": "garbage"})
        assert page.status_code == 400 and "翻页标记无效" in page.content.decode(), url
    for url in ["/api/inspections/item-lists", "/api/inspections/plans",
                f"/api/inspections/targets?agency_id={world.a1.pk}"]:
        body = client.get(url).json()
        assert set(body) == {"items", "count", "count_capped", "next"}, url
    walked, cursor = [], None
    while True:
        body = client.get("/api/inspections/targets", {"agency_id": world.a1.pk, "limit": 15,
                                                       **({"cursor": cursor} if cursor else {})}).json()
        walked += [t["code"] for t in body["items"]]
        cursor = body["next"]
        if not cursor:
            break
    assert walked == sorted(t.code for t in world.targets)
