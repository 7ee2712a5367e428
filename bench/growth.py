#!/usr/bin/env python
"""Growth of the log and the case table (issue 19 §6): append, proof, audit and list costs as the log grows to
10 M (and, where disk and time allow, 100 M) entries and the case table to 10 M rows, with `ledger_entry` plain
and partitioned by id range (migration 0016), in the same run.

    nice -n 10 .venv/bin/python bench/growth.py --sizes 1000000,10000000 --cases 10000000 [--width 1000000]
    nice -n 10 .venv/bin/python bench/growth.py --pair 10000000 --parts 10    # plain vs partitioned, alternately

PostgreSQL only. Two databases, zhifa_bench_growth_plain (migration 0016 reversed: one table) and
zhifa_bench_growth_part (partitions of --width ids: 1 M here, so that 10 M entries span the ten partitions a
100 M log has at the production width of 10 M), both dropped at the end unless --keep.

The log is generated, not sequenced: entries are written with COPY together with the tree `integrate` would have
left (leaf tiles, batch rows, band nodes, all computed here from the entries' own leaf hashes), then a real
checkpoint is signed over it (`checkpoint_create` recomputes the open tile and the root from the rows, so a tree
inconsistent with its entries would be refused), and every figure below runs the real code: `record_event` +
`integrate` for appends, `selectors.inclusion_proof` for proofs, the audit's per-chunk work
(`storage.recomputed_leaf_hashes` of the last chunk, compared with the stored tiles) and the case page's log
(`selectors.entries_for_subject`) for reads. Each figure: min / median / max of `--runs` runs (≥ 3), each run the
mean of `--reps` operations, with its ceiling (the same rows by one raw SQL statement) measured in the same run.
"""

import argparse
import datetime as dt
import hashlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("ZHIFA_BENCH_OUT", ROOT / "bench" / "out"))
sys.path.insert(0, str(ROOT))

KINDS = ["cases.opened", "cases.stage_advanced", "cases.document_issued", "cases.document_numbered",
         "review.opinion", "publicity.published"]
PER_CASE = 10  # log entries per case subject: 10 M cases a year, ~100 M entries over the years kept
BASE = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
STEP = dt.timedelta(seconds=3)  # 100 M entries span ~9.5 years


def stats(values: list[float]) -> str:
    values = [v * 1000 for v in values]
    return f"{min(values):8.2f} / {statistics.median(values):8.2f} / {max(values):8.2f} ms"


def timed(fn, *, runs: int, reps: int) -> list[float]:
    fn()  # warm
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        out.append((time.perf_counter() - t0) / reps)
    return out


def setup(database_url: str):
    from bench.harness import recreate_database

    OUT.mkdir(parents=True, exist_ok=True)
    recreate_database(database_url)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("ZHIFA_LEDGER_KEY_FILE", str(OUT / "bench-ledger.key"))
    import django

    django.setup()


def switch(database_url: str) -> None:
    """Point Django's default connection at another database (same server) for the next layout, with empty caches
    (the ledger caches open-tile hashes: the other database's must not be served)."""
    from django.core.cache import caches
    from django.db import connection

    for cache in caches.all():
        cache.clear()
    connection.close()
    connection.settings_dict["NAME"] = database_url.rsplit("/", 1)[1]


def prepare(layout: str, width: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from zhifa.ledger import partitions

    call_command("migrate", verbosity=0)
    if layout == "plain":
        call_command("migrate", "ledger", "0015", verbosity=0)
        return
    # The migration's first range runs to 10 M; the bench's ranges are `width` wide from id 1.
    with connection.cursor() as cur:
        for p in partitions.partitions():
            if not p.default:
                cur.execute(f"ALTER TABLE {partitions.TABLE} DETACH PARTITION {p.name}")
                cur.execute(f"DROP TABLE {p.name}")
        partitions.create_range(cur, 0, width)


def _leaf_text(kind, subject, actor, at, digest) -> bytes:
    # canonical.leaf_input for ASCII fields: sorted keys, no white space (checked against it for the first rows)
    return (f'{{"actor":"{actor}","at":"{at}","kind":"{kind}","payload_sha256":"{digest}",'
            f'"subject":"{subject}"}}').encode()


class Log:
    """The generated log's state across sizes: the tree (audit._Tree) and the tile being filled."""

    def __init__(self):
        from zhifa.ledger.audit import _Tree

        self.nodes: list[tuple[int, int, bytes]] = []
        self.tree = _Tree(lambda level, index, h: self.nodes.append((level, index, h)))
        self.tile: list[bytes] = []


def grow(log: Log, target: int, *, layout: str, width: int) -> float:
    """Append generated entries (ids = seq + 1) with their tree until the log holds `target`; returns seconds."""
    from django.db import connection

    from zhifa.ledger import merkle, partitions
    from zhifa.ledger.canonical import leaf_input
    from zhifa.ledger.storage import encode_ids

    start = log.tree.size
    if target <= start:
        return 0.0
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        # ids continue above every id written (the demo's and the measurements' entries): id = seq + offset
        cur.execute("SELECT coalesce(max(id), 0) FROM ledger_entry")
        offset = cur.fetchone()[0] + 1 - start
        if layout == "part":
            top = max(p.upper for p in partitions.partitions() if not p.default)
            while top <= target + offset:
                partitions.create_range(cur, top, top + width)
                top += width
        cur.execute("SET session_replication_role = replica")  # bulk load: no queue trigger, no FK checks per row
        raw = cur.cursor
        batch_rows, tiles = [], []
        chunk = 1_000_000
        for lo in range(start, target, chunk):
            hi = min(target, lo + chunk)
            with raw.copy("COPY ledger_entry (id, kind, subject, actor, at, payload, payload_sha256) FROM STDIN") as copy:
                for seq in range(lo, hi):
                    kind = KINDS[seq % len(KINDS)]
                    subject = f"cases.case:{seq // PER_CASE + 1}"
                    actor = f"user:{seq % 5000 + 1}"
                    at = (BASE + STEP * seq).isoformat(timespec="microseconds")
                    payload = f'{{"i":{seq},"stage":"investigation"}}'
                    digest = hashlib.sha256(payload.encode()).hexdigest()
                    text = _leaf_text(kind, subject, actor, at, digest)
                    if seq < 3:
                        assert text == leaf_input(kind=kind, subject=subject, actor=actor, at=at, payload_sha256=digest)
                    h = merkle.leaf_hash(text)
                    copy.write_row((seq + offset, kind, subject, actor, at, payload, digest))
                    log.tree.append(h)
                    log.tile.append(h)
                    if len(log.tile) == 256:
                        tiles.append((seq // 256, b"".join(log.tile)))
                        log.tile = []
            # One batch row per 10 000 leaves, as a sequencer run of ZHIFA_LEDGER_BATCH would leave.
            for first in range(lo, hi, 10_000):
                ids = list(range(first + offset, min(hi, first + 10_000) + offset))
                batch_rows.append((first, ids[0], ids[-1], len(ids), False, encode_ids(ids)))
            with raw.copy('COPY ledger_leaftile ("index", data) FROM STDIN') as copy:
                for row in tiles:
                    copy.write_row(row)
            with raw.copy("COPY ledger_leafbatch (first_seq, first_entry, last_entry, count, late, ids) "
                          "FROM STDIN") as copy:
                for row in batch_rows:
                    copy.write_row(row)
            with raw.copy('COPY ledger_node (level, "index", hash) FROM STDIN') as copy:
                for row in log.nodes:
                    copy.write_row(row)
            tiles, batch_rows, log.nodes = [], [], []
            print(f"    {layout}: {hi:>11,} entries loaded, {time.perf_counter() - t0:6.0f} s", flush=True)
        cur.execute("SET session_replication_role = origin")
        cur.execute(f"SELECT setval(pg_get_serial_sequence('ledger_entry', 'id'), {target})")
        cur.execute("ANALYZE ledger_entry")
        cur.execute("ANALYZE ledger_leafbatch")
    return time.perf_counter() - t0


def load_cases(target: int, have: int) -> float:
    """COPY cases until the table holds `target`, spread over the demo region's agencies (their units and places),
    opened over ten years. Each case of the log's subjects `cases.case:<id>` exists for ids up to target."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from zhifa.org.models import Agency, Unit

    if target <= have:
        return 0.0
    agencies = [(a.pk, a.jurisdiction_id, Unit.objects.filter(agency=a).values_list("pk", flat=True).first())
                for a in Agency.objects.all()]
    agencies = [a for a in agencies if a[2]]
    user = get_user_model().objects.order_by("pk").values_list("pk", flat=True).first()
    step = dt.timedelta(days=3650) / max(target, 1)
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM cases_case")
        first = cur.fetchone()[0] + 1
        cur.execute("SET session_replication_role = replica")
        with cur.cursor.copy("COPY cases_case (id, agency_id, handling_unit_id, number, title, action_type, procedure, "
                             "place_id, legal_basis, stage, opened_at, opened_by_id, external_system, external_id) "
                             "FROM STDIN") as copy:
            for i in range(first, first + target - have):
                agency, place, unit = agencies[i % len(agencies)]
                opened = (BASE + step * i).isoformat()
                copy.write_row((i, agency, unit, f"G{i:09d}", "未按规定办理手续", "penalty", "ordinary", place,
                                "《中华人民共和国行政处罚法》", "investigation", opened, user, "", ""))
        cur.execute("SET session_replication_role = origin")
        cur.execute("SELECT setval(pg_get_serial_sequence('cases_case', 'id'), (SELECT max(id) FROM cases_case))")
        cur.execute("ANALYZE cases_case")
    return time.perf_counter() - t0


def sizes() -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT c.relname, pg_table_size(c.oid), pg_indexes_size(c.oid) FROM pg_class c "
                    "WHERE c.relname IN ('ledger_entry', 'ledger_leaftile', 'ledger_leafbatch', 'ledger_node', "
                    "'cases_case') ORDER BY 1")
        rows = cur.fetchall()
        cur.execute("SELECT coalesce(sum(pg_table_size(i.inhrelid)), 0), coalesce(sum(pg_indexes_size(i.inhrelid)), 0),"
                    " count(*) FROM pg_inherits i WHERE i.inhparent = to_regclass('ledger_entry')")
        part_heap, part_index, count = cur.fetchone()
    out = []
    for name, heap, index in rows:
        if name == "ledger_entry" and count:
            heap, index = part_heap, part_index
            name = f"ledger_entry ({count} partitions)"
        out.append(f"{name} {heap / 2**20:,.0f}+{index / 2**20:,.0f} MiB")
    return "; ".join(out)


def measure(layout: str, *, runs: int, reps: int) -> dict[str, list[float]]:
    """The figures at this size, each with its ceiling from the same run."""
    import random

    from django.db import connection, transaction

    from zhifa.ledger import selectors, services, storage
    from zhifa.ledger.audit import CHUNK

    rng = random.Random(7)
    services.checkpoint_create()  # signs the loaded tree (recomputed from its rows)
    figures: dict[str, list[float]] = {}

    def append():
        with transaction.atomic():
            for i in range(100):
                services.record_event("cases.stage_advanced", subject=f"cases.case:{i + 1}", actor=None,
                                      payload={"stage": "decision"})
        services.integrate()

    figures["append 100 + integrate"] = timed(append, runs=runs, reps=1)
    with connection.cursor() as cur:
        # The ceiling: the same 100 rows, one INSERT each, into a plain table with the entry table's columns and
        # indexes and no trigger, constraint or tree (it stays as large as the log at this size: a fresh one).
        cur.execute("DROP TABLE IF EXISTS bench_entry")
        cur.execute("CREATE TABLE bench_entry (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
                    "kind varchar(80), subject varchar(120), actor varchar(200), at timestamptz, payload text, "
                    "payload_sha256 varchar(64))")
        cur.execute("CREATE INDEX ON bench_entry (kind)")
        cur.execute("CREATE INDEX ON bench_entry (subject)")
        digest = hashlib.sha256(b'{"stage":"decision"}').hexdigest()

        def append_raw():
            with transaction.atomic():
                for i in range(100):
                    cur.execute("INSERT INTO bench_entry (kind, subject, actor, at, payload, payload_sha256) "
                                "VALUES (%s, %s, %s, now(), %s, %s) RETURNING id",
                                ["cases.stage_advanced", f"cases.case:{i + 1}", "system", '{"stage":"decision"}',
                                 digest])
        figures["  ceiling: 100 INSERTs into a plain table"] = timed(append_raw, runs=runs, reps=1)
        cur.execute("DROP TABLE bench_entry")
    tree = selectors.tree_size()
    services.checkpoint_create()
    figures["inclusion proof (random leaf)"] = timed(lambda: selectors.inclusion_proof(rng.randrange(tree - 1)),
                                                     runs=runs, reps=reps)
    with connection.cursor() as cur:
        def proof_raw():
            seq = rng.randrange(tree - 1)
            cur.execute('SELECT data FROM ledger_leaftile WHERE "index" = %s', [seq // 256])
            cur.fetchall()
        figures["  ceiling: read its leaf tile"] = timed(proof_raw, runs=runs, reps=reps)
    # The audit's work per chunk: the chunk's entries read back and their leaves recomputed, compared with the
    # stored tiles. The last whole tiles of the tree, CHUNK leaves rounded to tiles.
    end = tree - tree % 256
    begin = end - (CHUNK // 256) * 256

    def audit_chunk():
        return storage.recomputed_leaf_hashes(begin, end) == storage.leaf_hashes(begin, end, size=tree)

    assert audit_chunk(), "the generated tiles differ from the leaves recomputed from the entries"
    figures[f"audit chunk ({end - begin} leaves recomputed)"] = timed(audit_chunk, runs=runs, reps=1)
    ids = storage.entry_ids_between(begin, end)
    with connection.cursor() as cur:
        def audit_raw():
            cur.execute("SELECT id, kind, subject, actor, at, payload_sha256 FROM ledger_entry "
                        "WHERE id >= %s AND id <= %s", [ids[0], ids[-1]])
            cur.fetchall()
        figures["  ceiling: SELECT the chunk's rows"] = timed(audit_raw, runs=runs, reps=1)
    subjects = [f"cases.case:{rng.randrange(1, tree // PER_CASE)}" for _ in range(reps * (runs + 1))]
    it = iter(subjects * 2)
    figures["case page's log (entries_for_subject)"] = timed(lambda: selectors.entries_for_subject(next(it)),
                                                            runs=runs, reps=reps)
    with connection.cursor() as cur:
        it2 = iter(subjects * 2)

        def subject_raw():
            cur.execute("SELECT id FROM ledger_entry WHERE subject = %s ORDER BY id", [next(it2)])
            cur.fetchall()
        figures["  ceiling: SELECT ids by subject"] = timed(subject_raw, runs=runs, reps=reps)
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.get(username="admin")
    figures["findings list (selectors.findings_for)"] = timed(lambda: selectors.findings_for(actor=admin),
                                                              runs=runs, reps=reps)
    return figures


def vacuum(layout: str, *, runs: int) -> tuple[float, list[float]]:
    """VACUUM (FREEZE) of what holds the newest entries: the whole table (plain) or the partition of the newest id
    (partitioned, the only one autovacuum has work in). The first run freezes the load; the later ones are the
    steady state of an insert-only table (the visibility map skips all-frozen pages)."""
    from django.db import connection

    from zhifa.ledger import partitions

    target = partitions.TABLE
    with connection.cursor() as cur:
        if layout != "plain":
            cur.execute("SELECT max(id) FROM ledger_entry")
            top = cur.fetchone()[0]
            target = next(p.name for p in partitions.partitions()
                          if not p.default and (p.lower or 0) <= top < (p.upper or top + 1))
        times = []
        for _ in range(runs + 1):
            t0 = time.perf_counter()
            cur.execute(f"VACUUM (FREEZE) {target}")
            times.append(time.perf_counter() - t0)
    return times[0], times[1:]


def case_figures(*, runs: int, reps: int) -> dict[str, list[float]]:
    import random

    from django.contrib.auth import get_user_model
    from django.db import connection

    from zhifa.cases.selectors import case_get_for, case_list_for
    from zhifa.core.errors import ZhifaError

    users = get_user_model().objects
    figures = {}
    rng = random.Random(7)
    with connection.cursor() as cur:
        cur.execute("SELECT max(id) FROM cases_case")
        top = cur.fetchone()[0]
    for who in ("region_supervisor", "county_supervisor"):
        actor = users.get(username=who)
        figures[f"case list first page ({who})"] = timed(lambda a=actor: list(case_list_for(actor=a)[:50]),
                                                        runs=runs, reps=reps)
    actor = users.get(username="region_supervisor")

    def open_case():
        try:
            case_get_for(actor=actor, id=rng.randrange(1, top))
        except ZhifaError:  # a case outside the supervisor's region: the same 404 path, timed alike
            pass
    figures["open one case (case_get_for)"] = timed(open_case, runs=runs, reps=reps)
    with connection.cursor() as cur:
        def raw():
            cur.execute("SELECT id, number, title, stage, opened_at FROM cases_case ORDER BY opened_at DESC, id DESC "
                        "LIMIT 50")
            cur.fetchall()
        figures["  ceiling: SELECT first 50 by the list's index"] = timed(raw, runs=runs, reps=reps)
    return figures


def pair(server: str, n: int, parts: int, *, runs: int, reps: int, keep: bool) -> None:
    """The same n rows in a plain table and in one partitioned by id range into `parts` partitions, in one database,
    the two measured alternately in each run (so both see the same machine): the SQL the log's reads and writes
    issue. Rows are generated by the server (generate_series), indexes built after the load."""
    import random

    import psycopg

    name = "zhifa_bench_growth_pair"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    columns = ("id bigint NOT NULL, kind varchar(80) NOT NULL, subject varchar(120) NOT NULL, "
               "actor varchar(200) NOT NULL, at timestamptz NOT NULL, payload text NOT NULL, "
               "payload_sha256 varchar(64) NOT NULL")
    fill = ("SELECT g, 'cases.stage_advanced', 'cases.case:' || (g / 10 + 1), 'user:' || (g %% 5000 + 1), "
            "timestamptz '2020-01-01' + g * interval '3 seconds', '{\"i\":' || g || '}', "
            "encode(sha256(g::text::bytea), 'hex') FROM generate_series(1, %s) g")
    width = n // parts
    try:
        with psycopg.connect(f"{server}/{name}", autocommit=True) as conn:
            t0 = time.perf_counter()
            conn.execute(f"CREATE TABLE plain ({columns})")
            conn.execute(f"CREATE TABLE part ({columns}) PARTITION BY RANGE (id)")
            for i in range(parts + 1):
                conn.execute(f"CREATE TABLE part_{i} PARTITION OF part FOR VALUES FROM ({i * width}) "
                             f"TO ({(i + 1) * width})")
            conn.execute("CREATE TABLE part_default PARTITION OF part DEFAULT")
            for table in ("plain", "part"):
                conn.execute(f"INSERT INTO {table} {fill}", [n])
                conn.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (id)")
                conn.execute(f"CREATE INDEX ON {table} (kind)")
                conn.execute(f"CREATE INDEX ON {table} (subject)")
                conn.execute(f"VACUUM (FREEZE, ANALYZE) {table}")
            print(f"pair: {n:,} rows in each table ({parts} partitions of {width:,} ids) in "
                  f"{time.perf_counter() - t0:.0f} s", flush=True)
            rng = random.Random(11)
            digest = hashlib.sha256(b"{}").hexdigest()
            top = {"plain": n, "part": n}

            def ops(table):
                def by_id():
                    conn.execute(f"SELECT * FROM {table} WHERE id = %s", [rng.randrange(1, n)]).fetchall()

                def by_subject():
                    conn.execute(f"SELECT id FROM {table} WHERE subject = %s ORDER BY id",
                                 [f"cases.case:{rng.randrange(1, n // 10)}"]).fetchall()

                def chunk():
                    start = rng.randrange(1, n - 10_000)
                    conn.execute(f"SELECT id, kind, subject, actor, at, payload_sha256 FROM {table} "
                                 "WHERE id >= %s AND id < %s", [start, start + 10_000]).fetchall()

                def insert():
                    with conn.transaction():
                        for _ in range(100):
                            top[table] += 1
                            conn.execute(f"INSERT INTO {table} VALUES (%s, 'cases.stage_advanced', 'cases.case:1', "
                                         "'system', now(), '{}', %s)", [top[table], digest])

                def newest():
                    conn.execute(f"SELECT max(id) FROM {table}").fetchall()

                return {"entry by id": (by_id, reps), "entries by subject (case page)": (by_subject, reps),
                        "10 000 consecutive ids (audit chunk)": (chunk, 3), "100 INSERTs, one transaction": (insert, 3),
                        "max(id)": (newest, reps)}

            results = {t: {k: [] for k in ops(t)} for t in ("plain", "part")}
            for _ in range(runs):
                for label in ops("plain"):
                    for table in ("plain", "part"):  # alternately, so both see the same moment of the machine
                        fn, k = ops(table)[label]
                        fn()
                        t1 = time.perf_counter()
                        for _ in range(k):
                            fn()
                        results[table][label].append((time.perf_counter() - t1) / k)
            for label in results["plain"]:
                a, b = results["part"][label], results["plain"][label]
                print(f"  {label:<38} plain {stats(b)}   partitioned {stats(a)}   "
                      f"ratio of medians {statistics.median(a) / statistics.median(b):5.2f}x")
            for table in ("plain", "part"):
                row = conn.execute("SELECT sum(pg_table_size(c.oid)), sum(pg_indexes_size(c.oid)) FROM pg_class c "
                                   "WHERE c.relname = %s OR c.oid IN (SELECT inhrelid FROM pg_inherits "
                                   "WHERE inhparent = to_regclass(%s))", [table, table]).fetchone()
                print(f"  {table}: table {row[0] / 2**20:,.0f} MiB, indexes {row[1] / 2**20:,.0f} MiB")
            plan = conn.execute("EXPLAIN SELECT id FROM part WHERE subject = 'cases.case:1'").fetchall()
            print(f"  partitioned lookup by subject probes {sum('Index' in r[0] and 'Scan' in r[0] for r in plan)} "
                  "partition indexes")
    finally:
        if not keep:
            with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            print("dropped the pair database")


def report(title: str, figures: dict[str, list[float]]) -> None:
    print(f"  {title}   (min / median / max)")
    for name, values in figures.items():
        print(f"    {name:<46} {stats(values)}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--cases", type=int, default=10_000_000)
    parser.add_argument("--width", type=int, default=1_000_000, help="ids per partition in the partitioned layout")
    parser.add_argument("--layouts", default="plain,part")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="do not drop the databases at the end")
    parser.add_argument("--pair", type=int, default=0, metavar="N",
                        help="instead: N rows in a plain and a partitioned table, measured alternately (SQL only)")
    parser.add_argument("--parts", type=int, default=10, help="partitions of the --pair table")
    args = parser.parse_args()
    if args.pair:
        pair(args.server, args.pair, args.parts, runs=args.runs, reps=args.reps, keep=args.keep)
        return
    targets = [int(float(s)) for s in args.sizes.split(",")]
    layouts = args.layouts.split(",")
    urls = {layout: f"{args.server}/zhifa_bench_growth_{layout}" for layout in layouts}
    from bench.harness import recreate_database

    setup(urls[layouts[0]])
    from django.core.management import call_command

    results: dict[tuple[str, int], dict[str, list[float]]] = {}
    try:
        for layout in layouts:
            if layout != layouts[0]:
                recreate_database(urls[layout])
                switch(urls[layout])
            prepare(layout, args.width)
            with open(os.devnull, "w") as devnull:
                call_command("demo_load", verbosity=0, stdout=devnull)
            log = Log()
            cases = 0
            for target in targets:
                # The demo's own entries come first: the generated ones continue its ids after them.
                _adopt(log)
                seconds = grow(log, target, layout=layout, width=args.width)
                print(f"{layout} {target:,} entries: loaded in {seconds:.0f} s; {sizes()}", flush=True)
                figures = measure(layout, runs=args.runs, reps=args.reps)
                first, steady = vacuum(layout, runs=args.runs)
                figures["VACUUM (FREEZE) newest entries, steady"] = steady
                results[(layout, target)] = figures
                report(f"{layout}, {target:,} entries", figures)
                print(f"    VACUUM (FREEZE) right after the load: {first * 1000:.0f} ms", flush=True)
                if layout == layouts[0] and args.cases:
                    want = min(args.cases, args.cases * target // targets[-1]) if len(targets) > 1 else args.cases
                    seconds = load_cases(want, cases)
                    cases = want
                    print(f"{layout} {cases:,} cases: loaded in {seconds:.0f} s; {sizes()}", flush=True)
                    report(f"{cases:,} cases", case_figures(runs=args.runs, reps=args.reps))
        if len(layouts) == 2:
            print("\npartitioned / plain, ratio of medians:")
            for target in targets:
                a, b = results.get((layouts[1], target)), results.get((layouts[0], target))
                if a and b:
                    for name in a:
                        print(f"  {target:>11,} {name:<46} {statistics.median(a[name]) / statistics.median(b[name]):5.2f}x")
    finally:
        if not args.keep:
            from django.db import connection

            connection.close()
            import psycopg

            with psycopg.connect(f"{args.server}/postgres", autocommit=True) as conn:
                for url in urls.values():
                    conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"')
            print("dropped the bench databases")


def _adopt(log: Log) -> None:
    """Fold the leaves the sequencer added (the demo's, the measurements' appends) into the generator's tree: their
    hashes recomputed from their rows; the nodes they completed are already stored by the sequencer."""
    from zhifa.ledger import services, storage

    while services.integrate():
        pass
    size, have = storage.tree_size(), log.tree.size
    for h in storage.leaf_hashes(have, size):
        log.tree.append(h)
    log.nodes = []
    log.tile = storage.leaf_hashes(size - size % 256, size) if size % 256 else []


if __name__ == "__main__":
    main()
