"""The log: appends in the caller's transaction, one sequencer, signed checkpoints, proofs (REC-12)."""

import datetime as dt

import pytest
from django.db import connection, transaction

from zhifa.core.errors import ZhifaError
from zhifa.ledger import events, merkle, selectors, services, storage
from zhifa.ledger.models import Checkpoint, Entry, LeafBatch, Node
from zhifa.ledger.note import NoteError, Signer, Verifier, open_checkpoint

events.register("test.thing_happened", "测试事件")


def append(n, **payload):
    return [services.record_event("test.thing_happened", subject=f"test:{i}", payload={"i": i, **payload})
            for i in range(n)]


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_an_event_commits_or_rolls_back_with_the_callers_change(users):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.record_event("test.thing_happened", subject="test:rolled-back", actor=users.su, payload={})
        raise RuntimeError("the state change failed")
    assert not Entry.objects.filter(subject="test:rolled-back").exists()
    with transaction.atomic():
        entry = services.record_event("test.thing_happened", subject="test:kept", actor=users.su, payload={"a": "值"})
    assert Entry.objects.get(pk=entry.pk).actor == f"user:{users.su.pk}"
    assert entry.payload == '{"a":"值"}'


@pytest.mark.django_db
def test_unknown_kinds_and_floats_are_refused():
    with pytest.raises(ZhifaError) as exc:
        services.record_event("test.typo", subject="x")
    assert exc.value.code == "ledger_unknown_event_kind"
    with pytest.raises(ZhifaError) as exc:
        services.record_event("test.thing_happened", subject="x", payload={"amount": 1.5})
    assert exc.value.code == "ledger_bad_payload"


@pytest.mark.req("REC-12")
@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 2, 3, 255, 256, 257, 600])
def test_integrated_tree_matches_the_reference_tree(n):
    entries = append(n)
    added = 0
    while step := services.integrate(limit=97):  # several batches, crossing band boundaries
        added += step
    assert added == n == selectors.tree_size()
    leaves = [services.entry_leaf_hash(e) for e in entries]
    reference = merkle.MemoryTree(leaves)
    reader = selectors.TreeReader()
    for size in {1, n // 2 or 1, n}:
        assert reader.root(size) == reference.root(size)
    assert Node.objects.filter(level=8).count() == n // 256
    assert storage.entry_ids_between(0, n) == [e.pk for e in entries]


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_proofs_from_the_database_verify_against_a_signed_checkpoint():
    append(300)
    cp = services.checkpoint_create()
    verifier = services.signer().verifier
    opened = open_checkpoint(cp.note, [verifier], origin="zhifa.localhost/ledger")
    assert opened.size == cp.size == 301  # 300 events and the key-in-use entry
    for seq in (0, 1, 150, 255, 256, 300):
        proof = selectors.inclusion_proof(seq)
        merkle.verify_inclusion(proof.leaf_hash, seq, opened.size, proof.path, opened.root)
    append(40)
    later = services.checkpoint_create()
    path, r1, r2 = selectors.consistency_proof(cp.size, later.size)
    merkle.verify_consistency(cp.size, later.size, opened.root, bytes(later.root), path)
    assert r1 == opened.root


@pytest.mark.django_db
def test_checkpoint_is_not_repeated_when_nothing_changed_and_bad_requests_are_clear():
    append(3)
    first = services.checkpoint_create()
    assert services.checkpoint_create().pk == first.pk
    with pytest.raises(ZhifaError) as exc:
        selectors.inclusion_proof(99)
    assert exc.value.code == "ledger_no_such_leaf"
    with pytest.raises(ZhifaError) as exc:
        selectors.consistency_proof(2, 999)
    assert exc.value.code == "ledger_bad_tree_size"


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_key_rotation_is_recorded_in_the_log(settings):
    append(2)
    services.checkpoint_create()
    old = services.signer().verifier.encode()
    new_key = Signer.generate("zhifa.localhost/ledger", sm2_key=True)
    settings.ZHIFA_LEDGER_KEY = new_key.encode()
    cp = services.checkpoint_create()
    rotation = Entry.objects.filter(kind=events.KEY_IN_USE).order_by("-id").first()
    assert '"replaces":"' + old + '"' in rotation.payload
    assert new_key.verifier.encode() in rotation.payload
    assert open_checkpoint(cp.note, [Verifier.decode(new_key.verifier.encode())]).size == cp.size
    with pytest.raises(NoteError):
        open_checkpoint(cp.note, [Verifier.decode(old)])


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_a_bad_key_setting_is_a_clear_error(settings):
    settings.ZHIFA_LEDGER_KEY = "PRIVATE+KEY+nonsense"
    with pytest.raises(ZhifaError) as exc:
        services.signer()
    assert exc.value.code == "ledger_key_invalid"


def _raw(sql, params=()):
    with connection.cursor() as cur:
        cur.execute(sql, params)


@pytest.mark.req("REC-12")
@pytest.mark.django_db
@pytest.mark.parametrize("statement", [
    "UPDATE ledger_entry SET payload = '{}'",
    "DELETE FROM ledger_entry",
    "UPDATE ledger_leafbatch SET first_seq = first_seq + 1000",
    "DELETE FROM ledger_leafbatch",
    "UPDATE ledger_leaftile SET data = data",
    "DELETE FROM ledger_leaftile",
    "DELETE FROM ledger_checkpoint",
    "UPDATE ledger_checkpoint SET size = 1",
])
def test_the_database_refuses_to_change_the_log(statement):
    append(300 if "leaftile" in statement else 3)
    services.checkpoint_create()
    with pytest.raises(Exception) as exc, transaction.atomic():
        _raw(statement)
    assert "append-only" in str(exc.value)


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_postgresql_refuses_truncate():
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    append(1)
    # The entry's queue row (ledger_pending) has deferred foreign-key checks; fire them first, or PostgreSQL refuses
    # the TRUNCATE for that reason before the append-only trigger is reached.
    _raw("SET CONSTRAINTS ALL IMMEDIATE")
    for table in ("ledger_entry", "ledger_leaftile", "ledger_leafbatch", "ledger_checkpoint", "ledger_blob"):
        with pytest.raises(Exception) as exc, transaction.atomic():
            _raw(f"TRUNCATE {table} CASCADE")
        assert "append-only" in str(exc.value)


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_orm_refuses_too():
    entry = append(1)[0]
    entry.payload = "{}"
    with pytest.raises(ZhifaError):
        entry.save()
    with pytest.raises(ZhifaError):
        Entry.objects.all().delete()


@pytest.mark.req("REC-17")
@pytest.mark.django_db
def test_log_audit_detects_a_row_changed_behind_the_applications_back():
    """A DBA who lifts the triggers and rewrites an entry is caught by the audit (and by the verifier)."""
    from zhifa.ledger.migrations import _triggers
    from zhifa.ledger.models import Finding

    append(20)
    services.checkpoint_create()
    assert services.log_audit().problems == []
    _triggers.drop(connection)
    try:
        target = Entry.objects.filter(subject="test:7").values_list("pk", flat=True).get()
        _raw("UPDATE ledger_entry SET payload = %s WHERE id = %s", ['{"i":700}', target])
    finally:
        _triggers.create(connection)
    result = services.log_audit()
    assert any("内容与其摘要不符" in p for p in result.problems)
    assert Finding.objects.filter(kind="log_mismatch").exists()
    # The offline verifier, given an export of the altered database, fails too.
    import tempfile
    from pathlib import Path

    from zhifa.ledger.export import export
    from zhifa.verify.__main__ import main as verify_main

    with tempfile.TemporaryDirectory() as tmp:
        export(Path(tmp))
        assert verify_main(["log", tmp, "--key", services.signer().verifier.encode()]) == 1


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_a_leaf_hash_rewrite_breaks_the_checkpoint():
    from zhifa.ledger.migrations import _triggers

    append(300)
    services.checkpoint_create()
    data = b"".join(storage.leaf_hashes(0, 256))
    forged = data[:96] + merkle.leaf_hash(b"forged") + data[128:]
    _triggers.drop(connection)
    try:
        _raw('UPDATE ledger_leaftile SET data = %s WHERE "index" = 0', [forged])
    finally:
        _triggers.create(connection)
    problems = services.log_audit().problems
    assert any("与其叶哈希不符" in p for p in problems) and any("检查点" in p for p in problems)


@pytest.mark.django_db
def test_entries_are_timestamped_in_utc_text():
    entry = append(1)[0]
    assert services.at_text(entry.at).endswith("+00:00")
    assert isinstance(entry.at, dt.datetime)


@pytest.mark.django_db
def test_one_entry_sequenced_twice_is_found():
    entry = append(1)[0]
    services.integrate()
    assert services.integrate(full_scan=True) == 0  # the sequencer never takes it again
    size = selectors.tree_size()
    LeafBatch.objects.create(first_seq=size, first_entry=entry.pk, last_entry=entry.pk, count=1, late=True,
                             ids=storage.encode_ids([entry.pk]))  # written by hand, past the sequencer
    problems = services.log_audit(record=False).problems
    assert any(f"条目 id {entry.pk} 在日志树中出现不止一次" in p for p in problems)
    assert Checkpoint.objects.count() == 0
