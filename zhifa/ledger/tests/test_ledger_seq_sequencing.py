"""Issue 16 (sequencing side): no committed entry is skipped, a planted node or checkpoint row cannot stop the log
or be served, a split view is never signed, roles by duty, the signer outside the database, durable checkpoints."""

import subprocess
import sys
import threading

import pytest
from django.core import checks
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from zhifa.core.errors import ZhifaError
from zhifa.ledger import merkle, selectors, services, signers, storage
from zhifa.ledger.canonical import canonical_json, sha256_hex
from zhifa.ledger.migrations import _triggers
from zhifa.ledger.models import Checkpoint, Entry, Finding, FindingKind, Node, Pending
from zhifa.ledger.note import Checkpoint as CheckpointText
from zhifa.ledger.note import Signer, Verifier, open_checkpoint, sign_note
from zhifa.ledger.testing import free_entry_ids
from zhifa.ledger.tests.tree_surgery import cut_tree

pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")


def append(n, prefix="e"):
    for i in range(n):
        services.record_event("ledger.log_audit", subject=f"{prefix}:{i}", payload={"i": i})


def sequence_all():
    while services.integrate():
        pass


def _entry(pk, subject):
    text = canonical_json({"late": True})
    return Entry.objects.create(id=pk, kind="ledger.log_audit", subject=subject, actor="system", at=timezone.now(),
                                payload=text, payload_sha256=sha256_hex(text))


def _as_owner(sql, params=()):
    """What a DBA with the tables' ownership can do: lift the triggers, change a row, put them back."""
    _triggers.drop(connection)
    try:
        with connection.cursor() as cur:
            cur.execute(sql, params)
    finally:
        _triggers.create(connection)


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_an_entry_committed_after_many_newer_ones_were_sequenced_is_sequenced(monkeypatch):
    # The old sequencer looked back LOOKBACK_IDS entry ids behind the newest leaf; shrunk here, it would skip the
    # late entry. The queue has no window at all: the setting no longer exists and changes nothing.
    monkeypatch.setattr(services, "LOOKBACK_IDS", 10, raising=False)
    base = free_entry_ids(1060)
    for i in range(60):  # newer ids, committed and sequenced first
        _entry(base + 1000 + i, f"new:{i}")
    sequence_all()
    assert storage.tree_size() == 60
    late = _entry(base, "late")  # the lower id of a transaction that committed only now
    assert Pending.objects.filter(entry=late).exists()
    assert services.integrate() == 1
    assert storage.seq_of([late.pk])[late.pk] == 60  # in the order the sequencer saw it commit
    assert not Pending.objects.exists()
    leaves = [services.entry_leaf_hash(Entry.objects.get(pk=i)) for i in storage.entry_ids_between(0, 61)]
    assert selectors.TreeReader().root(61) == merkle.root_from_leaf_hashes(leaves)


@pytest.mark.req("REC-12")
@pytest.mark.django_db(transaction=True)
@pg_only
def test_a_transaction_left_open_while_others_commit_is_sequenced_when_it_commits(monkeypatch):
    monkeypatch.setattr(services, "LOOKBACK_IDS", 10, raising=False)
    opened, release, errors = threading.Event(), threading.Event(), []

    def slow():
        try:
            with transaction.atomic():
                services.record_event("ledger.log_audit", subject="slow", payload={})
                opened.set()
                release.wait(30)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=slow)
    thread.start()
    assert opened.wait(30)
    append(50)
    sequence_all()
    assert storage.tree_size() == 50
    release.set()
    thread.join()
    assert not errors, errors
    sequence_all()
    slow = Entry.objects.get(subject="slow")
    assert storage.seq_of([slow.pk])[slow.pk] == 50
    assert storage.tree_size() == Entry.objects.count() == 51


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_a_queue_row_for_an_entry_already_in_the_tree_is_dropped_not_sequenced_twice():
    append(3)
    sequence_all()
    Pending.objects.create(entry=Entry.objects.first())
    assert services.integrate() == 0
    assert storage.tree_size() == 3 and not Pending.objects.exists()


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_full_scan_requeues_an_entry_whose_queue_row_was_removed():
    append(2)
    Pending.objects.filter(entry=Entry.objects.order_by("id").first()).delete()
    sequence_all()
    assert storage.tree_size() == 1
    assert services.integrate(full_scan=True) == 1
    assert storage.tree_size() == 2


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_a_node_planted_ahead_of_the_log_does_not_stop_sequencing_and_blocks_signing():
    append(10)
    services.checkpoint_create()
    # Finding 3: a node row planted where the tree will grow (level 8, the second 256 leaves).
    Node.objects.create(level=8, index=1, hash=merkle.leaf_hash(b"planted"))
    append(600, "more")
    sequence_all()  # no duplicate key: every entry gets its leaf
    assert storage.tree_size() == Entry.objects.count()
    assert Finding.objects.filter(kind=FindingKind.NODE_CONFLICT).count() == 1
    with pytest.raises(ZhifaError) as exc:
        services.checkpoint_create()
    assert exc.value.code == "ledger_signing_refused"
    assert Finding.objects.filter(kind=FindingKind.SIGNING_REFUSED).exists()
    assert selectors.latest_checkpoint().size == 11  # the last good one stays served
    # The owner removes the planted row; the node is restored from the leaves; signing resumes.
    _as_owner("DELETE FROM ledger_node WHERE level = 8 AND \"index\" = 1")
    assert services.nodes_restore() == []
    cp = services.checkpoint_create()
    assert cp.size == storage.tree_size()
    leaves = [bytes(h) for h in storage.leaf_hashes(0, storage.tree_size())]
    assert bytes(cp.root) == merkle.root_from_leaf_hashes(leaves)


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_one_overwritten_node_makes_checkpoint_create_refuse_instead_of_signing_a_split_view():
    append(300)
    good = services.checkpoint_create()
    _as_owner("UPDATE ledger_node SET hash = %s WHERE level = 8 AND \"index\" = 0", [merkle.leaf_hash(b"x")])
    append(5, "after")
    before = Checkpoint.objects.count()
    with pytest.raises(ZhifaError) as exc:
        services.checkpoint_create()
    assert exc.value.code == "ledger_signing_refused"
    assert "上一检查点" in exc.value.message
    assert Checkpoint.objects.count() == before  # nothing signed
    finding = Finding.objects.get(kind=FindingKind.SIGNING_REFUSED)
    assert f"大小 {good.size}" in finding.detail
    # And the genuine checkpoint is no longer served as matching the stored tree.
    assert selectors.latest_checkpoint() is None


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_a_truncated_log_is_not_signed():
    append(5)
    cp = services.checkpoint_create()
    # A validly signed checkpoint exists past the end: the consistency check cannot start from it.
    assert cp.size == 6
    cut_tree(_as_owner, 3)
    append(1, "later")
    with pytest.raises(ZhifaError) as exc:
        services.checkpoint_create()
    assert exc.value.code == "ledger_signing_refused"


@pytest.mark.req("REC-12")
@pytest.mark.django_db
@pytest.mark.parametrize("case", ["foreign_key", "column_root", "beyond_end"])
def test_a_bogus_checkpoint_row_is_never_served(case, client: Client, settings):
    append(5)
    real = services.checkpoint_create()
    origin = settings.ZHIFA_LEDGER_ORIGIN
    if case == "foreign_key":  # signed by a key the deployment does not know
        other = Signer.generate(origin)
        root = merkle.leaf_hash(b"forged")
        Checkpoint.objects.create(size=real.size, root=root, note=sign_note(CheckpointText(origin, real.size, root)
                                  .text(), other), key=other.verifier.encode())
    elif case == "column_root":  # the real note, another root in the column
        Checkpoint.objects.create(size=real.size, root=merkle.leaf_hash(b"x"), note=real.note, key=real.key)
    else:  # validly signed (a stolen key), but for a tree the log does not have
        key = services.signer()
        root = merkle.leaf_hash(b"y")
        Checkpoint.objects.create(size=real.size + 50, root=root,
                                  note=sign_note(CheckpointText(origin, real.size + 50, root).text(), key),
                                  key=key.verifier.encode())
    assert selectors.latest_checkpoint().pk == real.pk
    assert client.get("/ledger/checkpoint.txt").content.decode() == real.note
    assert client.get("/api/ledger/checkpoint").content.decode() == real.note


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_the_command_signer_keeps_the_key_in_another_process(settings, tmp_path):
    key = Signer.generate(settings.ZHIFA_LEDGER_ORIGIN)
    key_file = tmp_path / "signer.key"
    key_file.write_text(key.encode() + "\n")
    settings.ZHIFA_LEDGER_SIGNER = "command"
    settings.ZHIFA_LEDGER_SIGNER_COMMAND = f"{sys.executable} -m zhifa.ledger.signer_cli --key-file {key_file}"
    settings.ZHIFA_LEDGER_VERIFIER_KEY = key.verifier.encode()
    settings.ZHIFA_LEDGER_KEY_FILE = str(tmp_path / "never-created.key")
    append(3)
    cp = services.checkpoint_create()
    assert open_checkpoint(cp.note, [Verifier.decode(key.verifier.encode())]).size == cp.size == 4
    assert not (tmp_path / "never-created.key").exists()  # the application holds no key
    assert selectors.latest_checkpoint().pk == cp.pk
    # A signer whose key is not the configured verifier's is refused.
    settings.ZHIFA_LEDGER_VERIFIER_KEY = Signer.generate(settings.ZHIFA_LEDGER_ORIGIN).verifier.encode()
    append(1, "more")
    with pytest.raises(ZhifaError) as exc:
        services.checkpoint_create()
    assert exc.value.code == "ledger_key_invalid"


def test_the_signer_process_signs_only_checkpoints(tmp_path):
    key = Signer.generate("example.org/log")
    key_file = tmp_path / "k"
    key_file.write_text(key.encode())
    run = [sys.executable, "-m", "zhifa.ledger.signer_cli", "--key-file", str(key_file)]
    public = subprocess.run([*run, "--public"], capture_output=True, text=True, check=True).stdout.strip()
    assert public == key.verifier.encode()
    body = CheckpointText("example.org/log", 3, merkle.leaf_hash(b"r")).text()
    line = subprocess.run(run, input=body, capture_output=True, text=True, check=True).stdout
    assert open_checkpoint(body + "\n" + line, [key.verifier]).size == 3
    refused = subprocess.run(run, input="transfer 100 yuan\n", capture_output=True, text=True)
    assert refused.returncode == 3 and not refused.stdout
    other = subprocess.run([*run, "--origin", "another/log"], input=body, capture_output=True, text=True)
    assert other.returncode == 3


def test_the_deploy_check_warns_about_a_key_file_beside_the_database(settings, tmp_path):
    settings.DEBUG = False
    settings.ZHIFA_LEDGER_KEY = ""
    settings.ZHIFA_LEDGER_SIGNER = "file"
    settings.DATA_DIR = tmp_path
    settings.ZHIFA_LEDGER_KEY_FILE = str(tmp_path / "ledger-signing.key")
    assert [w.id for w in signers.check_signer()] == ["zhifa.ledger.W001"]
    assert "zhifa.ledger.W001" in [w.id for w in checks.run_checks(include_deployment_checks=True)]
    settings.ZHIFA_LEDGER_KEY_FILE = "/etc/zhifa/ledger.key"
    assert signers.check_signer() == []
    settings.ZHIFA_LEDGER_KEY_FILE = str(tmp_path / "ledger-signing.key")
    settings.ZHIFA_LEDGER_SIGNER = "command"
    assert signers.check_signer() == []


@pytest.mark.req("REC-12")
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite pragma")
def test_the_commit_that_stores_a_checkpoint_is_synchronous_full():
    append(3)
    seen = []

    def spy(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "ledger_checkpoint"'):
            seen.append(context["connection"].connection.execute("PRAGMA synchronous").fetchone()[0])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        services.checkpoint_create()
    assert seen == [2]  # FULL
    with connection.cursor() as cur:
        cur.execute("PRAGMA synchronous")
        assert cur.fetchone()[0] == 1  # NORMAL again for everything else


@pytest.mark.req("REC-12")
@pytest.mark.django_db
@pg_only
def test_the_application_role_cannot_write_the_tree_and_the_sequencer_role_can():
    call_command("ledger_harden_db", "zhifa_app_test", "--create", "--sequencer", "zhifa_seq_test")
    append(3)
    for sql in ["INSERT INTO ledger_node (level, \"index\", hash) VALUES (8, 99, '\\x00')",
                "INSERT INTO ledger_checkpoint (size, root, note, key, created_at) VALUES (1, '\\x00', 'n', 'k', now())",
                "INSERT INTO ledger_leafbatch (first_seq, first_entry, last_entry, count, late, ids) "
                "VALUES (999, 1, 1, 1, false, '\\x0000')",
                "INSERT INTO ledger_leaftile (\"index\", data) VALUES (999, '\\x00')",
                "DELETE FROM ledger_pending"]:
        with pytest.raises(Exception) as exc, transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET LOCAL ROLE zhifa_app_test")
            cur.execute(sql)
        assert "permission denied" in str(exc.value), sql
    with transaction.atomic(), connection.cursor() as cur:  # the application appends (entry + its queue row)
        cur.execute("SET LOCAL ROLE zhifa_app_test")
        services.record_event("ledger.log_audit", subject="as-app", payload={})
    with transaction.atomic(), connection.cursor() as cur:  # the sequencer sequences and signs
        cur.execute("SET LOCAL ROLE zhifa_seq_test")
        cp = services.checkpoint_create()
        for sql in ["UPDATE ledger_node SET hash = hash", "DELETE FROM ledger_checkpoint",
                    "UPDATE ledger_entry SET subject = 'x'"]:
            with pytest.raises(Exception) as exc, transaction.atomic(), connection.cursor() as inner:
                inner.execute(sql)
            assert "permission denied" in str(exc.value) or "append-only" in str(exc.value), sql
    assert cp.size == storage.tree_size() == Entry.objects.count()
