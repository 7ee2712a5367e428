"""Collected witness cosignatures are append-only like the rest of the ledger (issue 16). The witness's own state
(ledger_witnessstate) changes by design and is not listed."""

from django.db import migrations

from . import _triggers


def triggers(apps, schema_editor):
    _triggers.create(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0005_pending_queue'),
    ]

    operations = [
        migrations.RunPython(triggers, migrations.RunPython.noop),
    ]
