"""The one paginator of every staff list and API list: keyset pages and a count that stops at a ceiling.

Issue 19 §2. Django's Paginator counts every matching row to number its pages and reads page N with
OFFSET, so a region supervisor's case list grew with the province (a full COUNT over ten million cases,
then OFFSET walking every row before the page). Here:

- a page starts *after* (or ends *before*) the sort key of the row its cursor names, so reading any page
  costs one index range scan of `per_page` rows, however deep it is. The key always ends with the primary
  key, so rows with equal sort values (ties) are neither repeated nor skipped, and a row inserted while
  someone pages never shifts the rows behind it;
- the count stops at `cap` (one LIMITed subquery) and is shown as "1 000+" beyond it;
- the cursor is opaque and signed (django.core.signing), salted with the list's sort key: a garbled,
  tampered or foreign cursor is a 400 with a stable code, never a 500 or a page of another list.

`CappedPaginator` is Django's numbered Paginator with the same capped count, for the public portal's
search results, where readers expect page numbers (its own issue keeps it).
"""

import bisect
import datetime as dt
import decimal
import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from urllib.parse import urlencode

from django.core import signing
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Field, Func, Q, QuerySet, Value
from django.db.models.constants import LOOKUP_SEP
from django.db.models.expressions import OrderBy
from django.db.models.lookups import GreaterThan, LessThan

from .errors import ZhifaError

DEFAULT_CAP = 1000


class PaginationErrorCode(StrEnum):
    INVALID_CURSOR = "invalid_cursor"
    OFFSET_BEYOND_CAP = "offset_beyond_cap"


class InvalidCursor(ZhifaError):
    def __init__(self):
        super().__init__(PaginationErrorCode.INVALID_CURSOR,
                         "翻页标记无效或已过期，请回到列表第一页重新翻页。")


def capped_count(rows, cap: int) -> int:
    """min(number of rows, cap + 1): one LIMITed subquery, never a count of everything."""
    if isinstance(rows, list):
        return min(len(rows), cap + 1)
    # A count needs no order: sorting every match first was most of its time.
    return rows.order_by()[: cap + 1].count()


def count_label(count: int, cap: int) -> str:
    """"37", "1 000" or, past the cap, "1 000+" (a space groups thousands, as GB/T 15835 writes numbers)."""
    shown = min(count, cap)
    return f"{shown:,}".replace(",", " ") + ("+" if count > cap else "")


@dataclass(frozen=True)
class _Key:
    path: str  # the ORDER BY name: a field, a relation path (agency__name) or an annotation
    descending: bool
    nullable: bool
    to_python: object = field(compare=False)

    @property
    def attname(self) -> str:
        return "keyset_" + self.path.replace(LOOKUP_SEP, "_0_") if LOOKUP_SEP in self.path else self.path


@dataclass
class KeysetPage:
    """One page: `object_list` in list order, the cursors of its neighbours, the capped count."""

    object_list: list
    next_cursor: str | None
    previous_cursor: str | None
    count: int
    cap: int
    per_page: int

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @property
    def count_label(self) -> str:
        return count_label(self.count, self.cap)


class KeysetPaginator:
    """Pages of `queryset` in its own order (its order_by, else the model's Meta.ordering), with the primary
    key appended as the tiebreaker when the order does not end with it.

    `page(cursor)` reads the first page for an empty cursor. `page(offset=n)` reads rows n… the old way (the
    API keeps `offset` up to the cap for existing clients); its `next_cursor` continues by key.
    `count_key`: keep the capped count in Django's cache for `count_ttl` seconds under this key (the rows of
    each page are always read fresh).

    A list computed in full (a report derived from several tables, such as the recording findings) pages the
    same way with `key`: a function giving each row a unique tuple of JSON scalars, the list's order."""

    def __init__(self, queryset: QuerySet | list, per_page: int, *, cap: int = DEFAULT_CAP, count_key: str = "",
                 count_ttl: int = 60, key=None, filters: str = ""):
        """`filters`: the list's filters as the request gave them (`list_filters`); a cursor is signed with them, so
        a cursor taken from the unfiltered list and put on a filtered one is refused, not read as a position in
        another list (tryout of issue 19: it skipped a match)."""
        self.per_page, self.cap, self.count_key, self.count_ttl = per_page, cap, count_key, count_ttl
        bound = ":" + hashlib.sha256(filters.encode()).hexdigest()[:16] if filters else ""
        if isinstance(queryset, list):
            if key is None:
                raise TypeError("a list is paged by its `key`")
            self.key, self.keys = key, None
            self.queryset = sorted(queryset, key=key)
            # Where the key function is defined, not only its name: every lambda is called "<lambda>" (review).
            code = getattr(key, "__code__", None)
            where = f"{code.co_filename}:{code.co_firstlineno}" if code else ""
            self.salt = f"zhifa.core.paginator:list:{getattr(key, '__module__', '')}.{getattr(key, '__qualname__', '')}" \
                        f"@{where}{bound}"
            return
        self.key = None
        self.model = queryset.model
        self.keys = self._keys(queryset)
        self.salt = "zhifa.core.paginator:" + self.model._meta.label + ":" + ",".join(
            ("-" if k.descending else "") + k.path for k in self.keys) + bound
        annotations = {k.attname: F(k.path) for k in self.keys if k.attname != k.path}
        self.queryset = queryset.annotate(**annotations).order_by(*self._order_by(self.keys))

    # The order ------------------------------------------------------------------------------------------------

    def _keys(self, queryset: QuerySet) -> list[_Key]:
        query = queryset.query
        names = list(query.order_by) or list(self.model._meta.ordering)
        keys = []
        for name in names:
            if (isinstance(name, OrderBy) and isinstance(name.expression, F)
                    and not (name.nulls_last if name.descending else name.nulls_first)):
                # F("due_on").asc(nulls_last=True): the NULL order this paginator uses anyway (below).
                descending, path = name.descending, name.expression.name
            elif isinstance(name, str) and name != "?":
                descending, path = name.startswith("-"), name.lstrip("-")
            else:
                raise TypeError(f"keyset pages need field names (NULLs largest) to order by, not {name!r}")
            path = "pk" if path == self.model._meta.pk.name else path
            if path == "pk":
                keys.append(_Key("pk", descending, False, self.model._meta.pk.to_python))
                return keys  # unique: whatever came after it never decides an order
            nullable, to_python, path = self._resolve(query, path)
            keys.append(_Key(path, descending, nullable, to_python))
        # The tiebreaker: rows with equal sort values are taken in primary-key order, in the last key's direction.
        keys.append(_Key("pk", keys[-1].descending if keys else False, False, self.model._meta.pk.to_python))
        return keys

    def _resolve(self, query, path: str):
        """(nullable, to_python, path) of an ORDER BY name. A bare relation (`agency`) is compared by its id."""
        if path in query.annotations:
            output = query.annotations[path].output_field
            return True, output.to_python, path
        model, nullable, parts = self.model, False, path.split(LOOKUP_SEP)
        for i, part in enumerate(parts):
            try:
                f = model._meta.get_field(part)
            except FieldDoesNotExist as exc:
                raise TypeError(f"cannot page by {path!r}") from exc
            nullable = nullable or f.null
            if f.is_relation:
                if i == len(parts) - 1:  # Django would expand it to the related model's ordering; we take its id
                    target = f.target_field
                    return nullable, target.to_python, LOOKUP_SEP.join(parts[:-1] + [f.attname])
                model = f.related_model
            else:
                return nullable, f.to_python, path
        raise TypeError(f"cannot page by {path!r}")

    @staticmethod
    def _order_by(keys: list[_Key], *, reverse: bool = False) -> list:
        # NULL sorts as the largest value on every database (PostgreSQL's default; SQLite is told), so the
        # comparisons in _after() mean the same everywhere.
        out = []
        for k in keys:
            descending = k.descending != reverse
            if k.nullable:
                out.append(F(k.path).desc(nulls_first=True) if descending else F(k.path).asc(nulls_last=True))
            else:
                out.append(("-" if descending else "") + k.path)
        return out

    @staticmethod
    def _after(keys: list[_Key], values: list, *, reverse: bool = False) -> Q:
        """Rows strictly after `values` in the list's order (before them with `reverse`): for keys (a, b, id),
        a > x OR (a = x AND b > y) OR (a = x AND b = y AND id > z), directions and NULLs (largest) respected."""
        if len({k.descending for k in keys}) == 1 and not any(k.nullable for k in keys) and None not in values:
            # One direction and no NULLs (the case list's (opened_at, id)): a row-value comparison, which
            # PostgreSQL starts an index scan at. The OR form below it estimates badly: measured at 100 k cases,
            # a deep page took 55 ms by the OR form against 0.26 ms by this one (issue 19 §2).
            row = Func(*[F(k.path) for k in keys], function="", output_field=Field())
            at = Func(*[Value(v) for v in values], function="", output_field=Field())
            return Q(GreaterThan(row, at) if keys[0].descending == reverse else LessThan(row, at))
        never = Q(pk__in=[])
        alternatives, equal = [], Q()
        for k, v in zip(keys, values, strict=True):
            bigger = k.descending == reverse  # does "after" mean a larger value of this key?
            if v is None:
                beyond = never if bigger else Q(**{f"{k.path}__isnull": False})
                same = Q(**{f"{k.path}__isnull": True})
            else:
                beyond = Q(**{f"{k.path}__{'gt' if bigger else 'lt'}": v})
                if k.nullable and bigger:
                    beyond |= Q(**{f"{k.path}__isnull": True})
                same = Q(**{k.path: v})
            alternatives.append(equal & beyond)
            equal &= same
        condition = Q()
        for alternative in alternatives:
            condition |= alternative
        first, v = keys[0], values[0]
        if v is not None and not first.nullable:
            # The same condition once more as a range on the first key, which the planner turns into the start
            # of an index scan: without it an OR of this shape is a filter and a deep page walks the rows before.
            bigger = first.descending == reverse
            condition &= Q(**{f"{first.path}__{'gte' if bigger else 'lte'}": v})
        return condition

    # The cursor -----------------------------------------------------------------------------------------------

    def _values(self, row) -> list:
        if self.key is not None:
            return list(self.key(row))
        if isinstance(row, dict):
            return [row[k.attname] for k in self.keys]
        return [getattr(row, k.attname) for k in self.keys]

    def _cursor(self, row, direction: str) -> str:
        return signing.dumps({"d": direction, "k": [_plain(v) for v in self._values(row)]}, salt=self.salt,
                             compress=True)

    def _decode(self, cursor: str) -> tuple[str, list]:
        try:
            data = signing.loads(cursor, salt=self.salt)
            direction, raw = data["d"], data["k"]
            if direction not in ("n", "p") or not isinstance(raw, list):
                raise ValueError
            if self.key is not None:
                return direction, tuple(raw)
            if len(raw) != len(self.keys):
                raise ValueError
            values = [None if v is None else k.to_python(v) for k, v in zip(self.keys, raw, strict=True)]
        except (signing.BadSignature, ValidationError, ValueError, TypeError, KeyError, UnicodeError,
                decimal.InvalidOperation, OverflowError):
            raise InvalidCursor() from None
        return direction, values

    # Pages ----------------------------------------------------------------------------------------------------

    @cached_property
    def count(self) -> int:
        if self.count_key:
            return cache.get_or_set(f"capped-count:{self.cap}:{self.count_key}",
                                    lambda: capped_count(self.queryset, self.cap), self.count_ttl)
        return capped_count(self.queryset, self.cap)

    def page(self, cursor: str | None = None, *, offset: int = 0) -> KeysetPage:
        size = self.per_page
        if cursor and self.key is not None:
            direction, at = self._decode(cursor)
            keys = [tuple(self.key(r)) for r in self.queryset]
            if direction == "p":
                end = bisect.bisect_left(keys, at)
                rows, has_next, has_previous = self.queryset[max(0, end - size):end], True, end > size
            else:
                start = bisect.bisect_right(keys, at)
                rows, has_next, has_previous = self.queryset[start:start + size], start + size < len(keys), True
        elif cursor:
            direction, values = self._decode(cursor)
            backwards = direction == "p"
            qs = self.queryset.filter(self._after(self.keys, values, reverse=backwards))
            if backwards:
                qs = qs.order_by(*self._order_by(self.keys, reverse=True))
            rows = list(qs[: size + 1])
            more = len(rows) > size
            rows = rows[:size]
            if backwards:
                rows.reverse()
            # The row the cursor came from lies on the other side, so that side has a page.
            has_next, has_previous = (True, more) if backwards else (more, True)
        else:
            rows = list(self.queryset[offset: offset + size + 1])
            has_next, has_previous = len(rows) > size, offset > 0
            rows = rows[:size]
        return KeysetPage(
            object_list=rows,
            next_cursor=self._cursor(rows[-1], "n") if has_next and rows else None,
            previous_cursor=self._cursor(rows[0], "p") if has_previous and rows else None,
            count=self.count, cap=self.cap, per_page=size,
        )


def _plain(value):
    """A sort value as JSON: exact (datetime.isoformat keeps the microseconds DjangoJSONEncoder drops)."""
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


# Query parameters that move through a list rather than filter it: the cursors of a page's lists, the API's paging.
PAGING_PARAMS = frozenset({"page", "limit", "offset"})


def list_filters(request) -> str:
    """The request's filters in a canonical form (sorted; no cursor or paging parameter): what a cursor is bound to."""
    params = sorted((name, sorted(values)) for name, values in request.GET.lists()
                    if name not in PAGING_PARAMS and not name.endswith("cursor"))
    return urlencode(params, doseq=True)


def keyset_page(request, queryset: QuerySet, per_page: int = 50, *, param: str = "cursor", cap: int = DEFAULT_CAP,
                **kwargs) -> KeysetPage:
    """The page a staff list view shows: `?cursor=` from the page controls (components/pager.html). A page with
    two lists gives the second its own `param`."""
    return KeysetPaginator(queryset, per_page, cap=cap, filters=list_filters(request), **kwargs).page(
        request.GET.get(param) or None)


def query_without_cursor(request, param: str = "cursor") -> str:
    """The list's query string without its cursor (and without the old `page`), for the page controls."""
    params = request.GET.copy()
    params.pop(param, None)
    params.pop("page", None)
    return params.urlencode()


class CappedPaginator(Paginator):
    """Django's numbered pages with the capped count (the public portal's search results).

    `count_key`: where to keep the count for `count_ttl` seconds (Django's cache). For public pages many
    readers ask the same search; the rows of each page are always read fresh, only "共 N 条" may lag."""

    def __init__(self, object_list, per_page, *, cap: int = DEFAULT_CAP, count_key: str = "", count_ttl: int = 60,
                 **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap, self.count_key, self.count_ttl = cap, count_key, count_ttl

    @cached_property
    def count(self) -> int:
        if self.count_key:
            return cache.get_or_set(f"capped-count:{self.cap}:{self.count_key}", self._count, self.count_ttl)
        return self._count()

    def _count(self) -> int:
        return capped_count(self.object_list, self.cap)

    @property
    def capped(self) -> bool:
        """True when there are more rows than were counted (the page numbers stop at the cap)."""
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        return super().num_pages if not self.capped else -(-self.cap // self.per_page)
