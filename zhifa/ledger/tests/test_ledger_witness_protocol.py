"""Witnesses (issue 16, c2sp.org/tlog-witness and tlog-cosignature): a witness cosigns a checkpoint only when it is
consistent with the last one it cosigned, so a log that rewrote its history cannot get a cosigned checkpoint; the log
collects cosignatures; the offline verifier applies a k-of-n witness policy (REC-12)."""

import base64
import hashlib
import threading
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.db import connection

from zhifa.ledger import events, merkle, services, storage, witness
from zhifa.ledger.models_witness import WitnessCosignature, WitnessState
from zhifa.ledger.note import Checkpoint as CheckpointText
from zhifa.ledger.note import Signer, sign_note
from zhifa.verify.__main__ import main as verify_main
from zhifa.verify.witness import CosignatureVerifier, Cosigner, check_policy, cosignature_message, split_note

events.register("test.witnessed", "见证测试事件")
NOW = 1_760_000_000


def append(n, start=0):
    for i in range(start, start + n):
        services.record_event("test.witnessed", subject=f"test:{i}", payload={"i": i})


def checkpoint(n_more):
    append(n_more)
    return services.checkpoint_create()


@pytest.fixture
def keys(settings):
    """Three independent witnesses (each its own key and state) that witness this instance's own log."""
    cosigners = [Cosigner.generate(f"w{i}.example/witness") for i in range(3)]
    settings.ZHIFA_WITNESS_LOGS = [{"origin": settings.ZHIFA_LEDGER_ORIGIN,
                                    "keys": [services.signer().verifier.encode()]}]
    settings.ZHIFA_WITNESS_KEY = cosigners[0].encode()
    settings.ZHIFA_WITNESS_RATE = "100000/m"
    settings.ZHIFA_LEDGER_WITNESSES = [{"url": f"http://w{i}.example/ledger/witness",
                                        "key": c.verifier.encode()} for i, c in enumerate(cosigners)]
    witness._cosigner_cache = None
    return cosigners


@pytest.fixture
def transport(client, settings, keys):
    """Witness i is this instance with witness key i, reached through the Django test client (the real HTTP view)."""
    calls = []

    def post(url, body):
        parts = urlsplit(url)
        settings.ZHIFA_WITNESS_KEY = keys[int(parts.hostname[1])].encode()
        response = client.post(parts.path, body, content_type="text/plain")
        calls.append((url, response.status_code))
        return response.status_code, response["Content-Type"], response.content

    post.calls = calls
    return post


def submit(client, body):
    return client.post("/ledger/witness/add-checkpoint", body, content_type="text/plain")


def forged_checkpoint(size, root):
    return sign_note(CheckpointText(services.signer().name, size, root).text(), services.signer())


# --- the cosignature format ------------------------------------------------------------------------------------------

@pytest.mark.req("REC-12")
def test_cosignature_v1_format_to_the_letter():
    # RFC 8032 §7.1 test 1 key, so the key ID and the signature are fixed and checked by an independent computation.
    seed = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    public = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    w = Cosigner("witness.example/w1", seed)
    assert w.public == public
    expected_id = hashlib.sha256(b"witness.example/w1\n\x04" + public).digest()[:4]
    assert w.verifier.id == expected_id
    vkey_b64 = base64.b64encode(b"\x04" + public).decode()
    assert w.verifier.encode() == f"witness.example/w1+{expected_id.hex()}+{vkey_b64}"
    assert CosignatureVerifier.decode(w.verifier.encode()) == w.verifier
    body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    line = w.signature_line(body, 1679315147)
    name, b64 = line[2:].rstrip("\n").split(" ")
    raw = base64.b64decode(b64)
    assert line.startswith("\u2014 witness.example/w1 ") and line.endswith("\n") and name == "witness.example/w1"
    assert raw[:4] == expected_id and int.from_bytes(raw[4:12], "big") == 1679315147 and len(raw) == 76
    message = b"cosignature/v1\ntime 1679315147\n" + body.encode()
    assert cosignature_message(body, 1679315147) == message
    assert raw[12:] == Ed25519PrivateKey.from_private_bytes(seed).sign(message)  # Ed25519 is deterministic
    assert w.verifier.verify(body, raw) == 1679315147
    assert w.verifier.verify(body.replace("20852163", "20852164"), raw) is None  # covers the whole body
    # transparency-dev/formats' vector: key ID ‖ 8-byte big-endian timestamp ‖ signature.
    vector = base64.b64decode("ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==")
    assert int.from_bytes(vector[4:12], "big") == 1727964367
    # The private key is a standard signed-note Ed25519 key; a plain (0x01) vkey of the key converts.
    assert Cosigner.decode(w.encode()) == w
    plain = Signer.from_private("witness.example/w1", b"\x01", seed).verifier.encode()
    assert CosignatureVerifier.decode(plain) == w.verifier


# --- the witness ------------------------------------------------------------------------------------------------------

@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_witness_refuses_a_rewritten_history(client, keys):
    cp = checkpoint(20)
    first = submit(client, f"old 0\n\n{cp.note}".encode())
    assert first.status_code == 200 and first.content.decode().startswith("\u2014 w0.example/witness ")
    state = WitnessState.objects.get()
    assert (state.size, bytes(state.root)) == (cp.size, bytes(cp.root))

    # The log rewrites one old leaf (entry 3) and grows: a second tree over the same key, a well-formed proof of ITS
    # history, signed by the real log key. The witness holds (N, R) and the proof cannot lead from R.
    leaves = storage.leaf_hashes(0, storage.tree_size())
    assert len(leaves) == cp.size
    rewritten = list(leaves)
    rewritten[3] = merkle.leaf_hash(b"what the log now says happened")
    rewritten += [merkle.leaf_hash(f"later {i}".encode()) for i in range(7)]
    fork = merkle.MemoryTree(rewritten)
    proof = merkle.consistency_path(cp.size, fork.size, fork.subtree_hash)
    note = forged_checkpoint(fork.size, fork.root())
    body = f"old {cp.size}\n" + "".join(base64.b64encode(h).decode() + "\n" for h in proof) + "\n" + note
    refused = submit(client, body.encode())
    assert refused.status_code == 422 and b"consistency proof" in refused.content
    # The same with the true proof of the honest tree but the rewritten root: still refused.
    honest = merkle.MemoryTree(leaves + rewritten[cp.size:])
    proof = merkle.consistency_path(cp.size, honest.size, honest.subtree_hash)
    body = f"old {cp.size}\n" + "".join(base64.b64encode(h).decode() + "\n" for h in proof) + "\n" + note
    assert submit(client, body.encode()).status_code == 422
    # Same size, other root (a split view at the size the witness holds).
    other = merkle.MemoryTree(rewritten[: cp.size])
    assert submit(client, f"old {cp.size}\n\n{forged_checkpoint(cp.size, other.root())}".encode()).status_code == 422
    state.refresh_from_db()
    assert (state.size, bytes(state.root)) == (cp.size, bytes(cp.root))  # nothing moved
    # The honest continuation is cosigned.
    assert submit(client, f"old {cp.size}\n" + "".join(base64.b64encode(h).decode() + "\n" for h in proof) + "\n"
                  + forged_checkpoint(honest.size, honest.root())).status_code == 200


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_witness_status_codes(client, keys, settings):
    cp = checkpoint(10)
    assert submit(client, f"old 0\n\n{cp.note}".encode()).status_code == 200
    # Replay of the old size: 409 with the recorded size, text/x.tlog.size.
    replay = submit(client, f"old 0\n\n{cp.note}".encode())
    assert replay.status_code == 409 and replay.content == f"{cp.size}\n".encode()
    assert replay["Content-Type"] == "text/x.tlog.size"
    # A note signed by another key under the log's name: no trusted signature -> 403.
    impostor = Signer.generate(services.signer().name)
    forged = sign_note(CheckpointText(settings.ZHIFA_LEDGER_ORIGIN, cp.size, bytes(cp.root)).text(), impostor)
    assert submit(client, f"old {cp.size}\n\n{forged}".encode()).status_code == 403
    # The trusted key's name and ID with a broken signature -> 403.
    body, sigs = split_note(cp.note)
    name, raw = sigs[0]
    broken = body + "\n\u2014 " + name + " " + base64.b64encode(raw[:4] + bytes(len(raw) - 4)).decode() + "\n"
    assert submit(client, f"old {cp.size}\n\n{broken}".encode()).status_code == 403
    # Unknown origin -> 404 (tlog-witness; not 403).
    stranger = sign_note(CheckpointText("other.example/log", 1, merkle.leaf_hash(b"x")).text(), services.signer())
    assert submit(client, f"old 0\n\n{stranger}".encode()).status_code == 404
    # Malformed: no old line, leading zero, old > size, not a hash, too many proof lines, no blank line -> 400.
    assert submit(client, cp.note.encode()).status_code == 400
    assert submit(client, f"old 01\n\n{cp.note}".encode()).status_code == 400
    assert submit(client, f"old {cp.size + 1}\n\n{cp.note}".encode()).status_code == 400
    assert submit(client, f"old {cp.size}\nnot-base64!\n\n{cp.note}".encode()).status_code == 400
    h = base64.b64encode(bytes(32)).decode()
    assert submit(client, (f"old {cp.size}\n" + f"{h}\n" * 64 + f"\n{cp.note}").encode()).status_code == 400
    assert submit(client, f"old {cp.size}\n{h}\n{cp.note}".encode()).status_code == 400
    # A proof from size 0 must be empty -> 422; size 0 with another root than the empty tree's -> 422.
    assert submit(client, f"old 0\n{h}\n\n{cp.note}".encode()).status_code == 422
    empty_bad = forged_checkpoint(0, merkle.leaf_hash(b"x"))
    assert submit(client, f"old 0\n\n{empty_bad}".encode()).status_code == 422
    # Anonymous and CSRF-exempt (enforce_csrf_checks client), as the protocol is.
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/ledger/witness/add-checkpoint", f"old {cp.size}\n\n{cp.note}",
                       content_type="text/plain").status_code == 200
    # Monitoring endpoint: the latest cosigned checkpoint, log signature and cosignature.
    served = client.get(f"/ledger/witness/{hashlib.sha256(cp.note.split(chr(10))[0].encode()).hexdigest()}"
                        "/checkpoint")
    assert served.status_code == 200 and served.content.decode().startswith(cp.note)
    assert "w0.example/witness" in served.content.decode()
    # An instance without a witness key runs no witness.
    settings.ZHIFA_WITNESS_KEY = ""
    settings.ZHIFA_WITNESS_KEY_FILE = ""
    assert submit(client, f"old {cp.size}\n\n{cp.note}".encode()).status_code == 404


@pytest.mark.req("REC-12")
@pytest.mark.django_db(transaction=True)
def test_concurrent_add_checkpoint_does_not_fork_the_witness(keys):
    base = checkpoint(16)
    witness.add_checkpoint(f"old 0\n\n{base.note}".encode(), now=NOW)
    candidates = []
    for k in range(6):  # six later checkpoints, each consistent with base
        append(3, start=100 + 3 * k)
        candidates.append(services.checkpoint_create())
    bodies = [witness.request_body(base.size, cp) for cp in candidates]
    outcomes = []
    barrier = threading.Barrier(len(bodies))

    def run(body):
        try:
            barrier.wait()
            witness.add_checkpoint(body, now=NOW)
            outcomes.append(200)
        except witness.WitnessError as exc:
            outcomes.append(exc.status)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes).count(200) >= 1 and set(outcomes) <= {200, 409}
    # Whatever won, the state is one of the submitted checkpoints, and it never moved back to a smaller one.
    state = WitnessState.objects.get()
    assert (state.size, bytes(state.root)) in {(cp.size, bytes(cp.root)) for cp in candidates}
    if outcomes.count(200) > 1:
        pytest.fail("two requests from the same old size were both cosigned")
    # A late request from the old size is a conflict, not a rollback.
    with pytest.raises(witness.WitnessError) as exc:
        witness.add_checkpoint(bodies[0], now=NOW)
    assert exc.value.status == 409 and exc.value.body == f"{state.size}\n"


# --- the log: collection, publication, policy ----------------------------------------------------------------------

@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_log_collects_cosignatures_and_verifier_applies_quorum(keys, transport, tmp_path, client, capsys):
    first = checkpoint(12)
    result = witness.collect(transport=transport)
    assert result.cosigned == sorted(k.name for k in keys) and not result.errors
    cp = checkpoint(9)
    result = witness.collect(transport=transport)  # from the size each witness last cosigned: no 409 needed
    assert len(result.cosigned) == 3 and not result.errors
    assert {s for _, s in transport.calls} == {200} and len(transport.calls) == 6
    assert WitnessCosignature.objects.filter(checkpoint=cp).count() == 3
    assert WitnessCosignature.objects.filter(checkpoint=first).count() == 3

    served = client.get("/ledger/checkpoint-cosigned.txt")
    assert served.status_code == 200
    note = served.content.decode()
    assert note.startswith(cp.note) and all(k.name in note for k in keys)
    log_keys = [services.signer().verifier]
    verifiers = [k.verifier for k in keys]
    assert check_policy(note, log_keys, verifiers, 2).ok
    assert check_policy(note, log_keys, verifiers, 3).ok
    one = cp.note + next(c.line for c in cp.cosignatures.all())
    assert not check_policy(one, log_keys, verifiers, 2).ok
    assert "1 of the 3 witnesses" in check_policy(one, log_keys, verifiers, 2).problems[0]
    # A tampered cosignature of a pinned witness fails the check (not silently ignored).
    assert not check_policy(note.replace(note.splitlines()[-1][-10:], "A" * 10), log_keys, verifiers, 1).ok
    # A cosignature over another checkpoint does not count for this one.
    moved = first.note + "".join(c.line for c in cp.cosignatures.all())
    assert not check_policy(moved, log_keys, verifiers, 1).ok

    # The offline verifier: inclusion with a 2-of-3 policy passes on the cosigned note, fails on one cosignature.
    proof = client.get(f"/api/ledger/proofs/inclusion?seq=5&tree_size={cp.size}").content
    (tmp_path / "proof.json").write_bytes(proof)
    (tmp_path / "cp.txt").write_text(note)
    (tmp_path / "one.txt").write_text(one)
    args = ["inclusion", str(tmp_path / "proof.json"), "--key", log_keys[0].encode()]
    policy = [a for v in verifiers for a in ("--witness", v.encode())] + ["--witness-quorum", "2"]
    assert verify_main(args + ["--checkpoint", str(tmp_path / "cp.txt")] + policy) == 0
    assert "cosigned by witness w1.example/witness" in capsys.readouterr().out
    assert verify_main(args + ["--checkpoint", str(tmp_path / "one.txt")] + policy) == 1
    assert "witness policy not met" in capsys.readouterr().out
    assert verify_main(args + ["--checkpoint", str(tmp_path / "cp.txt")]) == 0  # no policy asked: as before
    # Consistency: the policy applies to the newer checkpoint.
    proof = client.get(f"/api/ledger/proofs/consistency?first={first.size}&second={cp.size}").content
    (tmp_path / "c.json").write_bytes(proof)
    (tmp_path / "old.txt").write_text(first.note)
    args = ["consistency", str(tmp_path / "c.json"), "--old", str(tmp_path / "old.txt"), "--key", log_keys[0].encode()]
    assert verify_main(args + ["--new", str(tmp_path / "cp.txt")] + policy) == 0
    assert verify_main(args + ["--new", str(tmp_path / "one.txt")] + policy) == 1


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_collector_follows_a_409_and_reports_a_witness_ahead(keys, transport, settings):
    cp = checkpoint(10)
    # Witness 1 cosigned this size without the log recording it (e.g. the response was lost): the log starts from 0.
    settings.ZHIFA_WITNESS_KEY = keys[1].encode()
    witness.add_checkpoint(f"old 0\n\n{cp.note}".encode(), now=NOW)
    later = checkpoint(5)
    result = witness.collect(transport=transport)
    assert len(result.cosigned) == 3 and not result.errors
    assert ("http://w1.example/ledger/witness/add-checkpoint", 409) in transport.calls
    # A witness holding a larger tree than this log's checkpoint: this log does not extend what it saw -> error.
    bigger = merkle.MemoryTree(storage.leaf_hashes(0, storage.tree_size())
                               + [merkle.leaf_hash(b"x")] * 4)
    proof = merkle.consistency_path(later.size, bigger.size, bigger.subtree_hash)
    settings.ZHIFA_WITNESS_KEY = keys[2].encode()
    witness.add_checkpoint((f"old {later.size}\n" + "".join(base64.b64encode(h).decode() + "\n" for h in proof)
                            + "\n" + forged_checkpoint(bigger.size, bigger.root())).encode(), now=NOW)
    append(1, start=500)
    newest = services.checkpoint_create()
    result = witness.collect(transport=transport)
    assert result.checkpoint == newest and "w2.example/witness" not in result.cosigned
    assert any("beyond this checkpoint" in e for e in result.errors)


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_portal_and_command_show_the_cosignatures(keys, transport, client, users, settings, monkeypatch, capsys):
    checkpoint(4)
    settings.ZHIFA_LEDGER_WITNESSES = settings.ZHIFA_LEDGER_WITNESSES[:1]  # one witness: no threads in the command
    monkeypatch.setattr(witness, "http_post", transport)
    call_command("ledger_witness_collect")
    assert "w0.example/witness" in capsys.readouterr().out
    client.force_login(users.su)
    page = client.get("/ledger/").content.decode()
    assert "见证人副署" in page and "w0.example/witness" in page and "含副署的检查点" in page
    # A configured witness that did not cosign the latest checkpoint is named, and the command fails (cron alerts).
    settings.ZHIFA_LEDGER_WITNESSES = [{"url": "http://w1.example/ledger/witness", "key": keys[1].verifier.encode()}]
    settings.ZHIFA_WITNESS_LOGS = []  # the witness no longer knows this log: 404
    with pytest.raises(CommandError) as exc:
        call_command("ledger_witness_collect", "--sign")
    assert exc.value.returncode == 1 and "见证失败" in capsys.readouterr().err
    page = client.get("/ledger/").content.decode()
    assert "未副署" in page and "w1.example/witness" in page


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_a_database_writer_cannot_move_the_witness_back_nor_onto_a_fork(client, keys):
    """Review of issue 16: the application's role could reset the witness's state to 0 (then any history is
    consistent with it) or set it to a forked tree. The database refuses the first; the witness refuses to cosign from
    a state that does not carry its own cosignature over exactly that size and root."""
    from django.db import DatabaseError, transaction

    cp = checkpoint(20)
    assert submit(client, f"old 0\n\n{cp.note}".encode()).status_code == 200
    state = WitnessState.objects.get()
    for sql in ("UPDATE ledger_witnessstate SET size = 0", "DELETE FROM ledger_witnessstate"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    state.refresh_from_db()
    assert state.size == cp.size

    # Forward onto a fork, without the witness's key: the stored note no longer matches the size and root.
    fork = merkle.MemoryTree([merkle.leaf_hash(f"fork {i}".encode()) for i in range(cp.size + 5)])
    WitnessState.objects.filter(pk=state.pk).update(size=fork.size, root=fork.root())
    grown = merkle.MemoryTree([merkle.leaf_hash(f"fork {i}".encode()) for i in range(cp.size + 9)])
    proof = merkle.consistency_path(fork.size, grown.size, grown.subtree_hash)
    body = (f"old {fork.size}\n" + "".join(base64.b64encode(h).decode() + "\n" for h in proof) + "\n"
            + forged_checkpoint(grown.size, grown.root()))
    refused = submit(client, body.encode())
    assert refused.status_code == 500 and b"not authentic" in refused.content
