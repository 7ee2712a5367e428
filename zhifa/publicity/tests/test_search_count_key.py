"""The portal search's cached count is keyed by the area's generation (zhifa.core.generations), not by a query."""

from types import SimpleNamespace

import pytest

from zhifa.core.permissions import Role
from zhifa.core.testing import query_count
from zhifa.org.tests.factories import UserFactory, grant
from zhifa.publicity import selectors, services


def _publish_list(agency, editor, approver, title="救济渠道"):
    pub = services.list_collect(agency=agency, kind="remedies", title=title,
                                rows=[{"channel": "行政复议", "body": "县政府", "time_limit": "六十日", "contact": "12345"}],
                                actor=editor)
    services.publication_submit(publication=pub, actor=editor)
    return services.publication_approve(publication=pub, actor=approver)


def _key(j) -> str:
    return selectors.portal_search(j, per_page=20, cap=100, query="救济渠道").count_key


@pytest.fixture
def sibling(pubdesk):
    """甲二县, beside 甲一县 (pubdesk's agency) under 甲市, with its own publicity desk."""
    agency = pubdesk.tree.agency_a2
    return SimpleNamespace(agency=agency,
                           editor=grant(UserFactory(username="ed_a2"), Role.PUBLICITY_EDITOR, agency=agency),
                           approver=grant(UserFactory(username="ap_a2"), Role.PUBLICITY_APPROVER, agency=agency))


@pytest.mark.req("PUB-08")
def test_count_key_changes_with_a_publication_in_the_area_only(pubdesk, sibling):
    """A publication in 甲一县 changes the count keys of 甲一县, 甲市 and the region; one in the sibling 甲二县
    changes 甲市's and the region's, and leaves 甲一县's count where it was."""
    d, tree = pubdesk, pubdesk.tree
    _publish_list(d.agency, d.editor, d.approver)
    areas = (tree.a1, tree.a2, tree.city_a, tree.region, tree.b1)
    before = {j.code: _key(j) for j in areas}
    assert before == {j.code: _key(j) for j in areas}  # stable while nothing is published

    _publish_list(sibling.agency, sibling.editor, sibling.approver)
    after_sibling = {j.code: _key(j) for j in areas}
    assert after_sibling[tree.a1.code] == before[tree.a1.code]
    assert after_sibling[tree.b1.code] == before[tree.b1.code]
    for j in (tree.a2, tree.city_a, tree.region):
        assert after_sibling[j.code] != before[j.code], j.name

    pub = _publish_list(d.agency, d.editor, d.approver, title="救济渠道（新）")
    after_own = {j.code: _key(j) for j in areas}
    for j in (tree.a1, tree.city_a, tree.region):
        assert after_own[j.code] != after_sibling[j.code], j.name
    assert after_own[tree.a2.code] == after_sibling[tree.a2.code]

    services.publication_withdraw(publication=pub, actor=d.approver, trigger="error", basis="更正")
    assert _key(tree.a1) != after_own[tree.a1.code]  # a withdrawal too


@pytest.mark.req("PUB-08")
def test_count_key_needs_no_query(pubdesk):
    """The key is read from the cache: no MAX(step) or other query per search."""
    d = pubdesk
    _publish_list(d.agency, d.editor, d.approver)
    selectors.area_generation(d.tree.a1)
    assert query_count(lambda: selectors.area_generation(d.tree.a1)) == 0
    assert query_count(lambda: selectors.area_generation(d.tree.b1)) == 0  # a token the cache did not hold: started


@pytest.mark.req("PUB-08")
def test_sibling_publication_keeps_the_cached_count(pubdesk, sibling):
    """The count a search cached in 甲一县 is still served after a publication in 甲二县, and read again after one in
    甲一县 (the new item counted)."""
    d = pubdesk
    _publish_list(d.agency, d.editor, d.approver)
    assert selectors.portal_search(d.tree.a1, per_page=20, cap=100, query="救济渠道").count == 1
    _publish_list(sibling.agency, sibling.editor, sibling.approver)
    _publish_list(sibling.agency, sibling.editor, sibling.approver, title="救济渠道二")
    cached = selectors.portal_search(d.tree.a1, per_page=20, cap=100, query="救济渠道")
    assert query_count(lambda: cached.count) == 0 and cached.count == 1
    assert selectors.portal_search(d.tree.city_a, per_page=20, cap=100, query="救济渠道").count == 3
    _publish_list(d.agency, d.editor, d.approver, title="救济渠道三")
    assert selectors.portal_search(d.tree.a1, per_page=20, cap=100, query="救济渠道").count == 2
