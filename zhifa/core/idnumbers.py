"""Identity numbers: the resident ID number (GB 11643-1999) and the unified social credit code (GB 32100-2015).

This is the one validator every entry point uses (party registration, agency registration and import, access
requests, redaction), so a number accepted in one place is accepted in all and a refusal says exactly which
part is wrong.

Resident ID number, 18 characters: 6-digit address code, 8-digit birth date, 3-digit sequence, and a check
character by ISO 7064 MOD 11-2 (0–9 or X). What is checked:
- length and characters, after folding full-width input (NFKC) and removing spaces;
- the birth date: a real calendar date, not before 1900-01-01 and not after `today`;
- the check character (python-stdnum's `ric.calc_check_digit`).
The address code is *not* a reason to refuse. Division codes are created, merged and abolished every year, and
a number keeps the code of the place where it was first issued, so an old number carries codes no current
table has (python-stdnum's `ric.is_valid` refuses 440305196006156178 because 南山区 did not exist in 1960).
A code that no table we have ever listed gives a warning, never a refusal.

Legacy 15-digit numbers (first-generation cards, void since 1 January 2013) are refused for new entries; the
message shows the 18-digit form GB 11643-1999 would give, to be checked against the person's card.

Unified social credit code, 18 characters from 0–9 and A–Y without I, O, Z, S, V: registration authority
(1 character), entity type (1), the registering authority's division code (6 digits), the organisation code
(9) and a check character (MOD 31 with the standard's weights; python-stdnum's `uscc.calc_check_digit`).
`uscc.is_valid` is not used: it requires the first 8 characters to be digits, which refuses the letter
registration authorities later added to the table (A 中央军委改革和编制办公室, N 农业农村, Y 其他).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.translation import gettext as _
from stdnum import numdb
from stdnum.cn import ric, uscc

EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)

# GB 32100-2015 §4.1: the code's character set (digits and capital letters except I, O, Z, S, V).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# Numbers of the GB 11643 form whose first characters are not a division code:
# - 810000/820000/830000: residence permits of Hong Kong, Macao and Taiwan residents (港澳台居民居住证申领发放办法, 2018);
# - a leading 9: the 2023 foreigners' permanent residence ID card (外国人永久居留身份证, 18 digits, same check).
NOT_DIVISION_CODES = ("810000", "820000", "830000")

_SPACES = re.compile(r"\s+")
# Full-width ASCII (U+FF01–U+FF5E) to ASCII, one character for one, and the ideographic space to a space.
_FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


class IdProblem(StrEnum):
    """Which part of the number is wrong (stable vocabulary for API clients)."""

    EMPTY = "empty"
    LEGACY_15 = "legacy_15_digits"
    LENGTH = "length"
    CHARACTER = "character"
    BIRTH_DATE_INVALID = "birth_date_invalid"
    BIRTH_DATE_FUTURE = "birth_date_in_future"
    BIRTH_DATE_TOO_EARLY = "birth_date_before_1900"
    CHECK_DIGIT = "check_digit"


class IdWarning(StrEnum):
    REGION_UNKNOWN = "region_unknown"


# Problems that leave the number well formed: a real number of the right shape whose birth date is implausible.
_DATE_RANGE_PROBLEMS = frozenset({IdProblem.BIRTH_DATE_FUTURE, IdProblem.BIRTH_DATE_TOO_EARLY})


@dataclass(frozen=True)
class IdCheck:
    """The outcome of checking one number. `message` is the Chinese sentence to show when `ok` is false."""

    number: str
    problem: IdProblem | None = None
    message: str = ""
    warnings: dict[str, str] = field(default_factory=dict)
    birth_date: dt.date | None = None
    expected_check: str | None = None  # set only when the written check character is wrong

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def well_formed(self) -> bool:
        """Right length, characters, check character and a real date, whatever the date is. Redaction masks
        such numbers: hiding a number whose birth date is implausible costs nothing, publishing one does."""
        if self.problem is None:
            return True
        return self.problem in _DATE_RANGE_PROBLEMS and self.expected_check is None

    def details(self) -> dict:
        """For an error's `details`: which part is wrong, and the warnings."""
        out: dict = {"problem": str(self.problem) if self.problem else None}
        if self.expected_check is not None:
            out["expected_check"] = self.expected_check
        if self.warnings:
            out["warnings"] = dict(self.warnings)
        return out


def normalise(raw: str | None) -> str:
    """Fold full-width characters (NFKC: ４４０３…Ｘ → 4403…X), drop spaces, upper-case x."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", raw or "")).upper()


def fold_width(text: str) -> str:
    """Full-width digits and letters to ASCII without changing the text's length, so a match's offsets still
    point into the original (NFKC may change lengths; use `normalise` for a single number)."""
    return text.translate(_FULL_WIDTH)


def check_resident_id(raw: str | None, *, today: dt.date) -> IdCheck:
    """Check a resident ID number (GB 11643-1999) as of `today` (a birth date after it is refused)."""
    number = normalise(raw)
    label = _("居民身份证号码")
    if not number:
        return IdCheck(number, IdProblem.EMPTY, _("请填写%(label)s。") % {"label": label})
    if len(number) == 15 and number.isdigit():
        upgraded = number[:6] + "19" + number[6:]
        upgraded += ric.calc_check_digit(upgraded + "0")
        return IdCheck(number, IdProblem.LEGACY_15, _(
            "%(label)s应为18位：15位号码是第一代居民身份证号码（2013年1月1日起停止使用），请填写现用的18位号码"
            "（按 GB 11643-1999 升位为 %(upgraded)s，请与证件核对）。") % {"label": label, "upgraded": upgraded})
    if len(number) != 18:
        return IdCheck(number, IdProblem.LENGTH,
                       _("%(label)s应为18位（现为%(n)d位）。") % {"label": label, "n": len(number)})
    for position, char in enumerate(number, start=1):
        if not (char.isascii() and char.isdigit()) and not (position == 18 and char == "X"):
            return IdCheck(number, IdProblem.CHARACTER, _(
                "%(label)s第%(position)d位“%(char)s”有误：前17位应为数字，第18位应为数字或X。")
                % {"label": label, "position": position, "char": char})
    written = number[6:14]
    try:
        born = dt.date(int(written[:4]), int(written[4:6]), int(written[6:]))
    except ValueError:
        return IdCheck(number, IdProblem.BIRTH_DATE_INVALID,
                       _("%(label)s中的出生日期%(date)s不是有效日期。") % {"label": label, "date": written})
    expected = ric.calc_check_digit(number)  # ISO 7064 MOD 11-2 over the first 17 digits
    wrong_check = expected if number[17] != expected else None
    # An impossible birth date is named before the check character: it points at the digits to correct.
    if born > today:
        return IdCheck(number, IdProblem.BIRTH_DATE_FUTURE,
                       _("%(label)s中的出生日期%(date)s晚于今天。") % {"label": label, "date": written},
                       birth_date=born, expected_check=wrong_check)
    if born < EARLIEST_BIRTH_DATE:
        return IdCheck(number, IdProblem.BIRTH_DATE_TOO_EARLY,
                       _("%(label)s中的出生日期%(date)s早于1900年1月1日。") % {"label": label, "date": written},
                       birth_date=born, expected_check=wrong_check)
    if wrong_check:
        return IdCheck(number, IdProblem.CHECK_DIGIT, _(
            "%(label)s第18位校验码应为%(expected)s（现为%(actual)s），请核对号码。")
            % {"label": label, "expected": expected, "actual": number[17]},
            birth_date=born, expected_check=expected)
    warnings = {}
    if not _address_code_known(number[:6]):
        warnings[IdWarning.REGION_UNKNOWN] = _(
            "%(label)s前6位地址码%(code)s不在已知的行政区划代码中（可能是已撤销或新设的代码），已接受，请与证件核对。"
        ) % {"label": label, "code": number[:6]}
    return IdCheck(number, warnings=warnings, birth_date=born)


def check_credit_code(raw: str | None) -> IdCheck:
    """Check a unified social credit code (GB 32100-2015): length, character set, the check character."""
    number = normalise(raw)
    label = _("统一社会信用代码")
    if not number:
        return IdCheck(number, IdProblem.EMPTY, _("请填写%(label)s。") % {"label": label})
    if len(number) != 18:
        return IdCheck(number, IdProblem.LENGTH,
                       _("%(label)s应为18位（现为%(n)d位）。") % {"label": label, "n": len(number)})
    for position, char in enumerate(number, start=1):
        if 3 <= position <= 8:
            if not (char.isascii() and char.isdigit()):
                return IdCheck(number, IdProblem.CHARACTER, _(
                    "%(label)s第%(position)d位“%(char)s”有误：第3至8位是登记管理机关行政区划码，应为数字。")
                    % {"label": label, "position": position, "char": char})
        elif char not in USCC_ALPHABET:
            return IdCheck(number, IdProblem.CHARACTER, _(
                "%(label)s第%(position)d位“%(char)s”有误：只能是数字或除 I、O、Z、S、V 以外的大写字母。")
                % {"label": label, "position": position, "char": char})
    expected = uscc.calc_check_digit(number[:17])
    if number[17] != expected:
        return IdCheck(number, IdProblem.CHECK_DIGIT, _(
            "%(label)s第18位校验码应为%(expected)s（现为%(actual)s），请核对代码。")
            % {"label": label, "expected": expected, "actual": number[17]}, expected_check=expected)
    return IdCheck(number)


def _address_code_known(code: str) -> bool:
    """Whether python-stdnum's division table has ever listed the code (abolished codes included)."""
    if code[0] == "9" or code in NOT_DIVISION_CODES:
        return True
    found = {key for _part, props in numdb.get("cn/loc").info(code) for key in props}
    return "county" in found
