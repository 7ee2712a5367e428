"""A paginator whose count stops at a ceiling.

Django's Paginator counts every matching row to number its pages; over a million published decisions a
common search word matches most of them, and COUNT(*) of that is the slowest part of the page. Readers
page through the first few hundred results and refine the search for more, as public search engines do,
so we count at most `cap` rows (one LIMITed subquery) and say "more than" beyond it. Django has no such
option and no kept package offers one for Django 5.2, hence this subclass.
"""

from functools import cached_property

from django.core.cache import cache
from django.core.paginator import Paginator


class CappedPaginator(Paginator):
    """`count_key`: where to keep the count for `count_ttl` seconds (Django's cache). For public pages many
    readers ask the same search; the rows of each page are always read fresh, only "共 N 条" may lag."""

    def __init__(self, object_list, per_page, *, cap: int = 1000, count_key: str = "", count_ttl: int = 60, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap, self.count_key, self.count_ttl = cap, count_key, count_ttl

    @cached_property
    def count(self) -> int:
        if self.count_key:
            return cache.get_or_set(f"capped-count:{self.cap}:{self.count_key}", self._count, self.count_ttl)
        return self._count()

    def _count(self) -> int:
        rows = self.object_list
        if hasattr(rows, "order_by"):
            rows = rows.order_by()  # a count needs no order: sorting every match first was most of its time
        return len(rows[: self.cap + 1]) if isinstance(rows, list) else rows[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        """True when there are more rows than were counted (the page numbers stop at the cap)."""
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        return super().num_pages if not self.capped else -(-self.cap // self.per_page)
