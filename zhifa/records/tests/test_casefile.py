"""The case file: generated, exported with proofs, verified offline; any change is caught (REC-11, REC-12)."""

import datetime as dt
import io
import zipfile

import pytest
from django.utils import timezone

from zhifa.cases import services as cases
from zhifa.cases.tests.conftest import elements
from zhifa.ledger import services as ledger_services
from zhifa.ledger.models import Entry
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
    assert entry.actor.startswith(f"user:{users.city_a_supervisor.pk} ") and '"what":"case_file"' in entry.payload
    client.force_login(desk.officer)
    b"".join(client.get(f"/records/cases/{filed_case.pk}/case-file.zip").streaming_content)
    entry = Entry.objects.get(kind="records.case_file_exported")  # the handling side's export
    assert entry.actor.startswith(f"user:{desk.officer.pk} ")
    from zhifa.core.permissions import Role
    from zhifa.org.tests.factories import UserFactory, grant

    client.force_login(grant(UserFactory(), Role.OFFICER, agency=tree.agency_b1))
    assert client.get(f"/records/cases/{filed_case.pk}/case-file.zip").status_code == 404
