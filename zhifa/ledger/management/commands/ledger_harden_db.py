"""Give the application's PostgreSQL role only what it needs, and no way to change the log.

The migrations run as the owner of the tables; the application connects as another role which may
read and insert into the ledger tables but not update, delete or truncate them, and which cannot
drop or disable the triggers (only a table's owner can). See docs/ledger.md.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from zhifa.ledger.migrations._triggers import TABLES


class Command(BaseCommand):
    help = "Grant an application role rights on every table, but only SELECT and INSERT on the ledger (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("role")
        parser.add_argument("--create", action="store_true", help="create the role (NOLOGIN; set a password yourself)")

    def handle(self, *args, role, create, **options):
        if connection.vendor != "postgresql":
            raise CommandError("only PostgreSQL has roles; SQLite deployments rely on the triggers and file permissions")
        if not role.replace("_", "").isalnum():
            raise CommandError("role names are letters, digits and underscores")
        with connection.cursor() as cur:
            if create:
                cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
                if not cur.fetchone():
                    cur.execute(f'CREATE ROLE "{role}" NOLOGIN')
            cur.execute("SELECT current_database()")
            db = cur.fetchone()[0]
            cur.execute(f'GRANT CONNECT ON DATABASE "{db}" TO "{role}"')
            cur.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
            cur.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"')
            cur.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
            for table in TABLES:
                cur.execute(f'REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {table} FROM "{role}"')
        self.stdout.write(self.style.SUCCESS(f"{role}: full rights on application tables; SELECT/INSERT only on the ledger."))
