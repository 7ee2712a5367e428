"""Search inside an area (issue 19 §3): the plans PostgreSQL runs for the portal's search, pinned at two generated
sizes, and the results, which the choice of plan must not change (docs/adr/0013-search-flat-in-area.md).

The rows are written in bulk (COPY on PostgreSQL), each with about 150 words, so that the table has the shape the
planner sees in production (a wide row, a TOASTed vector) and not a few pages a sequential scan reads at once.
40 % of them are in county 甲一县 and 10 % in 甲二县: large enough that scanning one, or sorting all its matches,
would show."""

import datetime as dt
import hashlib
import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zhifa.publicity import search, selectors

pg_only = pytest.mark.skipif(connection.vendor != "postgresql",
                             reason="PostgreSQL's plans; SQLite searches its FTS5 table, which has no planner choice")

COMMON, MIDDLING, RARE = "罚款", "商行", "丁丽"
COLS = ["id", "kind", "agency_id", "jurisdiction_path", "version", "update_reason", "title", "state", "mode",
        "action_type", "target_name", "target_code", "fields", "rows", "original_text", "public_text", "minor_party",
        "decided_on", "due_provisional", "exemption_ground", "collected_at", "published_at", "published_entry_id",
        "withdrawal_trigger", "withdrawal_basis", "search_tokens"]


def tokens_of(i: int) -> str:
    """Row i's words: the common word in every row, the middling one in one row of 50, the rare one in one of 2000,
    and 150 filler words (w0 … w19999) that differ from row to row."""
    words = [COMMON] + [f"w{(i * 7919 + k * 104729) % 20000}" for k in range(150)]
    if i % 50 == 7:
        words.append(MIDDLING)
    if i % 2000 == 11:
        words.append(RARE)
    return " ".join(words)


def generate(tree, n: int) -> None:
    """n published decisions, 40 % in 甲一县, 10 % in 甲二县 and the rest in the other areas, one a minute apart (not
    in id order within a minute: ties on published_at are broken by id), each with its log entry."""
    from zhifa.ledger.models import Entry
    from zhifa.publicity.models import Publication

    # Of every 20 items: 8 in 甲一县 (a large county), 2 in 甲二县 (a small one), 5 in 乙一县, 5 in 甲市 itself.
    agencies = [tree.agency_a1] * 8 + [tree.agency_a2] * 2 + [tree.agency_b1] * 5 + [tree.agency_city_a] * 5
    start = timezone.now() - dt.timedelta(days=30)
    entry0 = (Entry.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    pub0 = (Publication.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    entries, pubs = [], []
    for i in range(n):
        agency = agencies[i % 20]
        at = start + dt.timedelta(minutes=i - i % 3)  # three rows share each minute
        payload = json.dumps({"publication": pub0 + i})
        entries.append((entry0 + i, "publicity.published", f"publicity.publication:{pub0 + i}", "system", at, payload,
                        hashlib.sha256(payload.encode()).hexdigest()))
        pubs.append((pub0 + i, "decision", agency.pk, agency.jurisdiction.path, 1, "", f"决定书{i}", "published", "full",
                     "penalty", f"当事人{i}", "", "{}", "[]", "", f"文本{i}", False, at.date(), False, "", at, at,
                     entry0 + i, "", "", tokens_of(i)))
    entry_cols = "id, kind, subject, actor, at, payload, payload_sha256"
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY ledger_entry ({entry_cols}) FROM STDIN") as copy:
                for row in entries:
                    copy.write_row(row)
            with cur.cursor.copy(f"COPY publicity_publication ({', '.join(COLS)}) FROM STDIN") as copy:
                for row in pubs:
                    copy.write_row(row)
            cur.execute("ANALYZE publicity_publication")  # inside the test's transaction: it sees its own rows
        else:
            cur.executemany(f"INSERT INTO ledger_entry ({entry_cols}) VALUES (%s, %s, %s, %s, %s, %s, %s)", entries)
            cur.executemany(f"INSERT INTO publicity_publication ({', '.join(COLS)}) VALUES "
                            f"({', '.join(['%s'] * len(COLS))})", pubs)
    if connection.vendor == "sqlite":
        for row in pubs:
            search.index(row[0], row[-1])
    cache.clear()  # search.share_of keeps what the statistics said before these rows


def plans_of(run) -> list[str]:
    """The EXPLAIN text of every query on the publication table that `run()` makes."""
    with CaptureQueriesContext(connection) as ctx:
        run()
    plans = []
    with connection.cursor() as cur:
        for q in ctx.captured_queries:
            if 'FROM "publicity_publication"' in q["sql"]:  # not the statistics' read, which names it as a value
                cur.execute(f"EXPLAIN {q['sql']}")
                plans.append("\n".join(row[0] for row in cur.fetchall()))
    return plans


def first_page(j, query, cap=1000):
    cache.clear()  # the count is kept in the cache; each call here must plan it again
    paginator = selectors.portal_search(j, per_page=20, cap=cap, query=query)
    return paginator.count, [p.pk for p in paginator.page(1)]


@pg_only
@pytest.mark.req("PUB-03")
@pytest.mark.parametrize("n", [5_000, 20_000])
def test_a_common_word_in_a_county_walks_the_county_newest_first(tree, n, monkeypatch):
    """At these sizes the counties (2 000 and 500 items, then 8 000 and 2 000) are a few times the probe, as a large
    county is hundreds of times it in production: the cap and the probe are scaled down together (COMMON_SHARE
    stays). The walk is pub_area_recent, or, for a county holding much of the table, pub_published_recent with the
    county as a filter, which the planner prefers as it follows the table's physical order: either stops at the
    page's end."""
    monkeypatch.setattr(search, "PROBE_ROWS", 400)
    generate(tree, n)
    for county in (tree.a1, tree.a2):
        count, page = first_page(county, COMMON, cap=100)
        assert count == 101 and len(page) == 20  # every row matches: counted to the cap, the pages walk
        plans = plans_of(lambda county=county: first_page(county, COMMON, cap=100))
        assert len(plans) == 2, plans  # the capped count and the page
        for plan in plans:
            assert "Index Scan using pub_area_recent" in plan or "Index Scan using pub_published_recent" in plan, plan
            assert "Seq Scan on publicity_publication" not in plan, plan
            assert "Sort" not in plan, plan  # the index's order is the page's: no sort of the county's matches
            assert "Bitmap" not in plan, plan  # nor the word's posting list (every row's)
    small = plans_of(lambda: first_page(tree.a2, COMMON, cap=100))
    assert all("Index Scan using pub_area_recent" in plan for plan in small), small  # 10 %: the county's own index


@pg_only
@pytest.mark.req("PUB-03")
@pytest.mark.parametrize("n", [5_000, 20_000])
def test_a_rarer_word_in_a_county_is_found_in_the_area_gin(tree, n):
    generate(tree, n)
    for word in (MIDDLING, RARE):
        plans = plans_of(lambda word=word: first_page(tree.a1, word))
        ids = next(p for p in plans if "Sort" not in p)  # the count: the matches' ids, at most the cap
        assert "Bitmap Index Scan on pub_search_area" in ids, ids
        assert "jurisdiction_path" in ids.split("Bitmap Index Scan on pub_search_area", 1)[1], ids  # the county in the GIN
        for plan in plans:
            assert "Seq Scan on publicity_publication" not in plan, plan
            assert "pub_area_recent" not in plan, plan  # no walk through the county for a word it rarely has


@pg_only
@pytest.mark.req("PUB-03")
def test_the_count_probe_stops_at_the_cap(tree, monkeypatch):
    """The walk counts at most cap + 1 matches, among at most PROBE_ROWS of the area's newest items."""
    generate(tree, 12_000)
    area = selectors.portal_items(tree.a1)  # 4 800 items

    def expected(word, rows):
        return len([1 for tokens in area.values_list("search_tokens", flat=True)[:rows] if word in tokens.split()])

    assert search.probe_count(area, [COMMON], 1000) == 1001
    assert search.probe_count(area, [MIDDLING], 1000) == expected(MIDDLING, 5000) > 0  # the whole county walked
    assert search.probe_count(area, [COMMON], 5000) == 4800
    monkeypatch.setattr(search, "PROBE_ROWS", 1000)
    assert search.probe_count(area, [COMMON], 5000) == 1000  # the newest 1000 only
    assert search.probe_count(area, [MIDDLING], 1000) == expected(MIDDLING, 1000) < expected(MIDDLING, 5000)
    assert search.share_of([COMMON], using="default") == 1.0
    assert search.share_of([MIDDLING, COMMON], using="default") < search.COMMON_SHARE


def oracle(tree, j, query) -> list[int]:
    """What the search must find, computed without any index: every published item of the area whose words include
    all the query's, newest first (then the highest id)."""
    from zhifa.publicity.models import Publication

    words = set(search.query_words(query))
    rows = Publication.objects.filter(state="published", jurisdiction_path__startswith=j.path).values_list(
        "id", "published_at", "search_tokens")
    hits = [(at, pk) for pk, at, tokens in rows if words <= set(tokens.split())]
    return [pk for at, pk in sorted(hits, reverse=True)]


@pytest.mark.req("PUB-03")
def test_results_are_the_same_rows_in_the_same_order_whatever_the_plan(tree):
    """Every page of each search, in a county, a city and the region, for words taking each plan (the walk, the
    area GIN, two words, no match), is the index-free answer, page by page, on both databases."""
    generate(tree, 2_400)
    for j in (tree.a1, tree.a2, tree.city_a, tree.region):
        for query in (COMMON, MIDDLING, RARE, f"{MIDDLING} {COMMON}", "没有的词"):
            expected = oracle(tree, j, query)
            paginator = selectors.portal_search(j, per_page=20, cap=100, query=query)
            assert paginator.count == min(len(expected), 101), (j.name, query)
            got = [p.pk for number in paginator.page_range for p in paginator.page(number)]
            assert got == expected[:len(got)] and len(got) == min(len(expected), 100), (j.name, query)
