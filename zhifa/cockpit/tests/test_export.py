"""The export for the level above (issue 20 §7; SUP-03, IM-M §4): incremental by log sequence, each batch with the
signed checkpoint it matches, verifiable by the receiver without our database, scoped to the bureau's subtree, and
without an ID number in clear."""

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from zhifa.cases import services as case_services
from zhifa.cockpit import export
from zhifa.cockpit.verify_batch import main as verify_main
from zhifa.cockpit.verify_batch import verify_batch
from zhifa.core.errors import ZhifaError
from zhifa.core.models import SecurityEvent, SecurityEventKind
from zhifa.ledger import services as ledger_services
from zhifa.ledger.note import Signer, Verifier

ID_NUMBER = "11010519491231002X"


def keys() -> list[Verifier]:
    return [Verifier.decode(ledger_services.signer().verifier.encode())]


def lines(folder: Path, name: str) -> list[dict]:
    return [json.loads(line) for line in (folder / name).read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def world(tree, users, planted, opener):
    """A case with a natural person in 甲一县, alerts on 甲一县's and 乙一县's agencies, and a signed checkpoint."""
    case = opener(tree.agency_a1, users.officer_a1)
    case_services.party_add(case=case, kind="natural", name="张三", id_number=ID_NUMBER, actor=users.officer_a1)
    planted({tree.agency_a1: "alarm", tree.agency_b1: "warning"})
    ledger_services.checkpoint_create()
    return case


@pytest.mark.req("SUP-03")
@pytest.mark.django_db
def test_a_batch_verifies_against_its_checkpoint_and_the_next_one_continues_it(tree, users, world, opener, tmp_path):
    first = export.build(actor=users.region_supervisor, since_seq=0)
    folder = export.write_dir(first, tmp_path)
    assert verify_batch(folder, keys()) == []
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["schema_version"] == export.SCHEMA_VERSION and manifest["to_seq"] == first.to_seq > 0
    cases = lines(folder, "cases.jsonl")
    assert [c["id"] for c in cases] == [world.pk]
    assert cases[0]["parties"][0]["id_hmac"] == ledger_services.identifier_commitment(ID_NUMBER)
    alerts = lines(folder, "alerts.jsonl")
    assert {(a["agency_id"], a["level"]) for a in alerts} == {(tree.agency_a1.pk, "alarm"), (tree.agency_b1.pk, "warning")}
    # No ID number, and no natural person's name, in clear in any file of the batch (ledger masking policy), the
    # Excel workbook included (review: the parties' names and the 案由 left with every batch).
    assert cases[0]["parties"][0]["name"] == "" and cases[0]["parties"][0]["name_hmac"]
    for path in folder.iterdir():
        assert ID_NUMBER.encode() not in path.read_bytes(), path.name
        assert "张三".encode() not in path.read_bytes(), path.name
    # The next batch starts where this one ended, holds only what was logged since, and proves the log only grew.
    second_case = opener(tree.agency_a1, users.officer_a1, title="第二案")
    ledger_services.checkpoint_create()
    second = export.build(actor=users.region_supervisor, since_seq=first.to_seq)
    folder2 = export.write_dir(second, tmp_path)
    assert [c["id"] for c in lines(folder2, "cases.jsonl")] == [second_case.pk]
    assert all(e["seq"] >= first.to_seq for e in lines(folder2, "entries.jsonl"))
    previous = (folder / "checkpoint.txt").read_text()
    assert verify_batch(folder2, keys(), previous_note=previous) == []
    key = ledger_services.signer().verifier.encode()
    assert verify_main([str(folder2), "--key", key, "--previous", str(folder / "checkpoint.txt")]) == 0
    assert all("payload" not in e for e in lines(folder2, "entries.jsonl"))  # headers only, by default
    # Nothing new: an empty batch, still signed.
    empty = export.build(actor=users.region_supervisor, since_seq=second.to_seq)
    assert empty.entries == [] and empty.to_seq == second.to_seq


@pytest.mark.req("SUP-03")
@pytest.mark.django_db
def test_a_changed_batch_does_not_verify(users, world, tmp_path):
    folder = export.write_dir(export.build(actor=users.region_supervisor, since_seq=0), tmp_path)
    changed = (folder / "cases.jsonl").read_text().replace('"stage":"', '"stage":"x', 1)
    assert changed != (folder / "cases.jsonl").read_text()
    (folder / "cases.jsonl").write_text(changed)
    assert any("cases.jsonl" in p for p in verify_batch(folder, keys()))
    # A forged entry with the manifest rewritten to match still fails its proof.
    rows = lines(folder, "entries.jsonl")
    rows[0]["kind"] = "cases.forged"
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    (folder / "entries.jsonl").write_bytes(data)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"]["entries.jsonl"] = hashlib.sha256(data).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert any("does not hash to the proof's leaf" in p for p in verify_batch(folder, keys()))
    # A key other than the deployment's: the checkpoint is refused (verifier.txt inside the batch is never trusted).
    other = Signer.generate("zhifa.localhost/ledger").verifier
    assert any("checkpoint not accepted" in p for p in verify_batch(folder, [other]))


@pytest.mark.req("SUP-03")
@pytest.mark.django_db
def test_a_batch_reads_at_most_max_entries_and_the_next_continues_where_it_stopped(users, world, tmp_path):
    size = export.build(actor=users.region_supervisor, since_seq=0).to_seq
    first = export.build(actor=users.region_supervisor, since_seq=0, max_entries=3)
    assert first.to_seq == 3 < size and all(e["seq"] < 3 for e in first.entries)
    assert verify_batch(export.write_dir(first, tmp_path / "a"), keys()) == []
    rest = export.build(actor=users.region_supervisor, since_seq=first.to_seq)
    assert rest.to_seq == size and all(e["seq"] >= 3 for e in rest.entries)
    assert verify_batch(export.write_dir(rest, tmp_path / "b"), keys()) == []


def test_the_api_takes_no_payloads_switch():
    import inspect

    from zhifa.cockpit.api import export_batch

    assert "payloads" not in inspect.signature(export_batch).parameters


@pytest.mark.req("SUP-03")
@pytest.mark.django_db
def test_with_payloads_each_payload_is_checked_against_its_digest(users, world, tmp_path):
    folder = export.write_dir(export.build(actor=users.region_supervisor, since_seq=0, payloads=True), tmp_path)
    assert verify_batch(folder, keys()) == []
    rows = lines(folder, "entries.jsonl")
    assert all("payload" in r for r in rows)
    rows[0]["payload"] = rows[0]["payload"].replace("}", ',"x":1}', 1)
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    (folder / "entries.jsonl").write_bytes(data)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"]["entries.jsonl"] = hashlib.sha256(data).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert any("payload does not match its digest" in p for p in verify_batch(folder, keys()))


@pytest.mark.req("SUP-03")
@pytest.mark.django_db
def test_a_bureau_exports_only_its_subtree_and_an_agency_head_none(tree, users, world, tmp_path):
    county = export.build(actor=users.county_a1_supervisor, since_seq=0)
    assert {a["agency_id"] for a in county.records["alerts"]} == {tree.agency_a1.pk}
    assert [c["id"] for c in county.records["cases"]] == [world.pk]
    assert not any(e["subject"] == f"org.agency:{tree.agency_b1.pk}" for e in county.entries)
    assert verify_batch(export.write_dir(county, tmp_path), keys()) == []
    region = export.build(actor=users.region_supervisor, since_seq=0)
    assert {a["agency_id"] for a in region.records["alerts"]} == {tree.agency_a1.pk, tree.agency_b1.pk}
    for user in (users.head_a1, users.officer_a1, users.nobody):
        before = SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED, user=user).count()
        with pytest.raises(ZhifaError):
            export.build(actor=user, since_seq=0)
        assert SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED, user=user).count() == before + 1


@pytest.mark.req("SUP-03")
@pytest.mark.django_db
def test_the_api_serves_the_batch_as_a_zip_for_the_bureau_only(client, tree, users, world, tmp_path):
    client.force_login(users.city_a_supervisor)
    response = client.get("/api/cockpit/export", {"since_seq": 0})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as zf:
        zf.extractall(tmp_path)
    (folder,) = list(tmp_path.iterdir())
    assert verify_batch(folder, keys()) == []
    assert {a["agency_id"] for a in lines(folder, "alerts.jsonl")} == {tree.agency_a1.pk}
    book = load_workbook(folder / "batch.xlsx")
    assert book.sheetnames == ["batch", *export.EXCEL_COLUMNS]
    assert [c.value for c in book["cases"][1]] == export.EXCEL_COLUMNS["cases"]
    assert book["cases"].cell(2, 1).value == world.pk
    bad = client.get("/api/cockpit/export", {"since_seq": 10**9})
    assert bad.status_code == 400 and bad.json()["code"] == "cockpit_export_bad_since_seq"
    client.force_login(users.head_a1)
    refused = client.get("/api/cockpit/export", {"since_seq": 0})
    assert refused.status_code == 403


@pytest.mark.req("SUP-03")
@pytest.mark.django_db
def test_the_command_writes_a_batch_and_names_the_next_start(tree, users, world, tmp_path, capsys):
    call_command("supervision_export", "--since-seq", "0", "--out", str(tmp_path), "--actor", users.city_a_supervisor.username)
    (folder,) = list(tmp_path.iterdir())
    assert verify_batch(folder, keys()) == []
    manifest = json.loads((folder / "manifest.json").read_text())
    assert f"next --since-seq {manifest['to_seq']}" in capsys.readouterr().out
    assert {a["agency_id"] for a in lines(folder, "alerts.jsonl")} == {tree.agency_a1.pk}
    # Without --actor: the operator's export of the whole system.
    call_command("supervision_export", "--since-seq", "0", "--out", str(tmp_path / "all"))
    (whole,) = list((tmp_path / "all").iterdir())
    assert verify_batch(whole, keys()) == []
    assert {a["agency_id"] for a in lines(whole, "alerts.jsonl")} == {tree.agency_a1.pk, tree.agency_b1.pk}


@pytest.mark.req("SUP-03")
@pytest.mark.django_db
def test_without_a_checkpoint_there_is_no_batch(users, tree, opener):
    opener(tree.agency_a1, users.officer_a1)
    with pytest.raises(ZhifaError) as raised:
        export.build(actor=users.region_supervisor, since_seq=0)
    assert raised.value.code == "cockpit_export_no_checkpoint"
