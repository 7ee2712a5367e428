"""Issue 16, findings 1, 2, 3, 4 and 5: the log's own audit checks everything, and says so with its exit status.

Each test tampers the way the issue's reviewer did — with the triggers lifted and raw SQL, or with nothing but the
INSERT right the hardened application role keeps — and shows `log_audit` (and `manage.py ledger_audit` /
`ledger_fixity`) now catch it."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from zhifa.ledger import merkle, selectors, services, storage
from zhifa.ledger.audit import log_audit
from zhifa.ledger.migrations import _triggers
from zhifa.ledger.models import Checkpoint, Entry, Erasure, Finding, Node
from zhifa.ledger.note import Checkpoint as CheckpointText
from zhifa.ledger.note import Signer, sign_note
from zhifa.ledger.tests.tree_surgery import cut_tree

KIND = "ledger.log_audit"  # a registered kind with no side effects


def _append(n, start=0):
    for i in range(start, start + n):
        services.record_event(KIND, subject=f"t:{i}", payload={"i": i})


def _raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)


class lifted:
    """The triggers dropped, as a DBA (or a PostgreSQL superuser) could; put back afterwards."""

    def __enter__(self):
        _triggers.drop(connection)

    def __exit__(self, *exc):
        _triggers.create(connection)


def _has(problems, text):
    return any(text in p for p in problems)


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_an_overwritten_node_is_caught():
    """Finding 1: one overwritten `ledger_node` row passed the old audit while every proof through it failed."""
    _append(600)
    services.checkpoint_create()
    assert log_audit().ok
    index = 1
    with lifted():
        _raw('UPDATE ledger_node SET hash = %s WHERE level = 8 AND "index" = %s', [merkle.leaf_hash(b"x"), index])
    # What the old audit checked still holds: every entry, every leaf, every checkpoint root from the leaves.
    leaves = [bytes(h) for h in storage.leaf_hashes(0, storage.tree_size())]
    assert merkle.root_from_leaf_hashes(leaves) == bytes(Checkpoint.objects.get().root)
    # ... but the served proofs are wrong, and the audit now says so.
    assert selectors.TreeReader().root(len(leaves)) != bytes(Checkpoint.objects.get().root)
    result = log_audit()
    assert result.problems == ["日志树节点 8/1 与其下的叶哈希不符（已被改写）"]
    assert result.nodes == 2 and Finding.objects.filter(detail__contains="8/1").exists()


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_deleting_the_last_entries_is_caught_by_the_checkpoints_beyond_the_end():
    """Finding 2: the last 100 entries deleted, their checkpoint left in place."""
    _append(300)
    services.checkpoint_create()
    _append(100, start=300)
    services.checkpoint_create()
    size = selectors.tree_size()
    assert log_audit().ok
    _cut(size - 100, drop_checkpoints=False)
    result = log_audit()
    assert result.leaves == size - 100
    assert _has(result.problems, f"（大小 {size}）超出日志末尾")


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_deleting_the_last_entries_with_their_checkpoints_is_caught_by_a_checkpoint_served_before(client):
    """Finding 2: the last 100 entries deleted with their checkpoints and nodes — the database alone is a consistent
    shorter log, but the checkpoint the log served before (kept by a supervisor, a court, a cron job) is beyond its end,
    even after the product signs a fresh checkpoint over the shortened log."""
    _append(300)
    services.checkpoint_create()
    _append(100, start=300)
    services.checkpoint_create()
    served = client.get("/ledger/checkpoint.txt").content.decode()
    size = selectors.tree_size()
    _cut(size - 100, drop_checkpoints=True)
    services.checkpoint_create()  # the next cron run signs the shortened log
    assert log_audit().ok  # nothing inside the database tells
    result = log_audit(known_checkpoints=[served])
    assert _has(result.problems, f"外部保存的第 1 个检查点（大小 {size}）超出日志末尾")


def _cut(keep: int, *, drop_checkpoints: bool) -> None:
    """Delete every leaf from `keep` on, with its entry and the nodes above it (and the checkpoints beyond)."""
    with lifted():
        ids = cut_tree(_raw, keep)
        marks = ", ".join(["%s"] * len(ids))
        if "ledger_pending" in connection.introspection.table_names():  # the sequencer's queue (issue 16 §4)
            _raw(f"DELETE FROM ledger_pending WHERE entry_id IN ({marks})", ids)
        _raw(f"DELETE FROM ledger_entry WHERE id IN ({marks})", ids)
        _raw('DELETE FROM ledger_node WHERE level = 8 AND "index" >= %s', [keep >> 8])
        if drop_checkpoints:
            _raw("DELETE FROM ledger_checkpoint WHERE size > %s", [keep])


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_bogus_checkpoint_rows_are_caught():
    """Findings 2 and 3: the INSERT right alone plants a checkpoint row; its signature, its note against its columns,
    its root and its size are each checked."""
    _append(40)
    real = services.checkpoint_create()
    size, root = real.size, bytes(real.root)
    origin = CheckpointText.parse(real.note.split("\n\n")[0] + "\n").origin
    assert log_audit().ok
    stranger = Signer.generate(origin)

    def plant(signer, size, root, column_root=None):
        note = sign_note(CheckpointText(origin, size, root).text(), signer)
        return Checkpoint.objects.create(size=size, root=column_root or root, note=note, key=signer.verifier.encode())

    forged = plant(stranger, size, root)  # a key that is not configured (review16 M2: configuration, not the log)
    result = log_audit()
    assert _has(result.problems, f"检查点 #{forged.pk}（大小 {size}）的签名不能用配置的验证公钥验证")


@pytest.mark.req("REC-12")
@pytest.mark.django_db
@pytest.mark.parametrize("case", ["column_root", "wrong_root", "beyond", "smaller_later"])
def test_a_validly_signed_but_false_checkpoint_is_caught(case):
    """A note signed by the log's own key (a leaked key, or a replayed note) that does not fit the log."""
    _append(40)
    services.checkpoint_create()  # its key entry is its last leaf: checkpoints start after it
    _append(10, start=40)
    real = services.checkpoint_create()
    origin = CheckpointText.parse(real.note.split("\n\n")[0] + "\n").origin
    key = services.signer()
    assert log_audit().ok

    def plant(size, root, column_root=None):
        note = sign_note(CheckpointText(origin, size, root).text(), key)
        return Checkpoint.objects.create(size=size, root=column_root or root, note=note, key=key.verifier.encode())

    if case == "column_root":  # the real note, another root in the column the API serves
        bogus = Checkpoint.objects.create(size=real.size, root=merkle.leaf_hash(b"x"), note=real.note, key=real.key)
        expected = [f"检查点 #{bogus.pk}（大小 {real.size}）的签名内容（大小 {real.size}）与其大小、根哈希列不符",
                    f"检查点 #{bogus.pk}（大小 {real.size}）的根哈希与日志不一致"]
    elif case == "wrong_root":  # signed over a root the log never had: a split view
        bogus = plant(real.size, merkle.leaf_hash(b"x"))
        expected = [f"检查点 #{bogus.pk}（大小 {real.size}）的根哈希与日志不一致"]
    elif case == "beyond":
        bogus = plant(real.size + 100, merkle.leaf_hash(b"x"))
        expected = [f"检查点 #{bogus.pk}（大小 {real.size + 100}）超出日志末尾"]
    else:  # a smaller, correct head signed after a larger one: the log was cut and re-signed
        bogus = plant(real.size - 1, selectors.TreeReader().root(real.size - 1))
        expected = [f"检查点 #{real.pk}（大小 {real.size}）签署于更小的检查点 #{bogus.pk} 之前"]
    problems = log_audit().problems
    for text in expected:
        assert _has(problems, text), problems
    assert len(problems) == len(expected), problems


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_a_planted_node_and_an_entry_left_unsequenced_are_caught(settings):
    """Findings 3 and 4: one node row planted at a future index (it blocks sequencing), and a committed entry the
    sequencer never reached."""
    import datetime as dt

    from django.utils import timezone

    _append(10)
    services.checkpoint_create()
    Node.objects.create(level=8, index=3, hash=b"\0" * 32)  # INSERT only: what the application role may do
    old = timezone.now() - dt.timedelta(hours=2)
    late = Entry.objects.create(kind=KIND, subject="late", actor="system", at=old, payload="{}",
                                payload_sha256=merkle.hashlib.sha256(b"{}").hexdigest())
    settings.ZHIFA_LEDGER_AUDIT_GRACE_SECONDS = 3600
    problems = log_audit().problems
    assert _has(problems, "日志树中有 1 个不属于当前日志树的节点（层 8，从序号 3 起）")
    assert _has(problems, f"1 个已提交的条目超过 3600 秒仍未写入日志树（条目 {late.pk}")
    settings.ZHIFA_LEDGER_AUDIT_GRACE_SECONDS = 3 * 3600
    assert not _has(log_audit().problems, "仍未写入日志树")  # within the grace period: not yet a problem


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_an_empty_payload_counts_as_erased_only_with_a_valid_erasure_record(users):
    """Review finding (issue 15): any Erasure row used to do; now it must point to a `ledger.entry_erased` record
    naming that entry, its seq and its digest."""
    _append(6)
    services.checkpoint_create()
    services.entry_erase(seq=2, basis="保存期限届满，经批准删除", actor=users.su)
    assert log_audit().ok
    entry = storage.entry_at(3)
    other = services.record_event(KIND, subject="not an erasure", payload={"seq": 3})
    services.integrate()
    Erasure.objects.create(entry=entry, basis="伪造", actor=users.su, log_entry=other)
    _raw("UPDATE ledger_entry SET payload = '' WHERE id = %s", [entry.pk])  # the trigger admits it: a row exists
    problems = log_audit().problems
    assert problems == ["条目 3 的内容被清空，但其删除记录所指的日志条目不是完好的删除记录"]
    # An erasure record of the right kind that names another entry is no better.
    entry4 = storage.entry_at(4)
    wrong = services.record_event("ledger.entry_erased", subject=entry4.subject, actor=users.su, payload={
        "entry": entry4.pk, "seq": 5, "kind": KIND, "payload_sha256": entry4.payload_sha256, "basis": "伪造"})
    Erasure.objects.create(entry=entry4, basis="伪造", actor=users.su, log_entry=wrong)
    _raw("UPDATE ledger_entry SET payload = '' WHERE id = %s", [entry4.pk])
    services.integrate()
    assert _has(log_audit().problems, "条目 4 的内容被清空，但其删除记录所写的条目、序号或摘要与之不符")


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_the_commands_exit_non_zero_on_a_problem_and_the_run_is_logged(capsys):
    """Finding 5: `ledger_fixity` exited 0 with problems recorded, so cron could not alert."""
    _append(300)
    services.checkpoint_create()
    call_command("ledger_fixity")
    call_command("ledger_audit")
    assert "OK: the log verified" in capsys.readouterr().out
    runs = Entry.objects.filter(kind=KIND, subject="ledger.log").count()
    with lifted():
        _raw('UPDATE ledger_node SET hash = %s WHERE level = 8 AND "index" = 0', [merkle.leaf_hash(b"x")])
    with pytest.raises(CommandError) as exc:
        call_command("ledger_fixity")
    assert exc.value.returncode == 2
    with pytest.raises(CommandError) as exc:
        call_command("ledger_audit")
    assert exc.value.returncode == 2 and "日志自检发现 1 个问题" in str(exc.value)
    assert "FAIL: 日志树节点 8/0" in capsys.readouterr().out
    # Each run is logged, with its outcome; each problem is a finding.
    summaries = Entry.objects.filter(kind=KIND, subject="ledger.log", payload__contains='"ok":false')
    assert summaries.count() == 2 and Entry.objects.filter(kind=KIND, subject="ledger.log").count() > runs
    assert Finding.objects.filter(kind="log_mismatch", detail__contains="8/0").count() == 2


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_the_audit_reads_in_chunks(monkeypatch):
    """Constant memory: leaves, nodes and checkpoints are read chunk by chunk, with the same verdicts."""
    from zhifa.ledger import audit

    monkeypatch.setattr(audit, "CHUNK", 100)
    _append(700)
    for _ in range(3):
        services.checkpoint_create()
        _append(11)
    services.checkpoint_create()
    result = log_audit()
    assert result.ok and result.leaves == selectors.tree_size() and result.nodes == 2
    assert result.checkpoints == Checkpoint.objects.count()
    with lifted():
        _raw('UPDATE ledger_node SET hash = %s WHERE level = 8 AND "index" = 1', [merkle.leaf_hash(b"x")])
    assert log_audit().problems == ["日志树节点 8/1 与其下的叶哈希不符（已被改写）"]


def test_the_audits_leaf_encoding_is_the_canonical_one():
    """The audit encodes leaf headers without canonical_json's float check (all values are strings): same bytes."""
    from zhifa.ledger.audit import _leaf_input
    from zhifa.ledger.canonical import leaf_input

    for values in [("k", "s", "a", "2026-01-01T00:00:00.000000+00:00", "0" * 64),
                   ("cases.document_recorded", "cases.case:1", "user:3 张三 \"q\"\\", "t\u2028", "ab" * 32)]:
        kind, subject, actor, at, digest = values
        assert _leaf_input(*values) == leaf_input(kind=kind, subject=subject, actor=actor, at=at, payload_sha256=digest)
