"""`ledger_entry` becomes a table partitioned by RANGE (id) on PostgreSQL (issue 19 §6; zhifa/ledger/partitions.py;
docs/adr/0011-growth-and-partitioning.md). SQLite: nothing changes.

Forward, without copying a row: under an ACCESS EXCLUSIVE lock the existing table is renamed to the first partition
(`ledger_entry_from_0`, ids below the next multiple of partitions.WIDTH above the highest id), a partitioned
`ledger_entry` with the same columns, CHECK constraints, primary key (id), indexes (same names, so later Django
migrations find them) and identity (continuing after the highest id handed out) is created, and the old table is
attached to it: its indexes are taken over, not rebuilt; the attach scans it once to check the range. Then the
ranges ahead and the DEFAULT partition, the append-only triggers (declared on the parent, cloned to every partition;
the TRUNCATE guard on each partition), the queue trigger of 0005, and every foreign key that pointed at the old table
(ledger's own and the other apps', read from pg_constraint) re-created on the parent with its definition.

Backward copies the rows into a plain table again (the only way to undo partitions), with the same triggers and
foreign keys: a layout change, not a change of any row, so it may be reversed.
"""

from django.db import migrations

from . import _triggers

TABLE = "ledger_entry"
FIRST = f"{TABLE}_from_0"
WIDTH = 100_000_000  # partitions.WIDTH when this was written
AHEAD = 2
# A statement trigger is not cloned to partitions, so each partition has its own TRUNCATE guard. It refuses while its
# parent's guard is in place, as the row guards cloned from the parent do: whoever may drop the parent's triggers
# (the owner; the test suite around its flush, conftest.py) lifts the partitions' with them.
PARTITION_GUARD = """
CREATE OR REPLACE FUNCTION zhifa_ledger_partition_guard() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
               JOIN pg_trigger t ON t.tgrelid = p.oid AND t.tgname = p.relname || '_no_truncate'
               WHERE i.inhrelid = TG_RELID) THEN
        RAISE EXCEPTION 'zhifa ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""
ENQUEUE = (f"CREATE TRIGGER ledger_entry_enqueue AFTER INSERT ON {TABLE} FOR EACH ROW "
           "EXECUTE FUNCTION zhifa_ledger_enqueue()")


def _referencing(cur, table):
    cur.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE confrelid = %s::regclass AND contype = 'f' AND conparentid = 0", [table])
    return cur.fetchall()


def _indexes(cur, table):
    """(name, definition, is primary) of the table's own indexes."""
    cur.execute("SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisprimary FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass ORDER BY c.relname", [table])
    return cur.fetchall()


def _next_id(cur, table):
    cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cur.fetchone()[0]
    cur.execute(f"SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM {sequence}")
    following = cur.fetchone()[0]
    cur.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
    return max(following, cur.fetchone()[0])


def _drop_links(cur, table):
    """Drop the foreign keys to `table` and its triggers; return the keys to re-create."""
    keys = _referencing(cur, table)
    for relation, name, _ in keys:
        cur.execute(f'ALTER TABLE {relation} DROP CONSTRAINT "{name}"')
    for trigger in ("no_change", "no_truncate", "enqueue"):
        cur.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{trigger} ON {table}")
    return keys


def _restore_links(connection, cur, keys):
    _triggers.create(connection)  # the row guard on the parent (cloned to partitions) and its TRUNCATE guard
    cur.execute(ENQUEUE)
    for relation, name, definition in keys:
        cur.execute(f'ALTER TABLE {relation} ADD CONSTRAINT "{name}" {definition}')


def _guard(cur, name):
    cur.execute(f"DROP TRIGGER IF EXISTS {name}_no_truncate ON {name}")
    cur.execute(f"CREATE TRIGGER {name}_no_truncate BEFORE TRUNCATE ON {name} "
                "FOR EACH STATEMENT EXECUTE FUNCTION zhifa_ledger_partition_guard()")


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        cur.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        cur.execute(PARTITION_GUARD)
        following = _next_id(cur, TABLE)
        keys = _drop_links(cur, TABLE)
        indexes = _indexes(cur, TABLE)
        # The identity goes with the old table (its sequence bears the name the parent's will have).
        cur.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id DROP IDENTITY")
        cur.execute(f"ALTER TABLE {TABLE} RENAME TO {FIRST}")
        for name, _, primary in indexes:
            renamed = f"{FIRST}_pkey" if primary else name.replace(TABLE, FIRST, 1)[:63]
            if primary:
                cur.execute(f'ALTER TABLE {FIRST} RENAME CONSTRAINT "{name}" TO "{renamed}"')
            else:
                cur.execute(f'ALTER INDEX "{name}" RENAME TO "{renamed}"')
        cur.execute(f"CREATE TABLE {TABLE} (LIKE {FIRST} INCLUDING CONSTRAINTS INCLUDING STORAGE) "
                    "PARTITION BY RANGE (id)")
        cur.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY "
                    f"(START WITH {int(following)})")
        for name, definition, primary in indexes:
            if primary:
                cur.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" PRIMARY KEY (id)')
            else:
                cur.execute(definition)  # names public.ledger_entry: now the parent
        upper = (following // WIDTH + 1) * WIDTH
        cur.execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {FIRST} FOR VALUES FROM (MINVALUE) TO ({upper})")
        _guard(cur, FIRST)
        for lower in range(upper, upper + AHEAD * WIDTH, WIDTH):
            name = f"{TABLE}_from_{lower}"
            cur.execute(f"CREATE TABLE {name} PARTITION OF {TABLE} FOR VALUES FROM ({lower}) TO ({lower + WIDTH})")
            _guard(cur, name)
        cur.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
        _guard(cur, f"{TABLE}_default")
        _restore_links(connection, cur, keys)


def backward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        cur.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        if cur.fetchone()[0] != "p":
            return
        cur.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        following = _next_id(cur, TABLE)
        keys = _drop_links(cur, TABLE)
        indexes = _indexes(cur, TABLE)
        old = f"{TABLE}_partitioned"
        cur.execute(f"ALTER TABLE {TABLE} RENAME TO {old}")
        for name, _, primary in indexes:
            if primary:
                cur.execute(f'ALTER TABLE {old} RENAME CONSTRAINT "{name}" TO "{old}_pkey"')
            else:
                cur.execute(f'ALTER INDEX "{name}" RENAME TO "{name.replace(TABLE, old, 1)[:63]}"')
        cur.execute(f"CREATE TABLE {TABLE} (LIKE {old} INCLUDING CONSTRAINTS INCLUDING STORAGE)")
        cur.execute(f"INSERT INTO {TABLE} SELECT * FROM {old} ORDER BY id")
        cur.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY "
                    f"(START WITH {int(following)})")
        for name, definition, primary in indexes:
            if primary:
                cur.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" PRIMARY KEY (id)')
            else:
                cur.execute(definition.replace(" ON ONLY ", " ON ", 1))
        cur.execute(f"DROP TABLE {old} CASCADE")
        cur.execute("DROP FUNCTION IF EXISTS zhifa_ledger_partition_guard()")
        _restore_links(connection, cur, keys)


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0015_actor_label_without_login'),
    ]

    operations = [migrations.RunPython(forward, backward)]
