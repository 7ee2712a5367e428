"""Redaction detector on the held-out corpus (tests/redaction_heldout/): P/R/F1 per category with 95 % intervals.

    python bench/redaction_heldout.py [--corpus tests/redaction_heldout/heldout.jsonl] [--docs N] [--repeat 3] [--misses 5]
                                      [--ruleset national|im-m|az]

--ruleset scores only the kinds that rule set's `publicity.mask_kinds` proposes (what a publication of that
jurisdiction would hide; e.g. the party's own name, "party_name", is published there); default: every kind.

The corpus was written by hands that never saw the detector (see tests/redaction_heldout/README.md); the detector is
called only through its public API, `detect(text, known=Known(names=..., public=...))`, with what a case would know:
the natural-person parties' names and the agency's officers and enquiry phone.

Matching rules (a mask is a mask: the detector's kind is not required to agree with the gold category):
- structured identifiers (id_number*, mobile*, landline, bank_card*, email, plate): a gold span is found only if one
  detected span has exactly its start and end (a mobile number written with +86 may be matched with or without it);
- personal names and home addresses: a gold span is found if the union of detected spans covers >= 90 % of its
  characters;
- the detector's two kinds of names (party_name, person_name) are scored together as person_name;
- a detected span is a true positive if at least half of its characters lie in gold spans, otherwise a false
  positive; a false positive is charged to the must-stay-public category it overlaps (company, officer, statute,
  amount, business_premises, ...) or to "other".
Recall is per gold category; precision per detector kind (TP / spans of that kind); F1 per gold category uses the
precision of the detector kind that category belongs to (email, plate: overall precision). Intervals: Wilson score,
95 %. Time: detect() wall time per 1 000 characters of corpus text, best of --repeat passes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT / "tests" / "redaction_heldout" / "heldout.jsonl"
EXACT = ("id_number", "id_number_variant", "mobile", "mobile_variant", "landline", "bank_card", "bank_card_variant",
         "email", "plate")
COVERAGE = 0.9
# The detector tells the party's own name ("party_name", published or not by the jurisdiction's rule) from other
# people's ("person_name"); both are personal names to the gold labels, so their precision is pooled.
SCORED_AS = {"party_name": "person_name"}
# Gold category -> the detector kind whose precision it shares (for F1).
KIND_OF = {"id_number": "id_number", "id_number_variant": "id_number", "mobile": "phone", "mobile_variant": "phone",
           "landline": "phone", "bank_card": "bank_account", "bank_card_variant": "bank_account",
           "home_address": "home_address", "person_name": "person_name", "person_name_known": "person_name"}


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def load(path: Path, limit: int | None) -> list[dict]:
    docs = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    return docs[:limit] if limit else docs


def known_of(doc):
    from zhifa.publicity.redaction import Known
    return Known(names=set(doc["known"]["names"]), public=set(doc["known"]["public"]))


def score(docs: list[dict], misses: int, kinds: list[str] | None = None) -> dict:
    from zhifa.publicity.redaction import detect
    found = Counter()
    total = Counter()
    kind_tp = Counter()
    kind_all = Counter()
    fp_where = Counter()
    missed = defaultdict(list)
    false_pos = defaultdict(list)
    by_context = defaultdict(lambda: [0, 0])  # (category, the 3 characters before the span) -> [found, total]
    for doc in docs:
        text = doc["text"]
        spans = detect(text, known=known_of(doc), kinds=kinds)
        covered = bytearray(len(text))
        exact = set()
        for s in spans:
            covered[s.start:s.end] = b"\x01" * (s.end - s.start)
            exact.add((s.start, s.end))
        gold_mask = bytearray(len(text))
        for g in doc["gold"]:
            gold_mask[g["start"]:g["end"]] = b"\x01" * (g["end"] - g["start"])
            total[g["cat"]] += 1
            if g["cat"] in EXACT:
                ok = (g["start"], g["end"]) in exact or (g.get("alt_start"), g["end"]) in exact
            else:
                ok = sum(covered[g["start"]:g["end"]]) >= COVERAGE * (g["end"] - g["start"])
            if g["cat"] in ("person_name", "home_address"):
                context = (g["cat"], text[max(0, g["start"] - 3):g["start"]].replace("\n", " "))
                by_context[context][1] += 1
                by_context[context][0] += ok
            if ok:
                found[g["cat"]] += 1
            elif len(missed[g["cat"]]) < misses:
                missed[g["cat"]].append(f"{text[g['start']:g['end']]!r} in …{text[max(0, g['start'] - 12):g['end'] + 6]!r}")
        for s in spans:
            kind = SCORED_AS.get(s.kind, s.kind)
            kind_all[kind] += 1
            if sum(gold_mask[s.start:s.end]) * 2 >= s.end - s.start:
                kind_tp[kind] += 1
                continue
            where = next((p["cat"] for p in doc["public"] if p["start"] < s.end and s.start < p["end"]), "other")
            fp_where[where] += 1
            if len(false_pos[kind]) < misses:
                false_pos[kind].append(f"{text[s.start:s.end]!r} ({where}) in …{text[max(0, s.start - 10):s.end + 6]!r}")
    return {"found": found, "total": total, "kind_tp": kind_tp, "kind_all": kind_all, "fp_where": fp_where,
            "missed": missed, "false_pos": false_pos,
            "by_context": by_context}


def throughput(docs: list[dict], repeat: int) -> float:
    from zhifa.publicity.redaction import detect
    chars = sum(len(d["text"]) for d in docs)
    prepared = [(d["text"], known_of(d)) for d in docs]
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for text, known in prepared:
            detect(text, known=known)
        best = min(best, time.perf_counter() - t0)
    return best / chars * 1000 * 1000  # ms per 1 000 characters


def fmt(x: float) -> str:
    return "  –  " if math.isnan(x) else f"{x:.3f}"


def report(r: dict, ms_per_k: float, docs: list[dict]) -> None:
    chars = sum(len(d["text"]) for d in docs)
    print(f"held-out corpus: {len(docs)} documents, {chars} characters, {sum(r['total'].values())} gold spans, "
          f"{sum(len(d['public']) for d in docs)} must-stay-public spans")
    print("\nrecall per gold category (exact span for identifiers; >=90 % coverage for names/addresses)")
    print(f"{'category':<20}{'found':>7}{'of':>6}{'recall':>8}  {'95% CI':<15}{'P(kind)':>8}{'F1':>7}")
    overall_p = sum(r["kind_tp"].values()) / max(1, sum(r["kind_all"].values()))
    for cat in sorted(r["total"]):
        k, n = r["found"][cat], r["total"][cat]
        rec = k / n if n else float("nan")
        lo, hi = wilson(k, n)
        kind = KIND_OF.get(cat)
        p = (r["kind_tp"][kind] / r["kind_all"][kind]) if kind and r["kind_all"][kind] else (overall_p if not kind else float("nan"))
        f1 = 2 * p * rec / (p + rec) if (p + rec) and not math.isnan(p) else float("nan")
        print(f"{cat:<20}{k:>7}{n:>6}{fmt(rec):>8}  [{fmt(lo)}, {fmt(hi)}]{fmt(p):>8}{fmt(f1):>7}")
    k, n = sum(r["found"].values()), sum(r["total"].values())
    lo, hi = wilson(k, n)
    print(f"{'ALL':<20}{k:>7}{n:>6}{fmt(k / n if n else float('nan')):>8}  [{fmt(lo)}, {fmt(hi)}]{fmt(overall_p):>8}")
    print("\nprecision per detector kind (TP = at least half the span in gold)")
    print(f"{'kind':<22}{'TP':>6}{'spans':>7}{'precision':>11}  95% CI")
    for kind in sorted(r["kind_all"]):
        k, n = r["kind_tp"][kind], r["kind_all"][kind]
        lo, hi = wilson(k, n)
        print(f"{kind:<22}{k:>6}{n:>7}{fmt(k / n):>11}  [{fmt(lo)}, {fmt(hi)}]")
    k, n = sum(r["kind_tp"].values()), sum(r["kind_all"].values())
    lo, hi = wilson(k, n)
    print(f"{'ALL':<22}{k:>6}{n:>7}{fmt(k / n if n else float('nan')):>11}  [{fmt(lo)}, {fmt(hi)}]")
    if r["fp_where"]:
        print("false positives by what they hit: " + ", ".join(f"{w} {c}" for w, c in r["fp_where"].most_common()))
    print("\nnames and addresses: recall by the three characters before the span (most frequent 24)")
    for (cat, context), (k, n) in sorted(r["by_context"].items(), key=lambda kv: -kv[1][1])[:24]:
        print(f"  {cat:<14}…{context:<6}{k:>5}/{n:<5}{fmt(k / n)}")
    print(f"\ntime: {ms_per_k:.3f} ms per 1 000 characters (detect(), best pass)")


def main() -> None:
    import django
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--docs", type=int, default=None, help="only the first N documents")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--misses", type=int, default=0, help="print up to N misses and false positives per category")
    parser.add_argument("--ruleset", default=None, help="score only the kinds of this rule set's publicity.mask_kinds")
    args = parser.parse_args()
    docs = load(Path(args.corpus), args.docs)
    kinds = None
    if args.ruleset:
        from zhifa.rules.services import ruleset_read
        kinds = ruleset_read(args.ruleset)["rules"]["publicity.mask_kinds"]["value"]
        print(f"kinds of rule set {args.ruleset}: {', '.join(kinds)}")
    r = score(docs, args.misses, kinds)
    report(r, throughput(docs, args.repeat), docs)
    if args.misses:
        for title, items in (("missed", r["missed"]), ("false positives", r["false_pos"])):
            for cat, examples in sorted(items.items()):
                print(f"\n{title} — {cat}:")
                for e in examples:
                    print("  " + e)


if __name__ == "__main__":
    main()
