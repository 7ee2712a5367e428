"""The jurisdiction tree API pages by keyset in the tree's order (issue 19 §2): one page read, the same queries at
two sizes, the list shape every API list has ({items, count, count_capped, next})."""

import pytest

from zhifa.core.testing import query_count
from zhifa.org.models import Jurisdiction, Level
from zhifa.org.tests.factories import jurisdiction

pytestmark = pytest.mark.django_db
URL = "/api/org/jurisdictions"


def _counties(city: Jurisdiction, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        jurisdiction(f"测试{i}县", Level.COUNTY, city, code=f"T19{i:03d}")


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return response.json()


def test_jurisdiction_api_runs_the_same_queries_at_two_sizes(client, users, tree):
    client.force_login(users.region_supervisor)
    _counties(tree.city_b, 2)
    _get(client, URL)
    small = query_count(lambda: _get(client, URL))
    _counties(tree.city_b, 18, start=2)
    large = query_count(lambda: _get(client, URL))
    assert small == large, (small, large)


def test_jurisdiction_api_pages_the_tree_top_down(client, users, tree):
    """Every jurisdiction once, parents before their children, page after page by `next`."""
    client.force_login(users.region_supervisor)
    _counties(tree.city_b, 20)
    first = _get(client, URL + "?limit=10")
    assert set(first) == {"items", "count", "count_capped", "next"}
    assert first["count"] == Jurisdiction.objects.count() and not first["count_capped"]
    rows, answer = list(first["items"]), first
    while answer["next"]:
        answer = _get(client, f"{URL}?limit=10&cursor={answer['next']}")
        assert len(answer["items"]) <= 10
        rows += answer["items"]
    assert [r["id"] for r in rows] == list(Jurisdiction.objects.order_by("path").values_list("id", flat=True))
    seen = set()
    for r in rows:
        assert r["parent_id"] is None or r["parent_id"] in seen  # the tree from the top down
        seen.add(r["id"])


def test_jurisdiction_api_refuses_without_permission_and_a_garbled_cursor(client, users):
    client.force_login(users.nobody)
    assert client.get(URL).status_code == 403
    client.force_login(users.region_supervisor)
    response = client.get(URL + "?cursor=garbled")
    assert response.status_code == 400 and response.json()["code"] == "invalid_cursor"
