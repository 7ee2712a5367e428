"""Documents rendered from templates to PDF (CJK fonts embedded, sealed with the agency's PAdES
signature) and DOCX; issued once per version, stored as evidence, logged (REC-02, REC-12, PUB-12)."""

import io
import json
import zipfile

import pytest
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from zhifa.cases import services, signing
from zhifa.cases.models import DocumentRendition
from zhifa.cases.tests.conftest import elements, inspection_with_record
from zhifa.core.errors import PermissionDeniedError
from zhifa.ledger.models import Entry


@pytest.fixture(autouse=True)
def _keys(settings, tmp_path):
    settings.ZHIFA_SIGNING_DIR = str(tmp_path / "signing")


@pytest.fixture
def inspection(desk):
    return inspection_with_record(desk, target="某某商店（统一社会信用代码 91350100M000100Y43）", content="检查库存商品标识")


@pytest.mark.req("REC-02")
@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_the_pdf_is_sealed_with_the_agencys_pades_signature(inspection, desk, users):
    case, doc = inspection
    rendition = services.document_issue(document=doc, kind="pdf", actor=users.head_a1)
    from django.core.files.storage import default_storage

    data = default_storage.open(rendition.blob.storage_name).read()
    assert data.startswith(b"%PDF")
    reader = PdfFileReader(io.BytesIO(data))
    (signature,) = reader.embedded_signatures
    _key, _cert, root_cert = signing.agency_paths(desk.agency)
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[load_cert_from_pemder(str(root_cert))]))
    assert status.intact and status.valid and status.trusted
    assert signature.signer_cert.subject.native["common_name"] == desk.agency.name
    assert b"/ETSI.CAdES.detached" in data  # PAdES, not the legacy PKCS#7 subfilter
    page = reader.root["/Pages"]["/Kids"][0]
    font_dict = page["/Resources"]["/Font"]
    fonts = [str(font_dict[k]["/BaseFont"]) for k in font_dict]
    # The Chinese text is set in the font bundled with the code (zhifa/core/fonts), embedded as a subset.
    assert [name.split("+")[-1] for name in fonts] == ["Zhifa-Serif-SC"], fonts
    entry = Entry.objects.get(pk=rendition.entry_id)
    payload = json.loads(entry.payload)
    assert entry.kind == "cases.document_issued" and payload["sha256"] == rendition.blob.sha256
    assert payload["signer_sha256"] == rendition.signer_sha256 == signing.fingerprint(signing.agency_paths(desk.agency)[1])
    # Issued once: asking again returns the same bytes and logs nothing new.
    count = Entry.objects.count()
    assert services.document_issue(document=doc, kind="pdf", actor=users.head_a1).pk == rendition.pk
    assert Entry.objects.count() == count


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_a_changed_pdf_no_longer_validates(inspection, desk, users):
    case, doc = inspection
    rendition = services.document_issue(document=doc, kind="pdf", actor=users.head_a1)
    from django.core.files.storage import default_storage

    data = bytearray(default_storage.open(rendition.blob.storage_name).read())
    at = data.index(b"/MediaBox")
    data[at + 12:at + 13] = b"9" if data[at + 12:at + 13] != b"9" else b"8"
    (signature,) = PdfFileReader(io.BytesIO(bytes(data))).embedded_signatures
    _key, _cert, root_cert = signing.agency_paths(desk.agency)
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[load_cert_from_pemder(str(root_cert))]))
    assert not status.intact


@pytest.mark.req("REC-02")
@pytest.mark.req("PUB-12")
@pytest.mark.django_db
def test_the_docx_carries_every_element_from_the_template(inspection, desk, users):
    case, doc = inspection
    rendition = services.document_issue(document=doc, kind="docx", actor=users.head_a1)
    from django.core.files.storage import default_storage

    with zipfile.ZipFile(default_storage.open(rendition.blob.storage_name)) as zf:
        xml = zf.read("word/document.xml").decode()
    for text in ("现场检查笔录", desk.agency.name, case.number, "检查库存商品标识", "已出示执法证件",
                 "已告知执法事由、依据、权利义务和救济途径", desk.officers[0].name):
        assert text in xml, text
    assert "{{" not in xml and "{%" not in xml


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_a_correction_is_issued_as_its_own_version(inspection, desk, users):
    case, doc = inspection
    first = services.document_issue(document=doc, kind="docx", actor=users.head_a1)
    fixed = services.document_record(case=case, form="inspection_record", supersedes=doc, correction_reason="地点笔误",
                                     elements=elements(desk, place="甲一县人民路9号"), actor=desk.officer)
    second = services.document_issue(document=fixed, kind="docx", actor=users.head_a1)
    assert first.blob_id != second.blob_id and DocumentRendition.objects.count() == 2
    from django.core.files.storage import default_storage

    with zipfile.ZipFile(default_storage.open(second.blob.storage_name)) as zf:
        xml = zf.read("word/document.xml").decode()
    assert "地点笔误" in xml and "第 2 版" in xml


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_download_pages_scope_and_bad_format(client, inspection, desk, users, tree):
    case, doc = inspection
    services.document_issue(document=doc, kind="pdf", actor=users.head_a1)
    client.force_login(desk.officer)
    response = client.get(f"/cases/{case.pk}/documents/{doc.pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get(f"/cases/{case.pk}/documents/{doc.pk}.exe").status_code == 404
    from zhifa.core.permissions import Role
    from zhifa.org.tests.factories import UserFactory, grant

    outsider = grant(UserFactory(username="off_b1"), Role.OFFICER, agency=tree.agency_b1)
    client.force_login(outsider)
    assert client.get(f"/cases/{case.pk}/documents/{doc.pk}.docx").status_code == 404
    with pytest.raises(PermissionDeniedError):
        services.document_issue(document=doc, kind="docx", actor=outsider)


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_issue_through_the_api(client, inspection, desk, users):
    case, doc = inspection
    client.force_login(users.head_a1)  # the signer for the agency (cases.issue_document)
    response = client.post(f"/api/cases/{case.pk}/documents/{doc.pk}/issue?kind=pdf")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["kind"] == "pdf" and len(body["signer_sha256"]) == 64 and body["download"].endswith(".pdf")
    bad = client.post(f"/api/cases/{case.pk}/documents/{doc.pk}/issue?kind=exe")
    assert bad.status_code == 400 and bad.json()["code"] == "case_element_invalid"
