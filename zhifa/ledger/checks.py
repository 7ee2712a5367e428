"""Deployment checks that need the database (`manage.py check --deploy --database default`)."""

from django.core import checks
from django.db import connections

from .migrations._triggers import TABLES

QUEUE = "ledger_pending"


@checks.register(checks.Tags.database, deploy=True)
def check_ledger_grants(app_configs=None, databases=None, **kwargs):
    """Every ledger table readable by the role the process connects as. A hardened PostgreSQL deployment
    (`ledger_harden_db`) grants table by table: a migration that adds a ledger table (0014: `ledger_leaftile`,
    `ledger_leafbatch`) leaves it without grants until `ledger_harden_db` is run again, and every seq lookup fails."""
    errors = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cur:
            existing = set(connection.introspection.table_names(cur))
            tables = [t for t in [*TABLES, QUEUE] if t in existing]
            cur.execute("SELECT t FROM unnest(%s::text[]) AS t WHERE NOT has_table_privilege(current_user, t, 'SELECT') "
                        "ORDER BY t", [tables])
            missing = [row[0] for row in cur.fetchall()]
        if missing:
            errors.append(checks.Error(
                f"The database role cannot read the ledger tables {', '.join(missing)} (database {alias!r}).",
                hint="A migration added ledger tables after the roles were prepared: run `manage.py ledger_harden_db "
                     "<app-role> --sequencer <sequencer-role>` again as the tables' owner (docs/ledger.md, 'Roles by "
                     "duty').",
                id="zhifa.ledger.E001"))
    return errors
