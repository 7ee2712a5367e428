"""Issue 15 §5: erasing an entry's payload (retention ended, legal order) without breaking any proof.

The database allows exactly one UPDATE of ledger_entry — payload set to '' with everything else unchanged, once the
entry's Erasure row exists; the audit and the offline verifier accept that and nothing else."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from zhifa.core.errors import PermissionDeniedError, ZhifaError
from zhifa.core.models import SecurityEvent
from zhifa.ledger import services, storage
from zhifa.ledger.export import export
from zhifa.ledger.migrations import _triggers
from zhifa.ledger.models import Entry, Erasure
from zhifa.verify.__main__ import main as verify_main

BASIS = "保存期限届满（案卷 2026-00001 保管期限 10 年，经批准删除个人信息）"


def _log(n=12):
    for i in range(n):
        services.record_event("ledger.log_audit", subject=f"t:{i}", payload={"i": i, "姓名": f"张{i}"})
    services.checkpoint_create()


def _entry(seq) -> Entry:
    return storage.entry_at(seq)


def _raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)


def _key():
    return services.signer().verifier.encode()


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_erasure_removes_the_payload_and_the_proof_still_verifies(client, users, tmp_path):
    _log()
    before = _entry(4)
    erasure = services.entry_erase(seq=4, basis=BASIS, actor=users.su)
    after = _entry(4)
    assert after.payload == "" and after.payload_sha256 == before.payload_sha256
    assert (after.kind, after.subject, after.actor, after.at) == (before.kind, before.subject, before.actor, before.at)
    assert services.entry_leaf_hash(after) == services.entry_leaf_hash(before) == storage.leaf_hashes(4, 5)[0]
    # The erasure is itself in the log, about the same subject, without the erased content.
    record = erasure.log_entry
    assert record.kind == "ledger.entry_erased" and record.subject == before.subject
    assert json.loads(record.payload) | {} == {"entry": before.pk, "seq": 4, "kind": before.kind,
                                              "payload_sha256": before.payload_sha256, "basis": BASIS}
    assert "张4" not in record.payload
    # A new checkpoint; the erased entry's inclusion proof verifies against it.
    services.checkpoint_create()
    note = client.get("/api/ledger/checkpoint").content.decode()
    (tmp_path / "cp.txt").write_text(note)
    (tmp_path / "proof.json").write_text(json.dumps(client.get("/api/ledger/proofs/inclusion?seq=4").json()))
    assert verify_main(["inclusion", str(tmp_path / "proof.json"), "--checkpoint", str(tmp_path / "cp.txt"),
                        "--key", _key()]) == 0
    # A reader sees who erased it, when and why, instead of the payload; the proof with the entry still verifies.
    client.force_login(users.su)
    body = client.get("/api/ledger/entries/4").json()
    assert body["entry"]["payload"] == "" and body["entry"]["erased"]["basis"] == BASIS
    assert body["entry"]["erased"]["by"] == f"user:{users.su.pk}"  # the log names no login (issue 18 §5)
    (tmp_path / "with-entry.json").write_text(json.dumps(body))
    assert verify_main(["inclusion", str(tmp_path / "with-entry.json"), "--checkpoint", str(tmp_path / "cp.txt"),
                        "--key", _key()]) == 0
    page = client.get("/ledger/?seq=4").content.decode()
    assert "已依法删除" in page and BASIS in page and "已核验" in page and "张4" not in page
    # The audit finds nothing wrong.
    assert services.log_audit().problems == []


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_who_may_erase_and_what(users):
    _log(3)
    with pytest.raises(PermissionDeniedError):
        services.entry_erase(seq=1, basis=BASIS, actor=users.region_supervisor)
    assert SecurityEvent.objects.filter(kind="denied", user=users.region_supervisor, permission="ledger.manage").exists()
    with pytest.raises(ZhifaError) as exc:
        services.entry_erase(seq=1, basis=" ", actor=users.su)
    assert exc.value.code == "ledger_erasure_refused"
    with pytest.raises(ZhifaError) as exc:
        services.entry_erase(seq=999, basis=BASIS, actor=users.su)
    assert exc.value.status == 404
    key_seq = Entry.objects.get(kind="ledger.key_in_use").seq
    with pytest.raises(ZhifaError):
        services.entry_erase(seq=key_seq, basis=BASIS, actor=users.su)
    erasure = services.entry_erase(seq=1, basis=BASIS, actor=users.su)
    with pytest.raises(ZhifaError) as exc:
        services.entry_erase(seq=1, basis=BASIS, actor=users.su)
    assert exc.value.status == 409
    with pytest.raises(ZhifaError):  # the erasure record itself stays
        services.entry_erase(seq=erasure.log_entry.seq, basis=BASIS, actor=users.su)
    assert Erasure.objects.count() == 1 and _entry(1).payload == "" and _entry(2).payload != ""


@pytest.mark.req("REC-12")
@pytest.mark.django_db
@pytest.mark.parametrize("statement", [
    "UPDATE ledger_entry SET payload = '{}' WHERE id = %(id)s",  # rewritten, even with an erasure recorded
    "UPDATE ledger_entry SET payload = '', subject = 'x' WHERE id = %(id)s",  # emptied and another column changed
    "UPDATE ledger_entry SET payload = '', payload_sha256 = 'x' WHERE id = %(id)s",
    "UPDATE ledger_entry SET payload = '' WHERE id = %(other)s",  # emptied without an erasure of its own
    "DELETE FROM ledger_entry WHERE id = %(id)s",
    "UPDATE ledger_erasure SET basis = 'x'",
    "DELETE FROM ledger_erasure",
])
def test_the_database_allows_an_erasure_and_nothing_else(users, statement):
    _log(4)
    target, other = _entry(1), _entry(2)
    log_entry = services.record_event("ledger.log_audit", subject="ledger.log", payload={})
    Erasure.objects.create(entry=target, basis=BASIS, actor=users.su, log_entry=log_entry)
    sql = statement.replace("%(id)s", str(target.pk)).replace("%(other)s", str(other.pk))
    with pytest.raises(Exception) as exc:
        _raw(sql)
    assert "append-only" in str(exc.value)
    _raw("UPDATE ledger_entry SET payload = '' WHERE id = %s", [target.pk])  # the one update allowed
    assert _entry(1).payload == ""
    with pytest.raises(Exception) as exc:  # and once only: an erased payload cannot be filled in again
        _raw("UPDATE ledger_entry SET payload = '{}' WHERE id = %s", [target.pk])
    assert "append-only" in str(exc.value)


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_audit_and_verifier_accept_an_erasure_but_not_a_changed_payload(users, tmp_path, capsys):
    _log()
    services.entry_erase(seq=4, basis=BASIS, actor=users.su)
    services.checkpoint_create()
    out = tmp_path / "ok"
    export(out)
    assert verify_main(["log", str(out), "--key", _key()]) == 0
    assert "1 entries with their content erased" in capsys.readouterr().out
    assert services.log_audit().problems == []

    # Export tampering: the erased row's payload filled in, its note removed, or a note forged on another row.
    def tampered(name, edit):
        rows = [json.loads(line) for line in (out / "entries.jsonl").read_text(encoding="utf-8").splitlines()]
        edit(rows)
        target = tmp_path / name
        target.mkdir()
        for f in ("checkpoints.jsonl", "verifiers.txt"):
            (target / f).write_text((out / f).read_text())
        (target / "entries.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        return verify_main(["log", str(target), "--key", _key()])

    assert tampered("filled", lambda rows: rows[4].update(payload='{"i":4,"姓名":"李四"}')) == 1
    assert tampered("unnoted", lambda rows: rows[4].pop("erased")) == 1
    assert tampered("forged", lambda rows: rows[6].update(payload="", erased=dict(rows[4]["erased"]))) == 1
    assert "without an erasure recorded" in capsys.readouterr().out

    # In the database, behind the application's back: a payload changed to anything but '' is still caught, and so
    # is a payload emptied without an erasure.
    _triggers.drop(connection)
    try:
        _raw("UPDATE ledger_entry SET payload = %s WHERE id = %s", ['{"i":5}', _entry(5).pk])
        _raw("UPDATE ledger_entry SET payload = '' WHERE id = %s", [_entry(6).pk])
    finally:
        _triggers.create(connection)
    problems = services.log_audit().problems
    assert any("条目 5 的内容与其摘要不符" in p for p in problems)
    assert any("条目 6 的内容被清空，但没有删除记录" in p for p in problems)
    assert not any("条目 4 " in p for p in problems)
    export(tmp_path / "bad")
    assert verify_main(["log", str(tmp_path / "bad"), "--key", _key()]) == 1


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_ledger_erase_command(users, capsys):
    _log(3)
    call_command("ledger_erase", "--seq", "2", "--basis", BASIS, "--actor", "root")
    assert "payload erased" in capsys.readouterr().out
    assert _entry(2).payload == "" and Erasure.objects.get().actor == users.su
    with pytest.raises(CommandError):
        call_command("ledger_erase", "--seq", "1", "--basis", BASIS, "--actor", "sup_r")
    with pytest.raises(CommandError):
        call_command("ledger_erase", "--seq", "1", "--basis", BASIS, "--actor", "no_such_user")
