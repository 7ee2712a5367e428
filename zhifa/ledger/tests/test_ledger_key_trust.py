"""review16 H1, H2 and M2: trust in a checkpoint key comes from configuration only, never from rows the application
role can write (a `ledger.key_in_use` entry, a checkpoint row).

The tests reproduce the reviewer's attacks (/tmp/review16/test_r16.py): a key announced by an inserted log entry must
neither pick the "previous" checkpoint checkpoint_create extends (H1), nor become the published current key, nor pass
as a rotation, nor make the audit flag the real checkpoints forever (H2)."""

import hashlib
import json

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from zhifa.core.errors import ZhifaError
from zhifa.ledger import events, selectors, services, storage, verifier_keys
from zhifa.ledger.audit import log_audit
from zhifa.ledger.migrations import _triggers
from zhifa.ledger.models import Checkpoint, Entry
from zhifa.ledger.note import Checkpoint as CheckpointText
from zhifa.ledger.note import Signer, sign_note
from zhifa.verify import tiles as client_tiles

KIND = "ledger.log_audit"  # a registered kind with no side effects


def _append(n, start=0):
    for i in range(start, start + n):
        services.record_event(KIND, subject=f"t:{i}", payload={"i": i})


def _raw_entry(kind, payload):
    """An entry inserted with nothing but the INSERT right the hardened application role keeps."""
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("INSERT INTO ledger_entry (kind, subject, actor, at, payload, payload_sha256) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    [kind, "ledger.key", "system", timezone.now().isoformat(), payload,
                     hashlib.sha256(payload.encode()).hexdigest()])


def _announce(verifier: str, replaces: str | None):
    _raw_entry(events.KEY_IN_USE, json.dumps({"verifier": verifier, "replaces": replaces}))


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_checkpoint_create_does_not_extend_a_checkpoint_signed_by_an_announced_key():
    """H1: announce an evil key, rewrite an entry (triggers lifted), plant a checkpoint signed by the evil key over the
    rewritten tree: the real signer must not sign a tree inconsistent with its own previous checkpoint."""
    _append(300)
    cp1 = services.checkpoint_create()
    real = services.signer().verifier.encode()
    evil = Signer.generate(settings.ZHIFA_LEDGER_ORIGIN)
    _announce(evil.verifier.encode(), None)
    services.integrate()
    _triggers.drop(connection)
    entry = Entry.objects.order_by("id")[5]
    payload = '{"i":999}'
    with connection.cursor() as cur:
        cur.execute("UPDATE ledger_entry SET payload = %s, payload_sha256 = %s WHERE id = %s",
                    [payload, hashlib.sha256(payload.encode()).hexdigest(), entry.pk])
    entry.refresh_from_db()
    with connection.cursor() as cur:
        seq = storage.seq_of([entry.pk])[entry.pk]  # in a completed tile: its row is rewritten too
        cur.execute('SELECT data FROM ledger_leaftile WHERE "index" = %s', [seq // 256])
        data, at = bytes(cur.fetchone()[0]), seq % 256 * 32
        cur.execute('UPDATE ledger_leaftile SET data = %s WHERE "index" = %s',
                    [data[:at] + services.entry_leaf_hash(entry) + data[at + 32:], seq // 256])
        cur.execute("DELETE FROM ledger_node")
    _triggers.create(connection)
    services.nodes_restore()
    size = selectors.tree_size()
    root = selectors.TreeReader().root(size)
    assert root != bytes(cp1.root)
    evil_cp = Checkpoint.objects.create(size=size, root=root, key=evil.verifier.encode(),
                                        note=sign_note(CheckpointText(settings.ZHIFA_LEDGER_ORIGIN, size, root).text(),
                                                       evil))
    _append(5, start=300)

    with pytest.raises(ZhifaError) as refused:
        services.checkpoint_create()
    assert refused.value.code == "ledger_signing_refused"
    # Nothing new was signed by the real key; the one served is still cp1, never the planted one.
    assert list(Checkpoint.objects.filter(key=real).values_list("pk", flat=True)) == [cp1.pk]
    assert selectors.latest_checkpoint() != evil_cp
    assert not services.checkpoint_signed(evil_cp)


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_injected_key_in_use_is_not_published_not_a_rotation_and_does_not_break_the_audit(client):
    """H2: an inserted key_in_use entry, committed right after the signer's own announcement (the race the reviewer
    won), names an evil key as replacing the real one."""
    _append(3)
    services.checkpoint_create()
    assert log_audit(record=False).ok
    evil = Signer.generate(settings.ZHIFA_LEDGER_ORIGIN).verifier.encode()
    real = services.signer().verifier.encode()
    _announce(evil, real)
    cp = services.checkpoint_create()  # covers the injected entry
    assert cp.key == real and services.checkpoint_signed(cp)

    # The published lists name the configured key only, and it is the current one.
    history = verifier_keys.key_history()
    assert [(item["key"], item["current"]) for item in history] == [(real, True)]
    assert history[0]["valid_until"] is None and history[0]["replaced_by"] is None
    assert client.get("/ledger/verifier-keys").json()[0]["key"] == real
    assert evil not in json.dumps(client.get("/ledger/verifier-keys").json())
    assert client.get("/api/ledger/verifier-keys").json() == [real]

    # The injected statement, published or not, is not a rotation a client would follow.
    injected = Entry.objects.get(kind=events.KEY_IN_USE, payload__contains=evil)
    statement = verifier_keys._statement(injected)
    assert statement["checkpoint"] is not None  # proven in a real checkpoint...
    item = {"key": evil, "replaces": real, "statement": statement}
    real_v = services.signer().verifier
    assert client_tiles.verify_rotation(item, [real_v]) != []  # ...but not signed by the evil key as well

    # The audit reports the unknown key, and nothing about the real checkpoints; the same after more checkpoints.
    for _ in range(2):
        result = log_audit(record=False)
        assert len(result.problems) == 1 and "未在配置中" in result.problems[0], result.problems
        assert not any("检查点" in p for p in result.problems)
        _append(2, start=10)
        services.checkpoint_create()


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_audit_requires_a_configured_key_for_every_checkpoint():
    """M2: a checkpoint signed by a key announced in the log but not configured fails the audit, even though the log
    announces it and its root matches the tree."""
    _append(3)
    services.checkpoint_create()
    evil = Signer.generate(settings.ZHIFA_LEDGER_ORIGIN)
    _announce(evil.verifier.encode(), None)
    services.integrate()
    size = selectors.tree_size()
    root = selectors.TreeReader().root(size)
    Checkpoint.objects.create(size=size, root=root, key=evil.verifier.encode(),
                              note=sign_note(CheckpointText(settings.ZHIFA_LEDGER_ORIGIN, size, root).text(), evil))
    problems = log_audit(record=False).problems
    assert any("未在配置中" in p for p in problems)
    assert any(f"（大小 {size}）的签名不能用配置的验证公钥验证" in p for p in problems), problems


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_rotation_needs_the_old_key_signature(settings):
    """A rotation statement is accepted only when the checkpoint proving it is signed by the replaced key too:
    without ZHIFA_LEDGER_PREVIOUS_KEY the new key's first checkpoint is single-signed, and verify_rotation refuses it."""
    first = services.signer()
    _append(3)
    services.checkpoint_create()
    second = Signer.generate(settings.ZHIFA_LEDGER_ORIGIN)
    settings.ZHIFA_LEDGER_KEY = second.encode()
    settings.ZHIFA_LEDGER_PAST_VERIFIER_KEYS = first.verifier.encode()
    _append(3, start=3)
    services.checkpoint_create()
    new = verifier_keys.key_history()[-1]
    assert new["key"] == second.verifier.encode() and new["current"]
    assert client_tiles.verify_rotation(new, [first.verifier]) != []
    assert log_audit(record=False).ok  # the old key is configured: its checkpoints still pass


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_offline_verifier_never_trusts_a_key_found_in_the_export(tmp_path):
    """`python -m zhifa.verify log`: keys come from --key only; an announcement of another key is a problem, and the
    real checkpoints still pass."""
    from django.core.management import call_command

    from zhifa.verify.__main__ import verify_log

    _append(3)
    services.checkpoint_create()
    real = services.signer().verifier
    _announce(Signer.generate(settings.ZHIFA_LEDGER_ORIGIN).verifier.encode(), real.encode())
    services.checkpoint_create()
    call_command("ledger_export", str(tmp_path / "export"))
    problems, _ = verify_log(tmp_path / "export", [real])
    assert len(problems) == 1 and "unknown key announced" in problems[0], problems
