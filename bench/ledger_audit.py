#!/usr/bin/env python
"""The full log audit (issue 16): time per 100 000 leaves, extrapolated to 10 M (goal: ≤ 10 minutes), against a
ceiling measured in the same run on the same rows.

    .venv/bin/python bench/ledger_audit.py [--n 100000] [--database-url URL] [--reuse]

The log is bulk-loaded as `integrate` would leave it (entries, leaves, band nodes, a checkpoint every 10 000 leaves
signed by the deployment's key, the key recorded first), because a hundred thousand `record_event` calls would
measure the loader. The ceiling: one raw SQL scan of the same leaf ⋈ entry rows, and that scan plus the hashing
any audit must do (payload digest, leaf hash, tree) in plain Python — what the audit costs beyond it is its checks
(nodes, checkpoints, signatures) and the ORM.
"""

import argparse
import datetime as dt
import hashlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("ZHIFA_BENCH_OUT", ROOT / "bench" / "out"))
sys.path.insert(0, str(ROOT))
GOAL_SECONDS, GOAL_LEAVES = 600, 10_000_000


def setup(database_url: str, fresh: bool):
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("ZHIFA_LEDGER_KEY_FILE", str(OUT / "bench-ledger.key"))
    if fresh:
        from bench.harness import recreate_database

        recreate_database(database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(n: int) -> None:
    """Bulk-load n entries after the key entry, with their leaves, band nodes and checkpoints."""
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.harness import TreeLoader
    from zhifa.ledger import merkle, services, storage
    from zhifa.ledger.audit import _Tree
    from zhifa.ledger.canonical import canonical_json, leaf_input, sha256_hex
    from zhifa.ledger.models import Checkpoint, Entry
    from zhifa.ledger.note import Checkpoint as CheckpointText
    from zhifa.ledger.note import sign_note

    first = services.checkpoint_create()  # records the key (seq 0) and signs size 1
    signer = services.signer()
    origin = CheckpointText.parse(first.note.split("\n\n")[0] + "\n").origin
    nodes: list[tuple[int, int, bytes]] = []
    tree = _Tree(lambda level, index, h: nodes.append((level, index, h)))
    for h in storage.leaf_hashes(0, storage.tree_size()):
        tree.append(h)
    assert tree.size < 256, "the loader continues the open tile of a fresh log"
    next_id = (Entry.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    start = tree.size
    base = timezone.now() - dt.timedelta(days=1)
    payload = {"case": "bench", "officer": "测试执法员", "action": "seize", "items": ["车辆", "证件"]}
    entries, checkpoints = [], []
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        loader = TreeLoader(cur)
        loader.first_seq = start
        loader.size = start
        loader.tile = storage.leaf_hashes(0, start)  # the open tile's first leaves (the key entry, recomputed)
        for i in range(n):
            at = base + dt.timedelta(microseconds=i)
            text = canonical_json({**payload, "i": i})
            digest = sha256_hex(text)
            subject = f"cases.case:{i % 5000}"
            h = merkle.leaf_hash(leaf_input(kind="ledger.log_audit", subject=subject, actor="system",
                                            at=services.at_text(at), payload_sha256=digest))
            entries.append((next_id + i, "ledger.log_audit", subject, "system",
                            connection.ops.adapt_datetimefield_value(at), text, digest))
            loader.add(next_id + i, h)
            tree.append(h)
            if tree.size % 10_000 == 0:
                note = sign_note(CheckpointText(origin, tree.size, tree.root()).text(), signer)
                checkpoints.append(Checkpoint(size=tree.size, root=tree.root(), note=note,
                                              key=signer.verifier.encode()))
            if len(entries) == 20_000 or i == n - 1:
                cur.executemany("INSERT INTO ledger_entry (id, kind, subject, actor, at, payload, payload_sha256) "
                                "VALUES (%s, %s, %s, %s, %s, %s, %s)", entries)
                entries = []
        loader.finish()
        cur.executemany('INSERT INTO ledger_node (level, "index", hash) VALUES (%s, %s, %s)',
                        [row for row in nodes if row[1] >= 0])
        if "ledger_pending" in connection.introspection.table_names():  # the queue's trigger filled it
            cur.execute("DELETE FROM ledger_pending WHERE entry_id >= %s", [next_id])
        Checkpoint.objects.bulk_create(checkpoints)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    services.checkpoint_create()
    print(f"loaded {n} entries, {len(nodes)} nodes, {len(checkpoints) + 2} checkpoints in "
          f"{time.perf_counter() - t0:.1f} s")


def ceiling() -> tuple[float, float, int]:
    """(raw scan seconds, scan + hashing seconds, rows): the same entry rows in seq order with the stored tiles (one
    join over the bulk-loaded log, whose entry id is seq + 1 past the key entry), then the same hashing."""
    from django.db import connection

    from zhifa.ledger import merkle
    from zhifa.ledger.audit import _leaf_input  # the same encoding the audit uses, at its cheapest

    sql = ("SELECT e.id, e.kind, e.subject, e.actor, e.at, e.payload, e.payload_sha256 FROM ledger_entry e "
           "WHERE e.id > %s ORDER BY e.id LIMIT 10240")
    tiles_sql = 'SELECT data FROM ledger_leaftile WHERE "index" >= %s AND "index" < %s ORDER BY "index"'
    for hashing in (False, True):
        t0, rows, last = time.perf_counter(), 0, 0
        compact = merkle.CompactRange()
        with connection.cursor() as cur:
            while True:
                cur.execute(sql, [last])
                batch = cur.fetchall()
                if not batch:
                    break
                first_seq = batch[0][0] - 1
                cur.execute(tiles_sql, [first_seq // 256, (first_seq + len(batch) + 255) // 256])
                stored = b"".join(bytes(row[0]) for row in cur.fetchall())
                rows += len(batch)
                last = batch[-1][0]
                if hashing:
                    base = first_seq - first_seq % 256
                    for entry_id, kind, subject, actor, at, payload, digest in batch:
                        hashlib.sha256(payload.encode()).hexdigest()
                        h = merkle.leaf_hash(_leaf_input(kind, subject, actor, str(at), digest))
                        at_tile = 32 * (entry_id - 1 - base)
                        compact.append(stored[at_tile:at_tile + 32] or h)
        if hashing:
            both = time.perf_counter() - t0
        else:
            scan = time.perf_counter() - t0
    return scan, both, rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--database-url", default=f"sqlite:///{OUT / 'ledger_audit.sqlite3'}")
    parser.add_argument("--reuse", action="store_true", help="audit the log already loaded")
    args = parser.parse_args()
    setup(args.database_url, fresh=not args.reuse)
    from django.db import connection

    from zhifa.ledger.audit import log_audit

    if not args.reuse:
        load(args.n)
    ceiling()  # warm the cache: every figure below reads a warm database
    result = log_audit(record=False)
    assert result.ok, result.problems[:5]
    runs = []
    for _ in range(2):
        t0 = time.perf_counter()
        log_audit(record=False)
        runs.append(time.perf_counter() - t0)
    audit = min(runs)
    scan, both, rows = ceiling()
    per = 100_000 / result.leaves
    projected = audit * GOAL_LEAVES / result.leaves
    print(f"{connection.vendor}: {result.leaves} leaves, {result.nodes} nodes, {result.checkpoints} checkpoints")
    print(f"full audit            {audit:7.2f} s  = {audit * per:6.2f} s per 100 000 leaves "
          f"({result.leaves / audit:8.0f} leaves/s)")
    print(f"ceiling: raw SQL scan {scan:7.2f} s; scan + the same hashing in Python {both:7.2f} s "
          f"({rows} rows); audit / ceiling = {audit / both:4.2f}x")
    print(f"10 M leaves, extrapolated linearly: {projected / 60:5.1f} min (goal ≤ {GOAL_SECONDS // 60} min: "
          f"{'met' if projected <= GOAL_SECONDS else 'NOT met'}); the ceiling's: {both * GOAL_LEAVES / rows / 60:5.1f} min")


if __name__ == "__main__":
    main()
