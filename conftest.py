"""Shared fixtures: a small two-city tree that every scope test can reason about."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from zhifa.core import workdays
from zhifa.core.permissions import Role
from zhifa.org.models import Level, UnitKind
from zhifa.org.tests.factories import (
    AgencyFactory,
    CertificateFactory,
    PersonFactory,
    UnitFactory,
    UserFactory,
    grant,
    jurisdiction,
)


def pytest_addoption(parser):
    parser.addoption(
        "--database-dependent-only", action="store_true",
        help="Run only the tests whose outcome can depend on the database engine: those that use the database and "
             "are not marked vendor_neutral (CI's PostgreSQL pass; the SQLite pass runs every test).")


def pytest_collection_modifyitems(config, items):
    if not config.getoption("--database-dependent-only"):
        return
    database_fixtures = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback",
                         "live_server"}
    kept, dropped = [], []
    for item in items:
        uses_database = item.get_closest_marker("django_db") or database_fixtures & set(
            getattr(item, "fixturenames", ()))
        (kept if uses_database and not item.get_closest_marker("vendor_neutral") else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session", autouse=True)
def _quick_password_hashing():
    """Argon2 at its smallest cost in tests (core.testing.QuickArgon2PasswordHasher); production's is in settings."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["zhifa.core.testing.QuickArgon2PasswordHasher",
                                             "django.contrib.auth.hashers.PBKDF2PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _own_media(settings, tmp_path):
    """Each test stores evidence in its own folder: a test that tampers with a file (fixity, findings)
    must not change what another test reads under the same content address."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: ids repeat between tests, so cache keys built from them could."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch):
    """client.force_login stands for a complete login, password and second factor (issue 14 §6), so tests of a
    supervisor's or an agency head's pages need no code. The second factor's own tests log in through the
    login page (zhifa/core/tests/test_second_factor.py) or with core.testing.force_login_password_only."""
    from django.test import Client

    from zhifa.core.testing import force_login_with_second_factor

    if not hasattr(Client, "_zhifa_original_force_login"):
        Client._zhifa_original_force_login = Client.force_login
    monkeypatch.setattr(Client, "force_login", force_login_with_second_factor)


@pytest.fixture(autouse=True)
def _fresh_calendar():
    """Each test sees the calendar as its own database has it."""
    workdays.invalidate()
    yield
    workdays.invalidate()


@pytest.fixture
def tree(db):
    """Region R → cities A and B → counties A1, A2 (in A) and B1 (in B); one market agency per county."""
    region = jurisdiction("测试自治区", Level.REGION, code="T10000")
    city_a = jurisdiction("甲市", Level.CITY, region, code="T10100")
    city_b = jurisdiction("乙市", Level.CITY, region, code="T10200")
    a1 = jurisdiction("甲一县", Level.COUNTY, city_a, code="T10101")
    a2 = jurisdiction("甲二县", Level.COUNTY, city_a, code="T10102")
    b1 = jurisdiction("乙一县", Level.COUNTY, city_b, code="T10201")
    agency_a1 = AgencyFactory(name="甲一县市场监督管理局", jurisdiction=a1)
    agency_a2 = AgencyFactory(name="甲二县市场监督管理局", jurisdiction=a2)
    agency_b1 = AgencyFactory(name="乙一县市场监督管理局", jurisdiction=b1)
    agency_city_a = AgencyFactory(name="甲市市场监督管理局", jurisdiction=city_a)
    return SimpleNamespace(region=region, city_a=city_a, city_b=city_b, a1=a1, a2=a2, b1=b1,
                           agency_a1=agency_a1, agency_a2=agency_a2, agency_b1=agency_b1, agency_city_a=agency_city_a)


@pytest.fixture
def users(tree):
    """One user per typical role, with their grants."""
    su = UserFactory(username="root", is_superuser=True, is_staff=True)
    city_a_supervisor = grant(UserFactory(username="sup_a"), Role.SUPERVISOR, jurisdiction=tree.city_a)
    county_a1_supervisor = grant(UserFactory(username="sup_a1"), Role.SUPERVISOR, jurisdiction=tree.a1)
    region_supervisor = grant(UserFactory(username="sup_r"), Role.SUPERVISOR, jurisdiction=tree.region)
    head_a1 = grant(UserFactory(username="head_a1"), Role.AGENCY_HEAD, agency=tree.agency_a1)
    officer_a1 = grant(UserFactory(username="off_a1"), Role.OFFICER, agency=tree.agency_a1)
    # An officer holds a certificate (ORG-03: opening a case is enforcement work, cases.services._opener_certified).
    CertificateFactory(person=PersonFactory(name="甲一执法员", agency=tree.agency_a1, user=officer_a1))
    nobody = UserFactory(username="nobody")
    return SimpleNamespace(su=su, city_a_supervisor=city_a_supervisor, county_a1_supervisor=county_a1_supervisor,
                           region_supervisor=region_supervisor, head_a1=head_a1, officer_a1=officer_a1, nobody=nobody)


@pytest.fixture
def staffed_agency(tree, users):
    """甲一县's agency with a handling unit, a review unit, 20 certified officers and 1 qualified reviewer (the
    officers: users.officer_a1's person, certified, and 18 more)."""
    agency = tree.agency_a1
    handling = UnitFactory(agency=agency, name="执法大队", kind=UnitKind.HANDLING)
    review = UnitFactory(agency=agency, name="法规科", kind=UnitKind.REVIEW)
    officers = [users.officer_a1.person] + [
        CertificateFactory(person=PersonFactory(agency=agency, unit=handling)).person for _ in range(18)]
    reviewer = PersonFactory(agency=agency, unit=review, is_reviewer=True, legal_qualification_number="A201512345678")
    CertificateFactory(person=reviewer)
    return SimpleNamespace(agency=agency, handling=handling, review=review, officers=officers, reviewer=reviewer)


@pytest.fixture
def desk(tree, users):
    """甲一县's market agency with a handling unit, two certified officers, a head, and a fresh case helper."""
    agency = tree.agency_a1
    unit = UnitFactory(agency=agency, name="综合执法大队", kind=UnitKind.HANDLING)
    today = timezone.localdate()
    officers = []
    for name in ("李执法", "王执法"):
        person = PersonFactory(agency=agency, unit=unit, name=name)
        CertificateFactory(person=person, area=tree.a1, valid_from=today - dt.timedelta(days=100),
                           valid_to=today + dt.timedelta(days=300))
        officers.append(person)
    handling_head = grant(UserFactory(username="dz_a1"), Role.HANDLING_HEAD, agency=agency)
    return SimpleNamespace(agency=agency, unit=unit, officers=officers, officer=users.officer_a1, head=handling_head,
                           place=tree.a1)


@pytest.fixture
def assess():
    """assess(case, actor): record that the case's decision is not major (REV-02), as every ordinary
    decision must be assessed before it is made. A fixture, so apps below review can use it in tests."""
    from zhifa.review.services import determination_record

    def run(case, actor, **kw):
        return determination_record(case=case, actor=actor, **({"fine_amount": "0", "criteria": []} | kw))
    return run


@pytest.fixture
def on_day():
    return dt.date(2026, 6, 1)


def _reseed_rules(connection) -> None:
    """Put back the rows the rules migrations seed (the national baseline of every rule key), as a new test database
    has them. A flush empties every table; under pytest-xdist a worker runs files in the order it is given them, so
    a test after a transactional one (in another file) would otherwise find no rule in force."""
    from django.apps import apps
    from django.db import migrations
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection, ignore_no_migrations=True)
    # The assessment app seeds its rule (assessment.indicators) in a migration of its own (issue 21 §6).
    for key in sorted(k for k in loader.disk_migrations if k[0] == "rules" or k == ("assessment", "0002_indicator_baseline")):
        for operation in loader.disk_migrations[key].operations:
            if isinstance(operation, migrations.RunPython):
                with connection.schema_editor() as editor:
                    operation.code(apps, editor)


@pytest.fixture(scope="session", autouse=True)
def _flush_past_ledger_triggers():
    """Transactional tests end with `flush`, which the ledger's append-only triggers refuse.

    Only in tests, and only as the tables' owner (as any DBA could): lift the triggers around the
    flush and put them back; then seed the rules again (_reseed_rules). Production code has no such path
    (docs/ledger.md, threat model).
    """
    from django.core.management.commands import flush
    from django.db import connections

    from zhifa.ledger.migrations import _triggers

    original = flush.Command.handle

    def handle(self, **options):
        connection = connections[options.get("database") or "default"]
        _triggers.drop(connection)
        try:
            return original(self, **options)
        finally:
            _triggers.create(connection)
            _reseed_rules(connection)

    flush.Command.handle = handle
    yield
    flush.Command.handle = original
