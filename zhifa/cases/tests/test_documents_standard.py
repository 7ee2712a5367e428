"""Standard legal documents (REC-02, issue 18 §2): 文号 per agency, year and kind, kept across versions, gap-free
under concurrency and never spent by a failed issue (test_documents_issue_number.py); every form laid out as the national formats do (party block, 履行方式, 救济途径,
seal, receipt), A4 in PDF and Word; the download name keeps the whole title."""

import datetime as dt
import io
import zipfile

import pytest
import time_machine
from django.core.files.storage import default_storage
from docx import Document as Docx
from docx.shared import Mm
from pyhanko.pdf_utils.reader import PdfFileReader

from zhifa.cases import numbering, rendering, services
from zhifa.cases.doctypes import FORMS
from zhifa.cases.models import Document, DocumentNumber, Party, PartyKind
from zhifa.cases.tests.conftest import elements
from zhifa.core import files
from zhifa.core.errors import ZhifaError
from zhifa.ledger.models import Entry
from zhifa.ledger.services import record_event

CREDIT_CODE = "91350100M000100Y43"


@pytest.fixture(autouse=True)
def _keys(settings, tmp_path):
    settings.ZHIFA_SIGNING_DIR = str(tmp_path / "signing")


@pytest.fixture
def agency(desk):
    a = desk.agency
    a.abbreviation, a.fine_collector = "甲一市监", "中国工商银行甲一县支行及其各营业网点"
    a.reconsideration_organ, a.litigation_court = "甲一县人民政府", "甲一县人民法院"
    a.office_address, a.enquiry_phone = "甲一县人民路1号", "0591-12345678"
    a.save()
    return a


def decision_stage_case(desk, **party):
    """A simplified-procedure penalty case at the decision stage, with a legal-person party."""
    case = services.case_open(agency=desk.agency, handling_unit=desk.unit, title="销售标签不合格的预包装食品",
                              action_type="penalty", procedure="simplified", place=desk.place,
                              legal_basis="《中华人民共和国食品安全法》", actor=desk.officer)
    for person in desk.officers:
        services.officer_assign(case=case, person=person, actor=desk.officer)
    # Party is append-only and party_add does not take the legal representative yet: written directly.
    Party.objects.create(case=case, kind=PartyKind.ORGANISATION, name="某某商贸有限公司", id_number=CREDIT_CODE,
                         address="甲一县人民路8号", legal_representative="赵某某", **party)
    services.document_record(case=case, form="filing_approval", actor=desk.officer,
                             elements=elements(desk, case_source="投诉举报", opinion="同意立案", approver="张局长"))
    case = services.case_advance(case=case, actor=desk.head)
    services.document_record(case=case, form="inspection_record", elements=elements(desk), actor=desk.officer)
    return services.case_advance(case=case, actor=desk.head)


def decision(case, desk, penalty="罚款人民币贰仟元整"):
    return services.document_record(case=case, form="penalty_decision", actor=desk.officer, elements=elements(
        desk, facts="当事人销售的预包装食品标签未标注生产日期。", legal_basis="《中华人民共和国食品安全法》第一百二十五条第一款",
        penalty=penalty, remedies="可以依法申请行政复议或者提起行政诉讼"))


def _bare_document(case, desk, form: str) -> Document:
    """An unsaved document of `form` with every element filled, to lay out each form."""
    values = elements(desk)
    for element in FORMS[form].elements:
        if element.name in values:
            continue
        values[element.name] = {"bool": True, "datetime": values["time"]}.get(
            element.kind, element.choices[0][0] if element.choices else f"{element.label}的内容")
    if form == "penalty_decision":
        values["penalty"] = "罚款人民币2000元"
    if "remedies" in values:
        values["remedies"] = ""  # the agency's settings write the remedies (test_documents_remedies.py for the rest)
    return Document(case=case, form=form, elements=values, version=1)


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_numbers_run_per_agency_year_and_kind(desk, agency, tree, users):
    case = decision_stage_case(desk)
    first, second = decision(case, desk), decision(case, desk, penalty="警告")
    notice = services.document_record(case=case, form="penalty_notice", actor=desk.officer, elements=elements(
        desk, facts="f", legal_basis="b", proposed_penalty="警告", rights="r"))
    assert numbering.ensure_number(first, actor=users.head_a1).text == "甲一市监罚决〔2026〕1号"
    assert numbering.ensure_number(second, actor=users.head_a1).text == "甲一市监罚决〔2026〕2号"
    assert numbering.ensure_number(notice, actor=users.head_a1).text == "甲一市监罚告〔2026〕1号"
    assert numbering.ensure_number(first, actor=users.head_a1).serial == 1  # asked again: the same number
    assert numbering.ensure_number(case.documents.get(form="inspection_record"), actor=users.head_a1) is None
    # Another agency counts on its own.
    other = Document.objects.create(case=case, form="penalty_decision", elements={}, recorded_by=users.head_a1,
                                    entry=record_event("cases.document_recorded", subject=f"cases.case:{case.pk}"))
    tree.agency_a2.abbreviation = "甲二市监"
    tree.agency_a2.save()
    case.agency = tree.agency_a2
    other.case = case
    assert numbering.ensure_number(other, actor=users.head_a1).text == "甲二市监罚决〔2026〕1号"
    # A new year starts again at 1.
    with time_machine.travel(dt.datetime(2027, 1, 2, 9, tzinfo=dt.UTC), tick=False):
        third = decision(decision_stage_case(desk), desk)
        assert numbering.ensure_number(third, actor=users.head_a1).text == "甲一市监罚决〔2027〕1号"


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_the_number_is_given_at_first_issue_logged_and_kept_by_a_correction(desk, agency, users):
    case = decision_stage_case(desk)
    draft = decision(case, desk)
    assert not DocumentNumber.objects.exists()  # recording a draft numbers nothing
    rendition = services.document_issue(document=draft, kind="pdf", actor=users.head_a1)
    record = DocumentNumber.objects.get()
    assert record.text == "甲一市监罚决〔2026〕1号" and record.document_id == draft.pk
    entry = Entry.objects.get(pk=record.entry_id)
    assert entry.kind == "cases.document_numbered" and "甲一市监罚决〔2026〕1号" in entry.payload
    assert rendition.entry_id != record.entry_id
    fixed = services.document_record(case=case, form="penalty_decision", supersedes=draft, correction_reason="金额笔误",
                                     actor=desk.officer, elements=draft.elements | {"penalty": "罚款人民币1500元"})
    services.document_issue(document=fixed, kind="docx", actor=users.head_a1)
    assert DocumentNumber.objects.count() == 1  # the corrected version keeps the number
    assert Entry.objects.filter(kind="cases.document_numbered").count() == 1
    html = rendering.document_html(fixed)
    assert "甲一市监罚决〔2026〕1号" in html and "第 2 版" in html and "壹仟伍佰元整" in html


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_an_agency_without_abbreviation_gets_a_clear_error_not_a_made_up_number(desk, agency, users):
    case = decision_stage_case(desk)
    draft = decision(case, desk)
    agency.abbreviation = ""
    agency.save()
    draft = Document.objects.get(pk=draft.pk)  # as a request would read it
    with pytest.raises(ZhifaError) as exc:
        services.document_issue(document=draft, kind="pdf", actor=users.head_a1)
    assert exc.value.code == "case_agency_abbreviation_missing" and "文书简称" in exc.value.message
    assert not DocumentNumber.objects.exists() and not draft.renditions.exists()
    agency.abbreviation, agency.fine_collector = "甲一市监", ""
    agency.save()
    draft = Document.objects.get(pk=draft.pk)
    with pytest.raises(ZhifaError) as exc:  # a fine with nowhere to pay it (行政处罚法 第六十七条)
        services.document_issue(document=draft, kind="pdf", actor=users.head_a1)
    assert exc.value.code == "case_agency_fine_collector_missing" and not DocumentNumber.objects.exists()


@pytest.mark.req("REC-02")
@pytest.mark.django_db
@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_form_is_laid_out_and_prints_on_a4(desk, agency, form):
    case = decision_stage_case(desk)
    doc = _bare_document(case, desk, form)
    html = rendering.document_html(doc)
    layout = FORMS[form].layout
    title = FORMS[form].print_title or FORMS[form].title
    assert title in html and agency.name in html
    assert "size: A4; margin: 37mm 26mm 35mm 28mm" in html and "counter(page)" in html
    if layout in ("letter", "record"):
        for text in ("某某商贸有限公司", CREDIT_CODE, "甲一县人民路8号", "赵某某", "法定代表人（负责人）", "住所"):
            assert text in html, (form, text)
    if layout == "letter":
        assert "当事人签收" in html and rendering.chinese_date(dt.date.today())[:5] in html
    if form in ("penalty_decision", "enforcement_decision", "seizure_decision"):
        assert "救济途径" in html and "六十日内向甲一县人民政府申请行政复议" in html and "六个月内依法向甲一县人民法院" in html
    if form == "penalty_decision":
        assert "履行方式和期限" in html and "十五日内，到中国工商银行甲一县支行" in html and "百分之三" in html
        assert "人民币 2,000.00 元（大写：贰仟元整）" in html
    if form == "seizure_decision":
        for text in ("查封、扣押的场所、设施或者财物", "查封、扣押地点", "查封、扣押期限", "第二十四条"):
            assert text in html, text
    if layout == "record":
        signers = rendering.SIGNERS.get(form, rendering.SIGNERS[""])
        assert f"{signers[0]}（签名）" in html and f"{signers[1]}（签名）" in html and f"{signers[0]}签名：" in html
    if FORMS[form].common and (layout != "letter" or form == "seizure_decision"):
        assert f"执法证号 {desk.officers[0].certificates.first().number}" in html
    if layout == "receipt":
        assert "受送达人签名或者盖章" in html and "送达人签名" in html
    for leak in ("['", "True", "None", form, "dz_a1", "officer_a1"):
        assert leak not in html.split("</style>")[1], (form, leak)
    pdf = rendering.render_pdf(doc)
    page = PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Kids"][0]
    width, height = (float(v) for v in list(page["/MediaBox"])[2:])
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_the_seal_image_stands_over_the_date_of_a_sealed_document(desk, agency):
    from django.core.files.base import ContentFile

    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
           b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")
    agency.seal_image.save("seal.png", ContentFile(png))
    case = decision_stage_case(desk)
    assert 'class="seal" src="data:image/png;base64,' in rendering.document_html(_bare_document(case, desk, "penalty_decision"))
    assert 'class="seal"' not in rendering.document_html(_bare_document(case, desk, "inspection_record"))
    assert rendering.render_pdf(_bare_document(case, desk, "penalty_decision")).startswith(b"%PDF")


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_the_word_file_is_a4_with_the_same_content(desk, agency, users):
    case = decision_stage_case(desk)
    draft = decision(case, desk)
    rendition = services.document_issue(document=draft, kind="docx", actor=users.head_a1)
    data = default_storage.open(rendition.blob.storage_name).read()
    word = Docx(io.BytesIO(data))
    section = word.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.5) and abs(section.page_height - Mm(297)) < Mm(0.5)
    assert abs(section.top_margin - Mm(37)) < Mm(0.5) and abs(section.left_margin - Mm(28)) < Mm(0.5)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read("word/document.xml").decode()
    for text in ("行政处罚决定书", "甲一市监罚决〔2026〕1号", "某某商贸有限公司", CREDIT_CODE, "赵某某", "履行方式和期限",
                 "救济途径", "贰仟元整", "当事人签收"):
        assert text in xml, text


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_the_download_name_keeps_the_whole_title(desk, agency):
    case = decision_stage_case(desk)
    doc = _bare_document(case, desk, "seizure_decision")
    name = rendering.download_name(doc, "pdf")
    assert name == f"{case.number}-查封、扣押决定书-v1.pdf"
    # A title with a "/" reaching the response header is kept whole, not cut at the slash.
    header = files.content_disposition(f"{case.number}-查封/扣押决定书-v1.pdf", inline=False)
    assert "%E6%9F%A5%E5%B0%81" in header  # 查封
    assert "%E6%89%A3%E6%8A%BC%E5%86%B3%E5%AE%9A%E4%B9%A6-v1.pdf" in header


def test_dates_and_amounts_in_chinese():
    assert rendering.chinese_date(dt.date(2026, 11, 30)) == "二〇二六年十一月三十日"
    assert rendering.chinese_date(dt.date(2027, 1, 9)) == "二〇二七年一月九日"
    assert rendering.chinese_date(dt.date(2026, 10, 20)) == "二〇二六年十月二十日"
    from decimal import Decimal

    assert rendering.amount_words(Decimal("20000")) == "贰万元整"
    assert rendering.amount_words(Decimal("3500.50")) == "叁仟伍佰元伍角"
