"""Input bounds: a value is checked against the column it goes to before the database sees it (issue 13 §5).

SQLite stores a 1 000-character string in a `varchar(300)`, PostgreSQL refuses it with an error the
caller never sees as anything but a 500; the same holds for integers past the column's range, decimals
with too many digits, NUL characters (PostgreSQL text and jsonb refuse them) and lone surrogates (not
UTF-8). So the limits are not written twice: `check_instance` derives them from the model fields
(`max_length`, the integer ranges PostgreSQL enforces, `max_digits`), and core's app config runs it before
every save of a zhifa model, so a new field is covered the day it is added and both databases answer the
same 400 `invalid_input` naming the field.

For what never becomes a row — ids, offsets, years and dates in a query string, tus metadata — the
`parse_*` helpers here and the API types in `core.api` say the same limits once.
"""

import datetime as dt
import decimal
import re

from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations

from .errors import CoreErrorCode, ZhifaError

MAX_BIGINT = 2**63 - 1
# PostgreSQL's ranges, enforced on SQLite too, so a value refused on one database is refused on both.
INTEGER_RANGES = BaseDatabaseOperations.integer_field_ranges
# Dates outside these years are typing errors in this domain, and datetimes near year 1 or 9999 overflow
# when converted between time zones.
MIN_YEAR, MAX_YEAR = 1900, 2999

_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text on every database, or None."""
    found = _BAD_TEXT.search(value)
    if found is None:
        return None
    return "不能包含空字符（NUL）。" if found.group() == "\x00" else "含有无效的字符编码。"


def json_problem(value, depth: int = 0) -> str | None:
    """The first text problem anywhere in a JSON value (keys and strings), or None."""
    if depth > 64:
        return "数据嵌套层级过深。"
    if isinstance(value, str):
        return text_problem(value)
    if isinstance(value, dict):
        for key, item in value.items():
            if problem := (text_problem(key) if isinstance(key, str) else None) or json_problem(item, depth + 1):
                return problem
    elif isinstance(value, (list, tuple)):
        for item in value:
            if problem := json_problem(item, depth + 1):
                return problem
    return None


def _label(field) -> str:
    return str(field.verbose_name)


def field_problem(field, value) -> str | None:
    """Why `value` does not fit `field`'s column, in Chinese, or None."""
    if value is None:
        return None
    label = _label(field)
    if isinstance(field, models.JSONField):
        problem = json_problem(value)
        return f"“{label}”{problem}" if problem else None
    if isinstance(field, (models.CharField, models.TextField)) and not isinstance(value, str):
        value = str(value)  # what Django would store
    if isinstance(value, str):
        if problem := text_problem(value):
            return f"“{label}”{problem}"
        max_length = getattr(field, "max_length", None)
        if max_length is not None and len(value) > max_length:
            return f"“{label}”不能超过 {max_length} 个字符（现为 {len(value)} 个）。"
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and (limits := INTEGER_RANGES.get(field.get_internal_type())):
        low, high = limits
        if not low <= value <= high:
            return f"“{label}”应在 {low} 至 {high} 之间。"
        return None
    if isinstance(field, models.DecimalField) and isinstance(value, (decimal.Decimal, int, float, str)):
        try:
            DecimalValidator(field.max_digits, field.decimal_places)(decimal.Decimal(str(value)))
        except (ValidationError, decimal.InvalidOperation):
            whole = field.max_digits - field.decimal_places
            return f"“{label}”应为不超过 {whole} 位整数、{field.decimal_places} 位小数的数字。"
        return None
    if isinstance(value, (dt.date, dt.datetime)) and not MIN_YEAR <= value.year <= MAX_YEAR:
        return f"“{label}”的年份应在 {MIN_YEAR} 至 {MAX_YEAR} 之间。"
    return None


def check_instance(instance) -> None:
    """Raise `invalid_input` (400) if any concrete field of `instance` does not fit its column."""
    problems = {}
    for field in instance._meta.concrete_fields:
        if field.is_relation:
            continue  # a foreign key holds the id of a row that exists
        problem = field_problem(field, getattr(instance, field.attname, None))
        if problem:
            problems[field.name] = problem
    if problems:
        raise ZhifaError(CoreErrorCode.INVALID_INPUT, "".join(problems.values()), details=problems)


def guard_save(sender, instance, raw=False, **kwargs) -> None:
    """pre_save receiver (connected in CoreConfig.ready) for every zhifa model; fixtures (`raw`) are trusted."""
    if not raw and sender.__module__.startswith("zhifa."):
        check_instance(instance)


# --- values that never become a row: ids, numbers and dates from query strings, forms, headers ------------

def parse_id(value) -> int | None:
    """A row id from a query string, form field or header: a positive 64-bit integer, or None.
    None matches no row (`filter(pk=None)`), so a bad id reads as a missing one."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = str(value or "").strip()
        if not text.isascii() or not text.isdigit():
            return None
        number = int(text)
    return number if 1 <= number <= MAX_BIGINT else None


def parse_int(value, *, low: int, high: int, default: int | None = None) -> int | None:
    """An integer in [low, high] from text, or `default` when absent or malformed."""
    text = str(value if value is not None else "").strip()
    if not re.fullmatch(r"[+-]?[0-9]{1,19}", text):
        return default
    number = int(text)
    return number if low <= number <= high else default


def parse_date(value) -> dt.date | None:
    """An ISO date within MIN_YEAR..MAX_YEAR, or None."""
    try:
        day = dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None
    return day if MIN_YEAR <= day.year <= MAX_YEAR else None


def parse_moment(value, *, tz=None) -> dt.datetime | None:
    """An ISO 8601 moment within MIN_YEAR..MAX_YEAR (naive ones in the current time zone), or None."""
    from django.utils import timezone

    try:
        moment = dt.datetime.fromisoformat(str(value or "").strip())
    except ValueError:
        return None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        return None
    return timezone.make_aware(moment, tz) if timezone.is_naive(moment) else moment
