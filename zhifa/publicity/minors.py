"""Is a decision about a minor? (IM-M §11 (一): 当事人属于未成年人的，不予公开; issue 15 §4.)

Two sources, both read again at every submission, approval and republication, because parties are added and
text is edited after collection: each natural-person party's ID number (under 18 on the decision date,
redaction.minor_on), and every age the text states — "16岁", "十六周岁", "未满十八周岁", "十八周岁以下". A stated
age is not tied to a party here: a minor named anywhere in the decision (a party, a co-offender, a victim) is
reason enough to stop and let a person take the exemption path, and a false alarm costs one exemption request,
while a miss publishes a child's case.
"""

import re
from dataclasses import dataclass

ADULT_AGE = 18
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMBER = r"[0-9０-９]{1,3}|[零〇一二两三四五六七八九十]{1,3}"
# An age: a number, then 岁 or 周岁 (虚岁 too). "不满/未满 N 周岁" and "N 周岁以下" state an upper bound.
AGE_RE = re.compile(r"(?P<under>未满|不满|未达|不足)?\s*(?P<n>" + _NUMBER + r")\s*(?:周岁|虚岁|岁)(?P<below>以下|以内)?")


def cn_number(text: str) -> int | None:
    """十六 → 16, 二十 → 20, 8 → 8, ８ → 8; None if not a number this reads."""
    text = text.translate({ord(c): ord("0") + i for i, c in enumerate("０１２３４５６７８９")})
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        if len(ones) > 1 or (tens and tens not in _CN_DIGITS) or (ones and ones not in _CN_DIGITS):
            return None
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    if len(text) == 1 and text in _CN_DIGITS:
        return _CN_DIGITS[text]
    return None


@dataclass(frozen=True)
class StatedAge:
    start: int
    end: int
    text: str


def minor_ages(text: str) -> list[StatedAge]:
    """The ages in the text that say someone is under 18: "N岁"/"N周岁" with N < 18, and "未满/不满 N 周岁",
    "N 周岁以下" with N ≤ 18."""
    found = []
    for m in AGE_RE.finditer(text or ""):
        n = cn_number(m.group("n"))
        if n is None:
            continue
        bound = m.group("under") or m.group("below")
        if (bound and 0 < n <= ADULT_AGE) or (not bound and n < ADULT_AGE):
            found.append(StatedAge(m.start(), m.end(), m.group()))
    return found
