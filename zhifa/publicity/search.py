"""Chinese full-text search over published items, on SQLite (FTS5) and PostgreSQL (GIN over tsvector).

Neither database cuts Chinese into words, so we do: jieba cuts the public text into words at publication
(`tokens`), stored space-separated; each database indexes the words with its own full-text engine, and a
query is cut the same way and matched as words (AND). A LIKE scan over a million decisions is what this
avoids. Only published items are in the index; a withdrawal takes the item out in the same transaction.
"""

import re
from functools import cache

from django.db import connection

# Tokens that are not words: punctuation, masks, whitespace.
_WORD = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)
MAX_QUERY_WORDS = 12


@cache
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
