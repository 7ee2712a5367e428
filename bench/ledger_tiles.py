#!/usr/bin/env python
"""Static tiles (issue 16): server time per tile request, client-side proof time from tiles, and the JSON proof
endpoint in the same run; storage per leaf of the tree tables.

    .venv/bin/python bench/ledger_tiles.py [--n 1000000] [--samples 300] [--reload] [--database-url URL]

Bulk-loads `n` leaves (and their band nodes) into a SQLite file (or the PostgreSQL database of `--database-url`,
always reloaded) exactly as `integrate` stores them (bench.harness.TreeLoader: tile rows, batch rows), like
bench/ledger.py proofs10m: Entry rows only for the open tile, whose hashes are recomputed from them, because proofs
and tiles read only tiles, nodes and those. Then
signs one checkpoint over the whole tree and measures, through Django's test client (the whole middleware stack):
- GET /ledger/tile/0/<N>: a full tile not yet cached, and cached; a partial tile; the checkpoint;
- an outside verifier (zhifa.verify.tiles) proving inclusion from tiles it fetched (compute only, and end to end);
- GET /api/ledger/proofs/inclusion (the JSON convenience, now computed from tiles), and the stored-tree reader it
  replaced (selectors.TreeReader), in the same run.
Goal (issue 16): inclusion proof from tiles ≤ 1 ms server time at 10 M leaves; tree storage ≤ 40 B per leaf.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("ZHIFA_BENCH_OUT", ROOT / "bench" / "out"))
sys.path.insert(0, str(ROOT))


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def ms(values) -> str:
    return f"median {statistics.median(values) * 1000:7.3f} ms  p95 {pct(values, .95) * 1000:7.3f} ms"


def setup(database_url: str, fresh: bool):
    OUT.mkdir(parents=True, exist_ok=True)
    if fresh:
        from bench.harness import recreate_database

        recreate_database(database_url)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("ZHIFA_LEDGER_KEY_FILE", str(OUT / "bench-ledger.key"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(n: int):
    """n leaves, the level-8/16/24 nodes integrate would store, and one signed checkpoint over them."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.harness import TreeLoader
    from zhifa.ledger import merkle, services
    from zhifa.ledger.canonical import canonical_json, sha256_hex
    from zhifa.ledger.models import BAND, Entry
    from zhifa.ledger.note import Checkpoint as CheckpointText
    from zhifa.ledger.note import sign_note

    t0 = time.perf_counter()
    compact = merkle.CompactRange()
    width = 1 << BAND
    bands = {8: [], 16: [], 24: []}
    chunk = []
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        with connection.cursor() as cur:
            cur.execute("PRAGMA synchronous=OFF")
    open_start = n - n % width
    at = timezone.now()
    with transaction.atomic(), connection.cursor() as cur:
        tree = TreeLoader(cur)
        for seq in range(n):
            if seq < open_start:
                h = merkle.leaf_hash(seq.to_bytes(8, "big"))
            else:  # the open tile: real entries, since its hashes are recomputed from them
                text = canonical_json({"seq": seq})
                entry = Entry.objects.create(id=seq + 1, kind="ledger.log_audit", subject=f"bench:{seq}",
                                             actor="system", at=at, payload=text, payload_sha256=sha256_hex(text))
                h = services.entry_leaf_hash(entry)
            compact.append(h)
            tree.add(seq + 1, h)
            chunk.append(h)
            if len(chunk) == width:
                bands[8].append(merkle.root_from_leaf_hashes(chunk))
                chunk = []
        tree.finish()
        cur.execute("DELETE FROM ledger_pending")
        for level in (16, 24):
            below = bands[level - 8]
            bands[level] = [merkle.root_from_leaf_hashes(below[i:i + width])
                            for i in range(0, len(below) - len(below) % width, width)]
        for level, hashes in bands.items():
            cur.executemany('INSERT INTO ledger_node (level, "index", hash) VALUES (%s, %s, %s)',
                            [(level, i, h) for i, h in enumerate(hashes)])
        key = services.signer()
        root = compact.root()
        note = sign_note(CheckpointText(settings.ZHIFA_LEDGER_ORIGIN, n, root).text(), key)
        cur.execute("INSERT INTO ledger_checkpoint (size, root, note, key, created_at) VALUES (%s, %s, %s, %s, "
                    "CURRENT_TIMESTAMP)", [n, root, note, key.verifier.encode()])
    print(f"loaded {n} leaves in {time.perf_counter() - t0:.0f} s")


def storage(n: int):
    from django.db import connection

    from bench.harness import tree_storage

    sizes = tree_storage(n)
    if connection.vendor == "postgresql":
        total = sum(v for k, v in sizes.items() if k.endswith("(total)"))
        print(f"storage (PostgreSQL pg_total_relation_size: heap, indexes, TOAST): {total / n:.1f} B per leaf "
              "(goal ≤ 40 B)")
        for name, size in sizes.items():
            if isinstance(size, tuple):
                print(f"  {name:44s} " + " / ".join(f"{v / n:.1f}" for v in size) + " B/leaf")
            else:
                print(f"  {name:44s} {size / n:7.1f} B/leaf")
    else:
        total = sum(sizes.values())
        print(f"storage (SQLite pages, tables and their indexes): {total / n:.1f} B per leaf  (goal ≤ 40 B)")
        for name, size in sorted(sizes.items(), key=lambda kv: -kv[1]):
            print(f"  {name:40s} {size / n:7.1f} B/leaf")
    print("  the hashes alone: 32.0 B/leaf")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--database-url", default=None, help="default: a SQLite file under bench/out")
    args = parser.parse_args()
    path = OUT / f"ledger_tiles_{args.n}.sqlite3"
    url = args.database_url or f"sqlite:///{path}"
    fresh = args.reload or not path.exists() or not url.startswith("sqlite")
    setup(url, fresh)
    if fresh:
        load(args.n)

    from django.core.cache import cache
    from django.test import Client, RequestFactory
    from django.test.utils import setup_test_environment

    from zhifa.ledger import merkle, selectors, tiles, views_tiles
    from zhifa.ledger.note import Verifier
    from zhifa.ledger.tlogtiles import tile_path
    from zhifa.verify import tiles as client_tiles

    setup_test_environment()
    cp = selectors.latest_checkpoint()
    size = cp.size
    from django.db import connection

    print(f"tree size {size} (log2 {size.bit_length() - 1}); {connection.vendor}; {args.samples} samples each")
    rng = random.Random(7)
    http = Client()
    full_tiles = size // 256

    def timed_get(url):
        t0 = time.perf_counter()
        response = http.get(url)
        elapsed = time.perf_counter() - t0
        assert response.status_code == 200, (url, response.status_code)
        return elapsed, response.content

    cache.clear()
    uncached = [timed_get("/ledger/" + tile_path(0, rng.randrange(full_tiles)))[0] for _ in range(args.samples)]
    hot = [rng.randrange(full_tiles) for _ in range(32)]
    for n in hot:
        timed_get("/ledger/" + tile_path(0, n))
    cached = [timed_get("/ledger/" + tile_path(0, rng.choice(hot)))[0] for _ in range(args.samples)]
    # The view alone (no middleware): what a request costs the log once it reaches the tile view.
    factory = RequestFactory()

    def view_time(n):
        request = factory.get("/ledger/" + tile_path(0, n))
        t0 = time.perf_counter()
        response = views_tiles.tile(request, rest=tile_path(0, n)[len("tile/"):])
        elapsed = time.perf_counter() - t0
        assert response.status_code == 200 and len(response.content) == 8192
        return elapsed

    cache.clear()
    view_uncached = [view_time(rng.randrange(full_tiles)) for _ in range(args.samples)]
    view_cached = [view_time(rng.choice(hot)) for _ in range(args.samples)]
    partial_width = size % 256 or 1
    partial = [timed_get("/ledger/" + tile_path(0, full_tiles, partial_width))[0] for _ in range(args.samples)] \
        if size % 256 else []
    checkpoint = [timed_get("/ledger/checkpoint")[0] for _ in range(args.samples)]
    print("server, per request (Django test client, whole middleware stack):")
    print(f"  full tile, not cached (256-row read)  {ms(uncached)}")
    print(f"  full tile, cached                     {ms(cached)}")
    print(f"  tile view alone, full, not cached     {ms(view_uncached)}   (no middleware)")
    print(f"  tile view alone, full, cached         {ms(view_cached)}   (no middleware)")
    if partial:
        print(f"  partial tile .p/{partial_width:<3d}                 {ms(partial)}")
    print(f"  checkpoint                            {ms(checkpoint)}")

    # The outside verifier: tiles fetched through the server, then the proof computed and checked by the client.
    key = Verifier.decode(cp.key)
    fetched_bytes: dict[str, bytes] = {}

    def via_server(p):
        data = http.get("/ledger/" + p).content
        fetched_bytes[p] = data
        return data

    seqs = [rng.randrange(size) for _ in range(args.samples)]
    leaves = {s: tiles.tile_data(0, s // 256, 256 if s // 256 < full_tiles else size % 256)[(s % 256) * 32:][:32]
              for s in seqs}
    end_to_end, tiles_per_proof = [], []
    for s in seqs:
        client = client_tiles.TileClient(via_server)
        t0 = time.perf_counter()
        problems, _ = client_tiles.verify_inclusion(client, [key], leaves[s], s)
        end_to_end.append(time.perf_counter() - t0)
        assert not problems, problems
        tiles_per_proof.append(len(client.fetched) - 1)
    offline = []
    for s in seqs:
        client = client_tiles.TileClient(lambda p: fetched_bytes[p])
        t0 = time.perf_counter()
        problems, _ = client_tiles.verify_inclusion(client, [key], leaves[s], s)
        offline.append(time.perf_counter() - t0)
        assert not problems, problems
    print("outside verifier, inclusion from tiles:")
    print(f"  compute + verify (tiles in hand)      {ms(offline)}   (checkpoint signature included)")
    print(f"  end to end through the server         {ms(end_to_end)}   "
          f"tiles per proof {min(tiles_per_proof)}–{max(tiles_per_proof)}")

    # The JSON convenience, same run: the endpoint (now from tiles) and the stored-tree reader it replaced.
    api, new_sel, old_sel = [], [], []
    for s in seqs:
        api.append(timed_get(f"/api/ledger/proofs/inclusion?seq={s}&tree_size={size}")[0])
    for s in seqs:
        t0 = time.perf_counter()
        proof = selectors.inclusion_proof(s, size)
        new_sel.append(time.perf_counter() - t0)
        reader = selectors.TreeReader()
        t0 = time.perf_counter()
        path = merkle.inclusion_path(s, size, reader.subtree_hash)
        root = reader.root(size)
        old_sel.append(time.perf_counter() - t0)
        assert path == proof.path and root == proof.root
    print("JSON inclusion proof (server computes it):")
    print(f"  GET /api/ledger/proofs/inclusion      {ms(api)}")
    print(f"  selectors.inclusion_proof (tiles)     {ms(new_sel)}")
    print(f"  stored-tree reader it replaced        {ms(old_sel)}   ratio {statistics.median(new_sel) / statistics.median(old_sel):.2f}x")
    print(f"goal: proof from tiles ≤ 1 ms server time at 10 M leaves -> tile view "
          f"{statistics.median(view_cached) * 1000:.3f} ms cached, {statistics.median(view_uncached) * 1000:.3f} ms "
          f"uncached ({statistics.median(cached) * 1000:.3f} / {statistics.median(uncached) * 1000:.3f} ms with "
          f"Django's middleware), {max(tiles_per_proof)} tiles per proof, none once a CDN holds the full tiles")
    storage(size)


if __name__ == "__main__":
    main()
