"""Text that lies (issue 14 §9): a right-to-left override in a name printed "gnp.exe" as "exe.png" on a sealed
document. Typed text is NFC-normalised and refused when it hides an invisible control character, the same on
the page and the API (code `text_invisible_control`, naming the character and where); what was stored before
prints the character visibly."""

import io
import json
import zipfile

import pytest

from zhifa.cases import rendering, services
from zhifa.cases.models import Document, Party
from zhifa.cases.tests.conftest import elements
from zhifa.core import bounds
from zhifa.core.models import ApiToken
from zhifa.ledger.models import Entry

RLO = "\u202e"
ID = "11010519491231002X"


def api(user):
    _row, raw = ApiToken.issue(user=user, name="测试")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def case(desk):
    case = services.case_open(agency=desk.agency, handling_unit=desk.unit, title="检查某某商店", action_type="inspection",
                              procedure="ordinary", place=desk.place, legal_basis="《产品质量法》", actor=desk.officer)
    for person in desk.officers:
        services.officer_assign(case=case, person=person, actor=desk.officer)
    return case


@pytest.mark.django_db
def test_a_party_name_with_a_right_to_left_override_is_refused_on_the_page_and_the_api(client, desk, case):
    name = f"张三{RLO}gnp.exe"
    client.force_login(desk.officer)
    page = client.post(f"/cases/{case.pk}/parties/", {"kind": "natural", "name": name, "id_number": ID}, follow=True)
    text = page.content.decode()
    assert "U+202E" in text and "RIGHT-TO-LEFT OVERRIDE" in text and "第 3 个字符" in text
    refused = client.post(f"/api/cases/{case.pk}/parties", {"kind": "natural", "name": name, "id_number": ID},
                          content_type="application/json", **api(desk.officer))
    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "text_invisible_control"
    assert body["details"] == {"name": "“姓名/名称”第 3 个字符是不可见的双向文字控制符 U+202E（RIGHT-TO-LEFT OVERRIDE），"
                                       "会使显示的文字与实际内容不一致，请删除后重新输入。"}
    assert not Party.objects.exists()
    assert not any(RLO in e.payload for e in Entry.objects.all())


@pytest.mark.django_db
def test_decomposed_text_is_stored_composed_through_the_page_the_api_and_the_log(client, desk, case):
    """NFC: "e" + U+0301 and "é" are one name; the row and its log entry hold the same composed spelling."""
    client.force_login(desk.officer)
    client.post(f"/cases/{case.pk}/parties/", {"kind": "natural", "name": "Jose\u0301 张", "id_number": ID})
    created = client.post(f"/api/cases/{case.pk}/parties",
                          {"kind": "organisation", "name": "\u212bngstro\u0308m 公司", "id_number": "91350100M000100Y43"},
                          content_type="application/json", **api(desk.officer))
    assert created.status_code == 201, created.content
    assert sorted(Party.objects.values_list("name", flat=True)) == ["José 张", "Ångström 公司"]
    logged = [json.loads(e.payload)["name"] for e in Entry.objects.filter(kind="cases.party_added")]
    assert sorted(logged) == ["José 张", "Ångström 公司"]


@pytest.mark.django_db
def test_a_document_element_with_a_zero_width_space_is_refused(client, desk, case):
    values = elements(desk, case_source="投诉\u200b举报", opinion="同意立案", approver="张局长")
    refused = client.post(f"/api/cases/{case.pk}/documents", {"form": "filing_approval", "elements": values},
                          content_type="application/json", **api(desk.officer))
    assert refused.status_code == 400
    assert refused.json()["code"] == "text_invisible_control"
    assert refused.json()["details"] == {"element": "case_source"}
    assert "“案件来源”第 3 个字符是不可见的零宽字符 U+200B（ZERO WIDTH SPACE）" in refused.json()["message"]
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_a_document_stored_before_the_rule_prints_the_override_visibly(desk, case, users, settings, tmp_path,
                                                                      monkeypatch):
    """A row stored before invisible controls were refused is printed with [U+202E]: the PDF and the DOCX of a
    document can no longer contain the override."""
    settings.ZHIFA_SIGNING_DIR = str(tmp_path / "signing")
    with monkeypatch.context() as before_the_rule:
        before_the_rule.setattr(bounds, "invisible_problem", lambda value: None)
        before_the_rule.setattr(bounds, "json_invisible_problem", lambda value, *a, **k: None)
        doc = services.document_record(case=case, form="filing_approval", elements=elements(
            desk, case_source="举报", opinion="同意", approver="张局长", target=f"附件{RLO}gnp.exe"), actor=desk.officer)
    assert RLO in Document.objects.get(pk=doc.pk).elements["target"]
    typeset = []
    real_write_pdf = rendering.fonts.write_pdf

    def capture(html, *args, **kwargs):
        typeset.append(html)
        return real_write_pdf(html, *args, **kwargs)

    monkeypatch.setattr(rendering.fonts, "write_pdf", capture)
    pdf = services.document_issue(document=doc, kind="pdf", actor=users.head_a1)
    assert pdf.blob.size > 0 and typeset
    assert RLO not in typeset[0] and "附件[U+202E]gnp.exe" in typeset[0]
    docx = services.document_issue(document=doc, kind="docx", actor=users.head_a1)
    from django.core.files.storage import default_storage

    with default_storage.open(docx.blob.storage_name) as fh, zipfile.ZipFile(io.BytesIO(fh.read())) as package:
        xml = package.read("word/document.xml").decode()
    assert RLO not in xml and "[U+202E]" in xml
