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
import unicodedata

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

# Issue 14 §9: characters that change how text reads without being seen. A right-to-left override in a
# name prints "gnp.exe" as "exe.png" on a sealed document. The set is Unicode's format characters (Cf:
# bidirectional controls, zero-width spaces and joiners, the BOM, soft hyphen, tags, …), the control
# characters other than tab, line feed and carriage return (NUL has its own message above), the combining
# grapheme joiner and the Hangul fillers, which render as nothing. U+180E MONGOLIAN VOWEL SEPARATOR is a
# format character too, but it belongs to ordinary Mongolian spelling, which Inner Mongolian agencies use.
_INVISIBLE = re.compile(
    "[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\xad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u115f\u1160\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]"
)
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")


def normalise(value: str) -> str:
    """Unicode NFC: "e" + U+0301 and "é" are one name, stored one way. Not NFKC, which would rewrite the
    full-width punctuation and digits of Chinese text (，→ ,  １→ 1)."""
    return value if unicodedata.is_normalized("NFC", value) else unicodedata.normalize("NFC", value)


def invisible_char(value: str) -> tuple[int, str] | None:
    """(position, character) of the first invisible control character in `value`, or None."""
    found = _INVISIBLE.search(value)
    return (found.start(), found.group()) if found else None


def describe_char(char: str) -> str:
    """"双向文字控制符 U+202E（RIGHT-TO-LEFT OVERRIDE）": which character, in words a person can look up."""
    kind = "双向文字控制符" if char in _BIDI else "零宽字符" if char in _ZERO_WIDTH else "不可见的控制字符"
    name = unicodedata.name(char, "")
    return f"{kind} U+{ord(char):04X}" + (f"（{name}）" if name else "")


def invisible_problem(value: str) -> str | None:
    """Why typed text is refused for an invisible control character, saying which one and where, or None."""
    hit = invisible_char(value)
    if hit is None:
        return None
    position, char = hit
    return (f"第 {position + 1} 个字符是不可见的{describe_char(char)}，会使显示的文字与实际内容不一致，"
            "请删除后重新输入。")


def strip_invisible(value: str) -> str:
    """`value` without its invisible control characters: for text a device or a browser made up (file names)."""
    return _INVISIBLE.sub("", value)


def reveal_invisible(value: str) -> str:
    """`value` with each invisible control character shown as [U+202E]: for logs of what someone else sent,
    and for printing rows stored before these characters were refused, so nothing is hidden or lost."""
    return _INVISIBLE.sub(lambda m: f"[U+{ord(m.group()):04X}]", value)


def json_invisible_problem(value, path: str = "", depth: int = 0) -> str | None:
    """The first invisible control character anywhere in a JSON value (keys and strings), with its path."""
    if depth > 64:
        return None  # json_problem refuses the nesting
    if isinstance(value, str):
        problem = invisible_problem(value)
        return f"{path}：{problem}" if problem and path else problem
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and (problem := invisible_problem(key)):
                return f"键名“{strip_invisible(key)[:40]}”{problem}"
            if problem := json_invisible_problem(item, where, depth + 1):
                return problem
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            if problem := json_invisible_problem(item, f"{path}[{index}]", depth + 1):
                return problem
    return None


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


def _text_rule(instance) -> None:
    """Issue 14 §9 (ADR 0006): NFC-normalise every text column in place, and refuse invisible control
    characters in text and JSON with `text_invisible_control`, saying which character, in which field, where.

    A model names the exceptions itself, so a new field gets the rule the day it is added:
    - `VERBATIM_TEXT_FIELDS`: text already digested or signed before the row is saved (a log entry's
      canonical JSON, a signed checkpoint); never rewritten, still refused if it hides a control character;
    - `RECORDED_TEXT_FIELDS`: a record of what someone else sent (the username a login failed with); the
      record must not fail, so the characters are shown as [U+202E] instead of refused.
    """
    verbatim = getattr(instance, "VERBATIM_TEXT_FIELDS", ())
    recorded = getattr(instance, "RECORDED_TEXT_FIELDS", ())
    problems = {}
    for field in instance._meta.concrete_fields:
        if field.is_relation:
            continue
        value = getattr(instance, field.attname, None)
        if isinstance(field, models.JSONField):
            if value is not None and (problem := json_invisible_problem(value)):
                problems[field.name] = f"“{_label(field)}”{problem}"
            continue
        if not isinstance(field, (models.CharField, models.TextField)) or not isinstance(value, str):
            continue
        if field.name not in verbatim and not _BAD_TEXT.search(value):  # lone surrogates: field_problem says so
            value = normalise(value)
        if field.name in recorded:
            value = reveal_invisible(value)
        elif problem := invisible_problem(value):
            problems[field.name] = f"“{_label(field)}”{problem}"
        setattr(instance, field.attname, value)
    if problems:
        raise ZhifaError(CoreErrorCode.TEXT_INVISIBLE_CONTROL, "".join(problems.values()), details=problems)


def check_instance(instance) -> None:
    """Raise `invalid_input` (400) if any concrete field of `instance` does not fit its column, and
    `text_invisible_control` (400) if its text hides invisible control characters (after NFC, `_text_rule`)."""
    _text_rule(instance)
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
