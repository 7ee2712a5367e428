"""SQL of the ledger's append-only triggers (used by migration 0002)."""

TABLES = ["ledger_entry", "ledger_leaf", "ledger_node", "ledger_checkpoint", "ledger_blob", "ledger_finding",
          "ledger_findingreview", "ledger_blobdisposal"]

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION zhifa_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'zhifa ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def create(connection) -> None:
    """Create the triggers on every listed table that exists (a later migration adds its table's)."""
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(PG_FUNCTION)
            for table in (t for t in TABLES if t in existing):
                cur.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
                cur.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
                cur.execute(f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                            f"FOR EACH ROW EXECUTE FUNCTION zhifa_ledger_append_only()")
                cur.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                            f"FOR EACH STATEMENT EXECUTE FUNCTION zhifa_ledger_append_only()")
        elif connection.vendor == "sqlite":
            for table in (t for t in TABLES if t in existing):
                for op in ("UPDATE", "DELETE"):
                    cur.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op.lower()}")
                    cur.execute(f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                                f"BEGIN SELECT RAISE(ABORT, 'zhifa ledger is append-only: {op} on {table} refused'); END")


def drop(connection) -> None:
    """Remove the triggers. Needs table ownership; used by the test suite's flush only."""
    with connection.cursor() as cur:
        for table in TABLES:
            if connection.vendor == "postgresql":
                cur.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
                cur.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            elif connection.vendor == "sqlite":
                for op in ("update", "delete"):
                    cur.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
