"""The verifiable draw, as pure functions anyone can run again from a draw's public record (SUP-05, SUP-06; INS-03).
Shared by special inspections (campaigns), case-file evaluation (evaluation) and random inspections.

1. The population is fixed first: every unit of the scope as (unit id, agency id). Its digest is SHA-256 of one line
   per unit, "<unit id>:<agency id>" in decimal, the lines in ascending unit id and joined by "\\n" (UTF-8): it commits
   both the units and the agency each belongs to (which decides each agency's sample). The caller logs the digest and
   commits it before the seed is made.
2. Then a fresh 32-byte seed (`secrets.token_bytes`).
3. Each unit's score is HMAC-SHA256(key = seed, message = the unit id in decimal, UTF-8), hex. Per agency, the units
   are ranked by score (then by id) and the first N are drawn, N being the sample size, or a ratio of the agency's
   population rounded up (at least one; never more than there are): `per_agency_count`.
"""

import hashlib
import hmac
import math
from collections import defaultdict
from collections.abc import Callable
from fractions import Fraction


def population_digest(population) -> str:
    """SHA-256 of the "unit:agency" lines of `population` [(unit id, agency id), ...], in ascending unit id."""
    lines = (f"{unit_id}:{agency_id}" for unit_id, agency_id in sorted((int(c), int(a)) for c, a in population))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def score(seed: bytes, unit_id: int) -> str:
    return hmac.new(seed, str(unit_id).encode(), hashlib.sha256).hexdigest()


def per_agency_count(available: int, *, size: int | None = None, ratio=None) -> int:
    """How many of an agency's `available` units are drawn: `size`, or ceil(`ratio` × available) and at least one;
    never more than `available`. `ratio` is a Fraction, a Decimal or a string ("0.1"), never a float's rounding."""
    if available <= 0:
        return 0
    if (size is None) == (ratio is None):
        raise ValueError("give a size or a ratio, not both")
    if size is not None:
        return min(int(size), available)
    r = Fraction(str(ratio)) if not isinstance(ratio, Fraction) else ratio
    if not 0 < r <= 1:
        raise ValueError("the ratio is in (0, 1]")
    return min(available, max(1, math.ceil(r * available)))


def pick(seed: bytes, population, per_agency: int | Callable[[int], int]) -> dict[int, list[tuple[int, str]]]:
    """{agency id: [(unit id, score), ...] in draw order} from `population` [(unit id, agency id), ...].
    `per_agency`: the count for every agency, or a function of the agency's population size (per_agency_count)."""
    by_agency = defaultdict(list)
    for unit_id, agency_id in population:
        by_agency[agency_id].append((score(seed, unit_id), unit_id))
    count = per_agency if callable(per_agency) else (lambda _n: per_agency)
    return {agency_id: [(unit_id, s) for s, unit_id in sorted(rows)[:count(len(rows))]]
            for agency_id, rows in sorted(by_agency.items())}
