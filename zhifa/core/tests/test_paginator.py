"""The capped paginator counts at most `cap` rows and says when there are more."""

import pytest

from zhifa.core.models import SecurityEvent
from zhifa.core.paginator import CappedPaginator
from zhifa.core.testing import query_count


def rows(n: int) -> None:
    SecurityEvent.objects.bulk_create([SecurityEvent(kind="login", username=f"u{i}") for i in range(n)])


def events():
    return SecurityEvent.objects.order_by("id")


@pytest.mark.django_db
@pytest.mark.parametrize("n,count,capped,pages", [(0, 0, False, 1), (9, 9, False, 3), (10, 10, False, 3),
                                                     (11, 11, True, 3), (25, 11, True, 3)])
def test_count_stops_at_the_cap(n, count, capped, pages):
    rows(n)
    paginator = CappedPaginator(events(), 4, cap=10)
    assert (paginator.count, paginator.capped, paginator.num_pages) == (count, capped, pages)
    last = paginator.get_page(99)
    assert last.number == pages  # a page past the end shows the last page the count allows


@pytest.mark.django_db
def test_one_limited_count_query():
    rows(30)
    paginator = CappedPaginator(events(), 4, cap=10)
    assert query_count(lambda: paginator.count) == 1 and paginator.count == 11


@pytest.mark.django_db
def test_count_kept_in_the_cache_when_keyed():
    from django.core.cache import cache

    cache.clear()
    rows(3)
    qs = events()
    assert query_count(lambda: CappedPaginator(qs, 4, cap=10, count_key="t").count) == 1
    rows(1)
    assert query_count(lambda: CappedPaginator(qs, 4, cap=10, count_key="t").count) == 0  # served from the cache
    assert CappedPaginator(qs, 4, cap=10, count_key="t").count == 3
    assert CappedPaginator(qs, 4, cap=10).count == 4  # unkeyed: always counted
    cache.clear()


# Keyset pages (issue 19 §2) ----------------------------------------------------------------------------------------

import datetime as dt  # noqa: E402

import time_machine  # noqa: E402
from django.utils import timezone  # noqa: E402

from zhifa.core.paginator import (  # noqa: E402
    InvalidCursor,
    KeysetPaginator,
    PaginationErrorCode,
    count_label,
)


def tied(n: int, *, every: int = 3) -> None:
    """`n` events whose times repeat in runs of `every` (ties the primary key must order), some without an
    address (a nullable key). Times are set by the clock (time_machine): the log is append-only."""
    base = timezone.now() - dt.timedelta(days=1)
    for first in range(0, n, every):
        with time_machine.travel(base + dt.timedelta(seconds=first // every), tick=False):
            SecurityEvent.objects.bulk_create([
                SecurityEvent(kind="login", username=f"u{i}", ip_address=None if i % 4 == 0 else f"10.0.0.{i % 7}")
                for i in range(first, min(first + every, n))])


def walk(paginator, cursor=None, *, backwards=False) -> list[list[int]]:
    """Every page from `cursor` on, following next (or previous) cursors, as lists of ids."""
    pages = []
    while True:
        page = paginator.page(cursor)
        pages.append([r.pk for r in page])
        cursor = page.previous_cursor if backwards else page.next_cursor
        if cursor is None:
            return pages


@pytest.mark.django_db
@pytest.mark.parametrize("order", [("-at",), ("at",), ("-at", "-id"), ("ip_address",), ("-ip_address", "at"),
                                   ("kind", "-at")])
def test_every_row_exactly_once_in_order_across_pages_with_ties(order):
    """Walking next cursors yields the list's own order, each row once, however many rows share a sort value
    (runs of 3 equal times, a nullable key with NULLs); walking back by previous cursors gives the same pages."""
    tied(23)
    qs = SecurityEvent.objects.order_by(*order)
    paginator = KeysetPaginator(qs, 5)
    forward = walk(paginator)
    expected = list(paginator.queryset.values_list("pk", flat=True))
    assert [pk for page in forward for pk in page] == expected and len(set(expected)) == 23
    assert [len(p) for p in forward] == [5, 5, 5, 5, 3]
    last = paginator.page(paginator._cursor(SecurityEvent.objects.get(pk=forward[-2][-1]), "n"))
    assert [r.pk for r in last] == forward[-1] and not last.has_next and last.has_previous
    assert list(reversed(walk(paginator, last.previous_cursor, backwards=True))) == forward[:-1]


@pytest.mark.django_db
def test_rows_inserted_while_paging_are_neither_skipped_nor_repeated():
    """New events (newest first, so before the cursor) and an event with the boundary's own time: the pages
    after the first still hold every older row exactly once; OFFSET paging would repeat rows here."""
    tied(20)
    paginator = KeysetPaginator(SecurityEvent.objects.all(), 5)
    first = paginator.page()
    before = list(SecurityEvent.objects.values_list("pk", flat=True))
    boundary = SecurityEvent.objects.get(pk=first.object_list[-1].pk)
    rows(3)  # newer than everything: they belong in front of the first page
    with time_machine.travel(boundary.at, tick=False):  # ties the boundary, with a larger id: sorts before it
        SecurityEvent.objects.create(kind="login", username="same time")
    rest = [pk for page in walk(paginator, first.next_cursor) for pk in page]
    assert rest == before[5:]


@pytest.mark.django_db
@pytest.mark.parametrize("garbled", ["x", "not-a-cursor:abc", "", "%00", "a" * 500])
def test_a_garbled_or_tampered_cursor_is_a_400_with_its_code(garbled):
    tied(8)
    paginator = KeysetPaginator(SecurityEvent.objects.all(), 3)
    good = paginator.page().next_cursor
    tampered = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    foreign = KeysetPaginator(SecurityEvent.objects.order_by("kind"), 3).page().next_cursor  # another list's
    for bad in filter(None, [garbled, tampered, foreign]):
        with pytest.raises(InvalidCursor) as caught:
            paginator.page(bad)
        assert caught.value.code == PaginationErrorCode.INVALID_CURSOR and caught.value.status == 400
        assert "翻页标记无效" in caught.value.message


@pytest.mark.django_db
def test_the_count_is_capped_and_labelled():
    tied(12)
    page = KeysetPaginator(SecurityEvent.objects.all(), 5, cap=10).page()
    assert (page.count, page.capped, page.count_label) == (11, True, "10+")
    assert KeysetPaginator(SecurityEvent.objects.all(), 5, cap=20).page().count_label == "12"
    assert (count_label(1001, 1000), count_label(1000, 1000), count_label(37, 1000)) == ("1 000+", "1 000", "37")


@pytest.mark.django_db
def test_a_page_costs_two_queries_at_any_depth_and_size():
    """One for the rows (a page and one look-ahead), one for the capped count: the same at 12 and at 60 rows,
    on the first page and deep down."""
    costs = []
    for n in (12, 48):
        tied(n)
        deep = KeysetPaginator(SecurityEvent.objects.all(), 5)._cursor(SecurityEvent.objects.order_by("-at", "-id")[9], "n")
        costs.append((query_count(lambda: KeysetPaginator(SecurityEvent.objects.all(), 5).page()),
                      query_count(lambda c=deep: KeysetPaginator(SecurityEvent.objects.all(), 5).page(c))))
    assert costs == [(2, 2), (2, 2)]


def test_a_list_computed_in_full_pages_by_its_key():
    items = [{"n": i % 4, "id": i} for i in range(11)]
    paginator = KeysetPaginator(items, 4, key=lambda r: (r["n"], r["id"]))
    seen, cursor = [], None
    while True:
        page = paginator.page(cursor)
        seen += [r["id"] for r in page]
        if not page.has_next:
            break
        cursor = page.next_cursor
    assert seen == [r["id"] for r in sorted(items, key=lambda r: (r["n"], r["id"]))]
    back = paginator.page(page.previous_cursor)
    assert [r["id"] for r in back] == seen[4:8]
