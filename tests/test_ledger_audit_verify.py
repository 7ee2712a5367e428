"""Issue 16: `python -m zhifa.verify` checks from an export what the audit checks in the database — checkpoints'
signatures under the keys the log recorded, notes against their columns, roots, checkpoints beyond the end, kept
checkpoints — and two review findings of issue 15's erasure work (an erased note pointing past the export's end; a
case file whose erased document was rewritten)."""

import hashlib
import json
import zipfile

import pytest
from django.db import connection, transaction

from zhifa.ledger import merkle, selectors, services
from zhifa.ledger.export import export
from zhifa.ledger.migrations import _triggers
from zhifa.ledger.models import Checkpoint
from zhifa.ledger.note import Checkpoint as CheckpointText
from zhifa.ledger.note import Signer, sign_note
from zhifa.ledger.tests.tree_surgery import cut_tree
from zhifa.records.casefile import export_package
from zhifa.records.tests.conftest import seizure  # noqa: F401  (fixture)
from zhifa.records.tests.test_casefile import filed_case  # noqa: F401  (fixture)
from zhifa.verify.__main__ import main as verify_main

KIND = "ledger.log_audit"
BASIS = "保存期限届满，经批准删除个人信息"


def _append(n, start=0):
    for i in range(start, start + n):
        services.record_event(KIND, subject=f"t:{i}", payload={"i": i})


def _raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)


def _key():
    return services.signer().verifier.encode()


def _verify(directory, *extra):
    return verify_main(["log", str(directory), "--key", _key(), *extra])


def _origin(cp):
    return CheckpointText.parse(cp.note.split("\n\n")[0] + "\n").origin


def _cut(keep: int, *, drop_checkpoints: bool) -> None:
    _triggers.drop(connection)
    try:
        ids = cut_tree(_raw, keep)
        marks = ", ".join(["%s"] * len(ids))
        if "ledger_pending" in connection.introspection.table_names():
            _raw(f"DELETE FROM ledger_pending WHERE entry_id IN ({marks})", ids)
        _raw(f"DELETE FROM ledger_entry WHERE id IN ({marks})", ids)
        _raw('DELETE FROM ledger_node WHERE level = 8 AND "index" >= %s', [keep >> 8])
        if drop_checkpoints:
            _raw("DELETE FROM ledger_checkpoint WHERE size > %s", [keep])
    finally:
        _triggers.create(connection)


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_the_export_carries_checkpoints_beyond_the_end_and_the_verifier_fails_them(tmp_path, capsys):
    """Finding 2: `ledger_export` dropped the checkpoints past the last entry, so deleting the last 100 entries left
    the verifier saying OK."""
    _append(300)
    services.checkpoint_create()
    _append(100, start=300)
    services.checkpoint_create()
    size = selectors.tree_size()
    export(tmp_path / "before")
    assert _verify(tmp_path / "before") == 0
    _cut(size - 100, drop_checkpoints=False)
    export(tmp_path / "after")
    rows = [json.loads(line) for line in (tmp_path / "after" / "checkpoints.jsonl").read_text().splitlines()]
    assert [r["size"] for r in rows] == [301, size]  # the one beyond the end is exported
    capsys.readouterr()
    assert _verify(tmp_path / "after") == 1
    assert f"(size {size}) is beyond the {size - 100} exported entries" in capsys.readouterr().out


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_entries_deleted_with_their_checkpoints_fail_against_a_kept_checkpoint(client, tmp_path, capsys):
    _append(300)
    services.checkpoint_create()
    _append(100, start=300)
    services.checkpoint_create()
    kept = tmp_path / "kept.txt"
    kept.write_text(client.get("/ledger/checkpoint.txt").content.decode())
    size = selectors.tree_size()
    _cut(size - 100, drop_checkpoints=True)
    services.checkpoint_create()
    export(tmp_path / "out")
    assert _verify(tmp_path / "out") == 0  # the export alone is a consistent, shorter log
    capsys.readouterr()
    assert _verify(tmp_path / "out", "--checkpoint", str(kept)) == 1
    assert f"kept checkpoint {kept} (size {size})" in capsys.readouterr().out


@pytest.mark.req("REC-12")
@pytest.mark.django_db
@pytest.mark.parametrize("case", ["stranger", "column_root", "wrong_root", "unrecorded_key", "smaller_later"])
def test_bogus_checkpoint_rows_fail_offline(case, tmp_path, capsys):
    _append(40)
    services.checkpoint_create()
    _append(10, start=40)
    real = services.checkpoint_create()
    key, origin = services.signer(), _origin(real)
    extra_keys = []

    def plant(signer, size, root, column_root=None):
        note = sign_note(CheckpointText(origin, size, root).text(), signer)
        return Checkpoint.objects.create(size=size, root=column_root or root, note=note, key=signer.verifier.encode())

    if case == "stranger":
        plant(Signer.generate(origin), real.size, bytes(real.root))
        expected = "not accepted: no signature by a known key"
    elif case == "column_root":
        Checkpoint.objects.create(size=real.size, root=merkle.leaf_hash(b"x"), note=real.note, key=real.key)
        expected = "does not match its size and root columns"
    elif case == "wrong_root":
        plant(key, real.size, merkle.leaf_hash(b"x"))
        expected = "root does not match the entries"
    elif case == "unrecorded_key":  # a key the verifier trusts, but the log never recorded it as in use
        other = Signer.generate(origin)
        extra_keys = ["--key", other.verifier.encode()]
        plant(other, real.size, bytes(real.root))
        expected = "not signed by the key the log recorded as in use"
    else:
        plant(key, real.size - 1, selectors.TreeReader().root(real.size - 1))
        expected = "signed before the smaller checkpoint"
    export(tmp_path)
    capsys.readouterr()
    assert _verify(tmp_path, *extra_keys) == 1
    assert expected in capsys.readouterr().out


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_an_erased_note_pointing_past_the_exports_end_fails(users, tmp_path, capsys):
    """Review finding (issue 15): a payload emptied in the export with a note claiming its erasure record lies past
    the export's end passed."""
    _append(8)
    services.checkpoint_create()
    export(tmp_path / "ok")
    rows = [json.loads(line) for line in (tmp_path / "ok" / "entries.jsonl").read_text().splitlines()]
    rows[3].update(payload="", erased={"by": "user:1 root", "at": "2030-01-01T00:00:00+00:00", "basis": BASIS,
                                       "log_entry": 10**6, "log_seq": 10**6})
    forged = tmp_path / "forged"
    forged.mkdir()
    for name in ("checkpoints.jsonl", "verifiers.txt"):
        (forged / name).write_text((tmp_path / "ok" / name).read_text())
    (forged / "entries.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    capsys.readouterr()
    assert _verify(forged) == 1
    assert "entry 3: payload removed without an erasure recorded in the log" in capsys.readouterr().out
    # A real erasure still verifies, and its note points to its record.
    services.entry_erase(seq=3, basis=BASIS, actor=users.su)
    services.checkpoint_create()
    export(tmp_path / "erased")
    assert _verify(tmp_path / "erased") == 0


def _reforge(src, target, changes: dict[str, bytes]):
    """Rewrite members of a case-file package and redo both manifests, as a forger would."""
    with zipfile.ZipFile(src) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    members.update(changes)
    digest = {n: hashlib.sha256(d).hexdigest() for n, d in members.items()}
    members["manifest-sha256.txt"] = "".join(
        f"{digest[n]}  {n}\n" for n in sorted(members) if n.startswith("data/")).encode()
    digest["manifest-sha256.txt"] = hashlib.sha256(members["manifest-sha256.txt"]).hexdigest()
    members["tagmanifest-sha256.txt"] = "".join(
        f"{digest[n]}  {n}\n" for n in ("README.txt", "bag-info.txt", "bagit.txt", "manifest-sha256.txt")).encode()
    with zipfile.ZipFile(target, "w") as out:
        for name, data in members.items():
            out.writestr(name, data)
    return target


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_a_rewritten_document_whose_log_entry_was_erased_fails(filed_case, users, tmp_path, capsys):  # noqa: F811
    """Review finding (issue 15): the verifier answered 3 ("not yet covered") for a document whose log entry was erased
    and whose file was rewritten. The leaf still commits to the payload's digest; the package holds the form, the
    version it supersedes and the elements, so the file is checked against it."""
    services.checkpoint_create()
    doc = filed_case.documents.get(form="inspection_record")
    services.entry_erase(seq=doc.entry.seq, basis=BASIS, actor=users.su)
    services.checkpoint_create()
    package = tmp_path / "case.zip"
    package.write_bytes(export_package(filed_case).read())
    key = _key()
    assert verify_main(["casefile", str(package), "--key", key]) == 0  # proven from the digest, no longer 3
    with zipfile.ZipFile(package) as zf:
        name = next(n for n in zf.namelist() if n.startswith("data/documents/") and "inspection_record" in n)
        elements = json.loads(zf.read(name))
        index = json.loads(zf.read("data/index.json"))
    elements[next(iter(elements))] = "改写后的内容"
    forged_file = json.dumps(elements, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    for item in index["items"]:
        if item["file"] == name:
            item["sha256"] = hashlib.sha256(forged_file).hexdigest()
    forged = _reforge(package, tmp_path / "forged.zip", {
        name: forged_file, "data/index.json": json.dumps(index, ensure_ascii=False, indent=1).encode()})
    capsys.readouterr()
    assert verify_main(["casefile", str(forged), "--key", key]) == 1
    assert f"{name} differs from the record the log committed to" in capsys.readouterr().out
