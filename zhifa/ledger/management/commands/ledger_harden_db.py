"""Roles by duty on PostgreSQL (docs/ledger.md, "The database cannot quietly change the log").

The migrations run as the owner of the tables. The application connects as another role which may read the ledger
and insert entries (and the evidence records that go with them) but not tree nodes, leaves or checkpoints, and may
not update, delete or truncate anything in the ledger, nor drop or disable a trigger (only a table's owner can).
`--sequencer ROLE` prepares a separate identity for the worker that sequences and signs: it may insert leaf tiles and
batches, nodes and checkpoints (and the entries and findings it writes itself) and consume the sequencing queue, and
nothing else.
The partitions of `ledger_entry` (migration 0016) are reached through the parent only: inserting and reading through
`ledger_entry` checks the parent's rights alone, so neither role keeps any right on a partition itself (the schema-wide
grant below would otherwise give the application UPDATE and DELETE there, which the triggers alone would refuse).
Partitions created later by their owner (`manage.py ledger_partitions`) carry no grant to begin with.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from zhifa.ledger import partitions
from zhifa.ledger.migrations._triggers import TABLES

# What the application inserts: entries (and, by the entry trigger, their queue row), and the evidence records.
APP_INSERT = ["ledger_entry", "ledger_pending", "ledger_blob", "ledger_blobdisposal", "ledger_finding",
              "ledger_findingreview", "ledger_erasure"]
# Only the sequencer/signer writes the tree and the signed heads.
TREE = ["ledger_leaftile", "ledger_leafbatch", "ledger_node", "ledger_checkpoint"]
QUEUE = "ledger_pending"


def _check(role: str) -> None:
    if not role.replace("_", "").isalnum():
        raise CommandError("role names are letters, digits and underscores")


class Command(BaseCommand):
    help = ("Grant an application role rights on every table but, in the ledger, only SELECT and INSERT of entries "
            "and evidence records; optionally prepare a separate sequencer/signer role (PostgreSQL).")

    def add_arguments(self, parser):
        parser.add_argument("role")
        parser.add_argument("--create", action="store_true", help="create the role(s) (NOLOGIN; set a password yourself)")
        parser.add_argument("--sequencer", metavar="ROLE",
                            help="the role of the worker that sequences and signs (manage.py ledger_checkpoint)")

    def handle(self, *args, role, create, sequencer=None, **options):
        if connection.vendor != "postgresql":
            raise CommandError("only PostgreSQL has roles; SQLite deployments rely on the triggers and file permissions")
        _check(role)
        if sequencer:
            _check(sequencer)
            if sequencer == role:
                raise CommandError("the sequencer must be another role than the application's")
        existing = set(connection.introspection.table_names())
        ledger = [t for t in [*TABLES, QUEUE] if t in existing]
        with connection.cursor() as cur:
            for name in [role] + ([sequencer] if sequencer else []):
                if create:
                    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
                    if not cur.fetchone():
                        cur.execute(f'CREATE ROLE "{name}" NOLOGIN')
                cur.execute("SELECT current_database()")
                db = cur.fetchone()[0]
                cur.execute(f'GRANT CONNECT ON DATABASE "{db}" TO "{name}"')
                cur.execute(f'GRANT USAGE ON SCHEMA public TO "{name}"')
            # The application: full rights on its own tables; in the ledger SELECT everywhere, INSERT where it logs.
            cur.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"')
            cur.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
            for table in ledger:
                cur.execute(f'REVOKE ALL ON {table} FROM "{role}"')
                cur.execute(f'GRANT SELECT ON {table} TO "{role}"')
                if table in APP_INSERT:
                    cur.execute(f'GRANT INSERT ON {table} TO "{role}"')
            pieces = [p.name for p in partitions.partitions()]
            for table in pieces:
                cur.execute(f'REVOKE ALL ON {table} FROM "{role}"')
            if sequencer:
                for table in pieces:
                    cur.execute(f'REVOKE ALL ON {table} FROM "{sequencer}"')
                for table in ledger:
                    cur.execute(f'REVOKE ALL ON {table} FROM "{sequencer}"')
                    cur.execute(f'GRANT SELECT ON {table} TO "{sequencer}"')
                for table in [*TREE, "ledger_entry", "ledger_finding"]:
                    if table in existing:
                        cur.execute(f'GRANT INSERT ON {table} TO "{sequencer}"')
                if QUEUE in existing:
                    cur.execute(f'GRANT INSERT, DELETE ON {QUEUE} TO "{sequencer}"')
                cur.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{sequencer}"')
        done = f"{role}: full rights on application tables; in the ledger SELECT, and INSERT of entries and evidence only."
        if sequencer:
            done += f" {sequencer}: SELECT on the ledger, INSERT of leaf tiles and batches, nodes, checkpoints, entries and findings, " \
                    "DELETE on the sequencing queue."
        self.stdout.write(self.style.SUCCESS(done))
