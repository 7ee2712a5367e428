"""What the letters say (REC-02, issue 18 §2; tryout 18 defects 8, 15, 16): the decision's 救济途径 names the organ and
the court, the 罚没款 total counts confiscated gains, "违反了…的规定" and the account of the notice are printed as the
市场监管 2021 format has them; the seizure decision gives the suspected violation as its reason; the sign-off is
never left alone on a page (GB/T 9704-2012 §7.3.5.1); one name for the notice; no letter without a party."""

import pytest

from zhifa.cases import rendering, services
from zhifa.cases.doctypes import FORMS
from zhifa.cases.models import Case, Party
from zhifa.cases.tests.conftest import elements
from zhifa.cases.tests.test_documents_standard import _bare_document, _keys, decision_stage_case  # noqa: F401
from zhifa.cases.tests.test_documents_standard import agency as agency
from zhifa.core.errors import ZhifaError

GENERIC = "六十日内申请行政复议或六个月内提起行政诉讼"
STANDARD = ("当事人如不服本决定，可以自收到本决定书之日起六十日内向甲一县人民政府申请行政复议；"
            "也可以自收到本决定书之日起六个月内依法向甲一县人民法院提起行政诉讼。")
FACTS = "当事人销售的预包装食品标签未标注生产日期。"
BASIS = "《中华人民共和国食品安全法》第一百二十五条第一款"


def ordinary(case) -> Case:
    """The confiscation below is beyond the simplified procedure (行政处罚法 第五十一条)."""
    Case.objects.filter(pk=case.pk).update(procedure="ordinary")
    case.refresh_from_db()
    return case


def body(html: str) -> str:
    return html.split("</style>")[1]


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_a_generic_remedies_element_prints_the_organ_and_the_court(desk, agency):
    case = decision_stage_case(desk)
    doc = services.document_record(case=case, form="penalty_decision", actor=desk.officer, elements=elements(
        desk, facts=FACTS, legal_basis=BASIS, penalty="警告", remedies=GENERIC))
    html = body(rendering.document_html(doc))
    assert "救济途径：" + STANDARD in html and GENERIC not in html
    assert rendering.names_organs(GENERIC, agency) is False
    # The agency's organ and court are set: another organ does not do (since 2023 the 本级人民政府 decides).
    assert not rendering.names_organs("可以向甲一市市场监督管理局申请行政复议，或者向某某区人民法院提起行政诉讼。", agency)
    assert not rendering.names_organs("可以向人民政府申请行政复议，或者向人民法院提起行政诉讼。", agency)
    assert not rendering.names_organs("可以向甲一县人民政府申请行政复议或者六个月内提起行政诉讼", agency)  # no court
    # Without the agency's settings a generic element is no 救济途径: the decision is not issued.
    agency.litigation_court = ""
    agency.save()
    doc.case.agency.refresh_from_db()
    assert [code for code, _ in rendering.readiness_problems(doc)] == [rendering.REMEDIES_MISSING]


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_the_total_counts_confiscated_gains_and_the_decision_says_what_was_violated_and_told(desk, agency, users):
    case = ordinary(decision_stage_case(desk))
    notice = services.document_record(case=case, form="penalty_notice", actor=desk.officer, elements=elements(
        desk, facts=FACTS, violated_provision="《中华人民共和国食品安全法》第六十七条第一款", legal_basis=BASIS,
        proposed_penalty="没收违法所得人民币3,500元，并处罚款人民币20,000元", rights="陈述、申辩、听证"))
    services.document_issue(document=notice, kind="pdf", actor=users.head_a1)
    decision = services.document_record(case=case, form="penalty_decision", actor=desk.officer, elements=elements(
        desk, facts=FACTS, violated_provision="违反了《中华人民共和国食品安全法》第六十七条第一款的规定",
        legal_basis=BASIS, penalty="1.没收违法所得人民币3,500元；2.罚款人民币20,000元。",
        statements="当事人在法定期限内未提出陈述、申辩意见，也未要求听证。", remedies=GENERIC))
    html = body(rendering.document_html(decision))
    assert "没收违法所得人民币3,500元" in html
    assert "罚没款合计人民币 23,500.00 元（大写：贰万叁仟伍佰元整）" in html
    assert "当事人的上述行为，违反了《中华人民共和国食品安全法》第六十七条第一款的规定。" in html
    notice_said = ("以《行政处罚事先告知书》（甲一市监罚告〔2026〕1号）告知当事人拟作出行政处罚的事实、理由、依据及"
                   "当事人依法享有的陈述、申辩和要求听证的权利。")
    assert notice_said in html and "本机关于二〇" in html
    assert "当事人在法定期限内未提出陈述、申辩意见，也未要求听证。" in html
    # In this order: facts, violation, notice, statements, basis and decision.
    order = [html.index(t) for t in ("经查", "违反了", notice_said, "未提出陈述", "本机关决定")]
    assert order == sorted(order)
    word = _xml(rendering.render_docx(decision))
    assert "违反了《中华人民共和国食品安全法》第六十七条第一款的规定" in word and "甲一市监罚告〔2026〕1号" in word
    # The notice says it too; a decision in a case with no notice says nothing of one.
    assert "违反了《中华人民共和国食品安全法》第六十七条第一款的规定" in body(rendering.document_html(notice))
    other = decision_stage_case(desk)
    assert "告知当事人" not in body(rendering.document_html(_bare_document(other, desk, "penalty_decision")))


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_the_seizure_decision_gives_the_suspected_violation_as_its_reason(desk, agency):
    case = decision_stage_case(desk)
    seizure = _bare_document(case, desk, "seizure_decision")
    seizure.elements |= {"content": "对经营场所进行检查", "suspected_violation": "销售标签不符合规定的预包装食品"}
    html = body(rendering.document_html(seizure))
    assert "因你（单位）涉嫌销售标签不符合规定的预包装食品，依据" in html
    assert "对经营场所进行检查，依据" not in html
    # The 清单 sentence is a paragraph of its own, indented like the others.
    assert '<p class="body">查封、扣押清单一式二份，由当事人和本机关分别保存。</p>' in html
    # A version recorded before the element existed still prints, as it did.
    old = _bare_document(case, desk, "seizure_decision")
    old.elements.pop("suspected_violation")
    old.elements["content"] = "涉嫌销售过期食品"
    assert "因涉嫌销售过期食品，依据" in body(rendering.document_html(old))
    assert any(e.name == "suspected_violation" and e.label == "涉嫌违法事实" for e in FORMS["seizure_decision"].elements)


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_a_letter_that_would_leave_its_sign_off_alone_is_set_tighter(desk, agency, monkeypatch):
    """A decision whose closing block just misses page 1 at the usual spacing: it is set again with tighter line
    spacing and fits one page, rather than leave 救济途径 and the seal alone on page 2."""
    case = decision_stage_case(desk)
    doc = _bare_document(case, desk, "penalty_decision")
    doc.elements["facts"] = "当事人销售的预包装食品标签未标注生产日期和保质期，货值金额人民币3,600元。" * 3
    heights = []
    real = rendering.document_html
    monkeypatch.setattr(rendering, "document_html",
                        lambda d, line_height="": heights.append(line_height) or real(d, line_height=line_height))
    loose = rendering.html_to_pdf(real(doc))
    assert rendering.pdf_pages(loose) == 2  # the case this is about
    assert rendering.pdf_pages(rendering.render_pdf(doc)) == 1
    assert heights[0] == "" and heights[1:] and heights[-1] in rendering.LETTER_LINE_HEIGHTS[1:]
    # A long decision keeps its pages; the sign-off never opens a page: it takes lines of 救济途径 with it.
    heights.clear()
    doc.elements["facts"] *= 5
    assert rendering.pdf_pages(rendering.render_pdf(doc)) == 2
    css = real(doc).split("</style>")[0]
    assert "break-before: avoid" in css and ".closing { widows: 3; }" in css and "orphans: 2; widows: 2" in css


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_the_notice_has_one_name_everywhere(desk, agency):
    form = FORMS["penalty_notice"]
    assert (form.print_title or form.title) == form.title == "行政处罚事先告知书"
    case = decision_stage_case(desk)
    html = rendering.document_html(_bare_document(case, desk, "penalty_notice"))
    assert "<h1>行政处罚事先告知书</h1>" in html and "行政处罚告知书" not in html


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_no_letter_is_issued_in_a_case_without_a_party(desk, agency, users):
    with_party = decision_stage_case(desk)
    assert rendering.readiness_problems(_bare_document(with_party, desk, "penalty_decision")) == []
    case = services.case_open(agency=desk.agency, handling_unit=desk.unit, title="无当事人的案件", action_type="penalty",
                              procedure="simplified", place=desk.place, legal_basis=BASIS, actor=desk.officer)
    for person in desk.officers:
        services.officer_assign(case=case, person=person, actor=desk.officer)
    services.document_record(case=case, form="filing_approval", actor=desk.officer,
                             elements=elements(desk, case_source="投诉举报", opinion="同意立案", approver="张局长"))
    case = services.case_advance(case=case, actor=desk.head)
    services.document_record(case=case, form="inspection_record", elements=elements(desk), actor=desk.officer)
    case = services.case_advance(case=case, actor=desk.head)
    assert not Party.objects.filter(case=case).exists()
    doc = services.document_record(case=case, form="penalty_decision", actor=desk.officer, elements=elements(
        desk, facts=FACTS, legal_basis=BASIS, penalty="警告", remedies=GENERIC))
    with pytest.raises(ZhifaError) as refused:
        rendering.require_ready(doc)
    assert refused.value.code == "case_party_missing"
    assert refused.value.message == ("本案尚未登记当事人，《行政处罚决定书》应当载明当事人的姓名或者名称、地址"
                                     "（《行政处罚法》第五十九条），不能签发。")
    with pytest.raises(ZhifaError):
        services.document_issue(document=doc, kind="pdf", actor=users.head_a1)
    assert not doc.renditions.exists()
    # Records and forms name no party of their own: they are not held back.
    record = case.documents.get(form="inspection_record")
    assert rendering.readiness_problems(record) == []


def _xml(docx: bytes) -> str:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(docx)) as zf:
        return zf.read("word/document.xml").decode()


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_the_decision_claims_no_notice_that_was_not_issued_and_no_additional_fine_without_a_fine(desk, agency):
    """Second review of issue 18: a recorded but never issued 告知书 made the sealed decision say the party was
    told (§44); §72's 加处罚款 was promised on a decision that only confiscates."""
    case = ordinary(decision_stage_case(desk))
    services.document_record(case=case, form="penalty_notice", actor=desk.officer, elements=elements(
        desk, facts=FACTS, violated_provision="《中华人民共和国食品安全法》第六十七条第一款", legal_basis=BASIS,
        proposed_penalty="没收违法所得人民币3,500元", rights="陈述、申辩、听证"))
    decision = services.document_record(case=case, form="penalty_decision", actor=desk.officer, elements=elements(
        desk, facts=FACTS, violated_provision="违反了《中华人民共和国食品安全法》第六十七条第一款的规定",
        legal_basis=BASIS, penalty="没收违法所得人民币3,500元。", remedies=GENERIC))
    text = body(rendering.document_html(decision))
    assert "告知当事人拟作出行政处罚" not in text  # the notice was recorded, never issued
    assert "罚没款合计人民币 3,500.00 元" in text and "加处罚款" not in text


def test_a_remedies_text_that_names_no_place_does_not_name_the_organs(agency):
    agency.reconsideration_organ = agency.litigation_court = ""
    assert not rendering.names_organs("可以向人民政府申请行政复议，或者向人民法院提起行政诉讼。", agency)
    assert rendering.names_organs("可以向甲一县人民政府申请行政复议，或者向甲一县人民法院提起行政诉讼。", agency)
