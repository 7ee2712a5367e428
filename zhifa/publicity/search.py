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
    # PostgreSQL: the GIN expression index over publicity_publication.search_tokens follows the row.


def unindex(publication_id: int) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("DELETE FROM publicity_fts WHERE rowid = %s", [publication_id])


def match_sql(words: list[str]) -> tuple[str, list]:
    """A WHERE fragment on publicity_publication (aliased as the table name) matching every word."""
    if connection.vendor == "sqlite":
        fts_query = " ".join(f'"{w}"' for w in words)
        return ("publicity_publication.id IN (SELECT rowid FROM publicity_fts WHERE publicity_fts MATCH %s)",
                [fts_query])
    return ("to_tsvector('simple', publicity_publication.search_tokens) @@ plainto_tsquery('simple', %s)",
            [" ".join(words)])


SQLITE_CREATE = "CREATE VIRTUAL TABLE IF NOT EXISTS publicity_fts USING fts5(tokens, tokenize='unicode61')"
SQLITE_DROP = "DROP TABLE IF EXISTS publicity_fts"
PG_CREATE = ("CREATE INDEX IF NOT EXISTS publicity_publication_fts ON publicity_publication "
             "USING gin (to_tsvector('simple', search_tokens)) WHERE state = 'published'")
PG_DROP = "DROP INDEX IF EXISTS publicity_publication_fts"
