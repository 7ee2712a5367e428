"""Issue 19 §1: the anonymous portal from a shared cache. A hit reads no database; a publication, withdrawal or new
version re-renders exactly the pages that show it (its jurisdiction and those above, its versions), never a sibling
county's; conditional requests answer 304; staff never get or leave a cached page; only clean 200s are kept; junk
in the query string neither misses nor multiplies entries; the large-text page is its own page."""

from urllib.parse import quote

import pytest
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpResponse
from django.urls import path, reverse

from zhifa.core import generations
from zhifa.portal import page_cache
from zhifa.portal.tests.test_portal_check import _company, _published
from zhifa.publicity import services
from zhifa.publicity.workflow import Kind

STATUS = page_cache.STATUS_HEADER
# The headers a fresh render carries that a hit must carry the same (SecurityMiddleware adds its own to both).
SAME = ("Content-Type", "Content-Security-Policy", "X-Frame-Options", "Content-Length", "ETag", "Last-Modified",
        "Cache-Control", "Vary", "Content-Language")


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    """The page cache is on by default only with a shared cache (ZHIFA_REDIS_URL); these tests turn it on in the
    test process's own cache (and, run with ZHIFA_REDIS_URL, in Redis)."""
    settings.ZHIFA_PORTAL_CACHE_SECONDS = 300


def _pages(client, urls) -> dict[str, str]:
    return {url: client.get(url)[STATUS] for url in urls}


def _homes(t) -> dict[str, str]:
    return {name: reverse("portal-home", args=[getattr(t, name).code]) for name in ("region", "city_a", "a1", "a2", "b1")}


@pytest.mark.req("PUB-03")
def test_a_hit_reads_no_database_and_carries_the_fresh_headers(pubdesk, client, django_assert_num_queries):
    pub = _published(pubdesk)
    for url in (reverse("portal-home", args=[pubdesk.tree.a1.code]), reverse("portal-item", args=[pub.pk]),
                reverse("portal-search", args=[pubdesk.tree.a1.code]) + "?q=过期食品", reverse("portal-root")):
        fresh = client.get(url)
        assert fresh.status_code == 200 and fresh[STATUS] == "miss", url
        with django_assert_num_queries(0):
            hit = client.get(url)
        assert hit[STATUS] == "hit" and hit.content == fresh.content
        for name in SAME:
            assert hit.get(name) == fresh.get(name), (url, name)
        # No per-request CSP nonce is baked into a page another reader gets (django-csp adds one only when used).
        assert "nonce" not in hit["Content-Security-Policy"]
        assert hit["Cache-Control"] == "public, no-cache"  # kept by browsers and CDNs, revalidated every time
        assert "Cookie" in hit["Vary"]


@pytest.mark.req("PUB-03")
def test_publication_invalidates_its_jurisdiction_chain_but_not_a_sibling_county(pubdesk, client,
                                                                                django_capture_on_commit_callbacks):
    t = pubdesk.tree
    homes = _homes(t)
    _pages(client, homes.values())
    assert set(_pages(client, homes.values()).values()) == {"hit"}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        pub = _published(pubdesk, title="销售过期食品")
    assert callbacks  # the bump runs again on commit
    after = {name: client.get(url) for name, url in homes.items()}
    for name in ("region", "city_a", "a1"):  # 甲一县 and each level above it
        assert after[name][STATUS] == "miss" and pub.title in after[name].content.decode(), name
    for name in ("a2", "b1"):  # a sibling county and another city's county: still served from the cache
        assert after[name][STATUS] == "hit" and pub.title not in after[name].content.decode(), name


@pytest.mark.req("PUB-08")
def test_withdrawal_invalidates_the_item_and_its_chain(pubdesk, client, django_capture_on_commit_callbacks):
    t = pubdesk.tree
    pub = _published(pubdesk)
    item = reverse("portal-item", args=[pub.pk])
    urls = [item, *_homes(t).values()]
    _pages(client, urls)
    assert "罚款二百元" in client.get(item).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_withdraw(publication=pub, actor=pubdesk.approver, trigger="revoked", basis="复决〔2026〕1号")
    page = client.get(item)
    assert page[STATUS] == "miss" and "撤下" in page.content.decode() and "罚款二百元" not in page.content.decode()
    statuses = _pages(client, urls[1:])
    assert [statuses[u] for u in urls[1:]] == ["miss", "miss", "miss", "hit", "hit"]  # region, city, a1 | a2, b1


@pytest.mark.req("PUB-08")
def test_a_new_version_invalidates_every_version_and_the_agency_page(pubdesk, client,
                                                                     django_capture_on_commit_callbacks):
    rows = [{"name": "对销售过期食品的处罚", "category": "行政处罚", "basis": "《食品安全法》第一百二十四条"}]
    d = pubdesk
    d.agency.status = "confirmed"
    d.agency.save()
    v1 = services.list_collect(agency=d.agency, kind=Kind.POWER_LIST, title="权责清单", rows=rows, actor=d.editor)
    services.publication_submit(publication=v1, actor=d.editor)
    v1 = services.publication_approve(publication=v1, actor=d.approver)
    urls = [reverse("portal-item", args=[v1.pk]), reverse("portal-agency", args=[d.agency.pk]),
            reverse("portal-home", args=[d.tree.b1.code])]
    _pages(client, urls)
    assert set(_pages(client, urls).values()) == {"hit"}
    v2 = services.list_collect(agency=d.agency, kind=Kind.POWER_LIST, title="权责清单（修订）", rows=rows,
                               actor=d.editor, supersedes=v1, update_reason="law_changed")
    services.publication_submit(publication=v2, actor=d.editor)
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_approve(publication=v2, actor=d.approver)
    old = client.get(urls[0])
    assert old[STATUS] == "miss" and reverse("portal-item", args=[v2.pk]) in old.content.decode()  # "a newer version"
    agency = client.get(urls[1])
    assert agency[STATUS] == "miss" and "权责清单（修订）" in agency.content.decode()
    assert client.get(urls[2])[STATUS] == "hit"  # another city's county


def test_a_change_after_the_first_bump_is_invalidated_by_the_one_on_commit(pubdesk, client,
                                                                          django_capture_on_commit_callbacks):
    """A page rendered between the service's change and its commit (from the old data, on another connection) is
    kept under the new token; the bump on commit makes it out of date again."""
    home = reverse("portal-home", args=[pubdesk.tree.a1.code])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _published(pubdesk)
        assert client.get(home)[STATUS] == "miss" and client.get(home)[STATUS] == "hit"
    for callback in callbacks:
        callback()
    assert client.get(home)[STATUS] == "miss"


@pytest.mark.req("PUB-03")
def test_conditional_requests_answer_304(pubdesk, client):
    url = reverse("portal-home", args=[pubdesk.tree.a1.code])
    first = client.get(url)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('"') and modified
    for headers in ({"HTTP_IF_NONE_MATCH": etag}, {"HTTP_IF_MODIFIED_SINCE": modified}):
        again = client.get(url, **headers)
        assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
        assert again["Cache-Control"] == first["Cache-Control"]
    assert client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200
    # A miss that renders the same bytes keeps the date: If-Modified-Since still answers 304.
    generations.bump(generations.jurisdiction_name(pubdesk.tree.a1.pk))
    rerendered = client.get(url, HTTP_IF_MODIFIED_SINCE=modified)
    assert rerendered.status_code == 304 and rerendered[STATUS] == "miss"


@pytest.mark.req("PUB-03")
def test_staff_never_get_a_cached_page_and_never_leave_one(pubdesk, client, django_assert_num_queries):
    url = reverse("portal-home", args=[pubdesk.tree.a1.code])
    assert client.get(url)[STATUS] == "miss"
    client.force_login(pubdesk.approver)
    staff = client.get(url)
    assert staff[STATUS] == "bypass" and "no-store" in staff["Cache-Control"] and "private" in staff["Cache-Control"]
    assert not staff.has_header("ETag")
    client.logout()
    assert client.get(url)[STATUS] == "hit"  # the anonymous copy, untouched by the staff render
    cache.clear()
    client.force_login(pubdesk.approver)
    client.get(url)
    client.logout()
    assert client.get(url)[STATUS] == "miss"  # nothing was stored by the staff request


@login_not_required
def _cookie_view(request, code):
    response = HttpResponse("set a cookie")
    response.set_cookie("tracking", "1")
    return response


@login_not_required
def _teapot_view(request, code):
    return HttpResponse("not 200", status=203)


urlpatterns = [path("portal/<str:code>/", _cookie_view, name="portal-home"),
               path("portal/<str:code>/agencies/", _teapot_view, name="portal-agencies")]


@pytest.mark.urls(__name__)
def test_a_response_that_sets_a_cookie_or_is_not_200_is_never_cached(client, db):
    for url in ("/portal/T1/", "/portal/T1/agencies/"):
        for _ in range(2):
            response = client.get(url)
            assert response[STATUS] == "bypass" and "no-store" in response["Cache-Control"]
    assert not _page_keys()


def test_a_missing_page_is_not_cached_and_starts_no_generation(pubdesk, client):
    for url in (reverse("portal-home", args=["NOPE"]), reverse("portal-item", args=[987654321]),
                reverse("portal-organisation", args=[pubdesk.tree.a1.code, "9" * 300])):
        assert client.get(url).status_code == 404 and client.get(url).status_code == 404
    assert not _page_keys() and not _stored(generations.PREFIX)


def _stored(fragment: str) -> list[str]:
    """The keys the cache holds that contain `fragment`: LocMem's own table, or Redis's (ZHIFA_REDIS_URL)."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return [k.decode() for k in backend._cache.get_client().scan_iter(match=f"*{fragment}*")]
    return [k for k in backend._cache if fragment in k]


def _page_keys() -> list[str]:
    return _stored(page_cache.KEY_PREFIX)


@pytest.mark.req("PUB-03")
def test_hostile_query_strings_neither_miss_nor_multiply_entries(pubdesk, client):
    _published(pubdesk)
    url = reverse("portal-search", args=[pubdesk.tree.a1.code])
    assert client.get(url, {"q": "过期食品"})[STATUS] == "miss"
    word = quote("过期食品")
    junk = "&".join(f"x{i}={'y' * 20}" for i in range(150))
    # Unknown parameters, a repeated one (the last counts, as in Django's QueryDict) and another order: the same
    # canonical page, served from the cache.
    for query in (f"q={word}&{junk}", f"{junk}&q=other&q={word}", f"utm_source=a&q={word}&_=1234"):
        response = client.get(f"{url}?{query}")
        assert response[STATUS] == "hit", query
        assert "x149" not in response.content.decode()
    # A huge value is cut: the key and the stored page stay bounded.
    huge = client.get(url, {"q": "食" * 400})
    assert huge.status_code == 200 and "食" * 300 not in huge.content.decode()
    assert len(_page_keys()) == 2 and all(len(k) < 120 for k in _page_keys())
    # Beyond any reader's query string: answered, never stored.
    assert client.get(f"{url}?q={'a' * (page_cache.MAX_QUERY + 1)}")[STATUS] == "bypass"
    assert len(_page_keys()) == 2


LARGE = '<body class="portal large-text">'


@pytest.mark.req("PUB-03")
def test_the_large_text_page_is_its_own_page(pubdesk, client):
    url = reverse("portal-home", args=[pubdesk.tree.a1.code])
    plain = client.get(url)
    client.cookies["zhifa_large"] = "1"
    large = client.get(url)
    assert large[STATUS] == "miss" and LARGE in large.content.decode() and LARGE not in plain.content.decode()
    hit = client.get(url)
    assert hit[STATUS] == "hit" and hit.content == large.content
    client.cookies["zhifa_large"] = "0"
    again = client.get(url)
    assert again[STATUS] == "hit" and again.content == plain.content


def test_a_page_is_kept_only_once_the_replica_has_replayed_its_generations(pubdesk, client, monkeypatch):
    asked = []
    monkeypatch.setattr(page_cache.db_router, "replica_replayed_since", lambda moment: asked.append(moment) or False)
    url = reverse("portal-home", args=[pubdesk.tree.a1.code])
    generations.bump(page_cache.EVERYTHING, generations.jurisdiction_name(pubdesk.tree.a1.pk))
    token = generations.peek(page_cache.EVERYTHING)
    assert client.get(url)[STATUS] == "bypass" and client.get(url)[STATUS] == "bypass"
    assert asked[0] == generations.changed_at(token.values())  # the time the generation was bumped, before the view
    monkeypatch.undo()
    assert client.get(url)[STATUS] == "miss" and client.get(url)[STATUS] == "hit"


def test_clearing_the_cache_retires_every_copy_including_each_process_memory(pubdesk, client):
    url = reverse("portal-flowcharts", args=[pubdesk.tree.a1.code])  # depends on no publication
    assert client.get(url)[STATUS] == "miss" and client.get(url)[STATUS] == "hit"
    cache.clear()
    assert client.get(url)[STATUS] == "miss"
    generations.bump(page_cache.EVERYTHING)
    assert client.get(url)[STATUS] == "miss" and client.get(url)[STATUS] == "hit"


def test_a_lost_generation_is_a_miss_never_a_stale_hit(pubdesk, client):
    url = reverse("portal-home", args=[pubdesk.tree.a1.code])
    client.get(url)
    cache.delete(generations.PREFIX + generations.jurisdiction_name(pubdesk.tree.a1.pk))  # evicted
    assert client.get(url)[STATUS] == "miss" and client.get(url)[STATUS] == "hit"


def test_organisation_data_pages_live_a_minute_at_most(settings):
    settings.ZHIFA_PORTAL_CACHE_SECONDS = 300
    assert page_cache._seconds(page_cache.RULES["portal-agencies"]) == page_cache.ORG_SECONDS == 60
    assert page_cache._seconds(page_cache.RULES["portal-home"]) == 300
    settings.ZHIFA_PORTAL_CACHE_SECONDS = 30
    assert page_cache._seconds(page_cache.RULES["portal-agency"]) == 30


def test_publication_names_cover_the_chain_its_versions_and_its_organisation(pubdesk):
    pub = _company(pubdesk)
    t = pubdesk.tree
    names = generations.publication_names(pub)
    assert set(names) == {generations.jurisdiction_name(j.pk) for j in (t.region, t.city_a, t.a1)} | {
        generations.organisation_name(pub.target_code), generations.item_name(pub.pk)}
    assert len(names) == len(set(names))
    assert generations.jurisdiction_name(t.a2.pk) not in names


def test_a_correction_that_changes_the_credit_code_ends_the_old_organisations_page_too():
    """Review of issue 19: only the newest version's organisation was bumped, so the old organisation's page kept
    listing the superseded decision. Every version's organisation, agency and area are named."""
    from types import SimpleNamespace

    old = SimpleNamespace(pk=1, kind="decision", jurisdiction_path="/1/2/", agency_id=5, target_code="9" * 18,
                          supersedes=None)
    new = SimpleNamespace(pk=2, kind="decision", jurisdiction_path="/1/3/", agency_id=6, target_code="8" * 18,
                          supersedes=old)
    names = set(generations.publication_names(new))
    assert {generations.organisation_name("9" * 18), generations.organisation_name("8" * 18),
            generations.item_name(1), generations.item_name(2)} <= names
    assert set(generations.jurisdiction_names("/1/2/")) | set(generations.jurisdiction_names("/1/3/")) <= names


@pytest.mark.req("PUB-08")
def test_an_unreachable_cache_fails_neither_a_withdrawal_nor_the_portal(pubdesk, client, monkeypatch,
                                                                       django_capture_on_commit_callbacks):
    """Review of issue 19: with Redis down, the first bump ran inside the withdrawal's transaction and failed it with a
    500, and every anonymous portal page failed too. The record comes first: the withdrawal commits (logged), and the
    portal renders each page fresh, storing nothing."""
    pub = _published(pubdesk)
    item = reverse("portal-item", args=[pub.pk])
    assert client.get(item).status_code == 200

    def down(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    for method in ("get", "get_many", "set", "set_many", "add"):
        monkeypatch.setattr(cache, method, down)
    page_cache._local.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_withdraw(publication=pub, actor=pubdesk.approver, trigger="revoked", basis="复决〔2026〕2号")
    page = client.get(item)
    assert page.status_code == 200 and "撤下" in page.content.decode()
    assert client.get(reverse("portal-home", args=[pubdesk.tree.region.code])).status_code == 200
