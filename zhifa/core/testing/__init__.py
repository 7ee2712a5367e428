"""Test helpers shared by every app."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def query_count(fn) -> int:
    """How many SQL queries `fn()` runs."""
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)
