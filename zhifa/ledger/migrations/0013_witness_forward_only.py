"""The witness's state only moves forward in the database too: no DELETE, no TRUNCATE, no smaller size (issue 16,
review: the application's role could reset it to 0 and have the witness cosign a forked history)."""

from django.db import migrations

from . import _triggers


def guard(apps, schema_editor):
    _triggers.create_witness_guard(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0012_entry_guard'),
    ]

    operations = [
        migrations.RunPython(guard, migrations.RunPython.noop),
    ]
