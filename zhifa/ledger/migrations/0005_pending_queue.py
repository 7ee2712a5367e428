"""The sequencer's queue (issue 16, finding 4) and two new kinds of finding.

`ledger_pending` holds one row per entry not yet in the tree. A trigger on `ledger_entry` writes it in the entry's
own transaction (so it commits, or vanishes, with the entry), and the sequencer deletes it in the transaction that
gives the entry its leaf. The sequencer thus reads exactly the committed, unsequenced entries, however late their
transaction committed: no look-back window over entry ids. The queue is not part of the tamper-evident record, so it
has no append-only trigger. Entries already in the log without a leaf are queued here once.

Depends on 0010_witness only because both were written at the same time from 0004 (one leaf node for Django).
"""

import django.db.models.deletion
from django.db import migrations, models

PG_TRIGGER = """
CREATE OR REPLACE FUNCTION zhifa_ledger_enqueue() RETURNS trigger AS $$
BEGIN
    INSERT INTO ledger_pending (entry_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS ledger_entry_enqueue ON ledger_entry;
CREATE TRIGGER ledger_entry_enqueue AFTER INSERT ON ledger_entry FOR EACH ROW EXECUTE FUNCTION zhifa_ledger_enqueue();
"""

SQLITE_TRIGGER = [
    "DROP TRIGGER IF EXISTS ledger_entry_enqueue",
    "CREATE TRIGGER ledger_entry_enqueue AFTER INSERT ON ledger_entry "
    "BEGIN INSERT OR IGNORE INTO ledger_pending (entry_id) VALUES (NEW.id); END",
]

BACKFILL = ("INSERT INTO ledger_pending (entry_id) SELECT e.id FROM ledger_entry e "
            "LEFT JOIN ledger_leaf l ON l.entry_id = e.id WHERE l.seq IS NULL")


def forward(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(PG_TRIGGER)
            # The foreign key, checked at once rather than at commit (Django's are deferred): a deferred check leaves
            # "pending trigger events" that make a TRUNCATE … CASCADE fail on this table before the ledger's own
            # append-only trigger can refuse it. It keeps rows for entries that do not exist out of the queue.
            cur.execute("ALTER TABLE ledger_pending ADD CONSTRAINT ledger_pending_entry_fk FOREIGN KEY (entry_id) "
                        "REFERENCES ledger_entry (id) NOT DEFERRABLE")
        elif connection.vendor == "sqlite":
            for sql in SQLITE_TRIGGER:
                cur.execute(sql)
        cur.execute(BACKFILL)


def backward(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("DROP TRIGGER IF EXISTS ledger_entry_enqueue ON ledger_entry")
            cur.execute("DROP FUNCTION IF EXISTS zhifa_ledger_enqueue()")
            cur.execute("ALTER TABLE ledger_pending DROP CONSTRAINT IF EXISTS ledger_pending_entry_fk")
        elif connection.vendor == "sqlite":
            cur.execute("DROP TRIGGER IF EXISTS ledger_entry_enqueue")


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0010_witness'),
    ]

    operations = [
        migrations.CreateModel(
            name='Pending',
            fields=[
                ('entry', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING,
                                               primary_key=True, related_name='+', serialize=False,
                                               to='ledger.entry')),
            ],
            options={
                'verbose_name': '待排序日志条目',
                'verbose_name_plural': '待排序日志条目',
            },
        ),
        migrations.AlterField(
            model_name='finding',
            name='kind',
            field=models.CharField(choices=[('missing', '文件缺失'), ('altered', '文件被篡改'),
                                            ('log_mismatch', '日志与检查点不一致'),
                                            ('node_conflict', '已存储的树节点与叶节点不符'),
                                            ('signing_refused', '拒绝签署与上一检查点不一致的树')], max_length=20),
        ),
        migrations.RunPython(forward, backward),
    ]
