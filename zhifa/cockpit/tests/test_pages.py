"""The cockpit (issue 20 §6; SUP-01): each supervisor sees the jurisdiction they supervise, an agency head their
agency; the tree drills down to the agency and its cases; every table downloads as Excel."""

import io
import json
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from zhifa.core.models import SecurityEvent, SecurityEventKind

from .conftest import PLANTED

URL = reverse("cockpit")


def denials(user) -> int:
    return SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED, user=user).count()


def data(response) -> dict:
    return json.loads(re.search(r'<script id="cockpit-data" type="application/json">(.*?)</script>',
                                response.content.decode(), re.S).group(1))


@pytest.mark.req("SUP-01")
@pytest.mark.django_db
def test_a_city_supervisor_sees_the_city_tree_and_its_alerts(client, tree, users, planted):
    """The city's supervisor sees its two counties and its own agency, with the alerts of each; never the other
    city's."""
    planted({tree.agency_a1: "alarm", tree.agency_a2: "warning", tree.agency_b1: "alarm"})
    client.force_login(users.city_a_supervisor)
    response = client.get(URL)
    assert response.status_code == 200
    cockpit = response.context["cockpit"]
    assert [r.label for r in cockpit.children] == ["甲一县", "甲二县"]
    assert [r.label for r in cockpit.agencies] == ["甲市市场监督管理局"]
    assert cockpit.total.alerts == {"alarm": 1, "warning": 1, "notice": 0}
    assert [(m["model"], m["alarm"], m["warning"]) for m in cockpit.by_model] == [(PLANTED, 1, 1)]
    html = response.content.decode()
    assert "乙一县" not in html and "乙市" not in html
    assert data(response)["models"]["codes"] == [PLANTED]


@pytest.mark.req("SUP-01")
@pytest.mark.django_db
def test_the_region_supervisor_drills_down_to_an_agency_and_its_cases(client, tree, users, planted, opener):
    """Region → city → county → agency → the agency's cases, each a link on the level above."""
    planted({tree.agency_b1: "notice"})
    case = opener(tree.agency_a1, users.officer_a1)
    client.force_login(users.region_supervisor)
    region = client.get(URL)  # one grant: the cockpit starts at the region
    assert region.context["cockpit"].node == tree.region
    assert f'href="{URL}?j={tree.city_b.code}"' in region.content.decode()
    assert [r.label for r in region.context["cockpit"].children] == ["甲市", "乙市"]
    assert region.context["cockpit"].children[1].figures.alerts["notice"] == 1
    city = client.get(URL, {"j": tree.city_a.code})
    assert f'href="{URL}?j={tree.a1.code}"' in city.content.decode()
    county = client.get(URL, {"j": tree.a1.code})
    assert [r.label for r in county.context["cockpit"].agencies] == ["甲一县市场监督管理局"]
    assert f'href="{URL}?agency={tree.agency_a1.pk}"' in county.content.decode()
    agency = client.get(URL, {"agency": tree.agency_a1.pk})
    assert agency.status_code == 200
    assert [j.name for j in agency.context["cockpit"].trail] == ["测试自治区", "甲市", "甲一县"]
    assert reverse("case-detail", args=[case.pk]) in agency.content.decode()


@pytest.mark.req("SUP-01")
@pytest.mark.django_db
def test_a_county_supervisor_cannot_open_another_county_or_agency(client, tree, users):
    """Another county, the city above, or another county's agency: the same 404 as a missing one, each refusal
    logged once."""
    client.force_login(users.county_a1_supervisor)
    assert client.get(URL, {"j": tree.a1.code}).status_code == 200
    for params in ({"j": tree.a2.code}, {"j": tree.city_a.code}, {"agency": tree.agency_b1.pk},
                   {"j": "NOSUCH"}, {"agency": 999999}):
        before = denials(users.county_a1_supervisor)
        assert client.get(URL, params).status_code == 404, params
        assert denials(users.county_a1_supervisor) == before + 1, params
    response = client.get(URL)
    assert response.context["cockpit"].node == tree.a1
    assert [r.label for r in response.context["cockpit"].agencies] == ["甲一县市场监督管理局"]
    assert "甲二县" not in response.content.decode()


@pytest.mark.req("SUP-01")
@pytest.mark.django_db
def test_an_agency_head_sees_the_cockpit_narrowed_to_the_agency(client, tree, users, planted):
    planted({tree.agency_a1: "warning", tree.agency_a2: "alarm"})
    client.force_login(users.head_a1)
    response = client.get(URL)
    cockpit = response.context["cockpit"]
    assert cockpit.children == []
    assert [r.label for r in cockpit.agencies] == ["甲一县市场监督管理局"]
    assert cockpit.total.alerts == {"alarm": 0, "warning": 1, "notice": 0}
    assert client.get(URL, {"agency": tree.agency_a1.pk}).status_code == 200
    assert client.get(URL, {"agency": tree.agency_a2.pk}).status_code == 404
    assert client.get(URL, {"j": tree.a1.code}).status_code == 404  # an agency grant covers no jurisdiction


@pytest.mark.req("SUP-01")
@pytest.mark.django_db
def test_without_the_role_the_cockpit_is_refused_and_logged(client, users):
    for user in (users.officer_a1, users.nobody):
        client.force_login(user)
        before = denials(user)
        assert client.get(URL).status_code == 403
        assert denials(user) == before + 1
        assert client.get("/api/cockpit/summary").status_code == 403


@pytest.mark.req("SUP-01")
@pytest.mark.django_db
def test_every_table_downloads_as_excel_with_its_rows(client, tree, users, planted, opener):
    planted({tree.agency_a1: "alarm"})
    opener(tree.agency_a1, users.officer_a1, title="=HYPERLINK(\"http://x\")")
    client.force_login(users.city_a_supervisor)
    page = client.get(URL)
    names = [t.name for t in page.context["tables"]]
    assert names == ["areas", "agencies", "models", "trend", "overdue"]
    for table in page.context["tables"]:
        response = client.get(URL, {"export": table.name})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        ws = load_workbook(io.BytesIO(response.content)).active
        rows = list(ws.iter_rows(values_only=True))
        assert list(rows[1]) == table.headers
        assert len(rows) == 2 + len(table.rows)
    ws = load_workbook(io.BytesIO(client.get(URL, {"export": "models"}).content)).active
    assert ws.cell(3, 1).value == PLANTED and ws.cell(3, 4).value == 1
    cases = client.get(URL, {"agency": tree.agency_a1.pk, "export": "cases"})
    ws = load_workbook(io.BytesIO(cases.content)).active
    title = ws.cell(3, 2)
    assert title.value == '=HYPERLINK("http://x")' and title.data_type == "s"  # a literal, never a formula
    assert client.get(URL, {"export": "nosuch"}).status_code == 404


@pytest.mark.req("SUP-01")
@pytest.mark.django_db
def test_charts_come_from_a_static_script_with_their_tables(client, users):
    """The charts are drawn by the vendored ECharts from a JSON data block (no inline script, ADR 0007), and each
    repeats a table on the page; tables scroll inside their wrap on a phone."""
    client.force_login(users.region_supervisor)
    html = client.get(URL).content.decode()
    assert "vendor/echarts/echarts-6.1.0.simple.min.js" in html and "cockpit/cockpit.js" in html
    assert 'id="chart-trend"' in html and 'id="t-trend"' in html
    assert html.count('<div class="table-wrap">') >= 4
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", html)
    assert " style=" not in html


def test_the_vendored_echarts_is_the_pinned_release():
    """static/vendor/echarts/README.md names the release and its SHA-256: a changed file is noticed."""
    import hashlib
    from pathlib import Path

    from django.conf import settings

    folder = Path(settings.BASE_DIR) / "static" / "vendor" / "echarts"
    digest = hashlib.sha256((folder / "echarts-6.1.0.simple.min.js").read_bytes()).hexdigest()
    assert digest == "5eef51bee09fb9cc234c4179a58ae0150126f49f88c992efe2d6bca81d8dd03b"
    assert digest in (folder / "README.md").read_text()
    assert "Apache License" in (folder / "LICENSE").read_text()
