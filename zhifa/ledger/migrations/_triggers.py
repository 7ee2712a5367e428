"""SQL of the ledger's append-only triggers (used by migrations 0002, 0003 and 0004).

Every ledger table refuses UPDATE and DELETE (and, on PostgreSQL, TRUNCATE). `ledger_entry` has one exception
(issue 15 §5, from migration 0004 on): an erasure. An UPDATE passes only when it sets `payload` to '' from a
non-empty value, changes no other column, and an `ledger_erasure` row for that entry already exists (the erasure
service inserts it first, in the same transaction). The leaf commits to `payload_sha256`, which cannot change, so
the entry's proof still verifies; anything else (a payload rewritten, a digest or time changed) is refused.
"""

# `ledger_leaf` (migrations 0001–0013) was replaced by `ledger_leaftile` and `ledger_leafbatch` in 0014.
TABLES = ["ledger_entry", "ledger_leaftile", "ledger_leafbatch", "ledger_node", "ledger_checkpoint", "ledger_blob",
          "ledger_finding", "ledger_findingreview", "ledger_blobdisposal", "ledger_erasure", "ledger_witnesscosignature"]

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION zhifa_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'zhifa ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

# The entry table's guard once erasures exist: every column but the payload compared as a whole (to_jsonb), so a
# column added later is covered without editing this trigger.
PG_ENTRY_FUNCTION = """
CREATE OR REPLACE FUNCTION zhifa_ledger_entry_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.payload = '' AND OLD.payload <> ''
       AND (to_jsonb(NEW) - 'payload') = (to_jsonb(OLD) - 'payload')
       AND EXISTS (SELECT 1 FROM ledger_erasure WHERE entry_id = OLD.id) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'zhifa ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

# SQLite: the same condition, column by column (SQLite has no row-to-JSON of NEW/OLD). `IS` compares NULLs too.
SQLITE_ERASURE_ALLOWED = (
    "NEW.payload = '' AND OLD.payload <> '' AND NEW.id IS OLD.id AND NEW.kind IS OLD.kind "
    "AND NEW.subject IS OLD.subject AND NEW.actor IS OLD.actor AND NEW.at IS OLD.at "
    "AND NEW.payload_sha256 IS OLD.payload_sha256 "
    "AND EXISTS (SELECT 1 FROM ledger_erasure WHERE entry_id = OLD.id)"
)


def create(connection) -> None:
    """Create the triggers on every listed table that exists (a later migration adds its table's), and the witness
    state's forward-only guard."""
    _create_append_only(connection)
    create_witness_guard(connection)


def _create_append_only(connection) -> None:
    existing = set(connection.introspection.table_names())
    erasable = "ledger_erasure" in existing  # migration 0004 onwards
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(PG_FUNCTION)
            if erasable:
                cur.execute(PG_ENTRY_FUNCTION)
            for table in (t for t in TABLES if t in existing):
                function = ("zhifa_ledger_entry_guard" if erasable and table == "ledger_entry"
                            else "zhifa_ledger_append_only")
                cur.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
                cur.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
                cur.execute(f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                            f"FOR EACH ROW EXECUTE FUNCTION {function}()")
                cur.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                            f"FOR EACH STATEMENT EXECUTE FUNCTION zhifa_ledger_append_only()")
        elif connection.vendor == "sqlite":
            for table in (t for t in TABLES if t in existing):
                for op in ("UPDATE", "DELETE"):
                    when = (f" WHEN NOT ({SQLITE_ERASURE_ALLOWED})"
                            if erasable and table == "ledger_entry" and op == "UPDATE" else "")
                    cur.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op.lower()}")
                    cur.execute(f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table}{when} "
                                f"BEGIN SELECT RAISE(ABORT, 'zhifa ledger is append-only: {op} on {table} refused'); END")


# The witness's state (ledger_witnessstate) changes by design, but only forward: never deleted, never a smaller size
# (a reset to 0 would let the witness cosign a forked history). Its authenticity (the witness's own cosignature on the
# stored note) is checked by witness.add_checkpoint; this keeps the database from moving it back.
PG_WITNESS_FUNCTION = """
CREATE OR REPLACE FUNCTION zhifa_witness_forward_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.size >= OLD.size AND NEW.witness = OLD.witness AND NEW.origin = OLD.origin THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'zhifa witness state only moves forward: % on % refused', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""
WITNESS_TABLE = "ledger_witnessstate"


def create_witness_guard(connection) -> None:
    if WITNESS_TABLE not in set(connection.introspection.table_names()):
        return
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(PG_WITNESS_FUNCTION)
            cur.execute(f"DROP TRIGGER IF EXISTS {WITNESS_TABLE}_forward ON {WITNESS_TABLE}")
            cur.execute(f"DROP TRIGGER IF EXISTS {WITNESS_TABLE}_no_truncate ON {WITNESS_TABLE}")
            cur.execute(f"CREATE TRIGGER {WITNESS_TABLE}_forward BEFORE UPDATE OR DELETE ON {WITNESS_TABLE} "
                        f"FOR EACH ROW EXECUTE FUNCTION zhifa_witness_forward_only()")
            cur.execute(f"CREATE TRIGGER {WITNESS_TABLE}_no_truncate BEFORE TRUNCATE ON {WITNESS_TABLE} "
                        f"FOR EACH STATEMENT EXECUTE FUNCTION zhifa_ledger_append_only()")
        elif connection.vendor == "sqlite":
            cur.execute(f"DROP TRIGGER IF EXISTS {WITNESS_TABLE}_backwards")
            cur.execute(f"DROP TRIGGER IF EXISTS {WITNESS_TABLE}_no_delete")
            cur.execute(f"CREATE TRIGGER {WITNESS_TABLE}_backwards BEFORE UPDATE ON {WITNESS_TABLE} "
                        f"WHEN NEW.size < OLD.size OR NEW.witness IS NOT OLD.witness OR NEW.origin IS NOT OLD.origin "
                        f"BEGIN SELECT RAISE(ABORT, 'zhifa witness state only moves forward'); END")
            cur.execute(f"CREATE TRIGGER {WITNESS_TABLE}_no_delete BEFORE DELETE ON {WITNESS_TABLE} "
                        f"BEGIN SELECT RAISE(ABORT, 'zhifa witness state only moves forward'); END")


def drop(connection) -> None:
    """Remove the triggers. Needs table ownership; used by the test suite's flush only."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"DROP TRIGGER IF EXISTS {WITNESS_TABLE}_forward ON {WITNESS_TABLE}")
            cur.execute(f"DROP TRIGGER IF EXISTS {WITNESS_TABLE}_no_truncate ON {WITNESS_TABLE}")
        elif connection.vendor == "sqlite":
            cur.execute(f"DROP TRIGGER IF EXISTS {WITNESS_TABLE}_backwards")
            cur.execute(f"DROP TRIGGER IF EXISTS {WITNESS_TABLE}_no_delete")
        for table in TABLES:
            if connection.vendor == "postgresql":
                cur.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
                cur.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            elif connection.vendor == "sqlite":
                for op in ("update", "delete"):
                    cur.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
