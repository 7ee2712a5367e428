#!/usr/bin/env python
"""The pre-scoring benchmark (issue 21, "Benchmarks"): every machine check of case-file evaluation over 10 000 files.

    .venv/bin/python bench/evaluation.py --smoke                                   # SQLite, ~50 files (CI)
    .venv/bin/python bench/evaluation.py --cases 10000 --demo-template             # SQLite
    nice -n 10 .venv/bin/python bench/evaluation.py --cases 10000 \\
        --database-url postgres://postgres@127.0.0.1:5432/zhifa_bench_eval

The files: the demo region and `--cases` seeded cases of bench/supervision_seed.py (finished penalty cases, mostly
clean, with defects of the supervision models planted beside near-miss controls, the truth in a side table).

Printed, each figure with its goal beside it:
  time per file, batched as a campaign pre-scores its draw (prescore over every file, in prescore.BATCH batches):
    median and p95 over the batches of (batch time / files) — goal ≤ 50 ms median;
  time per file, one file per call (an evaluator opening one file): median and p95 over `--singles` files;
  queries per file at 100 files and at every file — goal: flat (the count of a call does not grow with its files);
  agreement with the planted truth: per check, planted defects found (goal 1.0) and controls failed (goal 0).
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import OUT, fresh_demo_database
from bench.supervision import demo_template, setup_django

# The supervision model a seeded defect is of → the check of pre-scoring that must fail the file.
CHECK_OF_MODEL = {"M01": "time_limits", "M02": "time_limits", "M12": "time_limits",
                  "M04": ("officers_certified", "two_officers"),
                  "M05": "review_passed", "M06": "av_recorded", "M08": "published", "M09": "published",
                  "M10": "rights_told", "M11": "rights_told", "M14": "time_barred", "M15": "discretion",
                  "M16": "discretion", "M18": "discretion", "M19": "fine_collection", "M24": "sealed_by_agency"}


def p95(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def counted(fn):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()  # a full log (9000 entries) would make every later count read 0
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - t0
    return result, seconds, len(ctx.captured_queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--smoke", action="store_true", help="about 50 files, one defect and control per model (CI)")
    parser.add_argument("--database-url", default=f"sqlite:///{OUT / 'evaluation_bench.sqlite3'}")
    parser.add_argument("--rate", type=float, default=0.002, help="defects (and controls) per model, as a share")
    parser.add_argument("--singles", type=int, default=200, help="files pre-scored one per call")
    parser.add_argument("--demo-template", action="store_true", help="keep / reuse the loaded demo (see supervision)")
    parser.add_argument("--reuse", action="store_true", help="measure a database seeded by an earlier run")
    parser.add_argument("--json", help="write every figure to this file")
    args = parser.parse_args()
    per = None
    if args.smoke:
        args.cases, args.singles, per = 50, 10, 1
    t0 = time.perf_counter()
    if args.reuse:
        setup_django(args.database_url)
    elif args.demo_template and demo_template(args.database_url, save=False):
        setup_django(args.database_url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    else:
        fresh_demo_database(args.database_url)
        if args.demo_template:
            demo_template(args.database_url, save=True)
    from django.db import connection
    from django.utils import timezone

    from bench import supervision_seed
    from zhifa.cases.models import Case
    from zhifa.evaluation.prescore import BATCH, CHECKS, prescore

    today = timezone.localdate()
    print(f"database: {connection.vendor}; demo ready in {time.perf_counter() - t0:.1f} s", flush=True)
    report = {"database": connection.vendor, "cases": args.cases, "checks": sorted(CHECKS), "batch": BATCH}
    if not args.reuse:
        codes = sorted(CHECK_OF_MODEL)
        seeded = supervision_seed.seed(args.cases, today=today, rate=args.rate, per=per, codes=codes)
        report["seed"] = {k: v for k, v in seeded.items() if k != "params"}
        print(f"seeded {seeded['cases']} files ({seeded['planted']} planted defects, {seeded['controls']} controls) "
              f"in {seeded['seconds']:.1f} s", flush=True)
    truth = supervision_seed.read_truth()
    seeded_ids = {t["case_id"] for t in truth}
    ids = sorted(set(Case.objects.filter(number__startswith="SUPB").values_list("pk", flat=True)) | seeded_ids)
    if not ids:
        ids = sorted(Case.objects.values_list("pk", flat=True))
    codes = sorted(CHECKS)
    n = len(ids)
    print(f"files: {n}; checks: {len(codes)} ({', '.join(codes)})", flush=True)

    # Warm the process (imports, the rule caches, the calendar) on a few files, as a running server is.
    prescore(ids[:5], codes, today=today)

    # 1. Batched, as a campaign pre-scores its draw.
    batch_ms, outcomes = [], {}
    total_queries, t_all = 0, time.perf_counter()
    for start in range(0, n, BATCH):
        part = ids[start:start + BATCH]
        out, seconds, queries = counted(lambda part=part: prescore(part, codes, today=today))
        outcomes.update(out)
        total_queries += queries
        batch_ms.append(seconds * 1000 / len(part))
    all_seconds = time.perf_counter() - t_all
    report["batched_ms_per_file"] = {"median": statistics.median(batch_ms), "p95": p95(batch_ms),
                                     "total_seconds": all_seconds}
    print(f"{'time per file, batched (goal ≤ 50 ms median)':56} median {statistics.median(batch_ms):7.2f} ms   "
          f"p95 {p95(batch_ms):7.2f} ms   ({n} files in {all_seconds:.1f} s, {len(batch_ms)} batches)", flush=True)

    # 2. One file per call.
    step = max(1, n // max(1, args.singles))
    singles = []
    for case_id in ids[::step][:args.singles]:
        _, seconds, _ = counted(lambda case_id=case_id: prescore([case_id], codes, today=today))
        singles.append(seconds * 1000)
    report["single_ms_per_file"] = {"median": statistics.median(singles), "p95": p95(singles), "files": len(singles)}
    print(f"{'time per file, one file per call':56} median {statistics.median(singles):7.2f} ms   "
          f"p95 {p95(singles):7.2f} ms   ({len(singles)} files)", flush=True)

    # 3. Queries: one call over 100 files, one over a full batch, and every file.
    _, _, q1 = counted(lambda: prescore(ids[:1], codes, today=today))
    small = min(100, n)
    _, _, q100 = counted(lambda: prescore(ids[:small], codes, today=today))
    big = min(BATCH, n)
    _, _, qbatch = counted(lambda: prescore(ids[:big], codes, today=today))
    report["queries"] = {"1": q1, str(small): q100, str(big): qbatch, str(n): total_queries}
    print(f"{'queries per call (goal: flat in files)':56} 1 file: {q1}   {small} files: {q100}   "
          f"{big} files: {qbatch}", flush=True)
    print(f"{'queries per file':56} at {small}: {q100 / small:.3f}   at {n}: {total_queries / n:.3f}", flush=True)

    # 4. Agreement with the planted truth.
    agree = {}
    for t in truth:
        checks = CHECK_OF_MODEL.get(t["model"])
        if checks is None or t["case_id"] not in outcomes:
            continue
        checks = (checks,) if isinstance(checks, str) else checks
        check = "+".join(checks)
        row = agree.setdefault(check, {"planted": 0, "found": 0, "left": 0, "passed": 0, "controls": 0,
                                       "controls_failed": 0})
        found = [outcomes[t["case_id"]][c].passed for c in checks]
        passed = False if False in found else (None if None in found else True)
        if t["role"] == "planted":
            row["planted"] += 1
            row["found"] += passed is False
            row["left"] += passed is None
            row["passed"] += passed is True
        else:
            row["controls"] += 1
            row["controls_failed"] += passed is False
    report["truth"] = agree
    print("agreement with the planted truth: a defect failed (recall, goal 1.0), left to the evaluator (a warning of "
          "its model: the data cannot decide), or passed (goal 0); controls failed (goal 0)")
    print(f"{'check':32} {'planted':>8} {'failed':>7} {'recall':>7} {'to person':>10} {'passed':>7} {'controls':>9} "
          f"{'failed':>7}")
    for check, row in sorted(agree.items()):
        recall = row["found"] / row["planted"] if row["planted"] else float("nan")
        print(f"{check:32} {row['planted']:8} {row['found']:7} {recall:7.2f} {row['left']:10} {row['passed']:7} "
              f"{row['controls']:9} {row['controls_failed']:7}")
    decided = {code: sum(1 for o in outcomes.values() if o[code].passed is not None) for code in codes}
    report["decided_share"] = {code: decided[code] / n for code in codes}
    print("share of files each check decided (the rest left to the evaluator): " + ", ".join(
        f"{code} {decided[code] / n:.0%}" for code in codes))
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":
    main()
