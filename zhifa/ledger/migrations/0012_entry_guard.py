"""A row the application role may insert must be one the sequencer can read and hash (issue 16, review H3).

- CHECK constraints on `ledger_entry`: `at` within [2000-01-01, 2200-01-01) UTC (no 'infinity', no year past 9999:
  values PostgreSQL stores but psycopg cannot read back, which halted every later `integrate()`), `payload_sha256`
  64 lowercase hex characters, `kind` and `subject` non-empty. Every row `record_event` writes passes; so does an
  erasure (it only empties `payload`).
- `ledger_pending.queued_at`, set by the database (DEFAULT now() / CURRENT_TIMESTAMP) when the entry trigger queues the
  entry: the audit finds stale entries by it, not by `at`, which the inserter chooses. A CHECK keeps it readable too.
- A new kind of finding, `entry_set_aside`: an entry the sequencer could not read or hash, left out of the tree.

On SQLite, adding a constraint rebuilds the table, and the rebuild drops the table's triggers: the append-only ones
(_triggers.py) and the queue trigger (0005, dropped first: it names the rebuilt ledger_pending) are created again
at the end.
"""

import datetime

from django.db import migrations, models
from django.db.models.functions import Length, Now, Replace
from django.db.models.lookups import Exact

from . import _triggers

AT_MIN = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
AT_MAX = datetime.datetime(2200, 1, 1, tzinfo=datetime.UTC)


def _hex_stripped(field):
    expression = models.F(field)
    for digit in "0123456789abcdef":
        expression = Replace(expression, models.Value(digit), models.Value(""))
    return expression


def drop_queue_trigger(apps, schema_editor):
    # SQLite: a trigger naming ledger_pending stops the rebuild of that table (its rename checks the schema).
    if schema_editor.connection.vendor == "sqlite":
        with schema_editor.connection.cursor() as cur:
            cur.execute("DROP TRIGGER IF EXISTS ledger_entry_enqueue")


def triggers(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return  # PostgreSQL adds a CHECK in place: the triggers stay
    _triggers.create(connection)
    with connection.cursor() as cur:
        cur.execute("DROP TRIGGER IF EXISTS ledger_entry_enqueue")
        cur.execute("CREATE TRIGGER ledger_entry_enqueue AFTER INSERT ON ledger_entry "
                    "BEGIN INSERT OR IGNORE INTO ledger_pending (entry_id) VALUES (NEW.id); END")


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0011_witness_append_only'),
    ]

    operations = [
        migrations.RunPython(drop_queue_trigger, migrations.RunPython.noop),
        migrations.AddField(
            model_name='pending',
            name='queued_at',
            field=models.DateTimeField(db_default=Now()),
        ),
        migrations.AlterField(
            model_name='finding',
            name='kind',
            field=models.CharField(choices=[('missing', '文件缺失'), ('altered', '文件被篡改'),
                                            ('log_mismatch', '日志与检查点不一致'),
                                            ('node_conflict', '已存储的树节点与叶节点不符'),
                                            ('signing_refused', '拒绝签署与上一检查点不一致的树'),
                                            ('entry_set_aside', '无法读取或计算哈希的日志条目被搁置')], max_length=20),
        ),
        migrations.AddConstraint(
            model_name='entry',
            constraint=models.CheckConstraint(condition=models.Q(at__gte=AT_MIN, at__lt=AT_MAX),
                                              name='ledger_entry_at_range'),
        ),
        migrations.AddConstraint(
            model_name='entry',
            constraint=models.CheckConstraint(condition=models.Q(Exact(Length('payload_sha256'), 64),
                                                                 Exact(_hex_stripped('payload_sha256'), '')),
                                              name='ledger_entry_digest_hex'),
        ),
        migrations.AddConstraint(
            model_name='entry',
            constraint=models.CheckConstraint(condition=~models.Q(kind='') & ~models.Q(subject=''),
                                              name='ledger_entry_kind_subject'),
        ),
        migrations.AddConstraint(
            model_name='pending',
            constraint=models.CheckConstraint(condition=models.Q(queued_at__gte=AT_MIN, queued_at__lt=AT_MAX),
                                              name='ledger_pending_queued_at_range'),
        ),
        # No reverse: the constraints and the column go with the schema; a rebuilt SQLite table gets its triggers back.
        migrations.RunPython(triggers, migrations.RunPython.noop),
    ]
