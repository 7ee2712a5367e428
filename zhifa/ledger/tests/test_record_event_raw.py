"""Issue 16: `record_event` writes its entry with one raw INSERT, and stores exactly what `Entry.objects.create()`
stored: the same row on each database, the same refusals (core.bounds, the table's CHECKs), the same leaf hash,
the same queue row, in the caller's transaction."""

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection, transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from zhifa.core.errors import ZhifaError
from zhifa.ledger import events, services, storage
from zhifa.ledger.audit import log_audit
from zhifa.ledger.canonical import canonical_json, sha256_hex
from zhifa.ledger.models import Entry, Pending

KIND = "ledger.log_audit"  # a registered kind with no side effects
MOMENT = dt.datetime(2026, 5, 1, 8, 30, 15, 123456, tzinfo=dt.UTC)


class _Undo(Exception):
    """Raised to roll a comparison's savepoint back."""


def _orm_create(kind, *, subject, actor=None, payload=None):
    """What record_event did before issue 16: the same values, saved through the ORM."""
    text = canonical_json(payload or {})
    return Entry.objects.create(kind=kind, subject=subject[:120], actor=services.actor_label(actor)[:200],
                                at=timezone.now(), payload=text, payload_sha256=sha256_hex(text))


def _stored(pk):
    """The row as the database holds it (on SQLite `at` is the text the ORM wrote), without the id."""
    with connection.cursor() as cur:
        cur.execute("SELECT kind, subject, actor, at, payload, payload_sha256 FROM ledger_entry WHERE id = %s", [pk])
        return cur.fetchone()


def _outcome(write, **kwargs):
    """What `write(KIND, **kwargs)` leaves behind, in a savepoint rolled back afterwards: the stored row, the returned
    instance and the queue row, or the error and whether the enclosing transaction was marked for rollback."""
    result = {}
    try:
        with transaction.atomic():
            try:
                entry = write(KIND, **kwargs)
            except Exception as exc:  # compared, not handled: each path must fail alike
                result["error"] = (type(exc).__name__, getattr(exc, "code", None))
                result["needs_rollback"] = connection.needs_rollback
            else:
                result["row"] = _stored(entry.pk)
                result["instance"] = (entry.kind, entry.subject, entry.actor, entry.at, entry.payload,
                                      entry.payload_sha256, entry._state.adding, entry._state.db)
                result["queued"] = Pending.objects.filter(entry_id=entry.pk).exists()
                result["read_back"] = services.entry_leaf_hash(Entry.objects.get(pk=entry.pk))
                result["leaf"] = services.entry_leaf_hash(entry)
            raise _Undo
    except _Undo:
        pass
    return result


def _long_user(name):
    return SimpleNamespace(pk=7, get_username=lambda: name)


CASES = {
    "plain": {"subject": "test:1", "payload": {"a": "值", "n": 1}},
    "no payload": {"subject": "test:1"},
    "subject over 120 characters": {"subject": "案" * 300},
    "subject decomposed, NFC after the cut": {"subject": "e\u0301" * 200},
    "subject longer than 120 after NFC": {"subject": "\u0344" * 130},
    "subject with a bidi override": {"subject": "case:\u202egnp.exe"},
    "subject with NUL": {"subject": "case:\x00"},
    "subject with a lone surrogate": {"subject": "case:\ud800"},
    "empty subject": {"subject": ""},
    "payload decomposed, kept verbatim": {"subject": "test:1", "payload": {"name": "Jose\u0301"}},
    "payload with a bidi override": {"subject": "test:1", "payload": {"name": "\u202egnp.exe"}},
    "payload with a lone surrogate": {"subject": "test:1", "payload": {"name": "\udc00"}},
    "actor over 200 characters": {"subject": "test:1", "actor": _long_user("u" * 300)},
    "actor decomposed": {"subject": "test:1", "actor": _long_user("Jose\u0301")},
    "actor with a zero-width space": {"subject": "test:1", "actor": _long_user("ro\u200bot")},
}


@pytest.mark.req("REC-12")
@pytest.mark.django_db
@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("moment", [MOMENT, MOMENT.replace(microsecond=0)], ids=["micro", "whole-second"])
def test_the_raw_insert_stores_what_the_orm_stored(case, moment):
    """Row for row (including how `at` is written on SQLite, where a whole second drops its fraction), refusal for
    refusal: core.bounds' NFC, invisible-character and length rules; the payload verbatim; the CHECKs."""
    with time_machine.travel(moment, tick=False):
        raw = _outcome(services.record_event, **CASES[case])
        orm = _outcome(_orm_create, **CASES[case])
    assert raw == orm
    if "row" in raw:
        assert raw["queued"] and raw["leaf"] == raw["read_back"]
        assert raw["instance"][6:] == (False, "default")


@pytest.mark.req("REC-12")
@pytest.mark.django_db
@pytest.mark.parametrize("moment", [dt.datetime(1999, 12, 31, 23, 59, tzinfo=dt.UTC),
                                    dt.datetime(2250, 1, 1, tzinfo=dt.UTC)])
def test_a_time_outside_the_logs_range_is_refused_alike(moment):
    """The table's CHECK refuses the row (migration 0012); the caller's transaction is marked for rollback, as
    `Entry.objects.create()` marked it."""
    with time_machine.travel(moment, tick=False):
        raw = _outcome(services.record_event, subject="test:1")
        orm = _outcome(_orm_create, subject="test:1")
    assert raw == orm == {"error": ("IntegrityError", None), "needs_rollback": True}


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_raw_inserted_entries_keep_their_leaf_hash_and_pass_the_audit(users):
    """The leaf is computed from `at_text(entry.at)` as read back: the returned instance, the row read through the
    ORM and the sequenced leaf agree, and the audit passes."""
    returned = []
    for i, micro in enumerate([0, 1, 500000, 999999]):
        with time_machine.travel(MOMENT.replace(microsecond=micro), tick=False), transaction.atomic():
            returned.append(services.record_event(KIND, subject=f"test:{i}", actor=users.su, payload={"i": i}))
    services.checkpoint_create()
    for entry in returned:
        seq = storage.seq_of([entry.pk])[entry.pk]
        assert storage.leaf_hashes(seq, seq + 1)[0] == services.entry_leaf_hash(entry) == services.entry_leaf_hash(
            Entry.objects.get(pk=entry.pk))
        assert Entry.objects.get(pk=entry.pk).at == entry.at
    assert log_audit(record=False).ok


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_the_returned_entry_is_a_saved_instance(users):
    with transaction.atomic():
        entry = services.record_event(KIND, subject="test:1", actor=users.su, payload={"b": [1, 2], "a": "值"})
    assert isinstance(entry, Entry) and entry.pk == entry.id and entry.pk is not None
    assert not entry._state.adding and entry._state.db == "default"
    assert entry.payload == '{"a":"值","b":[1,2]}' and entry.payload_sha256 == sha256_hex(entry.payload)
    assert entry.actor == f"user:{users.su.pk}" and timezone.is_aware(entry.at)
    with pytest.raises(ZhifaError) as exc:  # still append-only through the ORM
        entry.save()
    assert exc.value.code == "append_only"


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_an_unknown_kind_is_refused_and_nothing_is_written():
    with pytest.raises(ZhifaError) as exc:
        services.record_event("test.never_registered", subject="test:1")
    assert exc.value.code == "ledger_unknown_event_kind"
    assert not Entry.objects.exists()


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_an_identifier_key_is_refused_at_any_depth():
    """Issue 15 §5: an ID number, phone or address in clear never enters the log."""
    with pytest.raises(ZhifaError) as exc:
        services.record_event(KIND, subject="test:1", payload={"party": [{"name": "张三", "Phone": "13800000000"}]})
    assert exc.value.code == "ledger_identifier_in_payload"
    assert "party.0.Phone" in exc.value.message
    assert not Entry.objects.exists()


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_the_entry_and_its_queue_row_commit_or_roll_back_with_the_caller():
    with pytest.raises(RuntimeError), transaction.atomic():
        entry = services.record_event(KIND, subject="test:rolled-back")
        assert Pending.objects.filter(entry_id=entry.pk).exists()
        raise RuntimeError("the state change failed")
    assert not Entry.objects.filter(pk=entry.pk).exists()
    assert not Pending.objects.filter(entry_id=entry.pk).exists()
    with transaction.atomic():
        kept = services.record_event(KIND, subject="test:kept")
    assert Entry.objects.filter(pk=kept.pk).exists() and Pending.objects.filter(entry_id=kept.pk).exists()


@pytest.mark.django_db
def test_save_signals_are_sent_as_by_the_orm():
    """pre_save (core.bounds' receiver, and any other) and post_save still run for every entry."""
    seen = []

    def on_pre_save(sender, instance, raw, using, update_fields, **kwargs):
        seen.append(("pre", instance.pk, instance._state.adding, raw, using, update_fields))

    def on_post_save(sender, instance, created, raw, using, update_fields, **kwargs):
        seen.append(("post", instance.pk, instance._state.adding, created, raw, using, update_fields))

    pre_save.connect(on_pre_save, sender=Entry)
    post_save.connect(on_post_save, sender=Entry)
    try:
        entry = services.record_event(KIND, subject="test:1")
    finally:
        pre_save.disconnect(on_pre_save, sender=Entry)
        post_save.disconnect(on_post_save, sender=Entry)
    assert seen == [("pre", None, True, False, "default", None),
                    ("post", entry.pk, False, True, False, "default", None)]


def test_the_insert_writes_every_column_of_entry():
    """A field added to Entry must be added to the INSERT too: this fails until it is."""
    columns = {f.name for f in Entry._meta.concrete_fields if not f.primary_key}
    assert set(services._ENTRY_COLUMNS) == columns
    assert KIND in events.KINDS
