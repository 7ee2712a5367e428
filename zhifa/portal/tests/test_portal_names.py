"""Tryout 18 on the portal (issue 18 §5): decisions named by the 文号 printed on the paper, a lookup that finds
〔2026〕 however the brackets and digits are typed, excerpts that neither double "当事人" nor show how long a masked
value is, and feed links that say what they are."""

import pytest
from django.urls import reverse

from zhifa.cases import services as case_services
from zhifa.cases.numbering import ensure_number
from zhifa.cases.selectors import current_documents
from zhifa.cases.tests.conftest import elements
from zhifa.core.testing import query_count
from zhifa.publicity import selectors, services
from zhifa.publicity.models import Publication
from zhifa.publicity.tests.conftest import decided_case

COMPANY = "某某贸易有限公司"
COMPANY_CODE = "91110000600037341L"


def _numbered(d, **kw):
    """A published decision of a company whose 行政处罚决定书 has been given its 文号; (publication, 文号)."""
    if d.agency.abbreviation != "甲一市监":
        d.agency.abbreviation = "甲一市监"
        d.agency.save(update_fields=["abbreviation"])
    case = decided_case(d, party_kind="organisation", id_number=COMPANY_CODE, name=COMPANY, address="", phone="", **kw)
    document = [x for x in current_documents(case) if x.form == "penalty_decision"][-1]
    number = ensure_number(document, actor=d.officer).text
    pub = Publication.objects.get(case=case)
    services.publication_submit(publication=pub, actor=d.editor)
    return services.publication_approve(publication=pub, actor=d.approver), number


# --- names by 文号 -----------------------------------------------------------------------------------------------

@pytest.mark.req("PUB-03")
def test_results_item_and_feeds_name_a_decision_by_its_document_number(pubdesk, client):
    pub, number = _numbered(pubdesk)
    assert number.startswith("甲一市监罚决〔") and number.endswith("〕1号")
    name = f"{pubdesk.agency.name}行政处罚决定书（{number}）"
    code = pubdesk.tree.a1.code
    search = client.get(reverse("portal-search", args=[code]), {"q": "过期食品"}).content.decode()
    results = search[search.index("检索结果"):]
    assert name in results and pub.case.number not in results
    item = client.get(reverse("portal-item", args=[pub.pk])).content.decode()
    assert f"<h1>{name}</h1>" in item and f"文号：{number}" in item and f"案号：{pub.case.number}" in item
    assert name in client.get(reverse("portal-feed-atom", args=[code])).content.decode()
    assert client.get(reverse("portal-feed-json", args=[code])).json()["items"][0]["title"] == name
    organisation = client.get(reverse("portal-organisation", args=[code, COMPANY_CODE])).content.decode()
    assert name in organisation


def test_a_decision_without_a_number_keeps_its_case_number(pubdesk, client):
    case = decided_case(pubdesk, party_kind="organisation", id_number=COMPANY_CODE, name=COMPANY, address="",
                        phone="")
    pub = Publication.objects.get(case=case)
    services.publication_submit(publication=pub, actor=pubdesk.editor)
    services.publication_approve(publication=pub, actor=pubdesk.approver)
    item = client.get(reverse("portal-item", args=[pub.pk])).content.decode()
    assert f"<h1>{pub.title}</h1>" in item and f"（{case.number}）" in pub.title and 'id="doc-number"' not in item


def test_a_corrected_decision_keeps_the_number_of_its_first_version(pubdesk, django_assert_num_queries):
    pubdesk.agency.abbreviation = "甲一市监"
    pubdesk.agency.save(update_fields=["abbreviation"])
    case = decided_case(pubdesk)
    first = [x for x in current_documents(case) if x.form == "penalty_decision"][-1]
    number = ensure_number(first, actor=pubdesk.officer).text
    second = case_services.document_record(
        case=case, form="penalty_decision", supersedes=first, correction_reason="更正笔误", actor=pubdesk.officer,
        elements=elements(pubdesk, facts="当事人销售过期食品。", legal_basis="第一百二十四条", penalty="罚款二百元",
                          remedies="六十日内复议或六个月内起诉"))
    other = decided_case(pubdesk, title="另案")
    unnumbered = [x for x in current_documents(other) if x.form == "penalty_decision"][-1]
    with django_assert_num_queries(1):
        numbers = selectors.decision_numbers([second.pk, first.pk, unnumbered.pk])
    assert numbers == {first.pk: number, second.pk: number}
    assert selectors.decision_numbers([]) == {}


@pytest.mark.req("PUB-03")
def test_names_by_number_are_read_in_one_query_for_the_whole_page(pubdesk, client, django_assert_max_num_queries,
                                                                  settings):
    settings.ZHIFA_PORTAL_CACHE_SECONDS = 0  # the renders' queries are counted, not the page cache's hits
    code = pubdesk.tree.region.code
    urls = [reverse("portal-home", args=[code]), reverse("portal-search", args=[code]) + "?q=过期食品",
            reverse("portal-feed-atom", args=[code]), reverse("portal-feed-json", args=[code]),
            reverse("portal-organisation", args=[code, COMPANY_CODE])]
    for i in range(2):
        _numbered(pubdesk, title=f"销售过期食品{i}")
    client.get(urls[0])
    small = [query_count(lambda u=u: client.get(u)) for u in urls]
    for i in range(2, 7):
        _, newest = _numbered(pubdesk, title=f"销售过期食品{i}")
    assert newest.endswith("〕7号")
    for url, bound in zip(urls, small, strict=True):
        with django_assert_max_num_queries(bound):
            body = client.get(url).content.decode()
        assert f"行政处罚决定书（{newest}）" in body, url


# --- the lookup box ----------------------------------------------------------------------------------------------

@pytest.mark.req("PUB-03")
def test_lookup_finds_a_document_number_however_its_brackets_and_digits_are_typed(pubdesk, client):
    pub, number = _numbered(pubdesk)
    prefix, _, rest = number.partition("〔")
    year, _, tail = rest.partition("〕")
    wide = str.maketrans("0123456789", "０１２３４５６７８９")
    typed = [number, f"{prefix}[{year}]{tail}", f"{prefix}【{year}】{tail}", f"{prefix}({year}){tail}",
             f"{prefix}（{year}）{tail}", f"{prefix}［{year}］{tail}", f"{prefix}〔{year.translate(wide)}〕{tail.translate(wide)}",
             f" {prefix} [ {year} ] {tail} ", f"{prefix}【{year.translate(wide)}】{tail}"]
    url = reverse("portal-lookup", args=[pubdesk.tree.a1.code])
    for text in typed:
        response = client.get(url, {"number": text})
        assert response.status_code == 200, text
        assert f"行政处罚决定书（{number}）" in response.content.decode(), text
    # A case number typed in full-width digits is found too; a wrong year or serial still is not.
    assert client.get(url, {"number": pub.case.number.translate(wide)}).status_code == 200
    assert client.get(url, {"number": f"{prefix}[{int(year) + 1}]{tail}"}).status_code == 404
    assert client.get(url, {"number": f"{prefix}[{year}]9{tail}"}).status_code == 404


@pytest.mark.parametrize("number", ["%", "_", "％", "＿", "甲一市监罚决[2026]%号", "甲一市监罚决〔2026〕_号",
                                    "甲一市监罚决%", "2026-0000_", "2026-%"])
def test_lookup_wildcards_still_match_only_themselves(pubdesk, client, number):
    _numbered(pubdesk)
    response = client.get(reverse("portal-lookup", args=[pubdesk.tree.a1.code]), {"number": number})
    assert response.status_code == 404 and COMPANY not in response.content.decode()


def test_normalise_number():
    n = selectors.normalise_number
    assert n("东市监罚决[2026]1号") == n("东市监罚决【2026】1号") == n("东市监罚决（２０２６）１号") == "东市监罚决〔2026〕1号"
    assert n("东市监罚决 (2026) 1 号") == "东市监罚决〔2026〕1号" and n("〔2026〕") == "〔2026〕"
    assert n("％＿") == "%_" and n("2026-00004") == "2026-00004"


# --- excerpts ------------------------------------------------------------------------------------------------------

def test_excerpt_does_not_double_the_party_nor_show_how_long_a_masked_value_is():
    pub = Publication(kind="decision", state="published", target_name="王小明（虚构）", target_code="",
                      public_text="案件事实：当事人王小明（虚构，身份证号码＊＊＊＊＊＊＊＊＊＊＊＊＊＊＊＊＊＊，"
                                  "住＊＊＊＊＊＊＊＊＊）经营过期食品。\n执法结论：对王小明罚款二百元")
    summary = selectors.result_summary(pub)
    assert summary["violation"].startswith("当事人（虚构，身份证号码＊＊＊，住＊＊＊）经营"), summary
    assert "当事人当事人" not in summary["violation"] and "＊＊＊＊" not in summary["violation"]
    assert summary["penalty"] == "对当事人罚款二百元"
    # The public text keeps the mask as published: only the excerpt changes.
    assert "＊" * 18 in pub.public_text


@pytest.mark.req("PUB-05")
def test_search_and_lookup_excerpts_collapse_masks(pubdesk, client):
    case = decided_case(pubdesk, name="张三丰", facts="当事人张三丰销售过期食品，联系电话13912345678。")
    pub = Publication.objects.get(case=case)
    services.publication_submit(publication=pub, actor=pubdesk.editor)
    pub = services.publication_approve(publication=pub, actor=pubdesk.approver)
    assert "＊＊＊＊" in pub.public_text  # the telephone number is masked one ＊ a digit
    for url, query in ((reverse("portal-search", args=[pubdesk.tree.a1.code]), {"q": "过期食品"}),
                       (reverse("portal-lookup", args=[pubdesk.tree.a1.code]), {"number": case.number})):
        page = client.get(url, query).content.decode()
        listed = page[page.index('<ol class="items">'):]
        assert "当事人销售过期食品，联系电话＊＊＊。" in listed and "＊＊＊＊" not in listed
        assert "当事人当事人" not in listed and "张三丰" not in listed


# --- feeds ---------------------------------------------------------------------------------------------------------

def test_feed_links_say_what_they_are_in_chinese(pubdesk, client):
    page = client.get(reverse("portal-home", args=[pubdesk.tree.a1.code])).content.decode()
    assert "订阅（Atom 格式）</a>" in page and "订阅（JSON 格式）</a>" in page
    assert ">Atom 订阅<" not in page and ">JSON 订阅<" not in page
