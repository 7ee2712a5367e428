"""Tree storage ≤ 40 B per leaf (issue 16): `ledger_leaf` (one row per leaf: seq, entry id, hash, two indexes) becomes
`ledger_leaftile` (one 8 192-byte row per completed level-0 tile) and `ledger_leafbatch` (the entry ids of
consecutive seqs, as runs of ids). See zhifa/ledger/storage.py.

The data step builds both from the existing leaves, in seq order, as the sequencer would have: the stored hashes of
every completed tile are copied as they are (the audit checks them against the entries afterwards), and the
entry ids are grouped into in-order rows and late rows with storage.batch_rows's placement. The hashes of the open
tile are dropped: they are recomputed from their entries. Then the append-only triggers go on the new tables and
`ledger_leaf` is dropped. No way back: the leaves are not rebuilt.

Before anything is dropped, every stored leaf hash (completed tiles and the open tile) is compared with the hash
recomputed from its entry: a stored hash is the only per-entry evidence of what the entry held when it was
sequenced, so on any mismatch (or an entry row missing) the migration is refused, naming the seq, and the table's
owner must investigate (review, LOW finding on 0014).
"""

import datetime as dt
import hashlib
from bisect import bisect_right

from django.db import migrations, models

from zhifa.ledger.canonical import leaf_input

from . import _triggers

TILE_WIDTH = 256
ROW_MAX = 1 << 16
CHUNK = 50_000


def _varint(value, out):
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def _encode(ids):
    """As storage.encode_ids: (gap, run length − 1) varint pairs."""
    out = bytearray()
    i, previous = 0, ids[0] - 1
    while i < len(ids):
        j = i
        while j + 1 < len(ids) and ids[j + 1] == ids[j] + 1:
            j += 1
        _varint(ids[i] - previous - 1, out)
        _varint(j - i, out)
        previous, i = ids[j], j + 1
    return bytes(out)


def _leaves(cur):
    last = -1
    while True:
        cur.execute("SELECT seq, entry_id, hash FROM ledger_leaf WHERE seq > %s ORDER BY seq LIMIT %s", [last, CHUNK])
        rows = cur.fetchall()
        yield from rows
        if len(rows) < CHUNK:
            return
        last = rows[-1][0]


def _check_hashes(Entry, leaves):
    """Refuse (RuntimeError) unless each (seq, entry id, stored hash) is the hash its entry gives now."""
    rows = {row[0]: row[1:] for row in Entry.objects.filter(pk__in={pk for _, pk, _ in leaves}).values_list(
        "id", "kind", "subject", "actor", "at", "payload_sha256").iterator(chunk_size=5000)}
    for seq, entry_id, stored in leaves:
        row = rows.get(entry_id)
        if row is None:
            raise RuntimeError(f"ledger_leaf seq {seq} names entry {entry_id}, which does not exist: the log was "
                               "altered; investigate (manage.py ledger_audit on the previous release) before migrating")
        kind, subject, actor, at, digest = row
        text = leaf_input(kind=kind, subject=subject, actor=actor,
                          at=at.astimezone(dt.UTC).isoformat(timespec="microseconds"), payload_sha256=digest)
        if hashlib.sha256(b"\x00" + text).digest() != bytes(stored):
            raise RuntimeError(f"ledger_leaf seq {seq} (entry {entry_id}): the stored leaf hash differs from the hash "
                               "of the entry as it is now: the entry or its leaf was altered. Migration 0014 would "
                               "drop the stored hash, the only evidence of which entry changed; investigate "
                               "(manage.py ledger_audit on the previous release) before migrating")


def forward(apps, schema_editor):
    Entry = apps.get_model("ledger", "Entry")
    LeafTile = apps.get_model("ledger", "LeafTile")
    LeafBatch = apps.get_model("ledger", "LeafBatch")
    connection = schema_editor.connection
    rows, tiles = [], []
    current = None  # [first_seq, late, ids, gap]
    firsts, highest = [], 0
    tile, expected = [], 0

    def close():
        if current is not None:
            first_seq, late, ids, _ = current
            rows.append(LeafBatch(first_seq=first_seq, first_entry=ids[0], last_entry=ids[-1], count=len(ids),
                                  late=late, ids=_encode(ids)))

    checking = []
    with connection.cursor() as cur:
        for seq, entry_id, leaf_hash in _leaves(cur):
            checking.append((seq, entry_id, leaf_hash))
            if len(checking) >= 5000:
                _check_hashes(Entry, checking)
                checking = []
            if seq != expected:
                raise RuntimeError(f"ledger_leaf is not consecutive: seq {expected} missing; run the audit first")
            expected += 1
            if entry_id > highest:
                if current is None or current[1] or len(current[2]) >= ROW_MAX:
                    close()
                    current = [seq, False, [], None]
                    firsts.append(entry_id)
                current[2].append(entry_id)
                highest = entry_id
            else:
                gap = bisect_right(firsts, entry_id)
                if (current is None or not current[1] or current[3] != gap or entry_id <= current[2][-1]
                        or len(current[2]) >= ROW_MAX):
                    close()
                    current = [seq, True, [], gap]
                current[2].append(entry_id)
            tile.append(bytes(leaf_hash))
            if len(tile) == TILE_WIDTH:
                tiles.append(LeafTile(index=seq // TILE_WIDTH, data=b"".join(tile)))
                tile = []
            if len(tiles) >= 500:
                LeafTile.objects.bulk_create(tiles)
                tiles = []
            if len(rows) >= 500:
                LeafBatch.objects.bulk_create(rows)
                rows = []
    _check_hashes(Entry, checking)
    close()
    LeafTile.objects.bulk_create(tiles)
    LeafBatch.objects.bulk_create(rows)


def prepare(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            # The hashes do not compress: store the 8 KB value out of line at once, without trying.
            cur.execute("ALTER TABLE ledger_leaftile ALTER COLUMN data SET STORAGE EXTERNAL")


def triggers(apps, schema_editor):
    _triggers.create(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0013_witness_forward_only'),
    ]

    operations = [
        migrations.CreateModel(
            name='LeafTile',
            fields=[
                ('index', models.BigIntegerField(primary_key=True, serialize=False)),
                ('data', models.BinaryField(max_length=8192)),
            ],
            options={
                'verbose_name': '日志叶哈希分片',
                'verbose_name_plural': '日志叶哈希分片',
                'ordering': ['index'],
            },
        ),
        migrations.CreateModel(
            name='LeafBatch',
            fields=[
                ('first_seq', models.BigIntegerField(primary_key=True, serialize=False)),
                ('first_entry', models.BigIntegerField(db_index=True)),
                ('last_entry', models.BigIntegerField()),
                ('count', models.IntegerField()),
                ('late', models.BooleanField()),
                ('ids', models.BinaryField(help_text='the ids as varint pairs (gap, run length − 1)')),
            ],
            options={
                'verbose_name': '日志排序批次',
                'verbose_name_plural': '日志排序批次',
                'ordering': ['first_seq'],
            },
        ),
        migrations.RunPython(prepare, migrations.RunPython.noop),
        migrations.RunPython(forward),
        migrations.DeleteModel(name='Leaf'),
        migrations.RunPython(triggers, migrations.RunPython.noop),
    ]
