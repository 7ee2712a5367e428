"""What the benchmarks share: a fresh database with the demo region loaded, the timing of a page against the
raw-SQL fetch of the same rows in the same run, repeated runs printed as min / median / max, and the fair
ceiling of a file store (issue 19 §7)."""

import hashlib
import os
import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("ZHIFA_BENCH_OUT", ROOT / "bench" / "out"))

# Issue 19 §7: a file ceiling reads and writes in 64 KiB pieces. With 1 MiB pieces the copy loop ran at about half
# the speed on this machine (each piece falls out of the CPU caches between the read, the hash and the write), so
# the evidence store "beat" its own ceiling. 64 KiB is also what the tus endpoint reads a body in (READ_SIZE).
CEILING_CHUNK = 64 * 1024


def spread(values: list[float], fmt: str = "{:.2f}") -> str:
    """'min … / median … / max …' of one figure over repeated runs."""
    return (f"min {fmt.format(min(values))} / median {fmt.format(statistics.median(values))} / "
            f"max {fmt.format(max(values))}")


def repeat(fn: Callable[[int], float], runs: int) -> list[float]:
    """Call fn(run index) `runs` times (at least 3: one run is not a figure, issue 19 §7); its results in order."""
    if runs < 3:
        raise SystemExit("a figure needs at least 3 runs (issue 19 §7)")
    return [fn(i) for i in range(runs)]


def print_runs(label: str, values: list[float], *, unit: str, fmt: str = "{:.1f}", width: int = 46) -> None:
    """One line: the label, every run's value, then min / median / max."""
    each = ", ".join(fmt.format(v) for v in values)
    print(f"{label:<{width}} {spread(values, fmt)} {unit}  (runs: {each})")


def print_ratio(label: str, ours: list[float], ceiling: list[float], *, width: int = 46) -> None:
    """Ratio of throughputs measured in the same runs (run i against ceiling run i), min / median / max, and the
    ratio of the medians."""
    ratios = [a / b for a, b in zip(ours, ceiling, strict=True)]
    print(f"{label:<{width}} {spread(ratios)} x  (per run; ratio of medians "
          f"{statistics.median(ours) / statistics.median(ceiling):.2f}x)")


def copy_hash_fsync(src: Path, dst: Path, *, chunk: int = CEILING_CHUNK) -> tuple[float, str]:
    """The fair ceiling of a file store: read `src`, SHA-256 it and write it to `dst` in `chunk`-byte pieces, then
    fsync; (seconds, hex digest). `dst` is removed afterwards. What any store must at least do with a file."""
    t0 = time.perf_counter()
    h = hashlib.sha256()
    with open(src, "rb", buffering=0) as fin, open(dst, "wb", buffering=0) as fout:
        while data := fin.read(chunk):
            h.update(data)
            fout.write(data)
        os.fsync(fout.fileno())
    elapsed = time.perf_counter() - t0
    dst.unlink()
    return elapsed, h.hexdigest()


def copy_sqlite_template(database_url: str) -> None:
    """The smoke runs (tests/test_bench_smoke.py) name a migrated SQLite file in ZHIFA_BENCH_SQLITE_TEMPLATE: a new
    SQLite database starts as its copy, so `migrate` finds nothing to do (it costs ~25 s of CPU per database)."""
    template = os.environ.get("ZHIFA_BENCH_SQLITE_TEMPLATE")
    target = Path(database_url[len("sqlite:///"):])
    if template and Path(template).is_file() and not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, target)


def recreate_database(database_url: str) -> None:
    """An empty database at `database_url`: the SQLite file (and its WAL) removed, or the PostgreSQL database
    dropped and created again."""
    if database_url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(database_url[len("sqlite:///"):] + suffix).unlink(missing_ok=True)
        copy_sqlite_template(database_url)
    else:
        import psycopg

        name = database_url.rsplit("/", 1)[1]
        with psycopg.connect(database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')


def fresh_demo_database(database_url: str) -> None:
    """Drop and recreate the database at `database_url`, set Django up on it, migrate and load the demo."""
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("ZHIFA_LEDGER_KEY_FILE", str(OUT / "bench-ledger.key"))
    recreate_database(database_url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as devnull:
        call_command("demo_load", verbosity=0, stdout=devnull)


def measure(label: str, client, url: str, sql: str, *, repeat: int, width: int = 46) -> None:
    """Print median / p95 time and query count of GET `url`, against running `sql` directly."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    times, queries = [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - t)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(ctx.captured_queries)
    base = []
    with connection.cursor() as cur:
        for _ in range(repeat):
            t = time.perf_counter()
            cur.execute(sql)
            cur.fetchall()
            base.append(time.perf_counter() - t)
    med, p95 = statistics.median(times) * 1000, sorted(times)[int(0.95 * (len(times) - 1))] * 1000
    bmed = statistics.median(base) * 1000
    print(f"{label:<{width}} median {med:7.1f} ms  p95 {p95:7.1f} ms  queries {queries:3d}  raw SQL page "
          f"{bmed:6.2f} ms  ratio {med / bmed:6.1f}x")


class TreeLoader:
    """Bulk-writes the tree tables as `integrate` leaves them (ledger/storage.py): a `ledger_leafbatch` row per
    `batch` consecutive entry ids and a `ledger_leaftile` row per completed 256-leaf tile. The open tile's hashes
    are not stored (they are recomputed from its entries, which the loader must therefore write)."""

    def __init__(self, cur, *, batch: int = 10_000):
        self.cur, self.batch = cur, batch
        self.ids: list[int] = []
        self.first_seq = 0
        self.tile: list[bytes] = []
        self.tiles: list[tuple[int, bytes]] = []
        self.size = 0

    def add(self, entry_id: int, leaf_hash: bytes) -> None:
        self.ids.append(entry_id)
        self.tile.append(leaf_hash)
        self.size += 1
        if len(self.tile) == 256:
            self.tiles.append(((self.size - 1) // 256, b"".join(self.tile)))
            self.tile = []
            if len(self.tiles) == 200:
                self._tiles()
        if len(self.ids) == self.batch:
            self._batch()

    def _tiles(self) -> None:
        self.cur.executemany('INSERT INTO ledger_leaftile ("index", data) VALUES (%s, %s)', self.tiles)
        self.tiles = []

    def _batch(self) -> None:
        from zhifa.ledger.storage import encode_ids

        if self.ids:
            self.cur.execute("INSERT INTO ledger_leafbatch (first_seq, first_entry, last_entry, count, late, ids) "
                             "VALUES (%s, %s, %s, %s, %s, %s)",
                             [self.first_seq, self.ids[0], self.ids[-1], len(self.ids), False, encode_ids(self.ids)])
            self.first_seq += len(self.ids)
            self.ids = []

    def finish(self) -> None:
        self._tiles()
        self._batch()


def tree_storage(size: int) -> dict[str, int]:
    """Bytes on disk of the tree tables (`ledger_leaftile`, `ledger_leafbatch`, `ledger_node`): SQLite's pages of each
    table and index (dbstat), or PostgreSQL's pg_total_relation_size (heap, indexes and TOAST) per table."""
    from django.db import connection

    tables = ("ledger_leaftile", "ledger_leafbatch", "ledger_node")
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            if not connection.in_atomic_block:
                cur.execute("VACUUM ANALYZE ledger_leaftile")
                cur.execute("VACUUM ANALYZE ledger_leafbatch")
            out = {}
            for table in tables:
                cur.execute("SELECT pg_total_relation_size(%s), pg_relation_size(%s), pg_indexes_size(%s), "
                            "COALESCE(pg_total_relation_size(NULLIF(reltoastrelid, 0)), 0) FROM pg_class "
                            "WHERE relname = %s", [table, table, table, table])
                total, heap, indexes, toast = cur.fetchone()
                out[f"{table} (total)"] = total
                out[f"  {table}: heap / indexes / TOAST"] = (heap, indexes, toast)
            return out
        cur.execute("SELECT s.name, SUM(s.pgsize) FROM dbstat s JOIN sqlite_master m ON m.name = s.name "
                    f"WHERE m.tbl_name IN ({', '.join(['%s'] * len(tables))}) GROUP BY s.name", list(tables))
        return dict(cur.fetchall())
