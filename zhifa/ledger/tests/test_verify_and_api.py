"""Export, offline verification, the API and pages; the other apps' events reach the log."""

import base64
import json
import subprocess
import sys

import pytest
from django.core.management import call_command

from zhifa.ledger import selectors, services
from zhifa.ledger.export import export
from zhifa.verify.__main__ import main as verify_main

ROOT = __import__("pathlib").Path(__file__).resolve().parents[3]


def build_log(n=50):
    for i in range(n):
        services.record_event("ledger.log_audit", subject=f"t:{i}", payload={"i": i, "姓名": "张三"})
    first = services.checkpoint_create()
    for i in range(n, n + 17):
        services.record_event("ledger.log_audit", subject=f"t:{i}", payload={"i": i})
    second = services.checkpoint_create()
    return first, second


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_exported_log_verifies_offline_without_django(tmp_path):
    build_log()
    stats = export(tmp_path / "out")
    assert stats["entries"] == selectors.tree_size()
    key = services.signer().verifier.encode()
    # A separate Python process that never imports Django: the verifier stands alone.
    result = subprocess.run([sys.executable, "-c",
                             "import sys, zhifa.verify.__main__ as v; sys.exit(v.main(sys.argv[1:])) "
                             "if 'django' not in sys.modules else sys.exit(9)",
                             "log", str(tmp_path / "out"), "--key", key],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: verified" in result.stdout and "2 checkpoints" in result.stdout


@pytest.mark.req("REC-12")
@pytest.mark.django_db
@pytest.mark.parametrize("tamper", ["payload", "kind", "drop_entry", "checkpoint_root", "wrong_key"])
def test_offline_verifier_detects_tampering(tmp_path, tamper, capsys):
    build_log()
    out = tmp_path / "out"
    export(out)
    key = services.signer().verifier.encode()
    lines = (out / "entries.jsonl").read_text(encoding="utf-8").splitlines()
    if tamper == "payload":
        row = json.loads(lines[10])
        row["payload"] = row["payload"].replace("张三", "李四")
        lines[10] = json.dumps(row, ensure_ascii=False)
    elif tamper == "kind":
        row = json.loads(lines[3])
        row["kind"] = "ledger.fixity_ok"
        lines[3] = json.dumps(row, ensure_ascii=False)
    elif tamper == "drop_entry":
        del lines[5]
    elif tamper == "checkpoint_root":
        cps = (out / "checkpoints.jsonl").read_text().splitlines()
        row = json.loads(cps[0])
        root_line = row["note"].split("\n")[2]
        row["note"] = row["note"].replace(root_line, base64.b64encode(b"\0" * 32).decode())
        (out / "checkpoints.jsonl").write_text(json.dumps(row) + "\n" + "\n".join(cps[1:]) + "\n")
    elif tamper == "wrong_key":
        from zhifa.ledger.note import Signer

        key = Signer.generate("zhifa.localhost/ledger").verifier.encode()
    (out / "entries.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert verify_main(["log", str(out), "--key", key]) == 1
    assert "FAIL" in capsys.readouterr().out


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_api_proofs_are_public_and_verify_offline(client, tmp_path):
    first, second = build_log()
    note = client.get("/api/ledger/checkpoint").content.decode()
    assert note == second.note
    assert client.get("/ledger/checkpoint.txt").content.decode() == second.note
    key = client.get("/api/ledger/verifier-keys").json()[0]
    proof = client.get("/api/ledger/proofs/inclusion?seq=7").json()
    (tmp_path / "proof.json").write_text(json.dumps(proof))
    (tmp_path / "cp.txt").write_text(note)
    assert verify_main(["inclusion", str(tmp_path / "proof.json"), "--checkpoint", str(tmp_path / "cp.txt"), "--key", key]) == 0
    proof["path"][0] = base64.b64encode(b"\1" * 32).decode()
    (tmp_path / "bad.json").write_text(json.dumps(proof))
    assert verify_main(["inclusion", str(tmp_path / "bad.json"), "--checkpoint", str(tmp_path / "cp.txt"), "--key", key]) == 1
    consistency = client.get(f"/api/ledger/proofs/consistency?first={first.size}&second={second.size}").json()
    (tmp_path / "c.json").write_text(json.dumps(consistency))
    (tmp_path / "old.txt").write_text(first.note)
    assert verify_main(["consistency", str(tmp_path / "c.json"), "--old", str(tmp_path / "old.txt"),
                        "--new", str(tmp_path / "cp.txt"), "--key", key]) == 0
    assert client.get("/api/ledger/proofs/inclusion?seq=99999").json()["code"] == "ledger_no_such_leaf"
    assert client.get("/api/ledger/proofs/consistency?first=9&second=3").json()["code"] == "ledger_bad_tree_size"


@pytest.mark.req("REC-15")
@pytest.mark.django_db
def test_entries_are_for_supervisors_only(client, users):
    build_log(5)
    assert client.get("/api/ledger/entries/1").status_code == 401
    client.force_login(users.officer_a1)
    assert client.get("/api/ledger/entries/1").status_code == 403
    assert client.get("/ledger/").status_code == 403
    client.force_login(users.city_a_supervisor)
    # "t:" is a subject prefix no app registered a scope for: system-wide readers only (issue 15 §5, default deny),
    # refused as a missing entry would be.
    missing = client.get("/api/ledger/entries/9999")
    refused = client.get("/api/ledger/entries/1")
    assert refused.status_code == missing.status_code == 404
    assert refused.json() == {"code": missing.json()["code"], "message": "日志中没有序号为 1 的条目，或该条目不在您的查看范围内。"}
    assert "没有序号为 1 的条目" in client.get("/ledger/?seq=1").content.decode()
    assert "没有序号" in client.get("/ledger/?seq=9999").content.decode()
    assert "一致：树大小 2" in client.get("/ledger/?first=2&second=6").content.decode()
    assert "超出当前日志范围" in client.get("/ledger/?first=2&second=600").content.decode()
    assert client.post("/api/ledger/checkpoints").status_code == 403
    client.force_login(users.su)
    body = client.get("/api/ledger/entries/1").json()
    assert body["entry"]["subject"] == "t:1" and body["seq"] == 1
    assert "已核验" in client.get("/ledger/?seq=1").content.decode()
    assert client.post("/api/ledger/checkpoints").status_code == 201


@pytest.mark.django_db
def test_management_commands(tmp_path, capsys, settings):
    build_log(3)
    call_command("ledger_checkpoint")
    assert "zhifa.localhost/ledger" in capsys.readouterr().out
    call_command("ledger_export", str(tmp_path / "x"))
    assert (tmp_path / "x" / "entries.jsonl").exists()
    call_command("ledger_fixity")
    assert "problems" in capsys.readouterr().out
    call_command("ledger_keygen", "--sm2")
    out = capsys.readouterr().out
    assert out.startswith("private: PRIVATE+KEY+") and "verifier: " in out
