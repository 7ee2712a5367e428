"""The log's entry table partitioned by id range on PostgreSQL (issue 19 §6; migration 0016; ledger/partitions.py).

Partitioning changes where rows live, never what the log guarantees: every insert lands somewhere (a DEFAULT partition
takes ids past every range), UPDATE, DELETE and TRUNCATE stay refused on the parent and on each partition, the foreign
keys to `ledger_entry(id)` are still enforced, and the migration converts a table that already holds a sequenced,
signed log without changing a row (and back)."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from zhifa.ledger import partitions, services, storage
from zhifa.ledger.audit import log_audit
from zhifa.ledger.models import Entry

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="PostgreSQL only: SQLite has no partitions (migration 0016 leaves it unchanged)")

KIND = "ledger.log_audit"
DIGEST = "0" * 64
BEFORE = ("ledger", "0015_actor_label_without_login")
AFTER = ("ledger", "0016_entry_range_partitions")


def _sql(statement, params=None):
    with connection.cursor() as cur:
        cur.execute(statement, params)
        return cur.fetchall() if cur.description else None


def _entry_with_id(entry_id: int) -> None:
    """An entry written with an explicit id, as an inserter may (INSERT is all the hardened application keeps)."""
    _sql("INSERT INTO ledger_entry (id, kind, subject, actor, at, payload, payload_sha256) "
         "VALUES (%s, %s, 'test:explicit', 'system', now(), '{}', %s)", [entry_id, KIND, DIGEST])


def _home(entry_id: int) -> str:
    return _sql("SELECT tableoid::regclass::text FROM ledger_entry WHERE id = %s", [entry_id])[0][0]


def _refused(statement):
    with pytest.raises(Exception) as exc, transaction.atomic():
        _sql(statement)
    assert "append-only" in str(exc.value), exc.value


@pytest.mark.django_db
def test_the_entry_table_is_partitioned_by_id_with_ranges_ahead_and_a_default():
    found = partitions.partitions()
    assert partitions.is_partitioned()
    assert found[0].name == "ledger_entry_from_0" and found[0].lower is None
    ranges = [p for p in found if not p.default]
    assert all(a.upper == b.lower for a, b in zip(ranges, ranges[1:], strict=False)), "the ranges are contiguous"
    assert len(ranges) >= 1 + partitions.AHEAD
    assert [p.name for p in found if p.default] == [partitions.DEFAULT]
    # The primary key is still (id) alone: every foreign key names ledger_entry(id) as before.
    assert _sql("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'ledger_entry'::regclass "
                "AND contype = 'p'") == [("PRIMARY KEY (id)",)]
    referencing = {row[0] for row in _sql("SELECT conrelid::regclass::text FROM pg_constraint "
                                          "WHERE confrelid = 'ledger_entry'::regclass AND contype = 'f'")}
    assert {"ledger_blob", "ledger_erasure", "ledger_finding", "ledger_pending", "publicity_publication"} <= referencing


@pytest.mark.django_db
def test_the_next_ranges_are_created_ahead_of_the_ids():
    ranges = [p for p in partitions.partitions() if not p.default]
    top = ranges[-1].upper
    assert partitions.ensure_ahead() == [], "nothing to do while AHEAD empty ranges remain"
    _entry_with_id(top - 10)  # ids have reached the last range
    created = partitions.ensure_ahead()
    assert created == [f"ledger_entry_from_{top + i * partitions.WIDTH}" for i in range(len(created))]
    assert len(created) == partitions.AHEAD
    assert [p for p in partitions.partitions() if not p.default][-1].upper - (top - 10) > partitions.AHEAD * partitions.WIDTH
    services.record_event(KIND, subject="test:after", payload={})
    _entry_with_id(top + 5)
    assert _home(top + 5) == f"ledger_entry_from_{top}"


@pytest.mark.django_db
def test_an_id_past_every_range_lands_in_the_default_partition_and_never_fails():
    far = 10**15
    _entry_with_id(far)
    assert _home(far) == partitions.DEFAULT
    created = partitions.ensure_ahead()  # ranges begin above the rows the DEFAULT partition holds
    assert created and created[0] == f"ledger_entry_from_{(far // partitions.WIDTH + 1) * partitions.WIDTH}"
    _entry_with_id(far + partitions.WIDTH)
    assert _home(far + partitions.WIDTH) == created[0]


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_update_delete_and_truncate_are_refused_on_the_parent_and_on_every_partition():
    entry = services.record_event(KIND, subject="test:1", payload={"i": 1})
    far = 10**15
    _entry_with_id(far)
    _sql("SET CONSTRAINTS ALL IMMEDIATE")  # deferred FK checks would refuse TRUNCATE before the trigger is reached
    for table, entry_id in (("ledger_entry", entry.pk), (_home(entry.pk), entry.pk), (partitions.DEFAULT, far)):
        _refused(f"UPDATE {table} SET kind = 'x' WHERE id = {entry_id}")
        _refused(f"DELETE FROM {table} WHERE id = {entry_id}")
    for p in partitions.partitions():
        _refused(f"TRUNCATE {p.name} CASCADE")
    _refused("TRUNCATE ledger_entry CASCADE")
    assert Entry.objects.filter(pk__in=[entry.pk, far]).count() == 2


@pytest.mark.django_db
def test_foreign_keys_to_the_partitioned_table_are_enforced():
    _sql("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(IntegrityError), transaction.atomic():
        _sql("INSERT INTO ledger_pending (entry_id) VALUES (%s)", [10**14])
    with pytest.raises(IntegrityError), transaction.atomic():
        _sql("INSERT INTO ledger_finding (kind, detail, found_at, entry_id) VALUES ('missing', 'x', now(), %s)",
             [10**14])


@pytest.mark.django_db
def test_the_hardened_application_role_reaches_partitions_only_through_the_parent():
    call_command("ledger_harden_db", "zhifa_test_partitions_app", create=True, sequencer="zhifa_test_partitions_seq")
    for role in ("zhifa_test_partitions_app", "zhifa_test_partitions_seq"):
        assert _sql("SELECT has_table_privilege(%s, 'ledger_entry', 'INSERT')", [role]) == [(True,)]
        for p in partitions.partitions():
            for right in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"):
                assert _sql("SELECT has_table_privilege(%s, %s, %s)", [role, p.name, right]) == [(False,)], (p, right)


@pytest.mark.django_db
def test_the_partitions_command_lists_the_ranges():
    from io import StringIO

    out = StringIO()
    call_command("ledger_partitions", stdout=out)
    assert "ledger_entry_from_0" in out.getvalue() and "DEFAULT" in out.getvalue()


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


def _migrate_to_the_end():
    """Every app back at its last migration. Migrating the ledger back to 0015 unapplied every later migration that
    depends on it (supervision, instruments, …: their tables were dropped); migrating the ledger forward alone would
    leave them missing for every test after this one."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture
def leaves_every_app_migrated():
    """After a test that migrates the ledger back and forth, no app is left with an unapplied migration."""
    yield
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("leaves_every_app_migrated")
def test_the_migration_converts_a_log_with_rows_and_back_without_changing_one():
    """0016 on a database that holds a sequenced, signed log (migrated back to 0015 and filled there): every row
    stays, in the first partition, the log still audits clean, appends continue after the old ids, the guards and
    the foreign keys hold; reversed, the same rows are in a plain table again."""
    _migrate(BEFORE)
    try:
        assert _sql("SELECT relkind FROM pg_class WHERE relname = 'ledger_entry'") == [("r",)]
        for i in range(300):
            services.record_event(KIND, subject=f"test:{i}", payload={"i": i})
        services.checkpoint_create()
        before = _sql("SELECT id, kind, subject, actor, at, payload, payload_sha256 FROM ledger_entry ORDER BY id")
        _migrate(AFTER)
        assert partitions.is_partitioned()
        assert _sql("SELECT id, kind, subject, actor, at, payload, payload_sha256 FROM ledger_entry ORDER BY id") == before
        assert {_home(row[0]) for row in before} == {"ledger_entry_from_0"}
        assert log_audit(record=False).problems == []
        entry = services.record_event(KIND, subject="test:after", payload={})
        assert entry.pk > before[-1][0]
        assert services.checkpoint_create().size == storage.tree_size() == len(before) + 1
        _refused(f"UPDATE ledger_entry SET kind = 'x' WHERE id = {before[0][0]}")
        _refused(f"DELETE FROM ledger_entry_from_0 WHERE id = {before[0][0]}")
        with pytest.raises(IntegrityError), transaction.atomic():
            _sql("INSERT INTO ledger_pending (entry_id) VALUES (%s)", [10**14])
    finally:
        _migrate_to_the_end()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("leaves_every_app_migrated")
def test_the_migration_reversed_keeps_every_row_and_every_guard():
    for i in range(20):
        services.record_event(KIND, subject=f"test:{i}", payload={"i": i})
    services.checkpoint_create()
    rows = _sql("SELECT * FROM ledger_entry ORDER BY id")
    _migrate(BEFORE)
    try:
        assert _sql("SELECT relkind FROM pg_class WHERE relname = 'ledger_entry'") == [("r",)]
        assert _sql("SELECT * FROM ledger_entry ORDER BY id") == rows
        _refused(f"UPDATE ledger_entry SET kind = 'x' WHERE id = {rows[0][0]}")
        entry = services.record_event(KIND, subject="test:after", payload={})
        assert entry.pk > rows[-1][0]
        assert log_audit(record=False).problems == []
    finally:
        _migrate_to_the_end()
