"""Range partitions of the log's entry table by id (issue 19 §6; migration 0016; docs/adr/0011-growth-and-partitioning.md).

On PostgreSQL `ledger_entry` is partitioned by RANGE (id), WIDTH ids per partition, with a DEFAULT partition so that
an insert never fails for want of a range. The primary key stays (id) and every foreign key still points at
`ledger_entry(id)` (PostgreSQL ≥ 12); the append-only row triggers are declared on the parent and cloned to every
partition (PostgreSQL ≥ 13). A statement trigger is not cloned, so each partition gets its own TRUNCATE guard here, which
refuses while the parent's does.

Why by id and not by year: the id is the primary key every foreign key names, so partitioning by it keeps the key as
it is; a year key would have to join the primary key (id, at) and every referencing table. Ranges of ids are ranges
of time anyway (ids grow with time), and a closed range is a unit to freeze, back up, detach and archive.

`ensure_ahead()` keeps AHEAD empty ranges above the highest id handed out; the checkpoint clock calls it
(services.checkpoint_create), and `manage.py ledger_partitions` does the same from cron as the table's owner.
Only the table's owner may create partitions: under `ledger_harden_db` the application and the sequencer are not the
owner, so for them it does nothing, and the DEFAULT partition takes any row beyond the last range meanwhile.
SQLite has no partitions: every function here does nothing there.
"""

import re
from dataclasses import dataclass

from django.db import connection, transaction

TABLE = "ledger_entry"
DEFAULT = f"{TABLE}_default"
WIDTH = 100_000_000  # ids per partition: about a year of a province's log (10 M cases a year, ~10 entries each).
# Wider than the 10 M the growth bench measured with (docs/adr/0011): every lookup by subject probes one index per
# partition (2.45× at 10 partitions), so partitions are kept few — one per year over a 30-year retention.
AHEAD = 2  # empty ranges kept ready above the highest id handed out
LOCK_TIMEOUT = "2s"  # attaching waits for the default partition's lock; never queue the application behind it

_BOUND = re.compile(r"FOR VALUES FROM \((MINVALUE|'?(-?\d+)'?)\) TO \((MAXVALUE|'?(-?\d+)'?)\)")


@dataclass(frozen=True)
class Partition:
    name: str
    lower: int | None  # None: MINVALUE
    upper: int | None  # None: MAXVALUE
    default: bool
    rows: int  # the planner's estimate (pg_class.reltuples), -1 when never analysed
    bytes: int  # table, TOAST and indexes


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cur:
        cur.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        row = cur.fetchone()
    return bool(row) and row[0] == "p"


def partitions() -> list[Partition]:
    """The partitions of the entry table, the ranges by lower bound, the DEFAULT partition last."""
    if not is_partitioned():
        return []
    with connection.cursor() as cur:
        cur.execute("SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), c.reltuples::bigint, "
                    "pg_total_relation_size(c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "WHERE i.inhparent = %s::regclass", [TABLE])
        rows = cur.fetchall()
    found = []
    for name, bound, tuples, size in rows:
        if bound == "DEFAULT":
            found.append(Partition(name, None, None, True, tuples, size))
            continue
        match = _BOUND.match(bound)
        if match is None:  # a bound this module does not write (added by hand): shown, never extended
            continue
        lower = None if match.group(1) == "MINVALUE" else int(match.group(2))
        upper = None if match.group(3) == "MAXVALUE" else int(match.group(4))
        found.append(Partition(name, lower, upper, False, tuples, size))
    return sorted(found, key=lambda p: (p.default, p.lower if p.lower is not None else -(1 << 63)))


def _owner() -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class WHERE oid = %s::regclass",
                    [TABLE])
        return bool(cur.fetchone()[0])


def _highest_id() -> int:
    """The highest id handed out or stored: the identity sequence's last value, or a row above it (written with an
    explicit id). max(id) reads the end of each partition's primary-key index."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT last_value FROM {_sequence()}")
        last = cur.fetchone()[0]
        cur.execute(f"SELECT max(id) FROM {TABLE}")
        stored = cur.fetchone()[0] or 0
    return max(last, stored)


def _sequence() -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
        return cur.fetchone()[0]


def guard(cur, name: str) -> None:
    """The TRUNCATE guard of one partition (a statement trigger on the parent is not cloned to partitions). It refuses
    while the parent's guard is in place (migration 0016, zhifa_ledger_partition_guard), as cloned row guards do."""
    cur.execute(f"DROP TRIGGER IF EXISTS {name}_no_truncate ON {name}")
    cur.execute(f"CREATE TRIGGER {name}_no_truncate BEFORE TRUNCATE ON {name} "
                "FOR EACH STATEMENT EXECUTE FUNCTION zhifa_ledger_partition_guard()")


def create_range(cur, lower: int, upper: int) -> str:
    """Create the partition for ids [lower, upper) as a table of its own, then attach it: ATTACH takes a SHARE UPDATE
    EXCLUSIVE lock on the parent (inserts and reads go on), where CREATE … PARTITION OF would take an ACCESS
    EXCLUSIVE one. The CHECK spares the attach a scan of the new table; the DEFAULT partition is checked for rows in
    the range (none, since ranges are made ahead of the ids)."""
    name = f"{TABLE}_from_{lower}"
    cur.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING CONSTRAINTS INCLUDING STORAGE)")
    cur.execute(f"ALTER TABLE {name} ADD CONSTRAINT {name}_range CHECK (id >= {int(lower)} AND id < {int(upper)})")
    cur.execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM ({int(lower)}) TO ({int(upper)})")
    cur.execute(f"ALTER TABLE {name} DROP CONSTRAINT {name}_range")
    guard(cur, name)
    return name


def ensure_ahead(*, ahead: int = AHEAD, width: int = WIDTH) -> list[str]:
    """Create ranges of `width` ids until `ahead` empty ones lie above the highest id. Returns the names created.
    Does nothing on SQLite, on an unpartitioned table, or for a role that does not own the table."""
    if not is_partitioned() or not _owner():
        return []
    ranges = [p for p in partitions() if not p.default]
    if not ranges or ranges[-1].upper is None:
        return []
    top, highest = ranges[-1].upper, _highest_id()
    created = []
    if top - highest > ahead * width:
        return created
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        # Rows already in the DEFAULT partition (ids past every range) stay there: a range begins above them.
        top = max(top, (highest // width + 1) * width if highest >= top else top)
        while top - highest <= ahead * width:
            created.append(create_range(cur, top, top + width))
            top += width
    return created
