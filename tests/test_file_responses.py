"""Every response that carries file bytes goes through core.files.file_response (issue 14 §1): the type the server
determined, `nosniff`, a sandboxing CSP, and a download disposition for anything not playable inline.

One test per route that serves stored or generated files, and a guard that fails when a new route builds a
file response of its own."""

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from zhifa.core import files
from zhifa.core.files import DOCX, FILE_CSP, XLSX

ROOT = Path(__file__).resolve().parent.parent


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_file(response, content_type: str, *, inline: bool, name: str | None = None):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == FILE_CSP
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline;" if inline else "attachment;"), disposition
    if name is not None:
        assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == name


@pytest.fixture
def region_rules(tree, users):
    from zhifa.rules.services import ruleset_apply

    ruleset_apply(name="im-m", jurisdiction=tree.region, actor=users.su)


@pytest.mark.django_db
def test_issued_documents_are_downloads(client, desk, users, settings, tmp_path):
    """PDF included: a browser's PDF viewer runs the document's own scripts; a sealed document is saved, not shown."""
    from zhifa.cases import services
    from zhifa.cases.doctypes import FORMS
    from zhifa.cases.tests.conftest import inspection_with_record

    settings.ZHIFA_SIGNING_DIR = str(tmp_path / "signing")
    case, doc = inspection_with_record(desk)
    for kind in ("pdf", "docx"):
        services.document_issue(document=doc, kind=kind, actor=users.head_a1)
    client.force_login(desk.officer)
    title = FORMS["inspection_record"].title
    pdf = client.get(f"/cases/{case.pk}/documents/{doc.pk}.pdf")
    assert_file(pdf, "application/pdf", inline=False, name=f"{case.number}-{title}-v1.pdf")
    assert body(pdf).startswith(b"%PDF")
    docx = client.get(f"/cases/{case.pk}/documents/{doc.pk}.docx")
    assert_file(docx, DOCX, inline=False, name=f"{case.number}-{title}-v1.docx")


@pytest.mark.django_db
def test_the_import_template_is_a_download(client, users):
    client.force_login(users.su)
    assert_file(client.get("/org/import/template.xlsx"), XLSX, inline=False, name="zhifa-org-import-template.xlsx")


@pytest.mark.django_db
def test_annual_report_exports_are_downloads(client, desk, users, region_rules):
    from zhifa.publicity import services

    report = services.report_compute(agency=desk.agency, year=2025, actor=users.head_a1)
    client.force_login(users.head_a1)
    name = f"annual-report-{desk.agency.pk}-2025"
    assert_file(client.get(f"/publicity/reports/{report.pk}/report.xlsx"), XLSX, inline=False, name=f"{name}.xlsx")
    assert_file(client.get(f"/publicity/reports/{report.pk}/report.pdf"), "application/pdf", inline=False,
                name=f"{name}.pdf")


@pytest.mark.django_db
def test_generated_images_stay_inline_but_sandboxed(client, tree, region_rules):
    """The flowcharts and QR codes are drawn by our own code with escaped text, and pages embed them with <img>:
    inline, but the sandbox CSP stops any script in them from running if one is opened in its own tab."""
    from zhifa.portal.views import _charts

    action_type, procedure, _label = _charts()[0]
    svg = "image/svg+xml; charset=utf-8"
    for url in (f"/portal/{tree.a1.code}/flowcharts/{action_type}-{procedure}.svg",
                "/portal/certificates/TEST-0001/qr.svg",
                f"/review/flowcharts/{tree.a1.code}/penalty.svg"):
        response = client.get(url)
        assert_file(response, svg, inline=True)
        assert body(response).lstrip().startswith((b"<svg", b"<?xml"))


def test_types_come_from_the_bytes_not_from_the_declaration():
    from zhifa.records.tests.test_stored_xss import EVIL_WAV

    assert files.determine(EVIL_WAV, "text/html") == "audio/wav"
    assert files.determine(b"<html><script>alert(1)</script>", "text/html") == "application/octet-stream"
    assert files.determine(b"<svg onload=alert(1)>", "image/svg+xml") == "application/octet-stream"
    assert files.determine(b"%PDF-1.7\n", "") == "application/pdf"
    assert files.determine(b"PK\x03\x04rest", DOCX) == DOCX
    assert files.determine(b"PK\x03\x04rest", "text/html") == "application/zip"
    assert files.determine(b"\x00\x00\x00\x18ftypisom", "audio/mp4") == "audio/mp4"
    assert files.determine(b"\x00\x00\x00\x18ftypisom", "image/svg+xml") == "video/mp4"
    assert files.determine(b"\xff\xd8\xff\xe0", "") == "image/jpeg"
    assert files.determine(b"GIF89a", "text/html") == "image/gif"


def test_content_disposition_is_rfc_6266_and_names_are_neutralised():
    header = files.content_disposition("案件\u202egnp.exe", inline=False)
    assert header.startswith('attachment; filename="') and "filename*=UTF-8''" in header
    assert unquote(header.split("filename*=UTF-8''", 1)[1]) == "案件gnp.exe"
    assert "\u202e" not in header
    assert files.clean_filename('../../etc/pa"ss\r\nwd') == "pa_ss__wd"
    assert files.clean_filename("C:\\Users\\x\\clip.mp4") == "clip.mp4"
    assert files.clean_filename("\u200b\ufeff") == "file"
    assert files.clean_filename("cafe\u0301.wav") == "café.wav"


# A response of these kinds that does not come from core.files serves bytes without the checks above.
_OWN_FILE_RESPONSE = re.compile(r"\b(FileResponse|StreamingHttpResponse)\(|Content-Disposition|as_attachment")
_TYPED_RESPONSE = re.compile(r"HttpResponse\([^)]*content_type=\"([^\"]+)\"", re.S)
# Text and data answers, not files: the signed checkpoint note, feeds, JSON, tus's protocol errors.
_NOT_FILES = ("text/plain", "application/json", "application/atom+xml")


def test_no_route_builds_a_file_response_of_its_own():
    offenders = []
    for path in sorted((ROOT / "zhifa").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if "/tests/" in rel or "/migrations/" in rel or rel == "zhifa/core/files.py":
            continue
        text = path.read_text(encoding="utf-8")
        for match in _OWN_FILE_RESPONSE.finditer(text):
            offenders.append(f"{rel}: {match.group(0)}")
        for match in _TYPED_RESPONSE.finditer(text):
            if not match.group(1).startswith(_NOT_FILES):
                offenders.append(f"{rel}: HttpResponse(..., content_type={match.group(1)!r})")
    assert not offenders, "serve file bytes with zhifa.core.files.file_response:\n" + "\n".join(offenders)
