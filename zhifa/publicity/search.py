"""Chinese full-text search over published items, on SQLite (FTS5) and PostgreSQL (GIN over tsvector).

Neither database cuts Chinese into words, so we do: jieba cuts the public text into words at publication
(`tokens`), stored space-separated; each database indexes the words with its own full-text engine, and a
query is cut the same way and matched as words (AND). A LIKE scan over a million decisions is what this
avoids. Only published items are in the index; a withdrawal takes the item out in the same transaction.
"""

import hashlib
import re
from functools import cache as memoise

from django.core.cache import cache
from django.db import connection, connections, transaction
from django.db.models.expressions import RawSQL

# Tokens that are not words: punctuation, masks, whitespace.
_WORD = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)
MAX_QUERY_WORDS = 12


@memoise
def _jieba():
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba


def tokens(text: str) -> list[str]:
    return [t for t in _jieba().cut_for_search(text) if t.strip() and _WORD.search(t) and "＊" not in t]


def index_text(text: str) -> str:
    return " ".join(tokens(text))


def query_words(query: str) -> list[str]:
    """The words a query is matched by: jieba's precise cut (search mode would demand every sub-word)."""
    words = [t for t in _jieba().cut(query) if t.strip() and _WORD.search(t)]
    return list(dict.fromkeys(w.replace('"', "") for w in words))[:MAX_QUERY_WORDS]


def index(publication_id: int, text: str) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("DELETE FROM publicity_fts WHERE rowid = %s", [publication_id])
            cur.execute("INSERT INTO publicity_fts(rowid, tokens) VALUES (%s, %s)", [publication_id, text])
    # PostgreSQL: the generated column search_vector and its GIN index follow the row.


def unindex(publication_id: int) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("DELETE FROM publicity_fts WHERE rowid = %s", [publication_id])


def match_sql(words: list[str], *, walk: bool = False) -> tuple[str, list]:
    """A WHERE fragment on publicity_publication (aliased as the table name) matching every word.

    `walk`: the caller knows the words match many rows (more than a page count's cap). PostgreSQL then walks
    the newest-first index and tests each row's stored vector, stopping at the page's end, instead of fetching
    every match from the GIN index and sorting them (0.9 s for 94 000 matches of three words among a million,
    against 2 ms walking). The planner cannot know: it multiplies the words' frequencies as if independent,
    and words of one trade's decisions come together. `IS TRUE` is the same test in a form the GIN index
    does not serve, which leaves the walk as the plan.
    """
    if connection.vendor == "sqlite":
        fts_query = " ".join(f'"{w}"' for w in words)
        return ("publicity_publication.id IN (SELECT rowid FROM publicity_fts WHERE publicity_fts MATCH %s)",
                [fts_query])
    test = "publicity_publication.search_vector @@ plainto_tsquery('simple', %s)"
    return (f"({test}) IS TRUE" if walk else test), [" ".join(words)]


SQLITE_CREATE = "CREATE VIRTUAL TABLE IF NOT EXISTS publicity_fts USING fts5(tokens, tokenize='unicode61')"
SQLITE_DROP = "DROP TABLE IF EXISTS publicity_fts"
# Migration 0002's expression index. Migration 0004 replaced it: the index's recheck and every filter
# re-parsed the text with to_tsvector (2 s to count 10 000 matches of a common word among a million), and
# an expression has no statistics, so the planner guessed 0.5 % matches for every word. A stored generated
# column is parsed once, at write, and ANALYZE keeps its most common words.
PG_CREATE = ("CREATE INDEX IF NOT EXISTS publicity_publication_fts ON publicity_publication "
             "USING gin (to_tsvector('simple', search_tokens)) WHERE state = 'published'")
PG_DROP = "DROP INDEX IF EXISTS publicity_publication_fts"
PG_VECTOR_CREATE = [
    "ALTER TABLE publicity_publication ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_tokens)) STORED",
    PG_DROP,
    "CREATE INDEX IF NOT EXISTS publicity_publication_vector ON publicity_publication USING gin (search_vector) "
    "WHERE state = 'published'",
]
PG_VECTOR_DROP = [
    "DROP INDEX IF EXISTS publicity_publication_vector",
    "ALTER TABLE publicity_publication DROP COLUMN IF EXISTS search_vector",
    PG_CREATE,
]

# --- search inside an area (issue 19 §3) -------------------------------------------------------------------------
#
# The portal asks two things of a search: how many items match, counted to the page cap (1 000), and a page of them
# newest first. Two plans answer each, and which one is fast depends on how common the words are *inside the area*:
# - the index: pub_search_area, one GIN over (jurisdiction_path, search_vector) (btree_gin), intersects the
#   county's entry with the words' posting lists inside the index (GIN skips through the longer list), so only
#   matching rows are read from the table, at most cap + 1 of them, without opening their vectors. Its cost grows
#   with the posting lists: a word in most items of a large county makes it read two lists as long as the county.
# - the walk: the area's items newest first (pub_area_recent for a county), testing each row's stored vector and
#   stopping after enough matches; flat for a common word (cap / share rows), the whole area for a rare one. Each
#   row costs about four times an index-found row: the vector (2.8 kB on average) is TOASTed.
# The planner cannot choose between them: it multiplies the words' frequencies and knows nothing of "this word in
# this county". So: when ANALYZE's statistics of the column say every word is in at least COMMON_SHARE of the
# items, the count walks at most PROBE_ROWS (= cap / COMMON_SHARE) of the area's newest items; finding more than
# the cap proves the count capped and the walk right for the pages. Otherwise (and when the probe finds fewer),
# the index counts. Measured in docs/adr/0013-search-flat-in-area.md.
COMMON_SHARE = 0.2
PROBE_ROWS = 5000
SHARE_TTL = 600


def share_of(words: list[str], *, using: str) -> float:
    """The smallest share of items containing one of `words`, by ANALYZE's most common words of search_vector
    (PostgreSQL's ts_typanalyze keeps about the thousand most frequent); 0 for a word not among them. Kept in
    Django's cache (shared by the workers when Redis is configured) for SHARE_TTL seconds under a digest of the
    words: the statistics change only at the next ANALYZE."""
    key = "publicity:search-share:" + hashlib.sha256("\x1f".join(sorted(words)).encode()).hexdigest()
    share = cache.get(key)
    if share is None:
        share = _share_of(words, using=using)
        cache.set(key, share, SHARE_TTL)
    return share


def _share_of(words: list[str], *, using: str) -> float:
    with connections[using].cursor() as cur:
        cur.execute(
            "SELECT word, share FROM pg_stats, unnest(most_common_elems::text::text[], most_common_elem_freqs) "
            "AS common(word, share) WHERE schemaname = current_schema() AND tablename = 'publicity_publication' "
            "AND attname = 'search_vector' AND word = ANY(%s)", [[w.lower() for w in words]])
        shares = dict(cur.fetchall())
    return min(shares.get(w.lower(), 0.0) for w in words)


def probe_count(area, words: list[str], cap: int) -> int:
    """Matches of `words` among the newest PROBE_ROWS items of `area` (a queryset of the area's items with its
    filters, without the words), counted to cap + 1 at most: the walk stops there. One statement; the planner walks
    pub_area_recent (or pub_published_recent) for it when the area has more than PROBE_ROWS items, and may read and
    sort a smaller one. The words are tested outside the inner LIMIT, so only the rows the count pulls have their
    vector (TOASTed) opened; tested inside, a sorted area had every row's opened before the sort."""
    vector = RawSQL("publicity_publication.search_vector", [])
    newest = area.order_by("-published_at", "-id").annotate(vector=vector).values("vector")[:PROBE_ROWS]
    sql, inner = newest.query.sql_with_params()
    test, params = match_sql(words)
    test = test.replace("publicity_publication.search_vector", "newest.vector")
    with connections[area.db].cursor() as cur:
        cur.execute(f"SELECT count(*) FROM (SELECT 1 FROM ({sql}) newest WHERE {test} LIMIT %s) hits",
                    [*inner, *params, cap + 1])
        return cur.fetchone()[0]


def match_ids(area, words: list[str], cap: int) -> list[int]:
    """The ids of at most cap + 1 items of `area` matching `words`, read through the full-text index.

    Only bitmap scans are allowed for this one statement (enable_seqscan and enable_indexscan off, restored after
    it): for a word in a tenth of a county of 900 000 the planner chose a sequential scan that stops at the cap,
    opening about 11 000 rows' vectors (84–330 ms), where the GIN's bitmap takes 45–77 ms, and it would as well
    choose to walk an index testing each row. The words are known not to be common here (share_of, or the probe
    found at most the cap), which is when the GIN is right."""
    sql, params = match_sql(words)
    ids = area.extra(where=[sql], params=params).order_by().values_list("id", flat=True)[: cap + 1]
    with transaction.atomic(using=area.db), connections[area.db].cursor() as cur:
        cur.execute("SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan'), "
                    "set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true)")
        seqscan, indexscan = cur.fetchone()[:2]
        # A failed read rolls this atomic block (a savepoint inside another transaction) back, and PostgreSQL undoes
        # the settings with it; restoring in a `finally` would run a statement in the aborted transaction and hide the
        # read's own error (a replica's cancellation, which the replica fallback must see: review of issue 19).
        found = list(ids)
        # SET LOCAL would last to the end of an enclosing transaction: put back what was there.
        cur.execute("SELECT set_config('enable_seqscan', %s, true), set_config('enable_indexscan', %s, true)",
                    [seqscan, indexscan])
        return found


# Migration 0010: the county's entry and the words in one GIN (btree_gin indexes the path's scalar value), in
# place of migration 0004's GIN over the vector alone, which a query without an area still uses (a multi-column
# GIN serves a condition on any of its columns).
PG_AREA_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS pub_search_area ON publicity_publication "
    "USING gin (jurisdiction_path, search_vector) WHERE state = 'published'",
    "DROP INDEX CONCURRENTLY IF EXISTS publicity_publication_vector",
]
PG_AREA_DROP = [
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS publicity_publication_vector ON publicity_publication "
    "USING gin (search_vector) WHERE state = 'published'",
    "DROP INDEX CONCURRENTLY IF EXISTS pub_search_area",
]
