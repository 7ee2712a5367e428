"""Issue 19 §2: every staff list and API list pages by cursor (core.paginator), counts to a cap and says so.

The case list, the one a region supervisor reads over a province, is walked in full here: by page and by API,
with ties, with rows arriving while paging, outside the reader's scope, past the cap. Every other list is held
to the same contract at its door: the API's shape, a bad cursor answered 400 with its code, offset bounded.
"""

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from zhifa.cases.models import Case
from zhifa.core.models import ApiToken
from zhifa.core.testing import query_count
from zhifa.org.models import UnitKind
from zhifa.org.tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


def headers(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user=user, name='测试')[1]}"}


def cases(agency, n: int, *, opener, every: int = 4, start=None, prefix="K") -> list[int]:
    """`n` cases of `agency`, opened in runs of `every` at one moment (ties), oldest first; their ids."""
    unit = agency.units.filter(kind=UnitKind.HANDLING).first() or UnitFactory(agency=agency, kind=UnitKind.HANDLING)
    start = start or timezone.now() - dt.timedelta(days=30)
    made = []
    for first in range(0, n, every):
        with time_machine.travel(start + dt.timedelta(minutes=first // every), tick=False):
            made += Case.objects.bulk_create([
                Case(agency=agency, handling_unit=unit, number=f"{prefix}{agency.pk}-{i:05d}", title=f"案件{i}",
                     action_type="penalty", procedure="ordinary", place=agency.jurisdiction, legal_basis="b",
                     opened_by=opener) for i in range(first, min(first + every, n))])
    return [c.pk for c in made]


def api_walk(client, url, auth, limit=7) -> list[int]:
    ids, cursor = [], None
    while True:
        body = client.get(url, {"limit": limit, **({"cursor": cursor} if cursor else {})}, **auth).json()
        ids += [row["id"] for row in body["items"]]
        cursor = body["next"]
        if cursor is None:
            return ids


def page_walk(client, url) -> list[str]:
    """The case numbers of every page of a staff list, following its 下一页 links."""
    numbers, target = [], url
    while target:
        html = client.get(target).content.decode()
        numbers += re.findall(r'/cases/\d+/">([^<]+)</a>', html)
        found = re.search(r'rel="next" href="\?([^"]*)"', html)
        target = f"{url}?{found.group(1).replace('&amp;', '&')}" if found else None
    return numbers


@pytest.fixture
def opener(users):
    return users.officer_a1


@pytest.mark.req("ORG-05")
def test_the_case_list_walks_every_row_once_in_order_and_within_scope(client, tree, users, opener):
    """A city supervisor walks the API and the page by cursor: every case of the city's agencies exactly once,
    newest first, ties by id, never a case of the other city on any page (the scope applies to every page)."""
    mine = cases(tree.agency_a1, 30, opener=opener) + cases(tree.agency_a2, 9, opener=opener)
    cases(tree.agency_b1, 12, opener=opener)  # the other city's
    expected = list(Case.objects.filter(pk__in=mine).order_by("-opened_at", "-id").values_list("pk", flat=True))
    auth = headers(users.city_a_supervisor)
    assert api_walk(client, "/api/cases/", auth) == expected
    client.force_login(users.city_a_supervisor)
    numbers = page_walk(client, "/cases/")
    assert numbers == [Case.objects.get(pk=pk).number for pk in expected]
    assert not any(n.startswith(f"K{tree.agency_b1.pk}-") for n in numbers)


def test_cases_opened_while_paging_are_neither_skipped_nor_repeated(client, tree, users, opener):
    ids = cases(tree.agency_a1, 20, opener=opener)
    auth = headers(users.head_a1)
    first = client.get("/api/cases/", {"limit": 6}, **auth).json()
    boundary = Case.objects.get(pk=first["items"][-1]["id"])
    cases(tree.agency_a1, 3, start=timezone.now(), opener=opener, prefix="N")  # newer: before the first page
    with time_machine.travel(boundary.opened_at, tick=False):  # the boundary's own time, a larger id: before it
        cases(tree.agency_a1, 1, opener=opener, prefix="T", start=boundary.opened_at)
    rest, cursor = [], first["next"]
    while cursor:
        body = client.get("/api/cases/", {"limit": 6, "cursor": cursor}, **auth).json()
        rest += [row["id"] for row in body["items"]]
        cursor = body["next"]
    older = list(Case.objects.filter(pk__in=ids).order_by("-opened_at", "-id").values_list("pk", flat=True))
    assert rest == older[6:]


def test_a_bad_cursor_is_a_400_with_its_code_on_the_page_and_in_the_api(client, tree, users, opener):
    cases(tree.agency_a1, 8, opener=opener)
    auth = headers(users.head_a1)
    good = client.get("/api/cases/", {"limit": 3}, **auth).json()["next"]
    for bad in ("garbage", good[:-2] + "zz", good.replace(":", "", 1), "é" * 40):
        answer = client.get("/api/cases/", {"cursor": bad}, **auth)
        assert answer.status_code == 400 and answer.json()["code"] == "invalid_cursor", bad
    too_long = client.get("/api/cases/", {"cursor": "a" * 2001}, **auth)
    assert too_long.status_code == 422 and too_long.json()["code"] == "invalid_input"
    client.force_login(users.head_a1)
    page = client.get("/cases/", {"cursor": "garbage"})
    assert page.status_code == 400 and "翻页标记无效" in page.content.decode()


def test_a_cursor_belongs_to_the_filters_it_was_made_under(client, tree, users, opener):
    """Tryout of issue 19: the 下一页 cursor of the unfiltered list, put on a filtered list, skipped a match. A cursor
    is signed with its list's filters: on other filters it is refused (400), on the same ones in another order read."""
    cases(tree.agency_a1, 8, opener=opener)
    auth = headers(users.head_a1)
    plain = client.get("/api/cases/", {"limit": 3}, **auth).json()["next"]
    moved = client.get("/api/cases/", {"limit": 3, "cursor": plain, "q": "K"}, **auth)
    assert moved.status_code == 400 and moved.json()["code"] == "invalid_cursor"
    filtered = client.get("/api/cases/", {"limit": 3, "q": "K", "stage": "start"}, **auth).json()["next"]
    same = client.get(f"/api/cases/?stage=start&cursor={filtered}&q=K&limit=3", **auth)
    assert same.status_code == 200
    client.force_login(users.head_a1)
    assert client.get("/cases/", {"cursor": plain}).status_code == 200  # the unfiltered list's cursor, unfiltered
    page = client.get("/cases/", {"q": "K", "cursor": plain})
    assert page.status_code == 400 and "翻页标记无效" in page.content.decode()


def test_offset_is_kept_up_to_the_cap_and_refused_past_it_naming_cursor(client, tree, users, opener):
    ids = cases(tree.agency_a1, 12, opener=opener)
    auth = headers(users.head_a1)
    newest = list(Case.objects.filter(pk__in=ids).order_by("-opened_at", "-id").values_list("pk", flat=True))
    body = client.get("/api/cases/", {"limit": 4, "offset": 4}, **auth).json()
    assert [r["id"] for r in body["items"]] == newest[4:8] and body["count"] == 12 and not body["count_capped"]
    after = client.get("/api/cases/", {"limit": 4, "cursor": body["next"]}, **auth).json()
    assert [r["id"] for r in after["items"]] == newest[8:12] and after["next"] is None
    refused = client.get("/api/cases/", {"offset": 1001}, **auth)
    assert refused.status_code == 400 and refused.json()["code"] == "offset_beyond_cap"
    assert "cursor" in refused.json()["message"]
    assert client.get("/api/cases/", {"offset": 1000}, **auth).status_code == 200


def test_the_count_stops_at_the_cap_and_says_so(client, tree, users, opener):
    cases(tree.agency_a1, 1001, every=50, opener=opener)
    body = client.get("/api/cases/", {"limit": 1}, **headers(users.head_a1)).json()
    assert (body["count"], body["count_capped"]) == (1000, True)
    client.force_login(users.head_a1)
    assert "共 1 000+ 条" in client.get("/cases/").content.decode()
    Case.objects.filter(pk__in=Case.objects.order_by("id").values("pk")[:2]).delete()
    assert "共 999 条" in client.get("/cases/").content.decode()


def test_the_case_list_costs_the_same_queries_at_two_sizes_and_any_depth(client, tree, users, opener):
    """The page and the API at 60 and at 240 cases, first page and a deep one: the same number of queries."""
    auth = headers(users.region_supervisor)
    client.get("/api/cases/", **auth)  # the token's first use records when it was used
    client.force_login(users.region_supervisor)
    counts = []
    for n in (60, 180):
        cases(tree.agency_a1 if n == 60 else tree.agency_b1, n, opener=opener)
        deep = client.get("/api/cases/", {"limit": 10, "offset": 20}, **auth).json()["next"]  # row 30 on
        counts.append([query_count(lambda: client.get("/cases/")),
                       query_count(lambda d=deep: client.get("/cases/", {"cursor": d})),
                       query_count(lambda: client.get("/api/cases/", **auth)),
                       query_count(lambda d=deep: client.get("/api/cases/", {"cursor": d}, **auth))])
    assert counts[0] == counts[1]


# Every other list, at its door ---------------------------------------------------------------------------------

API_LISTS = ["/api/org/agencies", "/api/org/agencies/{agency}/people", "/api/review/queue", "/api/review/overdue",
             "/api/review/catalogues", "/api/publicity/items", "/api/publicity/queue", "/api/publicity/requests",
             "/api/publicity/reports", "/api/records/findings", "/api/ledger/findings", "/api/org/jurisdictions",
             "/api/supervision/alerts", "/api/instruments/", "/api/campaigns/",
             # Random inspections (issue 22): item lists, an agency's target directory, plans, inspections.
             "/api/inspections/item-lists", "/api/inspections/targets?agency_id={agency}", "/api/inspections/plans",
             "/api/inspections/inspections"]
PAGES = ["/org/agencies/", "/org/people/", "/security/events/", "/review/", "/review/overdue/", "/review/catalogues/",
         "/records/findings/", "/worklist/notifications/", "/publicity/", "/publicity/requests/", "/publicity/lists/",
         "/ledger/findings/", "/supervision/", "/instruments/", "/campaigns/",
         # Not /inspections/tasks/: a work queue of three short sections, each with its total (views_results.tasks).
         "/inspections/items/", "/inspections/directory/{agency}/", "/inspections/plans/"]


def _split(url: str) -> tuple[str, dict]:
    """A list's path and the query its door needs (the target directory is an agency's): kept on every request."""
    from urllib.parse import parse_qsl

    path, _, query = url.partition("?")
    return path, dict(parse_qsl(query))


@pytest.mark.parametrize("url", API_LISTS)
def test_every_api_list_answers_a_keyset_page(client, tree, users, url):
    auth = headers(users.su)
    url, params = _split(url.format(agency=tree.agency_a1.pk))
    body = client.get(url, params, **auth).json()
    assert set(body) == {"items", "count", "count_capped", "next"} and body["count_capped"] is False
    bad = client.get(url, params | {"cursor": "garbage"}, **auth)
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_cursor"
    beyond = client.get(url, params | {"offset": 5000}, **auth)
    assert beyond.status_code == 400 and beyond.json()["code"] == "offset_beyond_cap"


@pytest.mark.parametrize("url", PAGES)
def test_every_staff_list_refuses_a_bad_cursor_with_a_400_page(client, tree, users, url):
    url = url.format(agency=tree.agency_a1.pk)
    client.force_login(users.su)
    assert client.get(url).status_code == 200
    page = client.get(url, {"cursor": "garbage"})
    assert page.status_code == 400 and "翻页标记无效" in page.content.decode()


def test_people_pages_walk_every_person_of_the_agency_once(client, tree, users, staffed_agency):
    """The person list (ordered by agency, name, id; several people share a name) walked by API cursor."""
    from zhifa.org.models import Person
    from zhifa.org.tests.factories import PersonFactory

    for _ in range(6):
        PersonFactory(agency=tree.agency_a1, name="同名")
    auth = headers(users.head_a1)
    expected = list(Person.objects.filter(agency=tree.agency_a1).order_by("agency", "name", "id")
                    .values_list("pk", flat=True))
    assert api_walk(client, f"/api/org/agencies/{tree.agency_a1.pk}/people", auth, limit=4) == expected
