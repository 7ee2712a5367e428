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
