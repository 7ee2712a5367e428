"""The printed case file (卷宗封面、卷内目录、备考表; issue 18 §2, REC-02, REC-11): what the cover and the index say, page
numbers that follow the documents' own PDFs, and a page that is scoped, consulted and logged like the package."""

import datetime as dt
import io

import pytest
import time_machine
from pyhanko.pdf_utils.reader import PdfFileReader

from zhifa.cases import services as cases
from zhifa.cases.tests.test_documents_standard import _keys, decision, decision_stage_case  # noqa: F401
from zhifa.cases.tests.test_documents_standard import agency as agency
from zhifa.core.permissions import Role
from zhifa.ledger.models import Entry
from zhifa.org.tests.factories import UserFactory, grant
from zhifa.records import casefile


@pytest.fixture
def filed(desk, agency, users):
    case = decision_stage_case(desk)
    draft = decision(case, desk)
    cases.document_issue(document=draft, kind="pdf", actor=users.head_a1)
    cases.document_record(case=case, form="penalty_decision", supersedes=draft, correction_reason="依据条款笔误",
                          actor=desk.officer, elements=draft.elements | {"legal_basis": "《中华人民共和国食品安全法》第一百二十五条"})
    return case


@pytest.mark.req("REC-02")
@pytest.mark.req("REC-11")
@pytest.mark.django_db
def test_the_cover_and_index_say_what_the_case_file_holds(filed, desk, agency):
    sheets = casefile.case_file_sheets(filed)
    cover = {row["label"]: row["value"] for row in sheets["cover"]}
    assert cover["案号"] == filed.number and cover["案由"] == "销售标签不合格的预包装食品"
    assert cover["当事人"] == "某某商贸有限公司" and cover["处理结果"] == "罚款人民币贰仟元整"
    assert cover["承办人"] == "李执法、王执法" and cover["立案日期"].startswith("二〇")
    assert cover["结案日期"] == "（尚未结案归档）" and cover["保管期限"].endswith(("年", "永久"))
    docs = list(filed.documents.order_by("recorded_at", "id"))
    assert cover["卷内文件"].startswith(f"共 {len(docs)} 件 {sheets['pages']} 页（其中未签发 3 件，未计页数）")
    # Pages are counted over the issued PDFs only, from the count kept at issue; the rest are 未签发, without pages.
    issued = filed.documents.get(form="penalty_decision", version=1).renditions.get(kind="pdf")
    assert issued.pages >= 1 and sheets["pages"] == issued.pages
    assert [row["pages"] for row in sheets["rows"]] == ["", "", "1" if issued.pages == 1 else f"1-{issued.pages}", ""]
    assert [row["note"].split("；")[0] for row in sheets["rows"]] == ["未签发", "未签发", "已被第2版更正", "未签发"]
    titles = [row["title"] for row in sheets["rows"]]
    assert titles == ["立案审批表", "现场检查笔录", "行政处罚决定书", "行政处罚决定书（第2版）"]
    first, second = sheets["rows"][2], sheets["rows"][3]
    assert first["number"] == second["number"] == "甲一市监罚决〔2026〕1号"  # the correction keeps the number
    assert first["note"] == "已被第2版更正" and second["note"] == "未签发；更正件：依据条款笔误"
    assert all(row["author"] == agency.name for row in sheets["rows"])
    pdf = casefile.case_file_print_pdf(filed)
    assert int(PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Count"]) == 3  # cover, index, note sheet


@pytest.mark.req("REC-02")
@pytest.mark.req("REC-15")
@pytest.mark.django_db
def test_the_printed_cover_is_scoped_consulted_and_logged(client, filed, desk, users, tree):
    url = f"/records/cases/{filed.pk}/case-file-cover.pdf"
    client.force_login(desk.officer)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "%E5%8D%B7%E5%AE%97%E5%B0%81%E9%9D%A2" in response["Content-Disposition"]  # 卷宗封面
    entry = Entry.objects.filter(kind="records.case_file_exported").get()
    assert '"what":"cover_index"' in entry.payload and entry.actor == f"user:{desk.officer.pk}"
    client.force_login(users.city_a_supervisor)
    assert client.get(url).status_code == 403  # REC-15: a reason first
    client.force_login(grant(UserFactory(), Role.OFFICER, agency=tree.agency_b1))
    assert client.get(url).status_code == 404


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_printing_the_cover_renders_no_document(client, filed, desk, monkeypatch):
    """A GET of the cover typesets the three sheets only: no unissued document is rendered to count its pages, and
    an issued one is counted from its rendition (even one whose count was not kept: read from the stored PDF)."""
    from zhifa.cases import rendering

    def refuse(document):
        raise AssertionError(f"rendered {document.form} v{document.version} to print the cover")

    monkeypatch.setattr(rendering, "render_pdf", refuse)
    monkeypatch.setattr(rendering, "document_html", refuse)
    client.force_login(desk.officer)
    response = client.get(f"/records/cases/{filed.pk}/case-file-cover.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    rendition = filed.documents.get(form="penalty_decision", version=1).renditions.get(kind="pdf")
    kept = rendition.pages
    rendition.pages = None  # as a PDF issued before the count was kept: read from the stored, signed file
    assert casefile.rendition_pages(rendition) == kept >= 1


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_the_index_dates_a_decision_by_its_stored_date(desk, agency, users):
    """The index's date of an issued decision is its 成文日期 (stored at its first issue, review 18 finding 2), the
    date its PDF and Word file print, not the day it was recorded nor the day the index is printed."""
    with time_machine.travel(dt.datetime(2026, 12, 30, 4, tzinfo=dt.UTC), tick=False):
        case = decision_stage_case(desk)
        draft = decision(case, desk)
    with time_machine.travel(dt.datetime(2026, 12, 31, 4, tzinfo=dt.UTC), tick=False):
        cases.document_issue(document=draft, kind="pdf", actor=users.head_a1)
    with time_machine.travel(dt.datetime(2027, 1, 5, 4, tzinfo=dt.UTC), tick=False):
        cases.document_issue(document=draft, kind="docx", actor=users.head_a1)
        sheets = casefile.case_file_sheets(case)
    row = next(r for r in sheets["rows"] if r["number"])
    assert row["number"] == "甲一市监罚决〔2026〕1号" and row["date"] == "20261231"
    assert next(r for r in sheets["rows"] if r["title"] == "现场检查笔录")["date"] == "20261230"  # 未签发: recorded
