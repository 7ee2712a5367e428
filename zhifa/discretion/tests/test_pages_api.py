"""Staff pages, the public page and the API of the discretion benchmarks (SUP-07)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhifa.core.models import SecurityEvent
from zhifa.core.permissions import Role
from zhifa.discretion.models import BenchmarkTable
from zhifa.org.tests.factories import UserFactory, grant

from .helpers import GOOD_ROWS, issue, xlsx

pytestmark = [pytest.mark.req("SUP-07"), pytest.mark.django_db]


@pytest.fixture
def legal_head(tree):
    return grant(UserFactory(username="legal_a1"), Role.LEGAL_HEAD, agency=tree.agency_a1)


@pytest.fixture
def tables(tree, legal_head):
    """甲一县: version 1 in force (two items), version 2 (one item) not yet in force."""
    v1 = issue(tree.agency_a1, legal_head, effective_from=dt.date(2026, 1, 1))
    v2 = issue(tree.agency_a1, legal_head, rows=GOOD_ROWS[:5], effective_from=dt.date(2099, 1, 1), title="新基准")
    return v1, v2


def test_the_public_page_shows_the_table_in_force_without_login(client, tree, tables):
    page = client.get(f"/discretion/public/agencies/{tree.agency_a1.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "SC-002" in text and "经营超过保质期的食品" in text and "违法所得的 1 倍至 5 倍" in text
    assert "新基准" not in text and "第 1 版" in text
    index = client.get("/discretion/public/").content.decode()
    assert tree.agency_a1.name in index and tree.agency_a2.name not in index
    none = client.get(f"/discretion/public/agencies/{tree.agency_a2.pk}/")
    assert none.status_code == 200 and "尚未公布" in none.content.decode()
    assert client.get("/discretion/public/agencies/999999/").status_code == 404
    assert client.get("/discretion/").status_code in (302, 401)  # the staff pages need a login


def test_staff_list_and_detail_are_scoped_and_a_refusal_is_logged(client, tree, users, tables):
    v1, v2 = tables
    client.force_login(users.county_a1_supervisor)
    listed = client.get("/discretion/").content.decode()
    assert "已被第 2 版取代" in listed and "待施行" in listed
    assert client.get(f"/discretion/{v1.pk}/").status_code == 200
    outsider = grant(UserFactory(username="sup_b"), Role.SUPERVISOR, jurisdiction=tree.city_b)
    client.force_login(outsider)
    assert tree.agency_a1.name not in client.get("/discretion/").content.decode()
    before = SecurityEvent.objects.count()
    assert client.get(f"/discretion/{v1.pk}/").status_code == 404
    assert client.get(f"/discretion/{v1.pk}/export.xlsx").status_code == 404
    assert client.get(f"/api/discretion/tables/{v1.pk}").status_code == 404
    assert SecurityEvent.objects.count() == before + 3
    client.force_login(users.nobody)
    assert client.get("/discretion/").status_code == 403


def test_the_list_does_not_grow_queries_with_rows(client, tree, users, legal_head):
    client.force_login(users.region_supervisor)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/discretion/").status_code == 200
        return len(ctx)
    issue(tree.agency_a1, legal_head)
    few = count()
    for i in range(4):
        issue(tree.agency_a1, legal_head, effective_from=dt.date(2026, 2, 1 + i))
    assert count() == few


def test_import_page_grants_and_denials(client, tree, users, legal_head):
    client.force_login(users.officer_a1)
    before = SecurityEvent.objects.count()
    assert client.get("/discretion/import/").status_code == 403
    assert SecurityEvent.objects.count() == before + 1
    client.force_login(legal_head)
    assert client.get("/discretion/import/").status_code == 200
    form = {"agency": tree.agency_a1.pk, "title": "行政处罚裁量基准", "effective_from": "2026-01-01"}
    bad = [list(r) for r in GOOD_ROWS]
    bad[3][11] = 60000
    refused = client.post("/discretion/import/", form | {"file": xlsx(bad)})
    assert refused.status_code == 400 and "第 5 行" in refused.content.decode() and "超出法定幅度" in refused.content.decode()
    assert not BenchmarkTable.objects.exists()
    # Another agency's id is a refusal, logged, not the form again.
    before = SecurityEvent.objects.count()
    assert client.post("/discretion/import/", form | {"agency": tree.agency_a2.pk, "file": xlsx(GOOD_ROWS)}).status_code == 403
    assert SecurityEvent.objects.count() == before + 1
    done = client.post("/discretion/import/", form | {"file": xlsx(GOOD_ROWS)})
    table = BenchmarkTable.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/discretion/{table.pk}/"
    exported = client.get(f"/discretion/{table.pk}/export.xlsx")
    assert exported.status_code == 200 and exported["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get("/discretion/template.xlsx").status_code == 200


def test_api_lists_imports_and_checks(client, tree, users, legal_head, tables):
    client.force_login(users.county_a1_supervisor)
    listed = client.get("/api/discretion/tables").json()
    assert {r["version"] for r in listed["items"]} == {1, 2}
    detail = client.get(f"/api/discretion/tables/{tables[0].pk}").json()
    assert [i["code"] for i in detail["items"]] == ["SC-001", "SC-002"] and len(detail["items"][0]["tiers"]) == 5
    body = {"agency_id": tree.agency_a1.pk, "item_code": "SC-001", "tier": "general", "amount": "50000.01",
            "on": "2026-03-01"}
    hard = client.post("/api/discretion/check", body, content_type="application/json").json()
    assert hard["ok"] is False and hard["hard_errors"][0]["code"] == "discretion_fine_above_statutory_max"
    warn = client.post("/api/discretion/check", body | {"amount": "40000"}, content_type="application/json").json()
    assert warn["ok"] and warn["needs_reasons"] and warn["tier_range"] == ["15000.00", "35000.00"]
    assert client.post("/api/discretion/check", body | {"tier": "moderate"},
                       content_type="application/json").status_code == 422
    # Import: the supervisor may read but not issue; the agency's legal head may.
    form = {"agency_id": tree.agency_a1.pk, "title": "基准", "effective_from": "2099-06-01"}
    denied = client.post("/api/discretion/tables", form | {"file": xlsx(GOOD_ROWS)})
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
    client.force_login(legal_head)
    bad = [list(r) for r in GOOD_ROWS]
    bad[0][6] = 100
    rows = client.post("/api/discretion/tables", form | {"file": xlsx(bad)})
    assert rows.status_code == 400 and rows.json()["code"] == "discretion_import_rows"
    assert {"sheet": "裁量基准", "row": 2, "column": "法定上限", "message": "法定上限（100.00）小于法定下限（5000.00）。"} in rows.json()["details"]
    created = client.post("/api/discretion/tables", form | {"file": xlsx(GOOD_ROWS)})
    assert created.status_code == 201 and created.json()["version"] == 3
