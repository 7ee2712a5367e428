"""The database itself refuses to change the log (issue 3 §4).

PostgreSQL: row triggers reject UPDATE and DELETE, a statement trigger rejects TRUNCATE. Dropping
or disabling a trigger needs ownership of the table: run the application under a role that does
not own these tables (`manage.py ledger_harden_db`, docs/ledger.md).
SQLite: row triggers reject UPDATE and DELETE (SQLite has no TRUNCATE).
"""

from django.db import migrations

from . import _triggers


def forwards(apps, schema_editor):
    _triggers.create(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    # No reverse: a log that could be migrated back to mutable would not be append-only.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
