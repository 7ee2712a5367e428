"""Issue 16, review H3 (and L2): a row the application role can insert that the sequencer cannot read must not halt
the log.

The reviewer inserted one `ledger_entry` row with `at = 'infinity'` (INSERT is all the hardened application role
keeps): every later `integrate()` and `checkpoint_create()` failed, and `log_audit()` still said OK because its
"unsequenced" check trusted that `at`. Now the table's CHECK constraints refuse such a row (migration 0012); one that
slips in anyway (constraints lifted here, as an owner could) is set aside by the sequencer with a Finding, the rest
of the log is sequenced and signed, and the audit reports it. The audit finds stale entries by the queue row's
database-set time. A tile index past any possible tree answers 404, not 500 (L2)."""

import contextlib
import datetime as dt
import hashlib

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone

from zhifa.ledger import selectors, services, storage
from zhifa.ledger.audit import log_audit
from zhifa.ledger.models import Entry, Finding, FindingKind, Pending
from zhifa.ledger.tlogtiles import MAX_TREE_SIZE, parse_tile_path, tile_within_bounds

KIND = "ledger.log_audit"  # a registered kind with no side effects
DIGEST = hashlib.sha256(b"{}").hexdigest()
ENTRY_CHECKS = ["ledger_entry_at_range", "ledger_entry_digest_hex", "ledger_entry_kind_subject"]


def _append(n, prefix="t"):
    for i in range(n):
        services.record_event(KIND, subject=f"{prefix}:{i}", payload={"i": i})


def _raw_entry(at, *, kind=KIND, subject="ledger.key", digest=DIGEST) -> int:
    """An entry inserted with plain SQL, as the application role may: every column chosen by the inserter."""
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("INSERT INTO ledger_entry (kind, subject, actor, at, payload, payload_sha256) "
                    "VALUES (%s, %s, %s, %s, %s, %s)", [kind, subject, "system", at, "{}", digest])
    return Entry.objects.order_by("-id").values_list("id", flat=True).first()


@contextlib.contextmanager
def unchecked():
    """The entry table's CHECK constraints out of the way, as an owner could (or a row written before 0012): on
    SQLite by `PRAGMA ignore_check_constraints`, on PostgreSQL dropped and put back NOT VALID (the test's
    transaction rolls the schema back anyway)."""
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("PRAGMA ignore_check_constraints = ON")
            try:
                yield
            finally:
                cur.execute("PRAGMA ignore_check_constraints = OFF")
            return
        cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = 'ledger_entry'::regclass AND contype = 'c'")
        checks = cur.fetchall()
        assert sorted(name for name, _ in checks) == ENTRY_CHECKS
        for name, _ in checks:
            cur.execute(f"ALTER TABLE ledger_entry DROP CONSTRAINT {name}")
        try:
            yield
        finally:
            for name, definition in checks:
                cur.execute(f"ALTER TABLE ledger_entry ADD CONSTRAINT {name} {definition} NOT VALID")


def _set_aside() -> list[Finding]:
    return list(Finding.objects.filter(kind=FindingKind.ENTRY_SET_ASIDE).order_by("id"))


# --- the constraints -------------------------------------------------------------------------------------------------

@pytest.mark.req("REC-12")
@pytest.mark.django_db
@pytest.mark.parametrize("at, kind, subject, digest", [
    ("infinity", KIND, "s", DIGEST),
    ("-infinity", KIND, "s", DIGEST),
    ("10000-01-01 00:00:00", KIND, "s", DIGEST),      # a year past 9999
    ("1999-12-31 23:59:59", KIND, "s", DIGEST),
    ("2200-01-01 00:00:00", KIND, "s", DIGEST),
    ("2026-01-01 00:00:00", KIND, "s", DIGEST.upper()),
    ("2026-01-01 00:00:00", KIND, "s", DIGEST[:63]),
    ("2026-01-01 00:00:00", KIND, "s", DIGEST[:63] + "g"),
    ("2026-01-01 00:00:00", KIND, "s", DIGEST + "0"),
    ("2026-01-01 00:00:00", "", "s", DIGEST),
    ("2026-01-01 00:00:00", KIND, "", DIGEST),
])
def test_the_entry_table_refuses_a_row_the_sequencer_could_not_read(at, kind, subject, digest):
    if connection.vendor == "sqlite" and at == "-infinity":
        pytest.skip("SQLite has no -infinity; 'infinity' covers the textual case")
    with pytest.raises((IntegrityError, DataError)):  # DataError: PostgreSQL's varchar(64) refuses 65 characters first
        _raw_entry(at, kind=kind, subject=subject, digest=digest)
    assert not Entry.objects.exists()


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_rows_record_event_writes_pass_and_an_erasure_still_does():
    _append(3)
    entry_id = _raw_entry("2026-01-01 00:00:00")  # a plain row in range passes
    assert Entry.objects.count() == 4 and Pending.objects.filter(entry_id=entry_id).exists()
    services.checkpoint_create()
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_user("eg-admin", is_superuser=True, is_staff=True)
    erasure = services.entry_erase(seq=0, basis="保存期限届满", actor=admin)  # UPDATE payload → '' under the CHECKs
    assert Entry.objects.get(pk=erasure.entry_id).payload == ""


# --- the sequencer ---------------------------------------------------------------------------------------------------

@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_an_unreadable_entry_is_set_aside_and_the_log_goes_on(settings):
    """The reviewer's H3, with the constraints lifted: 'infinity' in `at`, then honest entries queued behind it."""
    _append(3)
    services.checkpoint_create()
    with unchecked():
        poison = _raw_entry("infinity")
    _append(2, prefix="after")
    cp = services.checkpoint_create()  # raised AttributeError (SQLite) / DataError (PostgreSQL) before
    assert poison not in storage.seq_of([poison])
    honest = Entry.objects.filter(subject__startswith="after:").values_list("id", flat=True)
    assert len(storage.seq_of(honest)) == 2
    assert cp.size == selectors.tree_size() >= 5
    findings = _set_aside()
    assert len(findings) == 1 and findings[0].detail.startswith(f"条目 {poison} 无法写入日志树，已搁置")
    assert "无法读取" in findings[0].detail  # SQLite: the converter gives None; PostgreSQL: psycopg DataError
    assert not Pending.objects.filter(entry_id=poison).exists()  # consumed: not read again on every run

    # The audit reports it at once (it is not in flight), whatever its `at` says.
    settings.ZHIFA_LEDGER_AUDIT_GRACE_SECONDS = 3600
    result = log_audit(record=False)
    assert not result.ok
    assert any(f"1 个条目既不在日志树中也不在待排序队列中（条目 {poison}" in p for p in result.problems), result.problems

    # No loop, no second finding: later runs go on; a full scan re-queues it and sets it aside again, silently.
    _append(1, prefix="later")
    assert services.integrate() >= 1
    assert services.integrate(full_scan=True) == 0
    assert len(_set_aside()) == 1
    assert not Pending.objects.filter(entry_id=poison).exists()
    services.checkpoint_create()


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_a_year_past_9999_is_set_aside_too():
    _append(1)
    with unchecked():
        poison = _raw_entry("10000-06-01 00:00:00" if connection.vendor == "sqlite" else "10000-06-01 00:00:00+00")
    _append(1, prefix="after")
    services.checkpoint_create()
    assert poison not in storage.seq_of([poison])
    assert storage.tree_size() >= 2 and len(_set_aside()) == 1


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_a_wrong_digest_that_slipped_in_is_set_aside():
    with unchecked():
        poison = _raw_entry("2026-01-01 00:00:00", digest=DIGEST.upper())
    _append(2)
    services.checkpoint_create()
    assert poison not in storage.seq_of([poison])
    assert storage.tree_size() >= 2
    assert "内容摘要不是 64 位小写十六进制" in _set_aside()[0].detail


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_a_time_within_the_checked_range_but_unreadable_is_set_aside():
    """SQLite compares the stored text: '2100-13-45 …' passes the CHECK but is no date. With the constraints on."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL parses the time on INSERT: such a value cannot be stored")
    poison = _raw_entry("2100-13-45 99:99:99")
    _append(2)
    services.checkpoint_create()
    assert poison not in storage.seq_of([poison])
    assert storage.tree_size() >= 2 and len(_set_aside()) == 1


# --- the audit's "unsequenced" check ---------------------------------------------------------------------------------

@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_the_audit_finds_stale_entries_by_the_queue_time_not_by_at(settings):
    """An entry whose `at` says "far future" is still reported once its queue row is older than the grace period;
    the queue time is the database's, not the inserter's."""
    _append(2)
    services.checkpoint_create()
    future = timezone.now().replace(year=2199)
    late = Entry.objects.create(kind=KIND, subject="late", actor="system", at=future, payload="{}",
                                payload_sha256=DIGEST)
    queued = Pending.objects.get(entry=late).queued_at
    assert abs((queued - timezone.now()).total_seconds()) < 60  # set by the database at insert time
    settings.ZHIFA_LEDGER_AUDIT_GRACE_SECONDS = 3600
    assert not any("仍未写入日志树" in p for p in log_audit(record=False).problems)  # within the grace period
    # Two hours pass with no sequencer run (the queue row's time moved back, as the owner can).
    with connection.cursor() as cur:
        cur.execute("UPDATE ledger_pending SET queued_at = %s WHERE entry_id = %s",
                    [timezone.now() - dt.timedelta(hours=2), late.pk])
    problems = log_audit(record=False).problems
    assert any(f"1 个已提交的条目超过 3600 秒仍未写入日志树（条目 {late.pk}" in p for p in problems), problems


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_the_queue_time_is_checked_too():
    _append(1)
    entry = Entry.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE ledger_pending SET queued_at = %s WHERE entry_id = %s",
                    ["infinity" if connection.vendor == "postgresql" else "10000-01-01 00:00:00", entry.pk])


# --- tiles (review L2) -----------------------------------------------------------------------------------------------

@pytest.mark.req("REC-12")
@pytest.mark.django_db
@pytest.mark.parametrize("path", ["0/x999/x999/x999/x999/x999/x999/999", "0/x999/x999/x999/x999/x999/x999/999.p/5",
                                  "0/x036/x028/x797/x018/x963/967", "7/001", "7/000", "8/000.p/1", "63/x999/999.p/255"])
def test_a_tile_past_any_possible_tree_is_404_not_500(client, path):
    _append(3)
    services.checkpoint_create()
    response = client.get(f"/ledger/tile/{path}")
    assert response.status_code == 404, response.content.decode()


@pytest.mark.req("REC-12")
def test_tile_bounds():
    assert tile_within_bounds(0, 0, 256) and tile_within_bounds(7, 0, 127)
    assert not tile_within_bounds(7, 0, 128) and not tile_within_bounds(8, 0, 1)
    last = MAX_TREE_SIZE // 256 - 1  # the last full level-0 tile of the largest tree
    assert tile_within_bounds(0, last, 256) and not tile_within_bounds(0, last + 2, 1)
    level, index, width = parse_tile_path("tile/0/x999/x999/x999/x999/x999/x999/999")  # canonical, spec-valid
    assert not tile_within_bounds(level, index, width)
