"""The case file: generated, exported with proofs, verified offline; any change is caught (REC-11, REC-12)."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.utils import timezone

from zhifa.cases import services as cases
from zhifa.cases.tests.conftest import elements
from zhifa.ledger import services as ledger_services
from zhifa.ledger import storage
from zhifa.ledger.models import Checkpoint, Entry
from zhifa.records import services
from zhifa.records.casefile import case_index, export_package
from zhifa.records.tests.test_recordings import MP4
from zhifa.verify.__main__ import main as verify_main


@pytest.fixture
def filed_case(desk, seizure):
    case, camera = seizure
    cases.document_record(case=case, form="inspection_record", elements=elements(desk), actor=desk.officer)
    seize = cases.document_record(case=case, form="seizure_decision", elements=elements(
        desk, items="货车一辆", legal_basis="第二十二条", period="三十日"), actor=desk.officer)
    services.recording_upload(case=case, fileobj=io.BytesIO(MP4), device=camera, officer=desk.officers[0],
                              activity="seize", started_at=timezone.now() - dt.timedelta(hours=2),
                              ended_at=timezone.now() - dt.timedelta(hours=1), place="p", document=seize,
                              actor=desk.officer)
    return case


def rewrite(package, tmp_path, change):
    """Copy the zip, letting `change(name, data)` alter one member."""
    src = zipfile.ZipFile(package)
    target = tmp_path / "forged.zip"
    with zipfile.ZipFile(target, "w") as out:
        for info in src.infolist():
            out.writestr(info.filename, change(info.filename, src.read(info.filename)))
    return target


@pytest.mark.req("REC-11")
@pytest.mark.django_db
def test_the_case_file_is_generated_and_verifies_offline(filed_case, tmp_path):
    index = case_index(filed_case)
    kinds = [i["type"] for i in index["items"]]
    assert kinds.count("document") == 3 and kinds.count("recording") == 1  # filing approval, inspection, seizure
    ledger_services.checkpoint_create()  # the cron job's: the package uses the latest checkpoint, never signs one
    package = export_package(filed_case)
    path = tmp_path / "case.zip"
    path.write_bytes(package.read())
    key = ledger_services.signer().verifier.encode()
    assert verify_main(["casefile", str(path), "--key", key]) == 0
    with zipfile.ZipFile(path) as zf:
        assert {"bagit.txt", "manifest-sha256.txt", "data/index.json", "data/ledger/checkpoint.txt"} <= set(zf.namelist())
        assert zf.read(f"data/recordings/{index['items'][-1]['sha256']}") == MP4


@pytest.mark.req("REC-12")
@pytest.mark.django_db
@pytest.mark.parametrize("target", ["document", "recording", "manifest"])
def test_any_change_to_the_package_is_caught(filed_case, tmp_path, target, capsys):
    ledger_services.checkpoint_create()
    path = tmp_path / "case.zip"
    path.write_bytes(export_package(filed_case).read())
    index = case_index(filed_case)
    doc_file = next(i["file"] for i in index["items"] if i["type"] == "document")
    rec_file = next(i["file"] for i in index["items"] if i["type"] == "recording")

    def change(name, data):
        if target == "document" and name == doc_file:
            return data.replace("检查经营场所".encode(), "未检查".encode())
        if target == "recording" and name == rec_file:
            return data[:-10] + b"\0" * 10
        if target == "manifest" and name == "manifest-sha256.txt":
            return data.replace(b"data/", b"data/x", 1)
        return data

    forged = rewrite(path, tmp_path, change)
    assert verify_main(["casefile", str(forged), "--key", ledger_services.signer().verifier.encode()]) == 1
    assert "FAIL" in capsys.readouterr().out


@pytest.mark.req("REC-15")
@pytest.mark.django_db
def test_downloading_the_case_file_is_logged_and_scoped(client, filed_case, desk, users, tree):
    client.force_login(users.city_a_supervisor)
    assert client.get(f"/records/cases/{filed_case.pk}/case-file.zip").status_code == 403  # REC-15: a reason first
    client.post(f"/cases/{filed_case.pk}/consult/", {"consultation_reason": "案卷评查"})
    response = client.get(f"/records/cases/{filed_case.pk}/case-file.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).testzip() is None
    entry = Entry.objects.get(kind="cases.content_read")  # the supervisor's read, against the consultation
    assert entry.actor == f"user:{users.city_a_supervisor.pk}" and '"what":"case_file"' in entry.payload
    client.force_login(desk.officer)
    b"".join(client.get(f"/records/cases/{filed_case.pk}/case-file.zip").streaming_content)
    entry = Entry.objects.get(kind="records.case_file_exported")  # the handling side's export
    assert entry.actor == f"user:{desk.officer.pk}"
    from zhifa.core.permissions import Role
    from zhifa.org.tests.factories import UserFactory, grant

    client.force_login(grant(UserFactory(), Role.OFFICER, agency=tree.agency_b1))
    assert client.get(f"/records/cases/{filed_case.pk}/case-file.zip").status_code == 404


def _download(client, case) -> bytes:
    response = client.get(f"/records/cases/{case.pk}/case-file.zip")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _verify(tmp_path, data: bytes, capsys) -> tuple[int, str]:
    path = tmp_path / "case.zip"
    path.write_bytes(data)
    code = verify_main(["casefile", str(path), "--key", ledger_services.signer().verifier.encode()])
    return code, capsys.readouterr().out


@pytest.mark.req("REC-11")
@pytest.mark.django_db
def test_downloading_the_case_file_signs_nothing_and_lists_what_the_checkpoint_does_not_cover_yet(
        client, filed_case, desk, tmp_path, capsys):
    """Review finding 8: each GET of case-file.zip integrated the log and signed a new checkpoint — the write
    POST /api/ledger/checkpoints keeps for administrators — so a loop or a link prefetcher made the server sign
    at will. Now the package is built against the latest existing checkpoint; the download adds only its own
    export record. Entries after that checkpoint are listed as not yet covered, and verify once the next
    checkpoint (the cron job's) exists."""
    checkpoint = ledger_services.checkpoint_create()
    seize = filed_case.documents.get(form="seizure_decision")
    later = cases.document_record(case=filed_case, form="inspection_record", elements=elements(desk),
                                  actor=desk.officer)  # logged after the checkpoint
    client.force_login(desk.officer)
    before = (Checkpoint.objects.count(), storage.tree_size(), set(Entry.objects.values_list("id", flat=True)))
    data = _download(client, filed_case)
    assert (Checkpoint.objects.count(), storage.tree_size()) == before[:2]  # nothing signed, nothing integrated
    added = Entry.objects.exclude(id__in=before[2])
    assert [e.kind for e in added] == ["records.case_file_exported"]  # the export record (REC-15), nothing else

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        index = json.loads(zf.read("data/index.json"))
        assert zf.read("data/ledger/checkpoint.txt").decode() == checkpoint.note
        readme = zf.read("README.txt").decode()
        pending = [json.loads(line) for line in zf.read("data/ledger/pending.jsonl").decode().splitlines()]
    assert index["checkpoint_size"] == checkpoint.size
    assert [(p["type"], p["id"]) for p in index["pending"]["items"]] == [("document", later.pk)]
    assert "not yet covered by a checkpoint" in index["pending"]["note"]
    assert [p["id"] for p in pending] == [later.entry_id]
    assert "尚未被检查点覆盖" in readme and f"document {later.pk}" in readme
    assert f"document {seize.pk}" not in readme  # covered: proven in the package

    code, out = _verify(tmp_path, data, capsys)
    assert code == 3 and "NOT YET COVERED" in out and f"document {later.pk}" in out and "FAIL" not in out

    ledger_services.checkpoint_create()  # the next checkpoint, from cron
    code, out = _verify(tmp_path, _download(client, filed_case), capsys)
    assert code == 0 and "OK: verified" in out


@pytest.mark.req("REC-11")
@pytest.mark.django_db
def test_without_any_checkpoint_the_package_says_so_and_nothing_is_signed(client, filed_case, desk, tmp_path, capsys):
    assert not Checkpoint.objects.exists()
    client.force_login(desk.officer)
    data = _download(client, filed_case)
    assert not Checkpoint.objects.exists() and not storage.tree_size()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert "data/ledger/checkpoint.txt" not in zf.namelist()
        assert "尚未生成签名检查点" in zf.read("README.txt").decode()
        index = json.loads(zf.read("data/index.json"))
    assert index["checkpoint_size"] is None and len(index["pending"]["items"]) == len(index["items"]) == 4
    code, out = _verify(tmp_path, data, capsys)
    assert code == 3 and "NO signed checkpoint" in out


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_a_covered_entry_moved_to_the_pending_list_is_caught(filed_case, tmp_path, capsys):
    """Listing an entry as "not yet covered" must not be a way around its proof: the verifier knows the
    checkpoint's size, and an entry below it without a proof fails."""
    ledger_services.checkpoint_create()
    path = tmp_path / "case.zip"
    path.write_bytes(export_package(filed_case).read())
    with zipfile.ZipFile(path) as zf:
        moved = zf.read("data/ledger/entries.jsonl").decode().splitlines()[0]

    def change(name, data):
        if name == "data/ledger/entries.jsonl":
            return "\n".join(data.decode().splitlines()[1:]).encode() + b"\n"
        if name == "data/ledger/proofs.jsonl":
            return "\n".join(data.decode().splitlines()[1:]).encode() + b"\n"
        if name == "data/ledger/pending.jsonl":
            return moved.encode() + b"\n"
        return data

    forged = rewrite(path, tmp_path, change)
    # The forger also rewrites both manifests so that only the move itself is left to catch.
    forged = _rebag(forged, tmp_path)
    assert verify_main(["casefile", str(forged), "--key", ledger_services.signer().verifier.encode()]) == 1
    assert "covered by the checkpoint but has no proof" in capsys.readouterr().out


def _rebag(path, tmp_path):
    import hashlib

    src = zipfile.ZipFile(path)
    members = {i.filename: src.read(i.filename) for i in src.infolist()}
    manifest = "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in sorted(members.items())
                       if n.startswith("data/"))
    members["manifest-sha256.txt"] = manifest.encode()
    tags = ("manifest-sha256.txt", "bag-info.txt", "README.txt", "bagit.txt")
    members["tagmanifest-sha256.txt"] = "".join(f"{hashlib.sha256(members[n]).hexdigest()}  {n}\n"
                                                for n in sorted(tags)).encode()
    target = tmp_path / "rebagged.zip"
    with zipfile.ZipFile(target, "w") as out:
        for name, data in members.items():
            out.writestr(name, data)
    return target
