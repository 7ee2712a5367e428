"""The draw is fair (INS-02, INS-03): over many seeds each target of a class is drawn with frequency count/available,
each inspector is assigned as often as any other, and recusal never puts a linked inspector on a target. Pure
procedure: no database.

The test statistic is Pearson's X² = Σ (O − E)² / E over the targets of one class (the inspectors of one agency),
compared with the χ² critical value at α = 0.001 for n − 1 degrees of freedom (fixed below, from the χ² table). Drawing
without replacement makes each count Binomial(N, p) with fixed total, so X² ≈ (1 − p)·χ²(n − 1): the test is, if
anything, conservative. With ~10 such tests, a fair procedure fails about once in a hundred runs of the whole file
only if every seed were random; the seeds are fixed (sha256 of the run number), so the result is reproducible."""

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhifa.inspections import procedure

pytestmark = [pytest.mark.req("INS-02"), pytest.mark.req("INS-03")]

SEEDS = 2000
# χ² critical values at α = 0.001 (df: value), from the standard table.
CHI2_001 = {4: 18.467, 6: 22.458, 9: 27.877, 19: 43.820}

CLASSES = {"low": (20, "0.1"), "ordinary": (10, "0.5"), "high": (5, "1")}  # class: (available, ratio)
TARGETS = [(f"T{cls[0].upper()}{n:03d}", cls) for cls, (size, _) in CLASSES.items() for n in range(size)]
COUNTS = {cls: procedure.stratum_count(size, ratio) for cls, (size, ratio) in CLASSES.items()}
INSPECTORS = [(1, f"A-{n}") for n in range(7)] + [(2, f"B-{n}") for n in range(5)]


def seed_of(n: int) -> bytes:
    return hashlib.sha256(f"statistics seed {n}".encode()).digest()


def chi2(observed: list[int], expected: float) -> float:
    return sum((o - expected) ** 2 / expected for o in observed)


@pytest.fixture(scope="module")
def runs():
    return [procedure.run(seed_of(n), TARGETS, COUNTS, INSPECTORS, [], 1) for n in range(SEEDS)]


def test_each_target_is_drawn_with_its_class_ratio(runs):
    times = {code: 0 for code, _ in TARGETS}
    for drawn in runs:
        for d in drawn:
            times[d.code] += 1
    for cls, (size, _) in CLASSES.items():
        observed = [times[code] for code, c in TARGETS if c == cls]
        expected = SEEDS * COUNTS[cls] / size
        if COUNTS[cls] == size:
            assert observed == [SEEDS] * size  # a ratio of 1: every target, every time
            continue
        assert chi2(observed, expected) < CHI2_001[size - 1], (cls, observed)


def test_every_inspector_is_assigned_evenly(runs):
    """12 targets a draw, one inspector per agency each: agency 1 (7 inspectors) and agency 2 (5) spread evenly."""
    for agency, size in ((1, 7), (2, 5)):
        times = {cert: 0 for a, cert in INSPECTORS if a == agency}
        for drawn in runs:
            for d in drawn:
                for a, cert in d.inspectors:
                    if a == agency:
                        times[cert] += 1
        total = sum(times.values())
        assert total == SEEDS * sum(COUNTS.values())
        assert chi2(list(times.values()), total / size) < CHI2_001[size - 1], times


def test_the_first_ranked_target_of_a_class_is_uniform(runs):
    """Not only the set: the order (which assigns the inspectors) is uniform too."""
    first = {code: 0 for code, c in TARGETS if c == "ordinary"}
    for drawn in runs:
        first[next(d.code for d in drawn if d.cls == "ordinary" and d.class_rank == 1)] += 1
    assert chi2(list(first.values()), SEEDS / len(first)) < CHI2_001[9]


codes = st.lists(st.from_regex(r"[0-9A-Z]{4}", fullmatch=True), min_size=1, max_size=25, unique=True)


@settings(max_examples=300, deadline=None)
@given(codes=codes, n_insp=st.integers(2, 9), per_agency=st.integers(1, 3), seed=st.binary(min_size=32, max_size=32),
       bars=st.lists(st.tuples(st.integers(0, 8), st.integers(0, 24), st.sampled_from(["linked", "last"])),
                     max_size=60))
def test_recusal_never_assigns_a_linked_inspector(codes, n_insp, per_agency, seed, bars):
    targets = [(c, "k") for c in codes]
    inspectors = [(1, f"C{n}") for n in range(n_insp)]
    recusals = [(f"C{i}", codes[t % len(codes)], reason) for i, t, reason in bars if i < n_insp]
    barred = {(cert, code) for cert, code, _ in recusals}
    try:
        drawn = procedure.run(seed, targets, {"k": len(codes)}, inspectors, recusals, per_agency)
    except procedure.DrawError:
        # Only when some target really has fewer than per_agency inspectors free of recusal.
        assert any(n_insp - len({c for c, code in barred if code == t}) < per_agency for t in codes)
        return
    for d in drawn:
        certs = [cert for _, cert in d.inspectors]
        assert len(certs) == per_agency == len(set(certs))
        assert not any((cert, d.code) in barred for cert in certs)
        assert all((cert, d.code) in barred for cert, _ in d.skipped)


@pytest.mark.req("INS-02")
def test_the_partners_change_from_round_to_round():
    """Review M11: one fixed ring gave 3 distinct pairs over 12 targets with 6 inspectors (the same two always went
    together). Each round is a fresh permutation: over 200 seeds every one of the 15 possible pairs occurs, and a
    draw has more than 3 distinct pairs on average; the work stays even (4 turns each)."""
    from zhifa.inspections import procedure

    targets = [(f"C{i:03d}", "a") for i in range(60)]
    inspectors = [(1, f"X{i}") for i in range(6)]
    pairs_seen, distinct = set(), []
    for n in range(200):
        drawn = procedure.run(n.to_bytes(32, "big"), targets, {"a": 12}, inspectors, [], 2)
        pairs = [tuple(sorted(c for _a, c in d.inspectors)) for d in drawn]
        pairs_seen.update(pairs)
        distinct.append(len(set(pairs)))
        turns = [c for d in drawn for _a, c in d.inspectors]
        assert sorted(turns.count(c) for _a, c in inspectors) == [4] * 6
    assert len(pairs_seen) == 15 and sum(distinct) / len(distinct) > 6
