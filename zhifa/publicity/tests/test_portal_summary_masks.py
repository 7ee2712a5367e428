"""Issue 18 §5, review finding 11: a portal result names a legal person only as the public text names it. The
party's name is kept unmasked in `target_name`; when the approver masks that name in the public text, neither the
search result, the home page nor the organisation page may show it."""

import pytest
from django.urls import reverse

from zhifa.publicity import selectors, services
from zhifa.publicity.models import Publication

from .conftest import decided_case

COMPANY = "某某贸易有限公司"
COMPANY_CODE = "91110000600037341L"


def _company_with(pubdesk, *, mask: str = "") -> Publication:
    case = decided_case(pubdesk, party_kind="organisation", id_number=COMPANY_CODE, name=COMPANY, address="",
                        phone="", facts=f"{COMPANY}销售过期食品。")
    pub = Publication.objects.get(case=case)
    if mask:
        services.mask_add(publication=pub, actor=pubdesk.editor, kind="other", reason="涉及商业秘密的名称", text=mask)
    services.publication_submit(publication=pub, actor=pubdesk.editor)
    return services.publication_approve(publication=pub, actor=pubdesk.approver)


def _pages(pubdesk, client) -> dict[str, str]:
    code = pubdesk.tree.a1.code
    search = client.get(reverse("portal-search", args=[code]), {"q": "过期食品"}).content.decode()
    home = client.get(reverse("portal-home", args=[code])).content.decode()
    organisation = client.get(reverse("portal-organisation", args=[code, COMPANY_CODE]))
    assert organisation.status_code == 200
    return {"search": search[search.index("检索结果"):], "home": home[home.index("最新公示"):],
            "organisation": organisation.content.decode()}


@pytest.mark.req("PUB-03")
@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("mask", [COMPANY, "某某贸易"])  # the whole name, or a part of it
def test_a_legal_persons_name_masked_in_the_public_text_is_not_shown(pubdesk, client, mask):
    pub = _company_with(pubdesk, mask=mask)
    assert pub.target_name == COMPANY and COMPANY not in pub.public_text  # masked where the public reads it
    assert selectors.result_summary(pub)["party"] == "法人或其他组织（名称未公开）"
    pages = _pages(pubdesk, client)
    for where, html in pages.items():
        assert COMPANY not in html and "某某贸易" not in html, where
    assert "<dt>当事人</dt><dd>法人或其他组织（名称未公开）</dd>" in pages["search"]
    assert "<h1>法人或其他组织（名称未公开）</h1>" in pages["organisation"]
    # The violation and the penalty still come from the public text, masks included.
    assert "销售过期食品" in pages["search"] and "罚款二百元" in pages["search"]


@pytest.mark.req("PUB-03")
def test_the_same_legal_person_unmasked_is_named(pubdesk, client):
    """The control: without the mask the name is in the public text, and the results and the page name it."""
    pub = _company_with(pubdesk)
    assert COMPANY in pub.public_text and selectors.result_summary(pub)["party"] == COMPANY
    pages = _pages(pubdesk, client)
    assert f"<dt>当事人</dt><dd>{COMPANY}</dd>" in pages["search"]
    assert f"<h1>{COMPANY}</h1>" in pages["organisation"]


def test_public_party_name_needs_the_whole_name_unmasked_in_the_public_text():
    pub = Publication(kind="decision", state="published", target_name=COMPANY, target_code=COMPANY_CODE,
                      public_text=f"执法对象：{COMPANY}\n执法结论：警告")
    assert selectors.public_party_name(pub) == COMPANY
    pub.public_text = "执法对象：＊＊＊＊有限公司\n执法结论：警告"
    assert selectors.public_party_name(pub) == "" and COMPANY not in str(selectors.result_summary(pub))
    pub.public_text = "执法结论：警告"  # not named in the text at all: not named in the result either
    assert selectors.public_party_name(pub) == ""
    pub.public_text, pub.target_code = f"执法对象：{COMPANY}", "92150102MA0N1ABC1X"  # an individual business
    assert selectors.public_party_name(pub) == ""
