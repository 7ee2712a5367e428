#!/usr/bin/env python
"""Witness benchmark (issue 16): append → signed → cosigned-by-2-witnesses checkpoint latency.

    .venv/bin/python bench/ledger_witness.py [--samples 50] [--base 5000] [--per-checkpoint 1] [--witnesses 2]
                                             [--database-url URL]

Each sample commits `--per-checkpoint` entries (record_event, one transaction), signs a checkpoint
(`checkpoint_create`: integrate + sign), then collects the cosignatures of `--witnesses` witnesses (`witness.collect`)
through the real HTTP view (POST /ledger/witness/add-checkpoint, the Django test client in this process: the whole
middleware stack, no network). Each witness verifies the log's signature and the consistency proof from the size it
last cosigned, cosigns and records its state by compare-and-swap; the log verifies and stores each cosignature.

Printed in the same run: append→signed (the ceiling: signing alone, what a log without witnesses publishes) and
append→cosigned, p50 and p95, and the goal (p95 ≤ 2 s). The witnesses share this process and database; across a
network add one round trip per witness (the requests are made in parallel by the default HTTP transport).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("ZHIFA_BENCH_OUT", ROOT / "bench" / "out"))
sys.path.insert(0, str(ROOT))


def setup(database_url: str):
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("ZHIFA_LEDGER_KEY_FILE", str(OUT / "bench-witness-ledger.key"))
    from bench.harness import recreate_database

    recreate_database(database_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host is allowed
    call_command("migrate", verbosity=0)


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--base", type=int, default=5000, help="entries in the log before the samples")
    parser.add_argument("--per-checkpoint", type=int, default=1, help="entries appended before each checkpoint")
    parser.add_argument("--witnesses", type=int, default=2)
    parser.add_argument("--database-url", default=f"sqlite:///{OUT / 'ledger_witness.sqlite3'}")
    args = parser.parse_args(argv)
    setup(args.database_url)

    from django.conf import settings
    from django.db import transaction
    from django.test import Client

    from zhifa.ledger import events, services, witness
    from zhifa.verify.witness import Cosigner, check_policy

    kind = events.register("bench.witnessed", "见证基准事件")
    cosigners = [Cosigner.generate(f"w{i}.bench.example/witness") for i in range(args.witnesses)]
    settings.ZHIFA_WITNESS_LOGS = [{"origin": settings.ZHIFA_LEDGER_ORIGIN,
                                    "keys": [services.signer().verifier.encode()]}]
    settings.ZHIFA_WITNESS_RATE = "10000000/m"
    settings.ZHIFA_LEDGER_WITNESSES = [{"url": f"http://w{i}.bench/ledger/witness", "key": c.verifier.encode()}
                                       for i, c in enumerate(cosigners)]
    client = Client()

    def post(url, body):  # witness i = this process with witness key i, through the real view
        parts = urlsplit(url)
        settings.ZHIFA_WITNESS_KEY = cosigners[int(parts.hostname.split(".")[0][1:])].encode()
        response = client.post(parts.path, body, content_type="text/plain")
        return response.status_code, response["Content-Type"], response.content

    counter = 0

    def append(n):
        nonlocal counter
        with transaction.atomic():
            for _ in range(n):
                services.record_event(kind, subject=f"bench:{counter}", payload={"i": counter, "who": "测试执法员"})
                counter += 1

    for start in range(0, args.base, 5000):
        append(min(5000, args.base - start))
    first = services.checkpoint_create()
    result = witness.collect(transport=post)
    assert len(result.cosigned) == args.witnesses, result.errors

    signed, cosigned, collect_only = [], [], []
    for _ in range(args.samples):
        t0 = time.perf_counter()
        append(args.per_checkpoint)
        cp = services.checkpoint_create()
        t1 = time.perf_counter()
        result = witness.collect(cp, transport=post)
        t2 = time.perf_counter()
        if len(result.cosigned) != args.witnesses:
            raise SystemExit(f"not cosigned: {result.errors}")
        signed.append(t1 - t0)
        cosigned.append(t2 - t0)
        collect_only.append(t2 - t1)
    note = witness.cosigned_note(cp)
    ok = check_policy(note, [services.signer().verifier], [c.verifier for c in cosigners], args.witnesses).ok
    assert ok, "the cosigned checkpoint does not pass the witness policy"

    db = "PostgreSQL" if args.database_url.startswith("postgres") else "SQLite"
    print(f"{db}: log of {first.size} → {cp.size} leaves, {args.samples} samples, {args.per_checkpoint} entr"
          f"{'y' if args.per_checkpoint == 1 else 'ies'} per checkpoint, {args.witnesses} witnesses (in-process HTTP)")
    ms = lambda v: f"{v * 1000:.1f} ms"  # noqa: E731
    print(f"  append→signed   (ceiling: signing alone)  p50 {ms(statistics.median(signed))}  p95 {ms(pct(signed, .95))}")
    print(f"  append→cosigned ({args.witnesses} witnesses)            p50 {ms(statistics.median(cosigned))}  "
          f"p95 {ms(pct(cosigned, .95))}")
    print(f"  witness round (collect only)            p50 {ms(statistics.median(collect_only))}  "
          f"p95 {ms(pct(collect_only, .95))}")
    print(f"  cosigned / signed p95: {pct(cosigned, .95) / pct(signed, .95):.2f}×;  goal p95 ≤ 2 s: "
          f"{'met' if pct(cosigned, .95) <= 2.0 else 'NOT met'}")


if __name__ == "__main__":
    main()
