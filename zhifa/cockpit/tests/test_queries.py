"""The cockpit's pages and its API read in a fixed number of queries, whatever the number of agencies, alerts and
cases (issue 20 §6: pages stay fast; STYLE habit 7: query counts pinned at two sizes)."""

import pytest
from django.urls import reverse

from zhifa.core.testing import query_count
from zhifa.org.tests.factories import AgencyFactory

URL = reverse("cockpit")
LEVELS = ("alarm", "warning", "notice")


def _grow(tree, users, planted, opener, agencies: list, n: int) -> None:
    """Up to `n` agencies in 甲一县, an alert on each (levels in turn) and `n` cases in all."""
    while len(agencies) < n:
        agencies.append(AgencyFactory(name=f"甲一县第{len(agencies)}局", jurisdiction=tree.a1))
        opener(tree.agency_a1, users.officer_a1, title=f"案件{len(agencies)}")
    planted({a: LEVELS[i % 3] for i, a in enumerate(agencies)})


def _counts(client, tree, users) -> list[int]:
    urls = [URL, f"{URL}?j={tree.a1.code}", f"{URL}?agency={tree.agency_a1.pk}",
            f"{URL}?j={tree.a1.code}&export=agencies", "/api/cockpit/summary", f"/api/cockpit/summary?j={tree.a1.code}"]
    for url in urls:  # warm the per-process caches (calendar, rules) before counting
        assert client.get(url).status_code == 200, url
    return [query_count(lambda u=url: client.get(u)) for url in urls]


@pytest.mark.req("SUP-01")
@pytest.mark.django_db
def test_the_cockpit_reads_the_same_number_of_queries_for_2_and_20_agencies(client, tree, users, planted, opener):
    agencies = [tree.agency_a1]
    _grow(tree, users, planted, opener, agencies, 2)
    client.force_login(users.city_a_supervisor)
    small = _counts(client, tree, users)
    _grow(tree, users, planted, opener, agencies, 20)
    page = client.get(URL, {"j": tree.a1.code})
    assert len(page.context["cockpit"].agencies) == 20
    assert page.context["cockpit"].total.alerts_total == 20
    assert _counts(client, tree, users) == small
