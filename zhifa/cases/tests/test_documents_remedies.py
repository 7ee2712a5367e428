"""What the sealed letters tell the party (REC-02, issue 18 §2; review 18 findings 16 and 17): the decision's 救济途径
is the `remedies` element the legal review approved when it names the organ and the court, the agency's settings
otherwise; the 告知书 gives
five days for the hearing request only (行政处罚法 第六十四条第一项), none for 陈述、申辩."""

import pytest

from zhifa.cases import rendering, services
from zhifa.cases.tests.conftest import elements
from zhifa.cases.tests.test_documents_standard import _bare_document, _keys, decision, decision_stage_case  # noqa: F401
from zhifa.cases.tests.test_documents_standard import agency as agency

REVIEWED = "如不服本决定，可以自收到本决定书之日起六十日内向甲一市人民政府申请行政复议，或者六个月内向甲一市中级人民法院提起行政诉讼。"
FROM_SETTINGS = "六十日内向甲一县人民政府申请行政复议"


@pytest.mark.req("REC-02")
@pytest.mark.req("REV-01")
@pytest.mark.django_db
def test_the_decision_prints_the_remedies_the_review_approved(desk, agency, users):
    case = decision_stage_case(desk)
    doc = services.document_record(case=case, form="penalty_decision", actor=desk.officer, elements=elements(
        desk, facts="当事人销售的预包装食品标签未标注生产日期。", legal_basis="《中华人民共和国食品安全法》第一百二十五条第一款",
        penalty="警告", remedies=REVIEWED))
    html = rendering.document_html(doc)
    assert "当事人" + REVIEWED in html  # the reviewed text, whole
    assert FROM_SETTINGS not in html and "甲一县人民法院" not in html  # not the agency's settings beside it
    word = rendering.render_docx(doc)
    assert "当事人" + REVIEWED in _xml(word) and "甲一县人民法院" not in _xml(word)


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_an_empty_remedies_element_falls_back_to_the_agency_settings(desk, agency, users):
    """A decision's element is required when it is recorded, so an empty one is a version stored before that, or a
    form without the element (查封、扣押决定书): the agency's settings write the sentence."""
    case = decision_stage_case(desk)
    doc = _bare_document(case, desk, "penalty_decision")
    assert doc.elements["remedies"] == ""
    html = rendering.document_html(doc)
    assert FROM_SETTINGS in html and "六个月内依法向甲一县人民法院提起行政诉讼" in html
    seizure = rendering.document_html(_bare_document(case, desk, "seizure_decision"))
    assert FROM_SETTINGS in seizure
    # Neither written nor set: the decision is not issued without its remedies.
    agency.reconsideration_organ = ""
    agency.save()
    doc.case.agency.refresh_from_db()
    assert [code for code, _ in rendering.readiness_problems(doc)] == [rendering.REMEDIES_MISSING]
    # An element that names the organ and the court needs no settings; a generic one does (test_documents_content.py).
    named = services.document_record(case=case, form="penalty_decision", actor=desk.officer, elements=elements(
        desk, facts="当事人销售的预包装食品标签未标注生产日期。", legal_basis="《中华人民共和国食品安全法》第一百二十五条第一款",
        penalty="警告", remedies=REVIEWED))
    assert rendering.readiness_problems(named) == []
    assert [code for code, _ in rendering.readiness_problems(decision(case, desk))] == [rendering.REMEDIES_MISSING]


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_the_notice_gives_five_days_for_the_hearing_request_only(desk, agency):
    case = decision_stage_case(desk)
    notice = services.document_record(case=case, form="penalty_notice", actor=desk.officer, elements=elements(
        desk, facts="当事人销售的预包装食品标签未标注生产日期。", legal_basis="《中华人民共和国食品安全法》第一百二十五条第一款",
        proposed_penalty="罚款人民币二万元", rights="你（单位）享有陈述、申辩和要求听证的权利。"))
    html = rendering.document_html(notice)
    assert "可以在本机关作出行政处罚决定前向本机关提出陈述、申辩意见" in html
    assert "要求听证的，应当自收到本告知书之日起五日内向本机关提出（该法第六十四条第一项）" in html
    assert "视为放弃听证权利" in html
    assert html.count("五日内") == 1  # the hearing request's, and nothing else's
    assert "陈述、申辩意见或者听证要求" not in html and "视为放弃上述权利" not in html
    assert "五日内" in _xml(rendering.render_docx(notice)) and "作出行政处罚决定前" in _xml(rendering.render_docx(notice))


def _xml(docx: bytes) -> str:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(docx)) as zf:
        return zf.read("word/document.xml").decode()
