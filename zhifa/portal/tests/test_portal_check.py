"""Issue 18 §5: the portal a citizen can check — results that say who, what and which penalty (legal persons
named, natural persons not), a lookup box for certificate and decision numbers, the search box's example finds
something in the demo, the proof JSON behind the "核验" button, and versions numbered by what the public saw."""

import base64
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from zhifa.cases.numbering import ensure_number
from zhifa.cases.selectors import current_documents
from zhifa.ledger import merkle
from zhifa.ledger import services as ledger_services
from zhifa.ledger.canonical import leaf_input
from zhifa.org.models import Certificate
from zhifa.portal import views as portal_views
from zhifa.publicity import selectors, services
from zhifa.publicity.models import Publication
from zhifa.publicity.tests.conftest import ADULT_ID, decided_case

COMPANY = "某某贸易有限公司"
COMPANY_CODE = "91110000600037341L"


def _published(d, **kw):
    pub = Publication.objects.filter(case=decided_case(d, **kw)).get()
    services.publication_submit(publication=pub, actor=d.editor)
    return services.publication_approve(publication=pub, actor=d.approver)


def _company(d, **kw):
    return _published(d, party_kind="organisation", id_number=COMPANY_CODE, name=COMPANY, address="", phone="", **kw)


# --- results -------------------------------------------------------------------------------------------------------

@pytest.mark.req("PUB-03")
def test_results_name_a_legal_person_with_the_violation_and_penalty(pubdesk, client):
    _company(pubdesk, facts="当事人销售过期食品。")
    page = client.get(reverse("portal-search", args=[pubdesk.tree.a1.code]), {"q": "过期食品"}).content.decode()
    results = page[page.index("检索结果"):]
    assert f"<dt>当事人</dt><dd>{COMPANY}</dd>" in results
    assert "<dt>违法行为</dt><dd>当事人销售过期食品。</dd>" in results
    assert "<dt>处理结果</dt><dd>罚款二百元</dd>" in results


@pytest.mark.req("PUB-03")
@pytest.mark.req("PUB-05")
def test_results_never_name_a_natural_person_nor_show_what_is_masked(pubdesk, client):
    _published(pubdesk, name="张三丰", facts="当事人张三丰销售过期食品，联系电话13912345678。")
    page = client.get(reverse("portal-search", args=[pubdesk.tree.a1.code]), {"q": "过期食品"}).content.decode()
    results = page[page.index("检索结果"):]
    assert "张三丰" not in results and "13912345678" not in results and ADULT_ID not in results
    assert "自然人或个体工商户（检索结果中不显示姓名）" in results
    assert "当事人销售过期食品" in results and "罚款二百元" in results
    # The home page's newest items carry the same summary, with the same rule.
    home = client.get(reverse("portal-home", args=[pubdesk.tree.a1.code])).content.decode()
    assert "罚款二百元" in home and "张三丰" not in home[home.index("最新公示"):]


def test_result_summary_reads_the_public_text_only():
    pub = Publication(kind="decision", state="published", target_name="王五", target_code="",
                      public_text="执法对象：王五\n案件事实：王五的邻居＊＊证实……\n执法结论：警告")
    pub.fields = {"facts": "王五的邻居赵六证实……"}  # the unmasked summary field is never read
    summary = selectors.result_summary(pub)
    # A masked run is a fixed ＊＊＊ in an excerpt, whatever its length (tryout 18 §9).
    assert summary == {"party": "自然人或个体工商户（检索结果中不显示姓名）", "violation": "当事人的邻居＊＊＊证实……",
                       "penalty": "警告"}
    pub.target_code = "92150102MA0N1ABC1X"  # an individual business: a natural person's
    assert "王五" not in str(selectors.result_summary(pub))
    # A name with a bracketed note in the party block is written without it in the facts (the demo's 王小明（虚构）).
    pub.target_name, pub.public_text = "王小明（虚构）", "案件事实：当事人王小明（虚构，身份证号码＊＊）经营……\n执法结论：警告"
    assert "王小明" not in str(selectors.result_summary(pub))


# --- the lookup box ---------------------------------------------------------------------------------------------

@pytest.mark.req("ORG-03")
def test_lookup_shows_an_officers_certificate_valid_or_not(pubdesk, client):
    url = reverse("portal-lookup", args=[pubdesk.tree.region.code])
    cert = Certificate.objects.filter(person=pubdesk.officers[0]).get()
    page = client.get(url, {"number": cert.number}).content.decode()
    assert "真实有效" in page and pubdesk.officers[0].name in page and pubdesk.agency.name in page
    Certificate.objects.filter(pk=cert.pk).update(valid_to=timezone.localdate() - dt.timedelta(days=1),
                                                  valid_from=timezone.localdate() - dt.timedelta(days=400))
    page = client.get(url, {"number": f"  {cert.number} "}).content.decode()
    assert "无效" in page and "不在有效期内" in page and pubdesk.officers[0].name in page


@pytest.mark.req("PUB-03")
def test_lookup_finds_a_decision_by_case_number_and_by_its_document_number(pubdesk, client):
    pub = _company(pubdesk)
    url = reverse("portal-lookup", args=[pubdesk.tree.a1.code])
    page = client.get(url, {"number": pub.case.number}).content.decode()
    assert pub.title in page and COMPANY in page
    pubdesk.agency.abbreviation = "甲一市监"
    pubdesk.agency.save(update_fields=["abbreviation"])
    document = [d for d in current_documents(pub.case) if d.form == "penalty_decision"][-1]
    number = ensure_number(document, actor=pubdesk.officer).text
    response = client.get(url, {"number": number})
    # Named by the 文号 printed on the paper once it has one, no longer by the case number.
    assert response.status_code == 200 and f"行政处罚决定书（{number}）" in response.content.decode()
    # Another county's portal does not find it, and a prefix is not a match.
    assert client.get(reverse("portal-lookup", args=[pubdesk.tree.b1.code]), {"number": number}).status_code == 404
    assert client.get(url, {"number": number[:-2]}).status_code == 404


@pytest.mark.parametrize("number,status", [
    ("", 400), ("   ", 400), ("x" * 51, 400), ("2026\x00", 400),
    ("%", 404), ("_", 404), ("*", 404), ("2026-%", 404), ("' OR 1=1 --", 404),
])
def test_lookup_refuses_or_matches_exactly_hostile_input(pubdesk, client, number, status):
    _company(pubdesk)
    response = client.get(reverse("portal-lookup", args=[pubdesk.tree.region.code]), {"number": number})
    assert response.status_code == status
    assert "执法决定</h2>" not in response.content.decode() and COMPANY not in response.content.decode()


def test_lookup_escapes_html(pubdesk, client):
    response = client.get(reverse("portal-lookup", args=[pubdesk.tree.region.code]),
                          {"number": "<script>alert(1)</script>"})
    body = response.content.decode()
    assert response.status_code == 404 and "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body


# --- the search box's example -------------------------------------------------------------------------------------

@pytest.mark.req("PUB-03")
@pytest.mark.django_db
def test_placeholder_example_finds_a_demo_decision(client):
    from django.core.management import call_command

    from zhifa.publicity.selectors import portal_jurisdiction

    call_command("demo_load")
    root = portal_jurisdiction(None)
    home = client.get(reverse("portal-home", args=[root.code])).content.decode()
    assert f'placeholder="例如：{portal_views.SEARCH_EXAMPLE}"' in home
    page = client.get(reverse("portal-search", args=[root.code]), {"q": portal_views.SEARCH_EXAMPLE})
    assert page.status_code == 200
    assert selectors.portal_items(root, query=portal_views.SEARCH_EXAMPLE).count() >= 1
    body = page.content.decode()
    assert "没有找到符合条件的公示信息" not in body
    results = body[body.index("检索结果"):]
    for p in Publication.objects.filter(state="published", kind="decision", target_code=""):
        for name in selectors._party_names(p.target_name):
            assert name not in results, name
    # The lookup box's example finds a published demo decision too.
    lookup = client.get(reverse("portal-lookup", args=[root.code]), {"number": portal_views.LOOKUP_EXAMPLE})
    assert lookup.status_code == 200 and "执法决定</h2>" in lookup.content.decode()


# --- the proof behind "核验" --------------------------------------------------------------------------------------

@pytest.mark.req("PUB-09")
def test_proof_json_lets_a_browser_recompute_leaf_and_root(pubdesk, client):
    pub = _company(pubdesk)
    cp = ledger_services.checkpoint_create()
    data = client.get(reverse("portal-item-proof", args=[pub.pk])).json()
    e = data["entry"]
    assert "payload" not in e and e["subject"] == f"publicity.publication:{pub.pk}" and e["kind"] == "publicity.published"
    # The header is public: it names no person (issue 18 §5; docs/ledger.md); the approver is in the payload.
    assert e["actor"] == "system" and pubdesk.approver.get_username() not in str(data) and "user:" not in str(data)
    leaf = merkle.leaf_hash(leaf_input(**e))
    assert base64.b64encode(leaf).decode() == data["leaf_hash"]
    path = [base64.b64decode(h) for h in data["path"]]
    merkle.verify_inclusion(leaf, data["seq"], data["tree_size"], path, bytes(cp.root))
    assert data["checkpoint"] == cp.note and data["tree_size"] == cp.size
    page = client.get(reverse("portal-item", args=[pub.pk])).content.decode()
    assert 'id="verify-button"' in page and "js/verify.js" in page
    assert ledger_services.trusted_keys()[0] in page  # the key the browser trusts is the published one
    # Withdrawn: nothing to verify on the portal any more.
    services.publication_withdraw(publication=pub, actor=pubdesk.approver, trigger="revoked", basis="复决〔2026〕1号")
    assert client.get(reverse("portal-item-proof", args=[pub.pk])).status_code == 404


def test_proof_json_is_not_given_for_an_entry_whose_header_names_a_login(pubdesk, client, monkeypatch):
    """An entry written before issue 18 says "user:<id> <login>": the public does not get that header."""
    monkeypatch.setattr(ledger_services, "actor_label", lambda actor: f"user:{getattr(actor, 'pk', 0)} approver_login")
    pub = _company(pubdesk)
    monkeypatch.undo()
    assert " approver_login" in pub.published_entry.actor
    ledger_services.checkpoint_create()
    response = client.get(reverse("portal-item-proof", args=[pub.pk]))
    assert response.status_code == 404 and b"approver_login" not in response.content


def test_proof_json_waits_for_a_checkpoint_and_hides_drafts(pubdesk, client):
    pub = _company(pubdesk)
    assert client.get(reverse("portal-item-proof", args=[pub.pk])).status_code == 404  # no checkpoint yet
    draft = Publication.objects.filter(case=decided_case(pubdesk, title="另案")).get()
    ledger_services.checkpoint_create()
    assert client.get(reverse("portal-item-proof", args=[draft.pk])).status_code == 404


# --- versions as the public saw them -------------------------------------------------------------------------------

@pytest.mark.req("PUB-08")
def test_a_decision_recollected_before_publication_is_not_a_second_version(pubdesk, client):
    case = decided_case(pubdesk)
    draft = Publication.objects.get(case=case)
    new = services.decision_recollect(publication=draft, actor=pubdesk.editor, mode="full")
    services.publication_submit(publication=new, actor=pubdesk.editor)
    services.publication_approve(publication=new, actor=pubdesk.approver)
    assert new.version == 2  # the staff's count
    page = client.get(reverse("portal-item", args=[new.pk])).content.decode()
    assert "第2版" not in page and "第1版" not in page  # one version for the public: no number at all
    assert selectors.public_number(new, selectors.portal_versions(new)) == 1


@pytest.mark.req("PUB-08")
def test_versions_link_both_ways_and_count_only_changes_the_public_saw(pubdesk, client):
    old = _company(pubdesk)
    services.publication_withdraw(publication=old, actor=pubdesk.approver, trigger="error", basis="纠错")
    # A new version with the same public text (nothing public changed), then one that changes it.
    same = services.decision_collect(case=old.case, actor=pubdesk.editor, mode=old.mode, decided_on=old.decided_on,
                                     supersedes=old, update_reason="other")
    services.publication_submit(publication=same, actor=pubdesk.editor)
    services.publication_approve(publication=same, actor=pubdesk.approver)
    same.refresh_from_db()
    assert same.public_text == Publication.objects.get(pk=old.pk).public_text
    versions = selectors.portal_versions(same)
    assert [v.public_number for v in versions] == [1, 1]
    page = client.get(reverse("portal-item", args=[old.pk])).content.decode()
    assert f'href="{reverse("portal-item", args=[same.pk])}" id="newer-version"' in page
    changed = services.decision_collect(case=old.case, actor=pubdesk.editor, mode="full", decided_on=old.decided_on,
                                        supersedes=same, update_reason="correction")
    services.publication_submit(publication=changed, actor=pubdesk.editor)
    services.publication_approve(publication=changed, actor=pubdesk.approver)
    same.refresh_from_db()
    assert same.state == "superseded"
    page = client.get(reverse("portal-item", args=[same.pk])).content.decode()
    assert "该信息已被" in page and "第2版</a>取代" in page
    new_page = client.get(reverse("portal-item", args=[changed.pk])).content.decode()
    assert "第2版（本页）" in new_page and f'href="{reverse("portal-item", args=[same.pk])}">第1版</a>' in new_page
