"""List pages of the portal and of the staff must not grow queries with rows (two data sizes each)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from zhifa.core.testing import query_count
from zhifa.publicity import selectors, services
from zhifa.publicity.models import Publication

from .conftest import decided_case


def _publish_lists(d, n):
    for i in range(n):
        pub = services.list_collect(agency=d.agency, kind="remedies", title=f"救济渠道第{i}号",
                                    rows=[{"channel": "行政复议", "body": "县政府", "time_limit": "六十日", "contact": "12345"}],
                                    actor=d.editor)
        services.publication_submit(publication=pub, actor=d.editor)
        services.publication_approve(publication=pub, actor=d.approver)


def _requests(d, n):
    for i in range(n):
        services.request_submit(kind="disclosure", agency=d.agency, requester_name=f"申请人{i}",
                                requester_contact="13800000000", content="公示信息没有写明救济途径，请更正。")


@pytest.mark.req("PUB-03")
def test_portal_lists_do_not_grow_queries_with_rows(pubdesk, client, settings):
    settings.ZHIFA_PORTAL_CACHE_SECONDS = 0  # the renders' queries are counted, not the page cache's hits
    d = pubdesk
    code = d.tree.region.code
    urls = [reverse("portal-home", args=[code]), reverse("portal-search", args=[code]),
            reverse("portal-search", args=[code]) + "?q=救济渠道", reverse("portal-feed-json", args=[code]),
            reverse("portal-feed-atom", args=[code]), reverse("portal-agency", args=[d.agency.pk])]
    _publish_lists(d, 2)
    client.get(urls[0])

    def cold(u):  # each render from an empty cache (search counts, word shares), so both sizes do the same work
        cache.clear()
        return client.get(u)

    small = [query_count(lambda u=u: cold(u)) for u in urls]
    _publish_lists(d, 25)
    large = [query_count(lambda u=u: cold(u)) for u in urls]
    assert small == large, list(zip(urls, small, large, strict=True))


def _version_chain(d, length):
    chain = []
    for i in range(length):
        pub = services.list_collect(agency=d.agency, kind="remedies", title=f"救济渠道（第{i + 1}版）",
                                    rows=[{"channel": "复议", "body": "县政府", "time_limit": "六十日", "contact": "1"}],
                                    actor=d.editor, supersedes=chain[-1] if chain else None,
                                    update_reason="function_changed" if chain else "")
        services.publication_submit(publication=pub, actor=d.editor)
        chain.append(services.publication_approve(publication=pub, actor=d.approver))
    return chain


@pytest.mark.req("PUB-08")
def test_item_page_reads_the_version_chain_in_one_query(pubdesk, client, settings):
    settings.ZHIFA_PORTAL_CACHE_SECONDS = 0  # the renders' queries are counted, not the page cache's hits
    d = pubdesk
    single = _version_chain(d, 1)[0]
    chain = _version_chain(d, 4)
    assert [v.version for v in selectors.portal_versions(chain[0])] == [4, 3, 2, 1]
    assert [v.version for v in selectors.portal_versions(chain[2])] == [4, 3, 2, 1]
    assert [v.pk for v in selectors.portal_versions(single)] == [single.pk]
    client.get(reverse("portal-item", args=[single.pk]))
    alone = query_count(lambda: client.get(reverse("portal-item", args=[single.pk])))
    oldest = query_count(lambda: client.get(reverse("portal-item", args=[chain[0].pk])))
    newest = query_count(lambda: client.get(reverse("portal-item", args=[chain[-1].pk])))
    assert alone == newest  # a published item: the same page, however long its history
    assert oldest <= alone  # a superseded one shows no content and no proof
    page = client.get(reverse("portal-item", args=[chain[0].pk])).content.decode()
    assert "该信息已被" in page and page.count("第4版") >= 1


def test_staff_lists_do_not_grow_queries_with_rows(pubdesk, client):
    d = pubdesk
    client.force_login(d.approver)
    urls = [reverse("publicity-queue"), reverse("publicity-lists"), reverse("publicity-requests")]
    for _ in range(2):
        decided_case(d)
    _requests(d, 2)
    client.get(urls[0])
    small = [query_count(lambda u=u: client.get(u)) for u in urls]
    for _ in range(6):
        decided_case(d)
    _requests(d, 12)
    for i in range(6):
        services.list_collect(agency=d.agency, kind="remedies", title=f"草稿{i}",
                              rows=[{"channel": "复议", "body": "县政府", "time_limit": "六十日", "contact": "1"}],
                              actor=d.editor)
    large = [query_count(lambda u=u: client.get(u)) for u in urls]
    assert small == large, list(zip(urls, small, large, strict=True))


@pytest.mark.req("PUB-08")
def test_search_count_cached_until_anything_is_published_or_withdrawn(pubdesk, client, settings):
    settings.ZHIFA_PORTAL_CACHE_SECONDS = 0  # the renders' queries are counted, not the page cache's hits
    d = pubdesk
    _publish_lists(d, 3)
    url = reverse("portal-search", args=[d.tree.region.code]) + "?q=救济渠道"
    assert "共 3 条" in client.get(url).content.decode()
    cached = query_count(lambda: client.get(url))
    _publish_lists(d, 1)
    fresh = query_count(lambda: client.get(url))
    if connection.vendor == "postgresql":
        # The full-text index gives the page's ids and the count at once (publicity.search.match_ids): a cached count
        # saves no query there, and the new count shows below.
        assert fresh == cached
    else:
        assert fresh == cached + 1  # the count is read again after a publication
    assert "共 4 条" in client.get(url).content.decode()
    pub = Publication.objects.filter(kind="remedies", state="published").first()
    services.publication_withdraw(publication=pub, actor=d.approver, trigger="error", basis="更正")
    assert "共 3 条" in client.get(url).content.decode()


@pytest.mark.req("PUB-03")
def test_dense_search_walks_newest_first_with_the_same_results(pubdesk):
    d = pubdesk
    _publish_lists(d, 5)
    plain = list(selectors.portal_items(d.tree.region, query="救济渠道"))
    paginator = selectors.portal_search(d.tree.region, per_page=2, cap=3, query="救济渠道")
    assert paginator.capped and paginator.num_pages == 2  # more than 3 matches: pages stop at the cap
    walked = list(paginator.object_list)
    assert [p.pk for p in walked] == [p.pk for p in plain] and len(walked) == 5
    assert [p.pk for p in paginator.page(1)] == [p.pk for p in plain[:2]]
    sparse = selectors.portal_search(d.tree.region, per_page=2, cap=10, query="救济渠道")
    assert not sparse.capped and sparse.count == 5
