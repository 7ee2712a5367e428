"""Review of the leaf storage (findings 1, 2, 5 and the LOW items on export and migration 0014): the open-tile cache
never reaches what is signed or stored, a tile row planted ahead of the log is never served, a hostile batch row is
a finding (never a crash), an export with an entry row missing says so, and migration 0014 refuses to drop stored
leaf hashes that differ from their entries."""

import importlib
import random
from types import SimpleNamespace

import pytest
from django.apps import apps as global_apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from zhifa.core.errors import ZhifaError
from zhifa.ledger import merkle, services, storage, tiles
from zhifa.ledger.audit import log_audit
from zhifa.ledger.errors import LedgerErrorCode
from zhifa.ledger.export import export
from zhifa.ledger.models import Entry, Finding, FindingKind, LeafBatch, LeafTile, Node
from zhifa.ledger.tests.test_ledger_storage import _old_log
from zhifa.ledger.tlogtiles import TileError, tile_root

migration_0014 = importlib.import_module("zhifa.ledger.migrations.0014_leaf_tiles_and_batches")

KIND = "ledger.log_audit"  # a registered kind with no side effects


class _Abort(Exception):
    pass


def _append(n, start=0):
    for i in range(start, start + n):
        services.record_event(KIND, subject=f"t:{i}", payload={"i": i})


def _true_hashes(size):
    return [services.entry_leaf_hash(storage.entry_at(seq)) for seq in range(size)]


def _open_tile_key(tile=0):
    return f"{storage.CACHE_PREFIX}:{settings.ZHIFA_LEDGER_ORIGIN}:{tile}"


# --- finding 1: the open-tile cache ------------------------------------------------------------------------------

@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_open_tile_hashes_read_in_a_rolled_back_transaction_are_not_cached(django_capture_on_commit_callbacks):
    """SQLite gives a rolled-back entry's id to the next entry: hashes read inside that transaction must not be kept."""
    _append(3)
    services.integrate()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                services.record_event(KIND, subject="t:rolled", payload={"rolled": "back"})
                services.integrate()
                size = storage.tree_size()
                assert len(storage.leaf_hashes(0, size)) == size
                raise _Abort
        except _Abort:
            pass
    assert cache.get(_open_tile_key()) is None
    with django_capture_on_commit_callbacks(execute=True):
        assert storage.leaf_hashes(0, 3) == _true_hashes(3)
    assert cache.get(_open_tile_key()) is not None  # a committed read is still cached for the public readers


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_a_poisoned_open_tile_cache_never_reaches_a_signature_or_a_stored_tile():
    _append(5)
    services.integrate()
    ids = storage.entry_ids_between(0, 5)
    cache.set(_open_tile_key(), (tuple(ids), [b"\xee" * 32] * 5), timeout=3600)
    cp = services.checkpoint_create()
    assert bytes(cp.root) == merkle.root_from_leaf_hashes(_true_hashes(cp.size))
    _append(300, start=5)
    while services.integrate():
        pass
    assert bytes(LeafTile.objects.get(index=0).data) == b"".join(_true_hashes(256))
    cp = services.checkpoint_create()
    assert bytes(cp.root) == merkle.root_from_leaf_hashes(_true_hashes(cp.size))
    assert log_audit(record=False).ok


# --- finding 2: a tile row planted for the open tile ---------------------------------------------------------------

@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_a_tile_row_planted_for_the_open_tile_is_never_served():
    _append(10)
    services.integrate()
    real = _true_hashes(10)
    LeafTile.objects.create(index=0, data=b"\xee" * 8192)  # the INSERT right the sequencer role keeps
    assert storage.leaf_hashes(0, 10) == real
    assert storage.leaf_hashes(0, 10, cached=False) == real
    with pytest.raises(ZhifaError) as caught:
        storage.leaf_hashes(0, 200)  # beyond the tree
    assert caught.value.code == LedgerErrorCode.BAD_TREE_SIZE
    with pytest.raises(TileError):
        tiles.tile_data(0, 0, 200)
    assert tiles.tile_data(0, 0, 10) == b"".join(real)
    assert any("不属于当前日志树的叶哈希分片" in p for p in log_audit(record=False).problems)

    # The tile completes: built from the entries, never from the planted prefix; the planted row differs, so it is
    # kept, reported, and signing refused until the owner repairs. Sequencing itself goes on.
    _append(300, start=10)
    while services.integrate():
        pass
    size = storage.tree_size()
    assert size >= 310  # and the finding's own log entry
    truth = _true_hashes(size)
    assert bytes(Node.objects.get(level=8, index=0).hash) == tile_root(b"".join(truth[:256]))
    assert Finding.objects.filter(kind=FindingKind.NODE_CONFLICT, detail__contains="叶哈希分片 0/0").exists()
    with pytest.raises(ZhifaError) as caught:
        services.checkpoint_create()
    assert caught.value.code == LedgerErrorCode.SIGNING_REFUSED
    _append(3, start=310)
    assert services.integrate() >= 3  # not halted (the refusal's finding is logged too)
    assert not log_audit(record=False).ok

    # The owner's repair: remove the planted row (triggers lifted), restore, sign.
    from zhifa.ledger.migrations import _triggers

    with transaction.atomic(), connection.cursor() as cur:
        _triggers.drop(connection)
        cur.execute('DELETE FROM ledger_leaftile WHERE "index" = 0')
        _triggers.create(connection)
    assert services.nodes_restore() == []
    assert bytes(LeafTile.objects.get(index=0).data) == b"".join(truth[:256])
    cp = services.checkpoint_create()
    assert bytes(cp.root) == merkle.root_from_leaf_hashes(_true_hashes(cp.size))


# --- finding 5: hostile batch rows ----------------------------------------------------------------------------------

def _hostile_rows():
    huge_run = bytearray()
    storage._varint(0, huge_run)
    storage._varint(2 ** 40 - 1, huge_run)  # one run of 2^40 ids
    return {
        "huge run": dict(first_entry=1, last_entry=1, count=1, ids=bytes(huge_run)),
        "huge id": dict(first_entry=2 ** 62, last_entry=2 ** 62, count=1, ids=storage.encode_ids([2 ** 62])),
        "negative id": dict(first_entry=-5, last_entry=-5, count=1, ids=storage.encode_ids([-5])),
        "count": dict(first_entry=1, last_entry=3, count=2, ids=storage.encode_ids([1, 2, 3])),
        "undecodable": dict(first_entry=1, last_entry=1, count=1, ids=b"\x80"),
    }


@pytest.mark.req("REC-12")
@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(_hostile_rows()))
def test_a_hostile_batch_row_is_a_finding_not_a_crash(case):
    _append(3)
    services.integrate()
    LeafBatch.objects.create(first_seq=storage.tree_size(), late=False, **_hostile_rows()[case])
    result = log_audit(record=False)
    assert any("已损坏" in p for p in result.problems), result.problems
    with pytest.raises(ZhifaError):
        services.requeue_unsequenced()


def test_the_id_set_is_bounded():
    ids = storage.IdSet(100)
    assert ids.add(100) and not ids.add(100) and ids.contains(100)
    for bad in (0, -1, 101, 2 ** 62):
        with pytest.raises(ValueError):
            ids.add(bad)
        assert not ids.contains(bad)
    assert len(ids.bits) <= 13


@pytest.mark.django_db
def test_batch_problem_accepts_what_the_sequencer_writes():
    _append(700)
    while services.integrate():
        pass
    limit = storage.max_entry_id()
    rows = list(storage.batches())
    assert rows
    for _, first_entry, last_entry, count, _, data in rows:
        assert storage.batch_problem(first_entry, last_entry, count, data, limit) == ""
    assert storage.batch_problem(1, limit + 1, 1, storage.encode_ids([limit + 1]), limit)


# --- LOW: export ------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_export_names_a_sequenced_entry_whose_row_is_missing(tmp_path):
    _append(3)
    services.integrate()
    ghost = Entry.objects.order_by("-id").values_list("id", flat=True).first() + 1000
    LeafBatch.objects.create(first_seq=storage.tree_size(), first_entry=ghost, last_entry=ghost, count=1, late=False,
                             ids=storage.encode_ids([ghost]))
    with pytest.raises(ZhifaError) as caught:
        export(tmp_path / "out")
    assert caught.value.code == LedgerErrorCode.NO_SUCH_LEAF and str(ghost) in caught.value.message


# --- LOW: migration 0014 ----------------------------------------------------------------------------------------

@pytest.mark.req("REC-12")
@pytest.mark.django_db
@pytest.mark.parametrize("seq", [100, 550])  # in a completed tile, in the open tile
def test_migration_0014_refuses_a_stored_leaf_hash_that_differs_from_its_entry(seq):
    order, _ = _old_log(600, random.Random(seq))
    with connection.cursor() as cur:
        cur.execute("UPDATE ledger_leaf SET hash = %s WHERE seq = %s", [b"\xee" * 32, seq])
    try:
        with pytest.raises(RuntimeError) as caught:
            migration_0014.forward(global_apps, SimpleNamespace(connection=connection))
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP TABLE ledger_leaf")
    assert f"seq {seq} (entry {order[seq]})" in str(caught.value)


# --- LOW: hardened PostgreSQL after 0014 ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_deploy_check_reports_ledger_tables_the_role_cannot_read():
    from zhifa.ledger.checks import check_ledger_grants

    if connection.vendor != "postgresql":
        assert check_ledger_grants(databases=["default"]) == []  # SQLite has no roles
        return
    assert check_ledger_grants(databases=["default"]) == []  # the owner reads everything
    with connection.cursor() as cur:  # rolled back with the test (CREATE ROLE is transactional)
        cur.execute("CREATE ROLE zhifa_probe_ledgerfix NOLOGIN")
        cur.execute("GRANT USAGE ON SCHEMA public TO zhifa_probe_ledgerfix")
        cur.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO zhifa_probe_ledgerfix")
        cur.execute("REVOKE SELECT ON ledger_leafbatch, ledger_leaftile FROM zhifa_probe_ledgerfix")
        cur.execute("SET ROLE zhifa_probe_ledgerfix")
        try:
            errors = check_ledger_grants(databases=["default"])
        finally:
            cur.execute("RESET ROLE")
    assert [e.id for e in errors] == ["zhifa.ledger.E001"]
    assert "ledger_leafbatch, ledger_leaftile" in errors[0].msg and "ledger_harden_db" in errors[0].hint
