"""Reads on a replica (issue 19 §5): the portal's and the statistics pages' reads go to the replica, writes,
transactions and a browser that has just written stay on the primary, and a failing replica never costs a 500.

The tests add a second alias, "replica", on the test database, as TEST MIRROR does with DATABASE_REPLICA_URL: a
second connection to the same data. Which alias a page read is counted per connection. The routing tests are
transactional: inside a test's own transaction (TestCase) every read belongs on the primary, by the same rule.
"""

import copy
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, router, transaction
from django.test.utils import CaptureQueriesContext

from zhifa.core import replica as replica_mod
from zhifa.core.db_router import (
    REPLICA,
    ReplicaRouter,
    read_connection,
    replica_replayed_since,
    use_replica_reads,
)
from zhifa.org.models import Jurisdiction

BASE_DIR = Path(__file__).resolve().parents[1]
BOTH = ["default", REPLICA]


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup):
    """DATABASES["replica"] as the test runner makes it of DATABASE_REPLICA_URL: the test database, under its own
    alias and connection (TEST MIRROR)."""
    added = REPLICA not in connections.settings
    if added:
        settings_dict = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
        settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "MIRROR": DEFAULT_DB_ALIAS}
        connections.settings[REPLICA] = settings_dict
    yield
    if added:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


@pytest.fixture(autouse=True)
def _replica_up(monkeypatch):
    """Each test starts with the replica considered reachable and reads on the primary."""
    monkeypatch.setattr(replica_mod, "_down_until", 0.0)
    use_replica_reads(False)
    yield
    use_replica_reads(False)


class Counted:
    """The queries each alias ran inside the block."""

    def __enter__(self):
        self.primary = CaptureQueriesContext(connections[DEFAULT_DB_ALIAS])
        self.replica = CaptureQueriesContext(connections[REPLICA])
        self.primary.__enter__()
        self.replica.__enter__()
        return self

    def __exit__(self, *exc):
        self.replica.__exit__(*exc)
        self.primary.__exit__(*exc)

    def on(self, alias, table):
        queries = self.primary if alias == DEFAULT_DB_ALIAS else self.replica
        return [q["sql"] for q in queries.captured_queries if table in q["sql"]]


@pytest.mark.django_db(transaction=True, databases=BOTH)
@pytest.mark.parametrize(("who", "url", "table"), [
    # An anonymous portal page: its data from the replica, none from the primary (issue 19 §5).
    (None, "/portal/{region}/", "org_jurisdiction"),
    # The cockpit's statistics pages (REC-16 record statistics); the login is checked before, on the primary.
    ("region_supervisor", "/records/statistics/", "org_agency"),
], ids=["portal", "statistics"])
def test_pages_that_opted_in_read_the_replica(client, users, tree, who, url, table):
    """A page marked for the replica reads its data there, and none of it from the primary."""
    if who:
        client.force_login(getattr(users, who))
    with Counted() as counted:
        page = client.get(url.format(region=tree.region.code))
    assert page.status_code == 200
    assert counted.on(REPLICA, table)
    assert not counted.on(DEFAULT_DB_ALIAS, table)


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_staff_pages_read_the_primary(client, users):
    """A staff page that did not opt in (the to-do list) reads only the primary."""
    client.force_login(users.head_a1)
    with Counted() as counted:
        page = client.get("/")
    assert page.status_code == 200
    assert counted.primary.captured_queries
    assert not counted.replica.captured_queries


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_view_opts_in_with_the_decorator(rf, tree):
    """@reads_from_replica lets any page read the replica (the supervision cockpit of issue 20 needs one line)."""

    @replica_mod.reads_from_replica
    def cockpit(request):
        from django.http import HttpResponse

        return HttpResponse(str(Jurisdiction.objects.count()))

    middleware = replica_mod.ReplicaReadsMiddleware(cockpit)
    request = rf.get("/supervision/cockpit/")  # a path no setting names
    with Counted() as counted:
        middleware.process_view(request, cockpit, (), {})
        response = cockpit(request)
    assert response.content == b"6"
    assert counted.on(REPLICA, "org_jurisdiction")
    assert not counted.on(DEFAULT_DB_ALIAS, "org_jurisdiction")


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_browser_that_wrote_reads_the_primary_until_the_sticky_time_is_over(client, users, tree):
    """Read-your-writes: after a successful unsafe request the browser reads the primary for
    ZHIFA_REPLICA_STICKY_SECONDS, then the replica again."""
    client.force_login(users.head_a1)
    with time_machine.travel("2026-06-01 10:00:00 +08:00", tick=False) as clock:
        answer = client.post("/accounts/logout/")
        assert answer.status_code == 302
        assert replica_mod.STICKY_COOKIE in answer.cookies
        assert answer.cookies[replica_mod.STICKY_COOKIE]["max-age"] == settings.ZHIFA_REPLICA_STICKY_SECONDS

        clock.shift(settings.ZHIFA_REPLICA_STICKY_SECONDS - 1)
        with Counted() as counted:
            assert client.get(f"/portal/{tree.region.code}/").status_code == 200
        assert counted.on(DEFAULT_DB_ALIAS, "org_jurisdiction")
        assert not counted.replica.captured_queries

        clock.shift(2)  # the mark is now older than the sticky time: its signature's age is refused
        with Counted() as counted:
            assert client.get(f"/portal/{tree.region.code}/").status_code == 200
        assert counted.on(REPLICA, "org_jurisdiction")


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_made_up_or_failed_write_mark_counts_for_nothing(client, tree):
    """Only the server's signed mark keeps a browser on the primary, and only a write that succeeded sets it."""
    refused = client.post("/portal/requests/status/", {"reference": "", "code": ""})
    assert refused.status_code == 400
    assert replica_mod.STICKY_COOKIE not in refused.cookies
    client.cookies[replica_mod.STICKY_COOKIE] = "1"
    with Counted() as counted:
        assert client.get(f"/portal/{tree.region.code}/").status_code == 200
    assert counted.on(REPLICA, "org_jurisdiction")


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_an_unsafe_request_to_the_portal_reads_the_primary(client, tree):
    """A form post reads what it is about to change: on the primary, even under /portal/."""
    with Counted() as counted:
        client.post("/portal/requests/status/", {"reference": "X-1", "code": "wrong"})
    assert not counted.replica.captured_queries
    assert counted.primary.captured_queries


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_transactions_and_locking_reads_stay_on_the_primary(tree):
    """With the request on the replica, a read inside transaction.atomic() and select_for_update() go to the
    primary; a plain read outside a transaction goes to the replica; every write goes to the primary."""
    use_replica_reads(True)
    with Counted() as counted:
        Jurisdiction.objects.filter(code="T10000").exists()
        with transaction.atomic():
            list(Jurisdiction.objects.select_for_update().filter(code="T10101"))
            Jurisdiction.objects.filter(code="T10102").exists()
        Jurisdiction.objects.filter(code="T10201").update(name="乙一县（改）")
    assert len(counted.on(REPLICA, "org_jurisdiction")) == 1
    assert "T10000" in counted.on(REPLICA, "org_jurisdiction")[0]
    on_primary = " ".join(counted.on(DEFAULT_DB_ALIAS, "org_jurisdiction"))
    assert "T10101" in on_primary and "T10102" in on_primary and "UPDATE" in on_primary
    if connections[DEFAULT_DB_ALIAS].features.has_select_for_update:
        assert "FOR UPDATE" in on_primary
    # A locking read is routed as a write whether or not a transaction is open yet (Django: _for_write).
    assert Jurisdiction.objects.select_for_update().db == DEFAULT_DB_ALIAS
    assert Jurisdiction.objects.all().db == REPLICA
    assert read_connection(Jurisdiction).alias == REPLICA  # raw SQL follows the same choice
    with transaction.atomic():
        assert read_connection(Jurisdiction).alias == DEFAULT_DB_ALIAS
    assert router.db_for_write(Jurisdiction) == DEFAULT_DB_ALIAS


def test_only_the_primary_is_migrated():
    """The replica replays the primary's schema; migrate never writes to it."""
    assert ReplicaRouter().allow_migrate(DEFAULT_DB_ALIAS, "org") is True
    assert ReplicaRouter().allow_migrate(REPLICA, "org") is False


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_an_unreachable_replica_falls_back_to_the_primary(client, tree, caplog, monkeypatch):
    """Replica down: the portal answers from the primary, the fall-back is logged once, and the replica is not tried
    again on every request."""
    replica = connections[REPLICA]
    replica.close()
    broken = dict(replica.settings_dict)
    if replica.vendor == "postgresql":
        broken.update(HOST="127.0.0.1", PORT="1")  # nothing listens there: connection refused
    else:
        broken.update(NAME="/nonexistent-zhifa-dir/replica.sqlite3")
    monkeypatch.setattr(replica, "settings_dict", broken)
    caplog.set_level(logging.WARNING, logger="zhifa.replica")
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary:  # the replica cannot even be opened
        first = client.get(f"/portal/{tree.region.code}/")
        second = client.get(f"/portal/{tree.region.code}/")
    assert first.status_code == 200 and second.status_code == 200
    assert len([q for q in primary.captured_queries if "org_jurisdiction" in q["sql"]]) >= 2
    warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(warnings) == 1


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_replica_failing_during_the_page_is_read_again_from_the_primary(client, tree, caplog):
    """A query the replica fails mid-page (a cancelled query, a dropped connection) is no 500: the page is rendered
    again from the primary."""

    def fail(execute, sql, params, many, context):
        raise OperationalError("canceling statement due to conflict with recovery")

    caplog.set_level(logging.WARNING, logger="zhifa.replica")
    connections[REPLICA].ensure_connection()
    with connections[REPLICA].execute_wrapper(fail), Counted() as counted:
        page = client.get(f"/portal/{tree.region.code}/")
    assert page.status_code == 200
    assert tree.region.name in page.content.decode()
    assert counted.on(DEFAULT_DB_ALIAS, "org_jurisdiction")
    assert any("read from the primary" in r.getMessage() or "failed during" in r.getMessage()
               for r in caplog.records)


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_without_a_replica_nothing_changes(client, users, tree, monkeypatch):
    """A single-node deployment (no DATABASE_REPLICA_URL): every read on the primary, no mark set after a write."""
    monkeypatch.delitem(connections.settings, REPLICA)
    client.force_login(users.head_a1)
    answer = client.post("/accounts/logout/")
    assert replica_mod.STICKY_COOKIE not in answer.cookies
    use_replica_reads(True)  # asked for, but there is nothing to read
    assert router.db_for_read(Jurisdiction) == DEFAULT_DB_ALIAS
    assert replica_replayed_since(None) is True


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_replayed_since_asks_the_replica_whatever_the_request_chose(tree):
    """replica_replayed_since: a database that is not in recovery (the test mirror) holds the primary's data; a replica
    that cannot be asked keeps no page — also before the request has chosen where it reads (the portal's page cache
    asks before ReplicaReadsMiddleware runs for item pages: issue 19 review)."""
    from django.utils import timezone

    assert replica_replayed_since(timezone.now()) is True  # the mirror is no standby (or not PostgreSQL)
    use_replica_reads(True)
    assert replica_replayed_since(timezone.now()) is True
    if connections[REPLICA].vendor != "postgresql":
        return

    def fail(execute, sql, params, many, context):
        raise OperationalError("replica gone")

    for chosen in (True, False):
        use_replica_reads(chosen)
        with connections[REPLICA].execute_wrapper(fail):
            assert replica_replayed_since(timezone.now()) is False


def test_sessions_and_the_cache_live_in_redis_when_configured(tmp_path):
    """ZHIFA_REDIS_URL puts the cache and the sessions in Redis, shared by every app server (issue 19 §5): a session
    saved by one process is read by another. Runs against Redis db 12 on 127.0.0.1, flushed afterwards."""
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/12"
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (apt-get install redis-server)")
    client.flushdb()
    env = {**os.environ, "ZHIFA_REDIS_URL": url, "ZHIFA_CACHE_PREFIX": "zhifa-test", "ZHIFA_DATA_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("DATABASE_REPLICA_URL", None)
    write = textwrap.dedent("""
        import django; django.setup()
        from django.conf import settings
        from django.contrib.sessions.backends.cache import SessionStore
        from django.core.cache import cache
        assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache"), settings.CACHES
        # Sessions read from Redis and kept in the database behind it (an evicted one is read back, not lost); the
        # Redis half is what a second process must see, so it is exercised directly here.
        assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db", settings.SESSION_ENGINE
        assert settings.ZHIFA_PORTAL_CACHE_SECONDS == 300  # the page cache is on by default with a shared cache
        store = SessionStore(); store["who"] = "甲一县"; store.save()
        cache.set("portal-generation", 7)
        print(store.session_key)
    """)
    read = textwrap.dedent("""
        import sys, django; django.setup()
        from django.contrib.sessions.backends.cache import SessionStore
        from django.core.cache import cache
        print(SessionStore(session_key=sys.argv[1]).load().get("who"), cache.get("portal-generation"))
    """)
    try:
        check = subprocess.run([sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=env, capture_output=True,
                               text=True, timeout=120)
        assert check.returncode == 0, check.stderr
        key = subprocess.run([sys.executable, "-c", write], cwd=BASE_DIR, env=env, capture_output=True, text=True,
                             timeout=120, check=True).stdout.strip()
        seen = subprocess.run([sys.executable, "-c", read, key], cwd=BASE_DIR, env=env, capture_output=True,
                              text=True, timeout=120, check=True).stdout.strip()
        assert seen == "甲一县 7"
        assert any(k.startswith(b"zhifa-test:") for k in client.keys("*"))
    finally:
        client.flushdb()
