"""The random-inspection draw (双随机; INS-02, INS-03), as pure functions: no Django, no database. The service
(draws.py) and the offline replay (`python -m zhifa.verify draw RECORD.json`) run this same code, so a published
draw's record alone gives its targets and inspectors again.

Why our own code: the Chinese draw code that exists picks with an unseeded generator in database order; the
public samplers that can be replayed (RFC 3797, the Colorado audit's SHA-256 sampler, NIST's beacon procedure) are
procedures, not libraries we can install. This module is that procedure, written out; `VERSION` names it.

The procedure, version 1 ("zhifa-draw/1"):

1. Freezing (before the randomness exists). The populations are written as canonical text and hashed:
   - targets: one line per target of the batch's scope, "<token>\\t<class>" (token: `target_token` of the target's
     code — the unified social credit code or the directory's code — and a fresh random salt; class: the risk/credit
     class code), lines sorted by token, joined by "\\n", UTF-8. The salts and codes stay with the agency; those of
     the targets drawn are published with the result;
   - inspectors: one line per eligible inspector, "<agency id>\\t<certificate number>", sorted, joined the same way;
   - recusals: one line per constraint known at freezing, "<certificate number>\\t<target token>\\t<reason code>"
     (reason "linked": declared link to the target; "last": inspected the target last time), sorted.
   The frozen record (`frozen`, a JSON object) holds the three digests and counts, the count to draw from each class
   (`strata`: [{"class", "ratio", "available", "count"}], count = ceil(ratio × available), at least one, never more
   than available, as `stratum_count`), the inspectors per agency per target, the algorithm and its version, and
   the randomness source: the first ledger checkpoint signed after the stated moment (`beacon.after`) whose tree
   includes the freezing entry, and optionally an external public value the bureau names (`beacon.external`: its
   source — which lottery, which issue, which day — and how many numbers it has).
   Its digest is SHA-256 of its canonical JSON (`canonical_json`: sorted keys, no spaces, UTF-8).
2. The seed: SHA-256 of the UTF-8 text "zhifa-draw/1\\n<frozen digest hex>\\n<checkpoint root, base64>\\n<external
   value, as `canonical_external`, or empty>" (`seed`).
3. Targets: each target's score is HMAC-SHA256(key = seed, message = "t\\t<token>"), hex. Within each class, targets
   are ranked by (score, token); the first `count` are drawn. The drawn targets, all classes together, are then put
   in order by (score, token): that order assigns the inspectors.
4. Inspectors: each agency's inspectors are dealt in rounds. Round r (0, 1, 2, …) is the agency's inspectors ranked
   by HMAC-SHA256(seed, "i\\t<agency id>\\t<certificate>\\t<r>") (then by certificate); the rounds follow one another
   as one long sequence of turns. For each drawn target in order, and each agency in ascending id, the next turns of
   that agency's sequence are taken until `per_agency` inspectors are had: one under a recusal for that target is
   passed over (the skip recorded with its reason, once per target), one met again for the same target (across a
   round's end) is passed over silently. Each inspector has one turn per round, so the work is even, and the
   partners change from round to round. If two rounds' worth of turns find too few, the draw fails (`DrawError`):
   there are not enough inspectors free of recusal.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from zhifa.core.sampling import per_agency_count

ALGORITHM = "zhifa-draw"
VERSION = 1
NAME = f"{ALGORITHM}/{VERSION}"

RECUSAL_REASONS = {"linked": "与检查对象存在利害关系", "last": "上次检查该对象的检查人员"}


class DrawError(Exception):
    """The draw cannot be made as frozen (too few inspectors free of recusal)."""


def canonical_json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def digest_json(value) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


# --- populations --------------------------------------------------------------------------------------------------

def _check_field(value: str, what: str) -> str:
    value = str(value)
    if not value or "\t" in value or "\n" in value or "\r" in value:
        raise ValueError(f"{what} must be non-empty, without tabs or line breaks: {value!r}")
    return value


def target_lines(targets: Iterable[tuple[str, str]]) -> list[str]:
    """[(code, class), ...] as the sorted canonical lines. Codes are unique."""
    lines = sorted(f"{_check_field(code, 'code')}\t{_check_field(cls, 'class')}" for code, cls in targets)
    for a, b in zip(lines, lines[1:], strict=False):
        if a.split("\t", 1)[0] == b.split("\t", 1)[0]:
            raise ValueError(f"target code listed twice: {a.split(chr(9), 1)[0]}")
    return lines


def inspector_lines(inspectors: Iterable[tuple[int, str]]) -> list[str]:
    """[(agency id, certificate number), ...] as the sorted canonical lines. Certificates are unique."""
    lines = sorted({f"{int(agency)}\t{_check_field(cert, 'certificate')}" for agency, cert in inspectors})
    certs = [line.split("\t", 1)[1] for line in lines]
    if len(set(certs)) != len(certs):
        raise ValueError("a certificate is listed under two agencies")
    return lines


def recusal_lines(recusals: Iterable[tuple[str, str, str]]) -> list[str]:
    """[(certificate, target code, reason code), ...] as the sorted canonical lines (duplicates once)."""
    out = set()
    for cert, code, reason in recusals:
        if reason not in RECUSAL_REASONS:
            raise ValueError(f"unknown recusal reason {reason!r}")
        out.add(f"{_check_field(cert, 'certificate')}\t{_check_field(code, 'code')}\t{reason}")
    return sorted(out)


def lines_digest(lines: Iterable[str]) -> str:
    """SHA-256 of the lines joined by "\\n" (no final newline), streamed: memory flat in the number of lines."""
    h = hashlib.sha256()
    first = True
    for line in lines:
        if not first:
            h.update(b"\n")
        h.update(line.encode())
        first = False
    return h.hexdigest()


def parse_targets(lines: Iterable[str]) -> Iterator[tuple[str, str]]:
    for line in lines:
        code, cls = line.split("\t")
        yield code, cls


def parse_inspectors(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    for line in lines:
        agency, cert = line.split("\t")
        yield int(agency), cert


def parse_recusals(lines: Iterable[str]) -> Iterator[tuple[str, str, str]]:
    for line in lines:
        cert, code, reason = line.split("\t")
        yield cert, code, reason


# --- counts and seed ----------------------------------------------------------------------------------------------

def stratum_count(available: int, ratio) -> int:
    """ceil(ratio × available), at least one when any is available, never more than available. `ratio` is a string
    ("0.05"), a Decimal or a Fraction in (0, 1] — never a float's rounding. The same count as every other draw of the
    project (core.sampling.per_agency_count, pure as this module)."""
    return per_agency_count(available, ratio=ratio)


def target_token(code: str, salt_hex: str) -> str:
    """What stands for a target in the published population: SHA-256 of "zhifa-draw-target\\n<salt hex>\\n<code>",
    hex. The salt is 16 random bytes per target and draw, kept by the agency and revealed with the result for the
    targets drawn only: the record commits to every target without telling anyone which company carries which
    risk class (review H6), and anyone checks that a drawn token is the company named."""
    return hashlib.sha256(f"zhifa-draw-target\n{salt_hex}\n{code}".encode()).hexdigest()


def canonical_external(value: str, numbers: int) -> str:
    """The external public value as it enters the seed: exactly `numbers` whole numbers (a lottery's balls, an
    index's digits groups), written in decimal without leading zeros, separated by one space. "03 12 18 22 27 31 + 09",
    "3,12,18,22,27,31,9" and "03-12-18-22-27-31 09" are all "3 12 18 22 27 31 9": a spelling cannot choose the
    outcome (review H1/H2). Raises ValueError when the count differs."""
    import re

    found = [str(int(n)) for n in re.findall(r"[0-9]+", value or "")]
    if len(found) != numbers:
        raise ValueError(f"expected {numbers} numbers, found {len(found)}")
    return " ".join(found)


def seed(frozen_digest: str, checkpoint_root: bytes, external_value: str = "") -> bytes:
    import base64

    text = f"{NAME}\n{frozen_digest}\n{base64.b64encode(checkpoint_root).decode()}\n{external_value}"
    return hashlib.sha256(text.encode()).digest()


def _score(key: bytes, message: str) -> bytes:
    return hmac.digest(key, message.encode(), "sha256")


def target_score(seed_bytes: bytes, code: str) -> str:
    return _score(seed_bytes, f"t\t{code}").hex()


# --- the draw -----------------------------------------------------------------------------------------------------

@dataclass
class Drawn:
    code: str
    cls: str
    score: str  # hex
    rank: int  # 1-based, in the assignment order over all classes
    class_rank: int  # 1-based within its class
    inspectors: list[tuple[int, str]] = field(default_factory=list)  # (agency id, certificate), in order taken
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (certificate, reason code)

    def as_dict(self) -> dict:
        return {"code": self.code, "class": self.cls, "score": self.score, "rank": self.rank,
                "class_rank": self.class_rank, "inspectors": [[a, c] for a, c in self.inspectors],
                "skipped": [[c, r] for c, r in self.skipped]}


def draw_targets(seed_bytes: bytes, targets: Iterable[tuple[str, str]], counts: dict[str, int]) -> list[Drawn]:
    """The drawn targets in assignment order. `targets` may be a stream (one pass; memory grows with the counts,
    not with the population): each class keeps a bounded heap of its best `count`."""
    heaps: dict[str, list] = {cls: [] for cls in counts}
    for code, cls in targets:
        n = counts.get(cls, 0)
        if n <= 0:
            continue
        s = _score(seed_bytes, f"t\t{code}")
        # Keep the n smallest (score, code): a max-heap of size n on the negated key.
        key = (s, code)
        heap = heaps[cls]
        item = (_Neg(key), code, s)
        if len(heap) < n:
            heapq.heappush(heap, item)
        elif key < heap[0][0].key:
            heapq.heapreplace(heap, item)
    drawn: list[Drawn] = []
    for cls, heap in heaps.items():
        for class_rank, (_neg, code, s) in enumerate(sorted(heap, key=lambda t: (t[2], t[1])), 1):
            drawn.append(Drawn(code=code, cls=cls, score=s.hex(), rank=0, class_rank=class_rank))
    drawn.sort(key=lambda d: (d.score, d.code))
    for rank, d in enumerate(drawn, 1):
        d.rank = rank
    return drawn


class _Neg:
    """Reverses the order of a key, for a max-heap with heapq."""

    __slots__ = ("key",)

    def __init__(self, key):
        self.key = key

    def __lt__(self, other):
        return self.key > other.key

    def __eq__(self, other):
        return self.key == other.key


def _round_order(seed_bytes: bytes, agency: int, certs: list[str], round_: int) -> list[str]:
    return sorted(certs, key=lambda c: (_score(seed_bytes, f"i\t{agency}\t{c}\t{round_}"), c))


def assign_inspectors(seed_bytes: bytes, drawn: list[Drawn], inspectors: Iterable[tuple[int, str]],
                      recusals: Iterable[tuple[str, str, str]], per_agency: int) -> None:
    """Fill each drawn target's `inspectors` and `skipped` (see the module's step 4). Each agency's inspectors are
    dealt in rounds: every round is a fresh permutation of them, so each inspector has one turn per round (the work
    stays even) while who goes with whom changes from round to round."""
    if per_agency < 1:
        raise ValueError("at least one inspector per agency")
    rings: dict[int, list[str]] = {}
    for agency, cert in inspectors:
        rings.setdefault(int(agency), []).append(cert)
    barred: dict[str, dict[str, str]] = {}  # target code -> {certificate: reason}; "linked" wins over "last"
    for cert, code, reason in recusals:
        known = barred.setdefault(code, {})
        if known.get(cert) != "linked":
            known[cert] = reason
    cursors = dict.fromkeys(rings, 0)
    orders: dict[tuple[int, int], list[str]] = {}

    def at(agency: int, position: int) -> str:
        certs = rings[agency]
        round_, index = divmod(position, len(certs))
        key = (agency, round_)
        if key not in orders:
            orders.pop((agency, round_ - 2), None)  # only the current round (and the one before) are kept
            orders[key] = _round_order(seed_bytes, agency, certs, round_)
        return orders[key][index]

    for d in drawn:
        bars = barred.get(d.code, {})
        for agency in sorted(rings):
            n, taken, seen = len(rings[agency]), [], set()
            position = cursors[agency]
            # Two rounds' worth of turns meet every inspector at least once: too few found by then, there are too few.
            for _turn in range(2 * n):
                cert = at(agency, position)
                position += 1
                if cert in seen:  # met again across a round's end: already taken or passed over for this target
                    continue
                seen.add(cert)
                if cert in bars:
                    d.skipped.append((cert, bars[cert]))
                    continue
                taken.append(cert)
                if len(taken) == per_agency:
                    break
            else:
                raise DrawError(f"机关 {agency} 可参加抽查、且无需回避对象 {d.code} 的检查人员不足 {per_agency} 名。")
            cursors[agency] = position
            d.inspectors.extend((agency, cert) for cert in taken)


def run(seed_bytes: bytes, targets: Iterable[tuple[str, str]], counts: dict[str, int],
        inspectors: Iterable[tuple[int, str]], recusals: Iterable[tuple[str, str, str]], per_agency: int) -> list[Drawn]:
    """The whole draw: targets, then inspectors."""
    drawn = draw_targets(seed_bytes, targets, counts)
    assign_inspectors(seed_bytes, drawn, inspectors, recusals, per_agency)
    return drawn


def result_digest(drawn: list[Drawn]) -> str:
    """SHA-256 of the result's canonical JSON: what the service logs when the draw is made."""
    return digest_json([d.as_dict() for d in drawn])
