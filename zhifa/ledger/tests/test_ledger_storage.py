"""Tree storage ≤ 40 B per leaf (issue 16): level-0 tiles as rows, one row per sequencer batch (ledger/storage.py)."""

import importlib
import random
from types import SimpleNamespace

import pytest
from django.apps import apps as global_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zhifa.ledger import merkle, selectors, services, storage, tiles
from zhifa.ledger.canonical import canonical_json, sha256_hex
from zhifa.ledger.models import Entry, LeafBatch, LeafTile, Pending
from zhifa.ledger.testing import free_entry_ids
from zhifa.ledger.tlogtiles import tile_root

migration_0014 = importlib.import_module("zhifa.ledger.migrations.0014_leaf_tiles_and_batches")


def _entry(pk, subject="t"):
    text = canonical_json({"pk": pk})
    return Entry.objects.create(id=pk, kind="ledger.log_audit", subject=subject, actor="system", at=timezone.now(),
                                payload=text, payload_sha256=sha256_hex(text))


def _sequence_all():
    while services.integrate():
        pass


def test_ids_round_trip_as_runs():
    for ids in ([5], [1, 2, 3, 4], [1, 3, 4, 5, 9, 200, 201, 100_000], list(range(7, 70_007))):
        data = storage.encode_ids(ids)
        assert storage.decode_ids(ids[0], data) == ids
    assert len(storage.encode_ids(list(range(1, 1001)))) == 3  # a batch of consecutive ids is a few bytes
    with pytest.raises(ValueError):
        storage.encode_ids([3, 3])


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_a_late_committed_entry_is_found_at_its_seq():
    base = free_entry_ids(1100 + 10_000 + 1)
    for i in range(300):  # newer ids, committed and sequenced first, in several batches
        _entry(base + 1000 + i)
        if i % 70 == 69:
            _sequence_all()
    _sequence_all()
    late = [_entry(base + k) for k in (5, 7, 8)] + [_entry(base + 1000 + 300 + k) for k in range(3)]
    late.append(_entry(base + 1100 + 10_000))  # past every id so far
    assert storage.seq_of([e.pk for e in late]) == {}  # queued, not yet in the tree
    assert services.integrate() == len(late)
    size = storage.tree_size()
    assert size == 300 + len(late)
    seqs = storage.seq_of([e.pk for e in late])
    assert [seqs[e.pk] for e in late] == list(range(300, size))  # id order within the batch: the late ones first
    rows = list(LeafBatch.objects.filter(first_seq__gte=300).order_by("first_seq").values_list("late", "count"))
    assert rows == [(True, 3), (False, 4)]
    # Every entry's seq, looked up in one query, agrees with the seq → entry direction.
    ids = storage.entry_ids_between(0, size)
    with CaptureQueriesContext(connection) as queries:
        found = storage.seq_of(ids)
    assert len(queries) == 1
    assert found == {entry_id: seq for seq, entry_id in enumerate(ids)}
    assert late[0].seq == 300 and storage.entry_at(301).pk == late[1].pk
    assert storage.seq_of([base + 6, base + 10 ** 9]) == {}  # never written


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_lookup_stays_right_whatever_the_commit_order():
    """Entries committing in a random order, sequenced in random batch sizes: every seq is found, every late row lies
    within one gap between in-order rows, and the audit agrees."""
    rng = random.Random(16)
    base = free_entry_ids(1500)
    ids = list(range(base, base + 1500))
    order = sorted(ids, key=lambda i: i + rng.expovariate(1 / 40))  # most on time, some late by a few hundred
    expected = []
    for n, pk in enumerate(order):
        _entry(pk)
        if rng.random() < 0.05 or n == len(order) - 1:
            before = storage.tree_size()
            added = services.integrate(limit=rng.choice([3, 50, 1000]))
            expected += storage.entry_ids_between(before, before + added)
    _sequence_all()
    size = storage.tree_size()
    assert size == 1500 and sorted(storage.entry_ids_between(0, size)) == ids
    assert storage.seq_of(ids) == {entry_id: seq for seq, entry_id in enumerate(storage.entry_ids_between(0, size))}
    assert LeafBatch.objects.filter(late=True).exists()
    assert LeafTile.objects.count() == 1500 // 256
    assert services.log_audit(record=False).ok


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_the_open_tile_is_recomputed_and_completed_tiles_are_one_row():
    for i in range(600):
        services.record_event("ledger.log_audit", subject=f"t:{i}", payload={"i": i})
    services.checkpoint_create()
    size = storage.tree_size()
    entries = {e.pk: e for e in Entry.objects.all()}
    hashes = [services.entry_leaf_hash(entries[i]) for i in storage.entry_ids_between(0, size)]
    assert storage.leaf_hashes(0, size) == hashes
    assert list(LeafTile.objects.values_list("index", flat=True)) == [0, 1]
    assert bytes(LeafTile.objects.get(index=1).data) == b"".join(hashes[256:512])
    width = size - 512
    assert tiles.tile_data(0, 2, width) == b"".join(hashes[512:])  # the open tile, from its entries
    assert tiles.tile_data(0, 1) == b"".join(hashes[256:512])
    assert selectors.TreeReader().root(size) == merkle.MemoryTree(hashes).root()


def _old_log(n: int, rng: random.Random) -> tuple[list[int], list[bytes]]:
    """Entries and the `ledger_leaf` table of migration 0013, as the old sequencer filled it: (entry ids in seq order,
    leaf hashes). Some entries committed late (sequenced after higher ids)."""
    base = free_entry_ids(n)
    ids = list(range(base, base + n))
    order = sorted(ids, key=lambda i: i + (rng.randrange(50, 400) if rng.random() < 0.03 else 0))
    entries = {pk: _entry(pk) for pk in ids}
    hashes = [services.entry_leaf_hash(entries[pk]) for pk in order]
    Pending.objects.all().delete()  # in the old log, sequenced
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE ledger_leaf (seq bigint PRIMARY KEY, entry_id bigint NOT NULL UNIQUE, "
                    f"hash {'bytea' if connection.vendor == 'postgresql' else 'blob'} NOT NULL)")
        cur.executemany("INSERT INTO ledger_leaf (seq, entry_id, hash) VALUES (%s, %s, %s)",
                        [(seq, pk, h) for seq, (pk, h) in enumerate(zip(order, hashes, strict=True))])
    return order, hashes


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_migration_0014_builds_tiles_and_batches_from_the_leaves():
    n = 3001
    order, hashes = _old_log(n, random.Random(14))
    try:
        migration_0014.forward(global_apps, SimpleNamespace(connection=connection))  # its data step only
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP TABLE ledger_leaf")
    assert storage.tree_size() == n
    assert storage.entry_ids_between(0, n) == order
    assert storage.seq_of(order) == {pk: seq for seq, pk in enumerate(order)}
    assert LeafBatch.objects.filter(late=True).exists()
    # The tiles served are the ones the old leaves gave: every full tile, the open one, any partial width.
    assert LeafTile.objects.count() == n // 256
    for index in range(n // 256):
        assert bytes(LeafTile.objects.get(index=index).data) == b"".join(hashes[256 * index:256 * (index + 1)])
    assert storage.leaf_hashes(0, n) == hashes
    assert tiles.tile_data(0, n // 256, n % 256) == b"".join(hashes[256 * (n // 256):])
    assert tiles.tile_data(0, 3, 17) == b"".join(hashes[768:785])
    services.nodes_restore()  # the old log's band nodes (not part of this test's fake 0013 table)
    assert tile_root(tiles.tile_data(0, 5)) == tiles.tile_data(1, 0, n // 256)[5 * 32:6 * 32]
    reference = merkle.MemoryTree(hashes)
    assert selectors.TreeReader().root(n) == reference.root()
    cp = services.checkpoint_create()  # the key entry joins the migrated log
    assert cp.size == n + 1
    assert services.log_audit(record=False).ok


@pytest.mark.django_db
@pytest.mark.parametrize("seq", [2**63 - 1, 2**63 - 2, -1])
def test_a_seq_past_what_a_column_holds_is_not_found_not_a_crash(seq):
    """A seq taken from a URL may be the largest 64-bit integer: seq + 1 would overflow SQLite's INTEGER (a 500 the
    API fuzzer found). Every seq range is checked before it reaches a query."""
    from zhifa.core.errors import NotFoundError, ZhifaError
    from zhifa.ledger.errors import LedgerErrorCode

    services.record_event("ledger.log_audit", subject="system", payload={})
    services.integrate()
    with pytest.raises(NotFoundError):
        selectors.entry_get(seq)
    with pytest.raises(ZhifaError) as caught:
        storage.leaf_hashes(seq, seq + 1)
    assert caught.value.code == LedgerErrorCode.BAD_TREE_SIZE
