"""Writes to the ledger: the only code that appends log entries (STYLE layout).

- `record_event` appends an entry inside the caller's transaction: the state change and its log
  entry commit together or not at all.
- `integrate` is the sequencer: one at a time (PostgreSQL advisory lock; SQLite's single writer),
  it gives committed entries consecutive indexes and stores completed subtree hashes.
- `checkpoint_create` integrates, then signs the tree head (C2SP tlog-checkpoint).
- `evidence_put` stores a file under its SHA-256 in one streaming pass; `evidence_publish` registers a file already
  hashed as it arrived (records.tus) and moves it in by a rename (issue 19 §4).
- `fixity_run` and `log_audit` re-check files and the log, and record each result in the log.
- `entry_erase` removes an entry's payload (retention ended, or a legal order) without breaking any proof.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import os
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import DatabaseError, connection, connections, router, transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from django.utils.crypto import salted_hmac

from zhifa.core import files
from zhifa.core.errors import NotFoundError, PermissionDeniedError, ZhifaError
from zhifa.core.models import SecurityEventKind
from zhifa.core.permissions import can
from zhifa.core.services import security_event_record

from . import events, merkle, storage
from . import signers as signer_backends
from .canonical import canonical_json, leaf_input, sha256_hex
from .errors import LedgerErrorCode
from .models import (
    AT_MAX,
    AT_MIN,
    BAND,
    Blob,
    BlobDisposal,
    Checkpoint,
    Entry,
    Erasure,
    Finding,
    FindingKind,
    FindingReview,
    LeafBatch,
    LeafTile,
    Node,
    Pending,
)
from .note import Checkpoint as CheckpointText
from .note import NoteError, Signer, Verifier, open_checkpoint, sign_note
from .selectors import TreeReader, tree_size

logger = logging.getLogger("zhifa.ledger")
CHUNK = 1024 * 1024
_IN = 500  # ids per IN (...) list: SQLite's bound on parameters, and short statements on PostgreSQL
_SEQUENCER_LOCK = 0x7A68_6966  # "zhif"


def actor_label(actor) -> str:
    """Who acted, as the leaf commits to it: "user:<id>", or "system". Not the login name (issue 18 §5): the portal's
    核验 gives the public an entry's header to recompute its leaf, and a login is no one's business outside. Entries
    written before issue 18 say "user:<id> <username>"; `actor_user_id` reads both."""
    if actor is None:
        return "system"
    return f"user:{actor.pk}"


def actor_user_id(label: str) -> int | None:
    """The user id in an actor label (either form), or None for "system"."""
    if not label.startswith("user:"):
        return None
    head = label[5:].split(" ", 1)[0]
    return int(head) if head.isdigit() else None


def at_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def identifier_commitment(value: str) -> str:
    """What a log payload holds in place of a personal identifier (an ID number): HMAC-SHA256 under the
    deployment's identifier key (issue 15 §5). A plain SHA-256 of an ID number is guessable by enumeration
    (about 10⁹ candidates: region, birth date, sequence); the keyed hash is not, without the key. The same number
    always gives the same value, so those who hold the key can still match entries to a party, and the entry's
    proof is unaffected (the payload is hashed into the log as it is)."""
    key = settings.ZHIFA_IDENTIFIER_KEY or settings.SECRET_KEY
    return salted_hmac("zhifa.ledger.identifier", value, secret=key, algorithm="sha256").hexdigest()


# Payload keys that would put a natural person's identifier or contact in clear into the permanent log (issue 15 §5).
# Such a value goes in as `identifier_commitment(value)` under a key of its own (`id_hmac`), or stays in the model
# row, never in the log: record_event refuses these keys at any depth, so a new service cannot add one by accident.
IDENTIFIER_KEYS = frozenset({
    "id_number", "id_no", "idcard", "id_card", "identity_number", "passport", "passport_number", "phone", "mobile",
    "telephone", "tel", "email", "e_mail", "bank_account", "bank_card", "account_number", "plate", "plate_number",
    "licence_plate", "license_plate", "address", "home_address", "requester_id_number", "contact",
})


def _identifier_keys(value, path="") -> list[str]:
    # Called on every record_event: a scalar is not descended into (no path built for it), issue 16.
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if str(key).lower() in IDENTIFIER_KEYS and item not in (None, ""):
                found.append(f"{path}{key}")
            if isinstance(item, (dict, list, tuple)):
                found += _identifier_keys(item, f"{path}{key}.")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            if isinstance(item, (dict, list, tuple)):
                found += _identifier_keys(item, f"{path}{i}.")
    return found


def record_event(kind: str, *, subject: str, actor=None, payload: dict | None = None) -> Entry:
    """Append an event to the log, in the caller's transaction. Integration into the tree follows."""
    if kind not in events.KINDS:
        raise ZhifaError(LedgerErrorCode.UNKNOWN_KIND, f"未登记的日志事件类型：{kind}")
    clear = _identifier_keys(payload or {})
    if clear:
        raise ZhifaError(LedgerErrorCode.IDENTIFIER_IN_PAYLOAD,
                         f"日志内容不得含有明文个人标识（{'、'.join(clear)}），请改用 identifier_commitment。")
    try:
        text = canonical_json(payload or {})
    except TypeError as exc:
        raise ZhifaError(LedgerErrorCode.BAD_PAYLOAD, f"日志内容无法规范化：{exc}") from exc
    entry = Entry(kind=kind, subject=subject[:120], actor=actor_label(actor)[:200], at=timezone.now(), payload=text,
                  payload_sha256=sha256_hex(text))
    _insert_entry(entry)
    return entry


# Issue 16: record_event writes its row with one INSERT … RETURNING id through Django's cursor (a statement the
# SQLite driver prepares once and reuses), not `Entry.objects.create()`, whose SQL compilation and per-field
# preparation were repeated for the same statement on every call. Measured on SQLite, CPU per one-event transaction
# in one process: ~190 µs with create(), ~130 µs now; the same row by plain INSERT into ledger_entry ~84 µs (its
# queue trigger, CHECKs and AUTOINCREMENT), into the bench's plain table ~58 µs. Of the ~50 µs left over the plain
# INSERT into ledger_entry, core.bounds' pre_save check is the largest part (~19 µs). bench/ledger.py clients on
# SQLite went from 0.20-0.40x to 0.41-0.48x of a plain INSERT (issue 16 report, append.md).
# What `Model.save()` does for an Entry is kept, in the same order: pre_save is sent (core.bounds' guard_save:
# NFC, invisible controls, column bounds, the payload verbatim), `at` is adapted by the backend function the ORM
# uses (so it is stored in the same format and the leaf hash computed from it on read-back is the same), an error
# marks the caller's transaction for rollback, the instance comes back saved (`pk`, `_state`), post_save is sent.
_ENTRY_COLUMNS = ("kind", "subject", "actor", "at", "payload", "payload_sha256")  # every column but the id
_INSERT_SQL: dict[str, str] = {}  # by database vendor (quoting)


def _insert_entry(entry: Entry) -> None:
    """Save the new `entry` as `entry.save(force_insert=True)` would, with one INSERT."""
    using = router.db_for_write(Entry, instance=entry)
    conn = connections[using]
    pre_save.send(sender=Entry, instance=entry, raw=False, using=using, update_fields=None)
    # Text columns go to the driver as they are (CharField/TextField.get_prep_value leave a str unchanged).
    values = [entry.kind, entry.subject, entry.actor, conn.ops.adapt_datetimefield_value(entry.at), entry.payload,
              entry.payload_sha256]
    sql = _INSERT_SQL.get(conn.vendor)
    if sql is None:
        table, quote = Entry._meta.db_table, conn.ops.quote_name
        sql = _INSERT_SQL[conn.vendor] = (
            f"INSERT INTO {quote(table)} ({', '.join(quote(Entry._meta.get_field(c).column) for c in _ENTRY_COLUMNS)}) "
            f"VALUES ({', '.join(['%s'] * len(_ENTRY_COLUMNS))}) RETURNING {quote(table)}.{quote(Entry._meta.pk.column)}")
    with transaction.mark_for_rollback_on_error(using), conn.cursor() as cur:
        cur.execute(sql, values)
        entry.pk = cur.fetchone()[0]
    entry._state.db = using
    entry._state.adding = False
    post_save.send(sender=Entry, instance=entry, created=True, update_fields=None, raw=False, using=using)


def entry_leaf_hash(entry: Entry) -> bytes:
    return merkle.leaf_hash(leaf_input(kind=entry.kind, subject=entry.subject, actor=entry.actor,
                                       at=at_text(entry.at), payload_sha256=entry.payload_sha256))


def _lock_sequencer() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_SEQUENCER_LOCK])
    # SQLite: the IMMEDIATE transaction already holds the database's one write lock.


def _parts(items: list, n: int = _IN):
    for i in range(0, len(items), n):
        yield items[i:i + n]


def requeue_unsequenced() -> int:
    """Queue every entry that has neither a place in the tree nor a queue row (a queue row removed behind the
    sequencer's back). A full scan (every batch row decoded, every entry id read): for repairs and audits
    (`integrate(full_scan=True)`), not for every run."""
    with transaction.atomic():
        sequenced = storage.sequenced_ids()
        queued = set(Pending.objects.values_list("entry_id", flat=True))
        missing = [i for i in Entry.objects.order_by("id").values_list("id", flat=True).iterator(chunk_size=10_000)
                   if not sequenced.contains(i) and i not in queued]
        Pending.objects.bulk_create([Pending(entry_id=i) for i in missing], batch_size=2000)
        return len(missing)


def _read_entries(ids: list[int]) -> tuple[list[Entry], dict[int, str]]:
    """The entries with these ids, and the ids of those the driver cannot read (issue 16, review H3: PostgreSQL
    stores `at = 'infinity'` or a year past 9999, psycopg refuses to load it). The batch is read at once; only when
    that fails is each entry read on its own, so one unreadable row costs one batch of single reads, once."""
    try:
        with transaction.atomic():  # a savepoint: a failed read leaves the sequencer's transaction usable
            return list(Entry.objects.filter(pk__in=ids)), {}
    except Exception:  # DataError, ValueError, OverflowError…: the rows are read one by one below
        pass
    entries: list[Entry] = []
    failed: dict[int, str] = {}
    for entry_id in ids:
        try:
            with transaction.atomic():
                entries += Entry.objects.filter(pk=entry_id)
        except Exception as exc:  # any read failure sets this one entry aside
            failed[entry_id] = f"无法读取：{type(exc).__name__}: {exc}"
    return entries, failed


def _entry_problem(entry: Entry) -> str | None:
    """Why this entry cannot be sequenced, or None. The same rules as the table's CHECK constraints (migration
    0012), for a row written before them or with them lifted: a leaf must commit to a time and a digest that any
    verifier can read back."""
    at = entry.at
    if not isinstance(at, dt.datetime) or at.tzinfo is None:
        return f"时间无法读取（{at!r}）"
    if not AT_MIN <= at < AT_MAX:
        return f"时间超出允许范围（{at.isoformat()}）"
    digest = entry.payload_sha256
    if not isinstance(digest, str) or len(digest) != 64 or digest.strip("0123456789abcdef"):
        return f"内容摘要不是 64 位小写十六进制（{digest!r:.80}）"
    if not entry.kind or not entry.subject:
        return "类型或主体为空"
    return None


def _set_aside(entry_id: int, problem: str) -> None:
    """Leave an entry the sequencer cannot read or hash out of the tree, and say so (a Finding, logged). Its queue
    row is consumed like any other, so it is not read again on every run; the audit reports every entry that has
    neither a leaf nor a queue row. Re-queued by a full scan, it is set aside again without a second Finding."""
    detail = f"条目 {entry_id} 无法写入日志树，已搁置：{problem}"
    if Finding.objects.filter(kind=FindingKind.ENTRY_SET_ASIDE, detail__startswith=f"条目 {entry_id} ").exists():
        return
    entry = record_event(events.LOG_AUDIT, subject="ledger.log",
                         payload={"finding": FindingKind.ENTRY_SET_ASIDE.value, "entry": entry_id, "detail": detail})
    Finding.objects.create(kind=FindingKind.ENTRY_SET_ASIDE, detail=detail, entry=entry)


def integrate(*, limit: int | None = None, full_scan: bool = False) -> int:
    """Sequence up to `limit` committed entries into the tree. Returns how many were added.

    The entries come from the queue (`Pending`), which a trigger fills in each entry's own transaction: exactly the
    committed, unsequenced ones, in the order this sequencer sees them, however late a transaction committed
    (issue 16, finding 4). `full_scan=True` first re-queues any entry that has neither a leaf nor a queue row."""
    limit = limit or settings.ZHIFA_LEDGER_BATCH
    if full_scan:
        requeue_unsequenced()
    # A plain read first: an idle sequencer must not take the write lock (SQLite has only one).
    if not connection.in_atomic_block and not Pending.objects.exists():
        return 0
    with transaction.atomic():
        _lock_sequencer()
        while True:
            ids = list(Pending.objects.order_by("entry").values_list("entry_id", flat=True)[:limit])
            if not ids:
                return 0
            entries: list[Entry] = []
            unreadable: dict[int, str] = {}
            done: set[int] = set()
            for part in _parts(ids):
                read, failed = _read_entries(part)
                entries += read
                unreadable.update(failed)
                done.update(storage.seq_of(part))
            # A queue row for an entry already in the tree, or for none (written by hand), is dropped, never sequenced
            # twice. A queue row commits with its entry, so an entry missing here is not one still in flight.
            fresh: list[tuple[Entry, bytes]] = []
            for entry in sorted((e for e in entries if e.pk not in done), key=lambda e: e.pk):
                problem = _entry_problem(entry)
                leaf_hash = None
                if problem is None:
                    try:
                        leaf_hash = entry_leaf_hash(entry)
                    except Exception as exc:  # whatever the row holds, it must not halt the log
                        problem = f"无法计算叶节点哈希：{type(exc).__name__}: {exc}"
                if problem is None:
                    fresh.append((entry, leaf_hash))
                else:
                    unreadable[entry.pk] = problem
            with connection.cursor() as cur:
                for part in _parts(ids):
                    cur.execute(f"DELETE FROM {Pending._meta.db_table} WHERE entry_id IN ({', '.join(['%s'] * len(part))})",
                                part)
            for entry_id, problem in sorted(unreadable.items()):
                if entry_id not in done:
                    _set_aside(entry_id, problem)
            if not fresh:
                continue
            old_size = tree_size()
            new_size = old_size + len(fresh)
            LeafBatch.objects.bulk_create(storage.batch_rows(old_size, [e.pk for e, _ in fresh]), batch_size=500)
            hashes = {old_size + i: h for i, (_, h) in enumerate(fresh)}
            # The open tile's earlier leaves are not stored: recomputed from their entries to complete the tile, never
            # read from the cache or from a row stored for the open tile (review findings 1 and 2: `leaf_hashes`
            # with the old size serves no stored row for a tile that size has not completed).
            open_start = old_size - old_size % storage.TILE_WIDTH
            if new_size // storage.TILE_WIDTH > old_size // storage.TILE_WIDTH and open_start < old_size:
                hashes.update(zip(range(open_start, old_size),
                                  storage.leaf_hashes(open_start, old_size, size=old_size, cached=False), strict=True))
            _store_completed_tiles(old_size, new_size, hashes)
            _store_completed_nodes(old_size, new_size, hashes)
            return len(fresh)


def _store_completed_tiles(old_size: int, new_size: int, hashes: dict[int, bytes]) -> None:
    """Store each level-0 tile the new leaves completed, 256 hashes in one row. A row already there (written by hand
    ahead of the log) is kept if equal; one that differs is left as it is and recorded as a `node_conflict` Finding,
    as for `Node` rows: the audit and the tile server then refuse it."""
    width = storage.TILE_WIDTH
    first, last = old_size // width, new_size // width
    if first >= last:
        return
    built = {t: b"".join(hashes[s] for s in range(t * width, (t + 1) * width)) for t in range(first, last)}
    stored = {i: bytes(d) for i, d in LeafTile.objects.filter(index__gte=first, index__lt=last)
              .values_list("index", "data")}
    for index, data in stored.items():
        if data != built[index]:
            _finding(FindingKind.NODE_CONFLICT, f"叶哈希分片 0/{index} 已存在且与叶节点计算的哈希不符（有人预先写入）。")
    LeafTile.objects.bulk_create([LeafTile(index=i, data=d) for i, d in built.items() if i not in stored],
                                 batch_size=50)


def _store_completed_nodes(old_size: int, new_size: int, fresh: dict[int, bytes]) -> list[tuple[int, int]]:
    """Store the hash of every subtree at a band level that the new leaves completed.

    A node already stored at that place (planted by hand ahead of the log, finding 3) does not stop sequencing: one
    equal to what the leaves give is kept; one that differs is left as it is (the table is append-only), recorded as
    a `node_conflict` Finding, and returned. The leaves are sequenced all the same, and checkpoint_create, which
    checks the stored tree against the leaves before signing, refuses to sign until an owner removes the row and
    runs `nodes_restore()` (`manage.py ledger_checkpoint --restore-nodes`)."""
    below: dict[int, bytes] = fresh  # hashes of the level under construction, by index
    conflicts: list[tuple[int, int]] = []
    band = 0
    while True:
        level = band + BAND
        first, last = old_size >> level, new_size >> level
        if first >= last:
            break
        width = 1 << BAND
        lo, hi = first * width, last * width
        missing = [i for i in range(lo, hi) if i not in below]
        if missing:
            reader = TreeReader(cached=False)
            for i, h in zip(range(min(missing), max(missing) + 1),
                            reader.stored(band, min(missing), max(missing) + 1), strict=True):
                below.setdefault(i, h)
        built: dict[int, bytes] = {}
        for index in range(first, last):
            hashes = [below[i] for i in range(index * width, (index + 1) * width)]
            while len(hashes) > 1:
                hashes = [merkle.node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
            built[index] = hashes[0]
        stored = {i: bytes(h) for i, h in Node.objects.filter(level=level, index__gte=first, index__lt=last)
                  .values_list("index", "hash")}
        for index, h in stored.items():
            if h != built[index]:
                conflicts.append((level, index))
                _finding(FindingKind.NODE_CONFLICT,
                         f"树节点 {level}/{index} 已存在且与叶节点计算的哈希不符（有人预先写入）；"
                         "在删除该行并恢复节点之前，不会签署新的检查点。")
        Node.objects.bulk_create([Node(level=level, index=i, hash=h) for i, h in built.items() if i not in stored],
                                 batch_size=2000)
        below, band = built, level
    return conflicts


def nodes_restore() -> list[tuple[int, int]]:
    """Recompute every band node of the tree from the leaves and store the ones missing (after an owner removed a
    conflicting row). Returns the places where a stored node still differs. Reads every leaf: a repair tool.
    A completed level-0 tile whose row is missing (an owner removed a row planted ahead of the log) is first
    rebuilt from its entries."""
    with transaction.atomic():
        _lock_sequencer()
        size = tree_size()
        complete = size // storage.TILE_WIDTH
        have = set(LeafTile.objects.filter(index__lt=complete).values_list("index", flat=True))
        LeafTile.objects.bulk_create(
            [LeafTile(index=t, data=b"".join(storage.recomputed_leaf_hashes(t * storage.TILE_WIDTH,
                                                                            (t + 1) * storage.TILE_WIDTH)))
             for t in range(complete) if t not in have], batch_size=50)
        leaves: dict[int, bytes] = {}
        for lo in range(0, size, 100_000):
            leaves.update(zip(range(lo, min(size, lo + 100_000)),
                              storage.leaf_hashes(lo, min(size, lo + 100_000), size=size, cached=False),
                              strict=True))
        return _store_completed_nodes(0, size, leaves)


# --- keys and checkpoints ------------------------------------------------------------------------

_signer_cache: tuple[tuple, signer_backends.SignerBackend] | None = None


def signer() -> signer_backends.SignerBackend:
    """The deployment's checkpoint signer (signers.py): the key file for development, or an external process."""
    global _signer_cache
    kind = settings.ZHIFA_LEDGER_SIGNER
    if kind == "file":
        config = (kind, signer_backends.file_key_text())
    else:
        config = (kind, settings.ZHIFA_LEDGER_SIGNER_COMMAND, settings.ZHIFA_LEDGER_VERIFIER_KEY)
    if _signer_cache is None or _signer_cache[0] != config:
        _signer_cache = (config, signer_backends.backend())
    return _signer_cache[1]


def trusted_verifiers() -> list[Verifier]:
    """The verifier keys this deployment trusts: the current signer's (the signer backend; for "command",
    ZHIFA_LEDGER_VERIFIER_KEY) and ZHIFA_LEDGER_PAST_VERIFIER_KEYS. Configuration only, never the database: the
    application role can insert log entries of any kind (a `ledger.key_in_use` entry too) and checkpoint rows, so a
    key named only in a row could have been put there by whoever wrote the row (review16 H1, H2). Every trust decision
    about a checkpoint or a key — the previous checkpoint before signing, the checkpoint served, the audit, the
    published key list — starts from this list."""
    return [signer().verifier, *signer_backends.past_verifiers()]


def trusted_keys() -> list[str]:
    """trusted_verifiers() as encoded verifier keys (the form log entries and checkpoint rows use), current first."""
    return list(dict.fromkeys(v.encode() for v in trusted_verifiers()))


def previous_signer():
    """The outgoing key of a rotation, if configured (ZHIFA_LEDGER_PREVIOUS_KEY, or the file
    ZHIFA_LEDGER_PREVIOUS_KEY_FILE; a `PRIVATE+KEY+…` text): checkpoint_create co-signs the first checkpoint of the
    new key with it, so the rotation statement carries the old key's signature (verify.tiles.verify_rotation requires
    it). None when not configured, or when it is the current key."""
    text = settings.ZHIFA_LEDGER_PREVIOUS_KEY.strip()
    path = settings.ZHIFA_LEDGER_PREVIOUS_KEY_FILE
    if not text and path:
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read().strip()
        except OSError as exc:
            raise ZhifaError(LedgerErrorCode.KEY, f"无法读取上一签名密钥文件：{exc}") from exc
    if not text:
        return None
    try:
        old = Signer.decode(text)
    except (NoteError, ValueError) as exc:
        raise ZhifaError(LedgerErrorCode.KEY, "上一签名密钥格式无效（应为 PRIVATE+KEY+… 格式）。") from exc
    return None if old.verifier.encode() == signer().verifier.encode() else old


# Verdicts on checkpoint rows, which never change: a row inserted with a bad signature costs one verification per
# process, not one per request (the served checkpoint is looked for on every /ledger/checkpoint).
_SIGNED_VERDICTS: dict[tuple, bool] = {}
_SIGNED_VERDICTS_MAX = 10_000


def checkpoint_signed(cp: Checkpoint, verifiers: list[Verifier] | None = None) -> bool:
    """Does the checkpoint's note verify under one of `verifiers` (default: trusted_verifiers()), for this log, with
    the size and root its columns say?"""
    verifiers = verifiers if verifiers is not None else trusted_verifiers()
    key = (cp.pk, hashlib.sha256(cp.note.encode()).digest(), cp.size, bytes(cp.root), settings.ZHIFA_LEDGER_ORIGIN,
           tuple(sorted(v.encode() for v in verifiers)))
    if (known := _SIGNED_VERDICTS.get(key)) is not None:
        return known
    try:
        opened = open_checkpoint(cp.note, verifiers, settings.ZHIFA_LEDGER_ORIGIN)
        verdict = opened.size == cp.size and opened.root == bytes(cp.root)
    except (NoteError, ValueError):
        verdict = False
    if len(_SIGNED_VERDICTS) >= _SIGNED_VERDICTS_MAX:
        _SIGNED_VERDICTS.clear()
    _SIGNED_VERDICTS[key] = verdict
    return verdict


def _previous_signed(verifiers: list[Verifier]) -> Checkpoint | None:
    for cp in Checkpoint.objects.order_by("-size", "-id").iterator(chunk_size=20):
        if checkpoint_signed(cp, verifiers):
            return cp
    return None


def _split_view(previous: Checkpoint | None, size: int, root: bytes, reader: TreeReader) -> str:
    """Why signing (size, root) would be a split view, or ''. Checked from the stored tree before every signature:
    - the previous checkpoint's root is the stored tree's root at its size;
    - a consistency proof from the stored tree leads from the previous root to the new one (RFC 9162 §2.1.4);
    - the new root is what the leaves give: the previous checkpoint's subtrees (authenticated by its root) extended
      with every leaf hash since, so no stored node in the new part differs from its leaves."""
    base = previous.size if previous is not None else 0
    if previous is not None:
        if previous.size > size:
            return f"上一检查点（大小 {previous.size}）超出当前日志（大小 {size}）：日志被截短。"
        try:
            stored_root = reader.root(previous.size) if previous.size else merkle.EMPTY_ROOT
        except ZhifaError:
            return f"存储的日志树缺少上一检查点（大小 {previous.size}）范围内的节点。"
        if stored_root != bytes(previous.root):
            return f"存储的日志树在大小 {previous.size} 处的根哈希与上一检查点不符：树节点或叶节点被改写。"
        if previous.size:
            path = merkle.consistency_path(previous.size, size, reader.subtree_hash)
            try:
                merkle.verify_consistency(previous.size, size, bytes(previous.root), root, path)
            except merkle.VerificationError as exc:
                return f"无法证明新树与上一检查点（大小 {previous.size}）一致：{exc}"
    compact = merkle.CompactRange()
    compact.size = base
    compact.stack = [reader.node(level, index) for level, index in merkle.perfect_subtrees(0, base)]
    for lo in range(base, size, 100_000):
        compact.extend(storage.leaf_hashes(lo, min(size, lo + 100_000), size=size, cached=False))
    if compact.size != size or compact.root() != root:
        return f"存储的日志树节点与叶节点不符（大小 {size}）：不签署。"
    return ""


def _ensure_key_recorded(key) -> None:
    """Key rotation is recorded in the log itself: the first checkpoint signed by a key is preceded by
    an entry naming its verifier key (and the key it replaces)."""
    verifier = key.verifier.encode()
    trusted = set(trusted_keys())
    previous = None
    # The last announcement of a configured key: one naming any other key was not written here (the audit reports it).
    for payload in Entry.objects.filter(kind=events.KEY_IN_USE).order_by("-id").values_list("payload", flat=True).iterator():
        try:
            named = json.loads(payload)["verifier"]
        except (ValueError, KeyError, TypeError):
            continue
        if named in trusted:
            previous = named
            break
    if previous != verifier:
        # What it replaces: the last configured key announced, else the key of the newest checkpoint row (a rotation
        # where the old key was not configured as past). Information only: verify_rotation trusts a replaced key only
        # if the client already trusts it and it co-signed the statement.
        if previous is None:
            previous = Checkpoint.objects.order_by("-id").values_list("key", flat=True).first()
        record_event(events.KEY_IN_USE, subject="ledger.key",
                     payload={"verifier": verifier, "replaces": previous if previous != verifier else None})


def _synchronous_full():
    """SQLite: make the commit that publishes a checkpoint durable (the WAL is synced at that commit), whatever the
    connection's default (NORMAL, config/settings.py). The pragma cannot change inside a transaction."""
    import contextlib

    @contextlib.contextmanager
    def scope():
        if connection.vendor != "sqlite" or connection.in_atomic_block:
            yield
            return
        with connection.cursor() as cur:
            cur.execute("PRAGMA synchronous")
            before = cur.fetchone()[0]
            cur.execute("PRAGMA synchronous=FULL")
        try:
            yield
        finally:
            with connection.cursor() as cur:
                cur.execute(f"PRAGMA synchronous={int(before)}")

    return scope()


def checkpoint_create() -> Checkpoint:
    """Integrate everything committed, check that the new tree extends the previous checkpoint, then sign.

    Never signs a split view (issue 16): before signing, the previous checkpoint (the newest whose signature verifies
    under a configured key, trusted_verifiers()) must match the stored tree at its size, and the new tree must be provably consistent with it
    and agree with its leaves (`_split_view`). Otherwise nothing is signed, a `signing_refused` Finding is recorded,
    and ZhifaError `ledger_signing_refused` is raised."""
    from .partitions import ensure_ahead

    try:
        ensure_ahead()  # issue 19 §6: the clock keeps the next entry-id ranges ready (as the tables' owner only)
    except DatabaseError:
        # A busy DEFAULT partition (its lock not had within partitions.LOCK_TIMEOUT) must not stop the signing: the
        # ranges are made on a later tick or by `manage.py ledger_partitions`; inserts land in DEFAULT meanwhile.
        logger.warning("ledger: could not create the next entry-id ranges now; signing goes on", exc_info=True)
    key = signer()
    with transaction.atomic():
        _ensure_key_recorded(key)
    while integrate():
        pass
    # The previous checkpoint is the newest one signed by a configured key (trusted_verifiers): never a key named
    # only in the database, or whoever can insert a key_in_use entry and a checkpoint row chooses it (review16 H1).
    known = trusted_verifiers()
    with _synchronous_full(), transaction.atomic():
        _lock_sequencer()
        size = tree_size()
        reader = TreeReader(cached=False)  # never the open-tile cache: what is signed comes from the entries
        root = reader.root(size) if size else merkle.EMPTY_ROOT
        previous = _previous_signed(known)
        if (previous is not None and previous.size == size and bytes(previous.root) == root
                and previous.key == key.verifier.encode()):
            return previous
        problem = _split_view(previous, size, root, reader)
        if not problem:
            signers = [key]
            outgoing = previous_signer()
            if outgoing is not None and not any(
                    checkpoint_signed(cp, [key.verifier])
                    for cp in Checkpoint.objects.filter(key=key.verifier.encode()).order_by("id").iterator(chunk_size=20)):
                signers.append(outgoing)  # the first checkpoint of a new key: the rotation statement, co-signed
            note = sign_note(CheckpointText(settings.ZHIFA_LEDGER_ORIGIN, size, root).text(), *signers)
            return Checkpoint.objects.create(size=size, root=root, note=note, key=key.verifier.encode())
    with transaction.atomic():
        _finding(FindingKind.SIGNING_REFUSED, f"拒绝签署大小为 {size} 的检查点：{problem}")
    raise ZhifaError(LedgerErrorCode.SIGNING_REFUSED, f"拒绝签署检查点：{problem}", status=409)


# --- evidence ------------------------------------------------------------------------------------

class _HashingReader(io.RawIOBase):
    """Hashes every byte as a storage backend reads it, however it reads (chunks() on the filesystem,
    read() through boto3 on S3): one pass, never the whole file in memory."""

    def __init__(self, source, hashers):
        self.source, self.hashers, self.bytes_read = source, hashers, 0
        self.head = b""  # the leading bytes, from which the file's type is determined (issue 14 §1)

    def readable(self):
        return True

    def read(self, size=-1):
        data = self.source.read(size if size and size > 0 else CHUNK)
        for h in self.hashers:
            h.update(data)
        if len(self.head) < files.HEAD_BYTES:
            self.head += data[: files.HEAD_BYTES - len(self.head)]
        self.bytes_read += len(data)
        return data

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def tell(self):
        return self.bytes_read

    def seek(self, offset, whence=io.SEEK_SET):
        # Backends rewind before reading; that is a no-op at the start. Any other seek would skip bytes.
        if (whence == io.SEEK_SET and offset == self.bytes_read == 0) or (whence == io.SEEK_CUR and offset == 0):
            return self.bytes_read
        raise io.UnsupportedOperation("a hashing upload reads forward only")

    def seekable(self):
        return False


def _evidence_name(sha: str) -> str:
    return f"{settings.ZHIFA_EVIDENCE_PREFIX}/sha256/{sha[:2]}/{sha[2:4]}/{sha}"


def _s3_lock(storage, name: str) -> None:
    """Lock a stored object (S3 Object Lock, COMPLIANCE) for ZHIFA_EVIDENCE_LOCK_YEARS.

    The bucket has Object Lock enabled but no default retention, so staging uploads under incoming/
    stay deletable; each evidence object is locked here. Repeating it only extends the lock.
    """
    years = settings.ZHIFA_EVIDENCE_LOCK_YEARS
    if not years or not hasattr(storage, "bucket"):
        return
    until = timezone.now().replace(microsecond=0) + dt.timedelta(days=366 * years)
    storage.bucket.meta.client.put_object_retention(
        Bucket=storage.bucket.name, Key=storage._normalize_name(name),
        Retention={"Mode": "COMPLIANCE", "RetainUntilDate": until})


def _promote(storage, temp: str, final: str) -> None:
    """Move a fully written and hashed upload to its content address."""
    if isinstance(storage, FileSystemStorage):
        src, dst = storage.path(temp), storage.path(final)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(src, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(src, dst)
    elif hasattr(storage, "bucket"):
        # S3-compatible: a server-side copy, then the lock; the staging upload is deleted afterwards.
        client = storage.bucket.meta.client
        source = {"Bucket": storage.bucket.name, "Key": storage._normalize_name(temp)}
        target = storage._normalize_name(final)
        if client.head_object(**source)["ContentLength"] <= 5 * 1024**3:  # CopyObject's limit
            client.copy_object(CopySource=source, Bucket=storage.bucket.name, Key=target)
        else:
            storage.bucket.copy(source, target)  # multipart server-side copy
        _s3_lock(storage, final)
        storage.delete(temp)
    else:
        with storage.open(temp, "rb") as fh:
            storage.save(final, fh)
        storage.delete(temp)


@dataclass(frozen=True)
class PutResult:
    blob: Blob
    created: bool


def evidence_put(fileobj, *, actor=None, content_type: str = "", name: str = "") -> PutResult:
    """Store a file under its SHA-256 (and SM3 where configured), recorded in the log.

    The stored type is what the server determines from the bytes (`core.files.determine`, issue 14 §1).
    `content_type` is a hint the server itself produced (the media probe's result, the type of a document
    it rendered), taken only when the file's signature allows it; never pass what an uploader declared.
    `name` is neutralised (`core.files.clean_filename`): no path, no invisible control characters.

    Written to an `incoming/` name while hashed; only a complete, hashed file is moved to its content
    address and registered, in one transaction with its log entry. A process killed half-way leaves
    an unregistered file under incoming/, never a registered incomplete one.
    """
    storage = default_storage
    sha = hashlib.sha256()
    sm3 = hashlib.new("sm3") if settings.ZHIFA_EVIDENCE_SM3 else None
    if hasattr(fileobj, "seek"):
        try:
            fileobj.seek(0)
        except (OSError, ValueError, io.UnsupportedOperation):
            pass  # a stream: read from where it is
    wrapper = _HashingReader(fileobj, [h for h in (sha, sm3) if h is not None])
    temp = storage.save(f"{settings.ZHIFA_EVIDENCE_PREFIX}/incoming/{uuid.uuid4().hex}", File(wrapper, name="upload"))
    if wrapper.bytes_read == 0:
        storage.delete(temp)
        raise ZhifaError(LedgerErrorCode.EMPTY_FILE, "文件为空，未存储。")
    digest = sha.hexdigest()
    content_type = files.determine(wrapper.head, content_type)
    name = files.clean_filename(name, default="") if name else ""
    payload = {"sha256": digest, "size": wrapper.bytes_read, "content_type": content_type, "name": name}
    if sm3 is not None:
        payload["sm3"] = sm3.hexdigest()
    with transaction.atomic():
        existing = Blob.objects.filter(sha256=digest).first()
        if existing is not None:
            storage.delete(temp)
            record_event(events.EVIDENCE_DUPLICATE, subject=f"ledger.blob:{digest}", actor=actor, payload=payload)
            return PutResult(existing, False)
        final = _evidence_name(digest)
        if storage.exists(final):
            storage.delete(temp)  # the same bytes were promoted by a put that did not commit
            _s3_lock(storage, final)
        else:
            _promote(storage, temp, final)
        entry = record_event(events.EVIDENCE_STORED, subject=f"ledger.blob:{digest}", actor=actor, payload=payload)
        blob = Blob.objects.create(sha256=digest, sm3=payload.get("sm3", ""), size=wrapper.bytes_read,
                                   storage_name=final, content_type=content_type[:100], entry=entry)
    return PutResult(blob, True)


@dataclass(frozen=True)
class Received:
    """A complete file on this server's disk whose digests were computed while its bytes arrived (records.tus,
    issue 19 §4). The caller vouches that `sha256`/`sm3` are the digests of the file's `size` bytes and that the
    file is fsynced; `evidence_publish` then neither reads nor writes its bytes again on the filesystem store."""

    path: str
    size: int
    sha256: str
    sm3: str = ""


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _discard(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _same_filesystem(path: str, folder: str) -> bool:
    """Whether a rename can move `path` into `folder` (rename(2) does not cross filesystems)."""
    return os.stat(path).st_dev == os.stat(folder).st_dev


def _publish(storage, received: Received, final: str) -> None:
    """Put a received file at its content address: one rename on the filesystem store when the file is on the
    store's filesystem (each byte written once, issue 19 §4); otherwise one streaming copy (another filesystem,
    an S3 bucket), after which the received file is removed. On S3 the object is written straight to its
    content address (the digest is known before the first byte is sent: no incoming/ object, no server-side
    copy) and then locked; an S3 PUT or multipart upload is visible only once complete."""
    if isinstance(storage, FileSystemStorage):
        dst = storage.path(final)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if _same_filesystem(received.path, os.path.dirname(dst)):
            os.replace(received.path, dst)
            _fsync_dir(os.path.dirname(dst))  # the rename itself must survive a crash
            return
        with open(received.path, "rb") as fh:  # another filesystem: copy (fsynced and renamed by _promote)
            temp = storage.save(f"{settings.ZHIFA_EVIDENCE_PREFIX}/incoming/{uuid.uuid4().hex}", File(fh, name="upload"))
        _promote(storage, temp, final)
    elif hasattr(storage, "bucket"):
        # boto3's managed transfer: one PUT, or a multipart upload for a large file, streamed from the disk.
        with open(received.path, "rb") as fh:
            storage.bucket.upload_fileobj(fh, storage._normalize_name(final))
        _s3_lock(storage, final)
    else:
        with open(received.path, "rb") as fh:
            storage.save(final, File(fh, name="upload"))
    os.unlink(received.path)


def evidence_publish(received: Received, *, actor=None, content_type: str = "", name: str = "") -> PutResult:
    """Register a file whose digests were computed as it arrived (records.tus), as `evidence_put` would store it:
    the same type determination, payload, log entries (`ledger.evidence_stored` or `ledger.evidence_duplicate`)
    and Blob row, in one transaction with the move to the content address. The received file is consumed (moved
    into the store, or removed when the store already holds the same bytes).

    A crash between the move and the commit leaves a file at its content address with no Blob row: nothing is
    counted as stored, and the next put of the same bytes adopts it (`storage.exists(final)` below)."""
    if received.size == 0:
        raise ZhifaError(LedgerErrorCode.EMPTY_FILE, "文件为空，未存储。")
    with open(received.path, "rb") as fh:
        head = fh.read(files.HEAD_BYTES)
    storage = default_storage
    digest = received.sha256
    content_type = files.determine(head, content_type)
    name = files.clean_filename(name, default="") if name else ""
    payload = {"sha256": digest, "size": received.size, "content_type": content_type, "name": name}
    if received.sm3:
        payload["sm3"] = received.sm3
    final = _evidence_name(digest)
    if (not isinstance(storage, FileSystemStorage) and not Blob.objects.filter(sha256=digest).exists()
            and not storage.exists(final)):
        # A streaming upload (S3) happens before the transaction, so that no write lock (SQLite) or transaction
        # (PostgreSQL) is held while the bytes travel. The object is at its content address: whatever happens
        # next, it holds exactly the bytes of that digest.
        _publish(storage, received, final)
    with transaction.atomic():
        existing = Blob.objects.filter(sha256=digest).first()
        if existing is not None:
            _discard(received.path)
            record_event(events.EVIDENCE_DUPLICATE, subject=f"ledger.blob:{digest}", actor=actor, payload=payload)
            return PutResult(existing, False)
        if storage.exists(final):
            _discard(received.path)  # published above, or by a put that did not commit: the same bytes
            _s3_lock(storage, final)
        else:
            _publish(storage, received, final)
        entry = record_event(events.EVIDENCE_STORED, subject=f"ledger.blob:{digest}", actor=actor, payload=payload)
        blob = Blob.objects.create(sha256=digest, sm3=received.sm3, size=received.size, storage_name=final,
                                   content_type=content_type[:100], entry=entry)
    return PutResult(blob, True)


def evidence_dispose(blob: Blob, *, actor, authority: str) -> BlobDisposal:
    """Destroy a stored file whose retention period has ended, on an approval the caller has checked.

    The row is recorded first, then the bytes are deleted, in one transaction: if storage refuses (an
    S3 Object Lock that has not yet expired), nothing is recorded and the error says why.
    """
    if not authority.strip():
        raise ZhifaError(LedgerErrorCode.DISPOSAL_REFUSED, "销毁证据文件应当写明批准依据。")
    storage = default_storage
    with transaction.atomic():
        if BlobDisposal.objects.select_for_update().filter(blob=blob).exists():
            raise ZhifaError(LedgerErrorCode.DISPOSAL_REFUSED, f"证据文件 {blob.sha256} 已经销毁。")
        entry = record_event(events.EVIDENCE_DISPOSED, subject=f"ledger.blob:{blob.sha256}", actor=actor,
                             payload={"sha256": blob.sha256, "size": blob.size, "authority": authority.strip()})
        disposal = BlobDisposal.objects.create(blob=blob, authority=authority.strip()[:300], entry=entry)
        try:
            if hasattr(storage, "bucket"):
                # Versioned, object-locked bucket: every version must go; a locked one raises.
                client, key = storage.bucket.meta.client, storage._normalize_name(blob.storage_name)
                listing = client.list_object_versions(Bucket=storage.bucket.name, Prefix=key)
                for version in listing.get("Versions", []) + listing.get("DeleteMarkers", []):
                    if version["Key"] == key:
                        client.delete_object(Bucket=storage.bucket.name, Key=key, VersionId=version["VersionId"])
            else:
                storage.delete(blob.storage_name)
        except Exception as exc:  # boto3 raises ClientError subclasses; the filesystem OSError
            raise ZhifaError(LedgerErrorCode.DISPOSAL_REFUSED,
                             f"存储系统拒绝删除证据文件 {blob.sha256}（可能仍在锁定期内）：{exc}") from exc
    return disposal


def _finding(kind: str, detail: str, *, blob: Blob | None = None) -> Finding:
    entry = record_event(events.FIXITY_FAILED if blob else events.LOG_AUDIT,
                         subject=f"ledger.blob:{blob.sha256}" if blob else "ledger.log",
                         payload={"finding": kind, "detail": detail})
    return Finding.objects.create(kind=kind, blob=blob, detail=detail, entry=entry)


@dataclass
class FixityResult:
    checked: int = 0
    ok: int = 0
    missing: int = 0
    altered: int = 0


def fixity_check(blob: Blob) -> str:
    """Re-hash one stored file: 'ok', 'missing' or 'altered'."""
    storage = default_storage
    try:
        fh = storage.open(blob.storage_name, "rb")
    except (FileNotFoundError, OSError):
        return FindingKind.MISSING
    sha, size = hashlib.sha256(), 0
    with fh:
        while data := fh.read(CHUNK):
            sha.update(data)
            size += len(data)
    return "ok" if sha.hexdigest() == blob.sha256 and size == blob.size else FindingKind.ALTERED


def fixity_run(*, batch: int = 500) -> FixityResult:
    """Re-hash every stored file; log each result; a missing or altered file becomes a Finding."""
    result = FixityResult()
    last_id = 0
    while True:
        blobs = list(Blob.objects.filter(id__gt=last_id, disposal__isnull=True).order_by("id")[:batch])
        if not blobs:
            return result
        for blob in blobs:
            outcome = fixity_check(blob)
            result.checked += 1
            with transaction.atomic():
                if outcome == "ok":
                    result.ok += 1
                    record_event(events.FIXITY_OK, subject=f"ledger.blob:{blob.sha256}", payload={"sha256": blob.sha256})
                else:
                    setattr(result, outcome, getattr(result, outcome) + 1)
                    label = "缺失" if outcome == FindingKind.MISSING else "内容与登记的摘要不符"
                    _finding(outcome, f"证据文件 {blob.sha256}（{blob.storage_name}）{label}。", blob=blob)
        last_id = blobs[-1].pk


# The complete audit lives in audit.py (issue 16); these names stay importable from here.
from .audit import AuditResult, log_audit  # noqa: E402, F401


def finding_review(*, finding: Finding, note: str, actor) -> FindingReview:
    if not note.strip():
        raise ZhifaError(LedgerErrorCode.BAD_PAYLOAD, "请填写处理说明。")
    with transaction.atomic():
        record_event(events.FINDING_REVIEWED, subject=f"ledger.finding:{finding.pk}", actor=actor,
                     payload={"finding": finding.pk, "note": note.strip()})
        return FindingReview.objects.create(finding=finding, reviewed_by=actor, note=note.strip())


# --- erasure (issue 15 §5) -----------------------------------------------------------------------------------------

UNERASABLE = frozenset({events.KEY_IN_USE, events.ENTRY_ERASED})  # the log's own keys and its erasure records


def entry_erase(*, seq: int, basis: str, actor) -> Erasure:
    """Erase the payload of log entry `seq`: its retention period has ended, or a legal order requires it.

    Only a system-wide log operator (`ledger.manage`) may, with the basis written down. In one transaction: the
    erasure is logged (`ledger.entry_erased`, about the same subject, naming the entry, its digest and the basis,
    never the erased content), the `Erasure` row is written, and the payload is set to '' — the one UPDATE the
    database allows on the log (migration 0004). The entry's kind, subject, actor, time and payload digest stay, so
    its leaf, the checkpoints and every proof still verify; the audit and the offline verifier accept an empty
    payload only where an erasure is recorded. On a hardened PostgreSQL deployment the application role cannot
    UPDATE the log at all: run `manage.py ledger_erase` with the tables' owner, as for migrations (docs/ledger.md).
    """
    if not can(actor, "ledger.manage"):
        security_event_record(kind=SecurityEventKind.DENIED, user=actor, permission="ledger.manage",
                              detail=f"ledger entry {seq}: erase")
        raise PermissionDeniedError("只有日志管理员（系统管理员）可以删除日志条目内容。")
    basis = (basis or "").strip()
    if len(basis) < 4:
        raise ZhifaError(LedgerErrorCode.ERASURE_REFUSED, "删除日志条目内容应当写明依据（保存期限届满的规定或法律文书）。")
    with transaction.atomic():
        entry_id = storage.entry_id_at(seq)
        entry = Entry.objects.select_for_update().filter(pk=entry_id).first() if entry_id is not None else None
        if entry is None:
            raise NotFoundError(f"日志中没有序号为 {seq} 的条目（尚未写入日志树的条目不能删除）。")
        if entry.kind in UNERASABLE:
            raise ZhifaError(LedgerErrorCode.ERASURE_REFUSED, f"“{events.KINDS[entry.kind]}”条目不含个人信息，不能删除。")
        if Erasure.objects.filter(entry=entry).exists() or entry.payload == "":
            raise ZhifaError(LedgerErrorCode.ERASURE_REFUSED, f"条目 {seq} 的内容已经删除。", status=409)
        log_entry = record_event(events.ENTRY_ERASED, subject=entry.subject, actor=actor, payload={
            "entry": entry.pk, "seq": seq, "kind": entry.kind, "payload_sha256": entry.payload_sha256,
            "basis": basis})
        erasure = Erasure.objects.create(entry=entry, basis=basis, actor=actor, log_entry=log_entry)
        # Plain SQL: the ORM refuses every update of an append-only row; the trigger admits this one.
        with connection.cursor() as cur:
            cur.execute(f"UPDATE {Entry._meta.db_table} SET payload = '' WHERE id = %s", [entry.pk])
    integrate()  # the erasure record gets its place in the tree at once
    return erasure
