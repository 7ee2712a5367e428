"""The anonymous portal from a shared cache (issue 19 §1): whole pages, stored in Django's cache (Redis when
ZHIFA_REDIS_URL is set, so every app server shares them; each process's memory otherwise), checked against the
generations of what they show (zhifa.core.generations), with ETag / Last-Modified and headers a CDN can honour.

The middleware sits right after WhiteNoise, so a hit costs about what a static file costs: no session, no user, no
database — one cache read for the page and one for its generations, then the stored bytes and headers. The headers
are those of the fresh render (Content-Security-Policy, X-Frame-Options, ...), stored with the body: the inner
middlewares do not run on a hit, and SecurityMiddleware, outside this one, adds its headers to hits and misses alike.

What is cached, and for how long (ZHIFA_PORTAL_CACHE_SECONDS, default 300, bounds every page):
- pages that show published items (home, search, feeds, item, organisation, agency, reports) are checked against
  the generations publicity's services bump on commit (publication, withdrawal, new version, annual report): a
  change is visible on the next request to every page it concerns, and to no other page;
- organisation data (the agency directory, an agency's certificates and units, names of places) is not bumped by
  org's services: it changes rarely and through staff pages, so those pages live at most ORG_SECONDS (a certificate
  that expires or is suspended shows so within a minute) and the others at most ZHIFA_PORTAL_CACHE_SECONDS.

Only a request without a session cookie (and without an Authorization header) is served from or stored to the cache:
logged-in staff always get a fresh page, marked private. Only a 200 without cookies, without a CSP nonce and without
its own Cache-Control is stored. The query string is rewritten to its canonical form (the parameters the page reads,
in a fixed order, once each, bounded in length) before the view runs, so junk parameters neither miss the cache nor
multiply its entries, and the key (a hash) is bounded whatever the request.
"""

import functools
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost, SuspiciousOperation
from django.http import HttpResponse, QueryDict
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from zhifa.core import db_router, generations
from zhifa.ledger import proofs

logger = logging.getLogger("zhifa.portal.cache")
PREFIX = "/portal/"
KEY_PREFIX = "portal:page:"
# Organisation data is not bumped (see the module docstring): a minute at most on the pages made of it.
ORG_SECONDS = 60
# A query string longer than this is not a reader's: such a request is passed to the view uncached.
MAX_QUERY = 4096
# Each canonical parameter is cut to this length: longer search words are refused by the page anyway (100).
MAX_VALUE = 200
# A page larger than this is not stored (none is near it: a search page is ~40 KB).
MAX_BODY = 2 * 1024 * 1024
# Whether a response came from the cache: for the benchmark's hit rate and for whoever debugs a CDN.
STATUS_HEADER = "X-Zhifa-Cache"
LARGE_COOKIE = "zhifa_large"

FILTERS = ("q", "agency", "type", "kind", "from", "to")
# Every page also depends on this one: bumping it (or clearing the cache) retires every page at once, including the
# copies each process keeps in memory.
EVERYTHING = "portal"
# Each process keeps the entries it served last in memory (at most this many; pages are 6–12 KB, so ~10–25 MB): a
# hit then costs one round trip for the generations, a few hundred bytes, instead of the page's bytes too. Checked
# against the same generations and lifetime as the shared copy, so it is never staler. (bench/portal.py: with 256
# per process and 1 000 decision pages read, the decision page's p95 was 2.14× the static file's; home 1.29×.)
LOCAL_ENTRIES = 1024
_local: OrderedDict = OrderedDict()
_local_lock = threading.Lock()


@dataclass(frozen=True)
class Rule:
    params: tuple[str, ...] = ()
    org: bool = False  # made of organisation data that is not bumped: ORG_SECONDS at most
    # Generations read from the URL before the view runs (views I do not own, or whose subject is in the URL); the
    # other pages declare theirs with depends_on() once they know their jurisdiction.
    names: object = None


RULES = {
    "portal-root": Rule(),
    "portal-home": Rule(),
    "portal-search": Rule(params=(*FILTERS, "page")),
    "portal-agencies": Rule(org=True),
    "portal-agency": Rule(org=True, names=lambda kw: [generations.agency_name(kw["pk"])]),
    # Only a credit code can have a page (publicity.selectors.portal_organisation): anything else names nothing.
    "portal-organisation": Rule(params=("page",), names=lambda kw: [generations.organisation_name(kw["credit_code"])]
                                if len(kw["credit_code"]) == 18 else []),
    "portal-reports": Rule(),
    "portal-flowcharts": Rule(),
    "portal-feed-json": Rule(params=FILTERS),
    "portal-feed-atom": Rule(params=FILTERS),
    "portal-item": Rule(names=lambda kw: [generations.item_name(kw["pk"])]),
}


@dataclass
class _State:
    tokens: dict = field(default_factory=dict)
    fresh: bool = True


def depends_on(request, *names: str) -> None:
    """Record that the page being rendered shows what `names` cover. Call it before reading that data: the tokens
    are read now, so a change committed during the render makes the stored copy out of date at once. When the reads
    go to a replica, the page is stored only if the replica has replayed the latest of those changes (a generation
    the cache does not hold may have changed at any time: then up to now)."""
    state = getattr(request, "_portal_page_cache", None)
    if state is None or not names:
        return
    tokens = generations.peek(*names)
    state.tokens.update(tokens)
    known = [token for token in tokens.values() if token is not None]
    moment = timezone.now() if len(known) < len(tokens) else generations.changed_at(known)
    state.fresh = state.fresh and db_router.replica_replayed_since(moment)


def _started(tokens: dict) -> bool:
    """Start the generations the render found missing; False when one was bumped meanwhile (keep nothing then)."""
    for name, token in tokens.items():
        if token is None:
            tokens[name] = generations.start(name)
            if tokens[name] is None:
                return False
    return True


def _seconds(rule: Rule) -> int:
    limit = settings.ZHIFA_PORTAL_CACHE_SECONDS
    return min(ORG_SECONDS, limit) if rule.org else limit


def _canonical(raw: str, params: tuple[str, ...]) -> str | None:
    if len(raw) > MAX_QUERY:
        return None
    try:
        query = QueryDict(raw)
    except SuspiciousOperation:  # more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS: the view answers 400
        return None
    # `page`: a number or nothing (the paginator reads anything else as page 1), so junk pages share one entry (review).
    return urlencode([(name, query[name][:MAX_VALUE]) for name in params if name in query
                      and (name != "page" or (query[name].isascii() and query[name].isdigit() and len(query[name]) <= 3))])


@functools.cache
def _deployment() -> str:
    """What a deploy may change in every page without a publication: the verifier keys the decision pages embed for
    the in-browser 核验 (a key rotation is a restart with new configuration). Part of every key, so the copies made
    under the old keys are not served after it (review of issue 19)."""
    return hashlib.sha256("\n".join(proofs.page_keys()).encode()).hexdigest()[:16]


def _key(request, host: str, query: str, large: bool) -> str:
    what = "\n".join((request.scheme, host, request.path, query, "large" if large else "", _deployment()))
    return KEY_PREFIX + hashlib.sha256(what.encode()).hexdigest()


def _public(response) -> None:
    # Browsers and CDNs may keep the page but ask again every time (If-None-Match: a 304 answered from this cache at
    # the cost of a hit). Not max-age: a withdrawn decision (行政处罚法 §48) must not stay on a reader's screen or in a
    # CDN after the withdrawal (the browser walk of issue 19 showed the withdrawn page for a minute).
    response["Cache-Control"] = "public, no-cache"
    # Cookie: a session gets a fresh private page and zhifa_large another page (a CDN keys on that cookie and
    # passes requests with a session cookie through: docs/publicity.md).
    patch_vary_headers(response, ("Cookie",))


def _private(response) -> None:
    if not response.has_header("Cache-Control"):
        patch_cache_control(response, private=True, no_store=True)
    response[STATUS_HEADER] = "bypass"


def _entry(key: str, now: float) -> dict | None:
    """The entry for `key` while its lifetime lasts: this process's copy, else the shared cache's (then kept here)."""
    with _local_lock:
        entry = _local.get(key)
        if entry is not None:
            _local.move_to_end(key)
    if entry is None or entry["expires"] <= now:
        try:
            entry = cache.get(key)
        except Exception:  # the shared cache unreachable (Redis down): render the page, never a 500 (review)
            logger.warning("portal page cache: the cache is unreachable; rendering", exc_info=True)
            return None
        if entry is None:
            return None
        _keep(key, entry)
    return entry if entry["expires"] > now else None


def _keep(key: str, entry: dict) -> None:
    with _local_lock:
        _local[key] = entry
        _local.move_to_end(key)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)


def _served(request, response, entry: dict, status: str):
    response = get_conditional_response(request, etag=entry["etag"], last_modified=entry["modified"],
                                        response=response)  # the page, or 304 with its validators and Cache-Control
    response[STATUS_HEADER] = status
    return response


class PortalPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (request.method not in ("GET", "HEAD") or not request.path_info.startswith(PREFIX)
                or settings.ZHIFA_PORTAL_CACHE_SECONDS <= 0):  # 0 turns the page cache off
            return self.get_response(request)
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        rule = RULES.get(match.url_name)
        if rule is None:
            return self.get_response(request)
        if settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META:
            response = self.get_response(request)
            _private(response)
            return response
        query = _canonical(request.META.get("QUERY_STRING", ""), rule.params)
        try:
            host = request.get_host()
        except DisallowedHost:
            query = None
        if query is None:
            response = self.get_response(request)
            _private(response)
            return response
        # The view reads the canonical parameters only (request.GET is parsed lazily from QUERY_STRING).
        request.META["QUERY_STRING"] = query
        request.__dict__.pop("GET", None)
        key = _key(request, host, query, request.COOKIES.get(LARGE_COOKIE) == "1")
        entry = _entry(key, time.time())
        if entry is not None and generations.peek(*entry["tokens"]) == entry["tokens"]:
            return _served(request, HttpResponse(entry["body"], headers=entry["headers"]), entry, "hit")
        return self._render(request, rule, match, key, entry)

    def _render(self, request, rule: Rule, match, key: str, old: dict | None):
        state = request._portal_page_cache = _State()
        depends_on(request, EVERYTHING, *(rule.names(match.kwargs) if rule.names is not None else ()))
        response = self.get_response(request)
        if not (response.status_code == 200 and not response.streaming and not response.cookies and state.fresh
                and not response.has_header("Cache-Control") and len(response.content) <= MAX_BODY
                # django-csp: a page that used a nonce carries one of its own; never hand it to another reader.
                and not isinstance(getattr(request, "_csp_nonce", None), str) and _started(state.tokens)):
            _private(response)
            return response
        seconds = _seconds(rule)
        etag = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
        # The same bytes as the copy it replaces keep that copy's date, so If-Modified-Since still answers 304.
        modified = old["modified"] if old is not None and old["etag"] == etag else int(time.time())
        _public(response)
        response["ETag"], response["Last-Modified"] = etag, http_date(modified)
        entry = {"tokens": state.tokens, "body": response.content, "headers": dict(response.headers),
                 "etag": etag, "modified": modified, "expires": time.time() + seconds}
        try:
            cache.set(key, entry, timeout=seconds)
        except Exception:  # the shared cache unreachable: this process keeps its copy, checked as any other
            logger.warning("portal page cache: could not store the page", exc_info=True)
        _keep(key, entry)
        return _served(request, response, entry, "miss")
