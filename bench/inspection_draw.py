#!/usr/bin/env python
"""The random-inspection draw benchmark (issue 22, "Benchmarks"): a draw over 1 000 000 targets and 5 000 inspectors
with recusal — time and memory (goal ≤ 10 s, flat memory) — and the offline replay's time.

    .venv/bin/python bench/inspection_draw.py --smoke                 # tiny sizes (CI)
    .venv/bin/python bench/inspection_draw.py                         # (a), (b) at 1 M; (c) through SQLite, 100 000
    .venv/bin/python bench/inspection_draw.py --targets 1000000       # (c) at the full size too
    nice -n 10 .venv/bin/python bench/inspection_draw.py --database-url postgres://postgres@127.0.0.1:5432/zhifa_bench_draw

Printed, each figure with its goal beside it:
  (a) procedure.run alone (zhifa/inspections/procedure.py) over the targets as a stream: time, and peak traced memory
      (tracemalloc) at a tenth of the size and at the full size — flat: the peak does not grow with the population;
  (b) the offline replay (`python -m zhifa.verify draw`'s check on a record of the same size, lines in memory as the
      JSON gives them): time;
  (c) through the database: freeze (populations streamed from the DB into the ledger blob) and make (the blob read
      back, the draw, the rows written) with --targets targets — time of each and the process's peak RSS.
"""

import argparse
import hashlib
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import OUT, recreate_database
from zhifa.inspections import procedure

CLASSES = (("low", "0.02", 0.6), ("ordinary", "0.05", 0.35), ("high", "1", 0.05))  # code, ratio, share
HIGH_CAP = 0.002  # at 1 M targets, 5 % high risk at 100 % would be 50 000 inspections: cap their share to keep sane


def code(n: int) -> str:
    return f"91{n:016d}"


def cls_of(n: int, high_share: float) -> str:
    r = (n * 2654435761) % 1000 / 1000
    if r < high_share:
        return "high"
    return "low" if r < high_share + 0.6 else "ordinary"


def targets(n: int, high_share: float):
    for i in range(n):
        yield code(i), cls_of(i, high_share)


def counts_for(n: int, high_share: float) -> tuple[dict, list]:
    available = {"low": 0, "ordinary": 0, "high": 0}
    for i in range(n):
        available[cls_of(i, high_share)] += 1
    ratios = {c: r for c, r, _ in CLASSES}
    strata = [{"class": c, "ratio": ratios[c], "available": available[c],
               "count": procedure.stratum_count(available[c], ratios[c])} for c in sorted(available)]
    return {s["class"]: s["count"] for s in strata}, strata


def inspectors(m: int, agencies: int = 2):
    return [(1 + i % agencies, f"ZF{i:06d}") for i in range(m)]


def recusals(links: int, n: int, m: int):
    out = []
    for k in range(links):
        h = hashlib.sha256(str(k).encode()).digest()
        out.append((f"ZF{int.from_bytes(h[:4]) % m:06d}", code(int.from_bytes(h[4:8]) % n), "linked"))
    return procedure.recusal_lines(out)


def part_a(n: int, m: int, links: int, high_share: float) -> None:
    seed = hashlib.sha256(b"bench").digest()
    counts, _ = counts_for(n, high_share)
    insp, rec = inspectors(m), list(procedure.parse_recusals(recusals(links, n, m)))
    fixed = {"low": 300, "ordinary": 300, "high": 100}  # the same counts at both sizes: memory by population alone
    for size, c, label in ((n // 10, fixed, "fixed counts"), (n, fixed, "fixed counts"),
                           (n // 10, counts_for(n // 10, high_share)[0], "class ratios"),
                           (n, counts, "class ratios")):
        t0 = time.perf_counter()
        drawn = procedure.run(seed, targets(size, high_share), c, insp, rec, 2)
        seconds = time.perf_counter() - t0
        # Memory in a second run: tracemalloc slows every allocation (about 2x here), so it is not in the timing.
        tracemalloc.start()
        procedure.run(seed, targets(size, high_share), c, insp, rec, 2)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"(a) procedure.run, {label}, {size:>9,} targets, {m:,} inspectors, {links:,} links: {seconds:6.2f} s "
              f"(goal ≤ 10 s at 1 000 000), {len(drawn):,} drawn, peak traced memory {peak / 1e6:6.1f} MB "
              f"(goal: flat in the targets; it grows only with the number drawn)")


def part_b(n: int, m: int, links: int, high_share: float) -> None:
    """A record of the same size, in memory as json.loads gives it, checked by zhifa.verify.draw (signature aside)."""
    from zhifa.verify import draw as replay

    counts, strata = counts_for(n, high_share)
    t_lines = [f"{c}\t{k}" for c, k in targets(n, high_share)]
    i_lines = procedure.inspector_lines(inspectors(m))
    r_lines = recusals(links, n, m)
    frozen = {"algorithm": procedure.NAME, "strata": strata, "per_agency": 2, "beacon": {"after": "", "external": None},
              "targets": {"sha256": procedure.lines_digest(t_lines), "count": len(t_lines)},
              "inspectors": {"sha256": procedure.lines_digest(i_lines), "count": len(i_lines)},
              "recusals": {"sha256": procedure.lines_digest(r_lines), "count": len(r_lines)}}
    from zhifa.ledger.canonical import canonical_json, sha256_hex

    payload = canonical_json({"frozen": frozen, "frozen_sha256": procedure.digest_json(frozen)})
    record = {"format": replay.FORMAT, "frozen": frozen, "frozen_sha256": procedure.digest_json(frozen),
              "population": {"targets": t_lines, "inspectors": i_lines, "recusals": r_lines},
              "freeze_entry": {"payload": payload, "payload_sha256": sha256_hex(payload)}, "checkpoint": None}
    t0 = time.perf_counter()
    problems, _notes, _drawn, _signed = replay.check(record, [])
    seconds = time.perf_counter() - t0
    # The frozen-only path stops before the procedure: time the procedure from the same lines as the replay runs it.
    t1 = time.perf_counter()
    procedure.run(procedure.seed(record["frozen_sha256"], b"\0" * 32), procedure.parse_targets(t_lines), counts,
                  procedure.parse_inspectors(i_lines), procedure.parse_recusals(r_lines), 2)
    run_s = time.perf_counter() - t1
    print(f"(b) offline replay of a {n:,}-target record: checks {seconds:6.2f} s + procedure {run_s:6.2f} s = "
          f"{seconds + run_s:6.2f} s (goal: minutes at most, on any PC){'' if not problems else ' PROBLEMS: ' + str(problems)}")


def part_c(database_url: str, n: int, m: int, links: int, high_share: float) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("ZHIFA_LEDGER_KEY_FILE", str(OUT / "bench-ledger.key"))
    OUT.mkdir(parents=True, exist_ok=True)
    recreate_database(database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from zhifa.core.permissions import Role
    from zhifa.inspections import draws
    from zhifa.inspections.models import Batch, Plan, PlanState, RecusalLink, Target, TargetType
    from zhifa.ledger.services import record_event
    from zhifa.org.models import (
        Agency,
        AgencyKind,
        AgencyStatus,
        Certificate,
        Field,
        Level,
        Person,
        RoleGrant,
    )
    from zhifa.org.tests.factories import jurisdiction

    t0 = time.perf_counter()
    with transaction.atomic():
        region = jurisdiction("基准自治区", Level.REGION, code="B10000")
        j = jurisdiction("基准县", Level.COUNTY, region, code="B10001")
        agency = Agency.objects.create(name="基准县市场监督管理局", kind=AgencyKind.ORGAN, field=Field.MARKET,
                                       jurisdiction=j, status=AgencyStatus.CONFIRMED)
        user = get_user_model().objects.create(username="bench_draw", password="!unusable")
        RoleGrant.objects.create(user=user, role=Role.HANDLING_HEAD, agency=agency)
        today = timezone.localdate()
        people = Person.objects.bulk_create([Person(name=f"检查员{i}", agency=agency) for i in range(m)])
        Certificate.objects.bulk_create([
            Certificate(person=p, number=f"ZF{i:06d}", category=Field.MARKET, area=j,
                        valid_from=today - dt.timedelta(days=365), valid_to=today + dt.timedelta(days=365))
            for i, p in enumerate(people)])
        step = 20_000
        for start in range(0, n, step):
            Target.objects.bulk_create([
                Target(agency=agency, code=c, name=f"企业{c[-6:]}", target_type=TargetType.ENTERPRISE, risk_class=k,
                       place=j) for c, k in ((code(i), cls_of(i, high_share)) for i in range(start, min(n, start + step)))])
        by_code = dict(Target.objects.filter(agency=agency).values_list("code", "pk")) if links else {}
        entry = record_event("inspections.recusal_declared", subject=f"inspections.directory:{agency.pk}", actor=user,
                             payload={"bench": True})
        for k, line in enumerate(recusals(links, n, m)):
            cert, tcode, _ = line.split("\t")
            if k:
                entry = record_event("inspections.recusal_declared", subject=f"inspections.directory:{agency.pk}",
                                     actor=user, payload={"bench": k})
            RecusalLink.objects.create(agency=agency, person=people[int(cert[2:])], target_id=by_code[tcode],
                                       reason="基准", actor=user, entry=entry)
        plan = Plan.objects.create(agency=agency, year=today.year, title="基准计划", state=PlanState.FILED,
                                   created_by=user, filed_at=timezone.now())
        batch = Batch.objects.create(plan=plan, number=1, title="基准批次", target_type=TargetType.ENTERPRISE,
                                     starts_on=today, ends_on=today + dt.timedelta(days=30), created_by=user)
    from zhifa.ledger.services import checkpoint_create

    checkpoint_create()  # the seeding's log entries integrated now, not charged to the draw's first checkpoint
    del by_code
    seeded_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(c) seeded {n:,} targets, {m:,} inspectors, {links:,} links in {time.perf_counter() - t0:.1f} s "
          f"(peak RSS so far {seeded_rss:.0f} MB, from the seeding)")
    t0 = time.perf_counter()
    draw = draws.draw_freeze(batch=batch, actor=user)
    freeze_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    draw = draws.draw_make(draw=draw, actor=user)
    make_s = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(c) through {database_url.split(':', 1)[0]}: freeze {freeze_s:6.2f} s, make {make_s:6.2f} s "
          f"({draw.drawn.count():,} drawn), peak RSS {rss:6.0f} MB (goal: freeze+make ≤ 60 s at 1 000 000; the draw "
          f"adds nothing to the seeding's peak: {'yes' if rss <= seeded_rss * 1.05 else 'NO'})")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for CI")
    parser.add_argument("--population", type=int, default=1_000_000, help="targets for (a) and (b)")
    parser.add_argument("--inspectors", type=int, default=5_000)
    parser.add_argument("--links", type=int, default=50_000, help="recusal links")
    parser.add_argument("--targets", type=int, default=100_000, help="targets for (c), through the database")
    parser.add_argument("--database-url", default=f"sqlite:///{OUT / 'inspection_draw.sqlite3'}")
    parser.add_argument("--skip-db", action="store_true", help="(a) and (b) only")
    args = parser.parse_args(argv)
    if args.smoke:
        args.population, args.inspectors, args.links, args.targets = 2_000, 40, 100, 500
    high = HIGH_CAP if args.population >= 100_000 else 0.05
    part_a(args.population, args.inspectors, args.links, high)
    part_b(args.population, args.inspectors, args.links, high)
    if not args.skip_db:
        part_c(args.database_url, args.targets, min(args.inspectors, 500 if args.smoke else args.inspectors),
               min(args.links, args.targets // 10), HIGH_CAP if args.targets >= 100_000 else 0.05)
    return 0


if __name__ == "__main__":
    sys.exit(main())
