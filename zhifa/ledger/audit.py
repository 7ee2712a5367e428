"""The log audits itself completely (issue 16, findings 1, 2 and 5): `log_audit()`.

One streaming pass over the leaves in `seq` order (the `LeafBatch` rows, storage.py), with their entries, checks:
- every entry's payload against its digest; an empty payload only where a *valid* erasure is recorded (an `Erasure`
  row whose log entry is a `ledger.entry_erased` record naming that entry, its seq and its digest);
- every stored leaf hash (the `LeafTile` rows) recomputed from its entry, every completed tile stored, and the
  leaves consecutive from 0; each entry in the tree once, each batch row intact and placed as `storage.seq_of`
  expects;
- every stored `ledger_node` row: the pass builds the tree with a compact range, and each band-level subtree it
  completes (levels 8, 16, 24, …) is compared with the stored row at once (finding 1: one overwritten node used to
  pass while every proof through it failed);
- every checkpoint when the pass reaches its size: its signature verifies under a *configured* verifier key
  (services.trusted_verifiers(): the signer's and ZHIFA_LEDGER_PAST_VERIFIER_KEYS, never a key named only in the
  database), the key on its row is one that signed it and that the log announced (`ledger.key_in_use`) below that
  size, the signed note parses and matches the row's size and root columns, and its root is the tree's root at that
  size. A `ledger.key_in_use` entry naming a key that is not configured is itself a problem (review16 H2: the
  application role can insert one); it changes nothing else in the audit. Each checkpoint is thereby consistent with
  every other one: they are all heads of the one tree recomputed here;
- no checkpoint beyond the log's end, and none signed before a smaller one (the log cut and re-signed: finding 2);
  checkpoints kept outside (`known_checkpoints`, e.g. the ones served or exported earlier) are checked the same way;
- after the pass: no node or tile planted beyond the tree (finding 3), no committed entry left unsequenced longer
  than `ZHIFA_LEDGER_AUDIT_GRACE_SECONDS` (finding 4), none outside both the tree and the queue.

Memory is constant but for one bit per entry id (the ids met, to find an entry twice or never: 1.25 MB per 10 M
entries): batches, tiles, nodes and checkpoints are read in keyset-paginated chunks; the tree is a compact range
(O(log n) hashes); the node check needs no extra hashing (the compact range computes those subtrees anyway).
Each problem becomes a `Finding` and the run itself is logged (`ledger.log_audit`), problems or not.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import events, merkle, storage
from .canonical import sha256_hex
from .models import BAND, Checkpoint, Entry, Erasure, FindingKind, LeafTile, Node, Pending
from .note import Checkpoint as CheckpointText
from .note import NoteError, Verifier, open_note

CHUNK = 10_000
MAX_LISTED = 1_000  # problems listed one by one (each a Finding); beyond that they are counted
DEFAULT_GRACE_SECONDS = 600


@dataclass
class AuditResult:
    leaves: int = 0
    checkpoints: int = 0
    nodes: int = 0
    problems: list[str] = field(default_factory=list)
    unlisted: int = 0  # problems beyond MAX_LISTED, counted only
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.unlisted

    def add(self, problem: str) -> None:
        if len(self.problems) < MAX_LISTED:
            self.problems.append(problem)
        else:
            self.unlisted += 1


# canonical.leaf_input without its float check: every value here is a string read from the database, so the bytes
# are the same (test_ledger_audit_findings checks it) and a pass over millions of leaves saves a third of its time.
_LEAF_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _leaf_input(kind: str, subject: str, actor: str, at: str, payload_sha256: str) -> bytes:
    return _LEAF_JSON.encode({"actor": actor, "at": at, "kind": kind, "payload_sha256": payload_sha256,
                              "subject": subject}).encode()


def _at_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")  # as services.at_text


class _Tree:
    """A compact range that reports each band-level subtree as it completes it (no extra hashing)."""

    def __init__(self, on_node):
        self.size, self.stack, self.on_node = 0, [], on_node

    def append(self, leaf: bytes) -> None:
        h, n, level = leaf, self.size, 0
        while n & 1:
            h = merkle.node_hash(self.stack.pop(), h)
            n >>= 1
            level += 1
            if level % BAND == 0:
                self.on_node(level, self.size >> level, h)
        self.stack.append(h)
        self.size += 1

    def root(self) -> bytes:
        return merkle.fold(self.stack)


class _StoredNodes:
    """The stored rows of one band level, read in index order, chunk by chunk."""

    def __init__(self, level: int):
        self.level, self.rows, self.pos, self.next_index, self.done = level, [], 0, 0, False

    def _peek(self):
        if self.pos == len(self.rows) and not self.done:
            self.rows = list(Node.objects.filter(level=self.level, index__gte=self.next_index)
                             .order_by("index").values_list("index", "hash")[:CHUNK])
            self.pos = 0
            self.done = len(self.rows) < CHUNK
            if self.rows:
                self.next_index = self.rows[-1][0] + 1
        return self.rows[self.pos] if self.pos < len(self.rows) else None

    def take(self, index: int) -> bytes | None:
        """The stored hash of node `index` (asked in increasing order), or None if there is no row."""
        row = self._peek()
        while row is not None and row[0] < index:  # cannot happen with the unique constraint; stay in step
            self.pos += 1
            row = self._peek()
        if row is None or row[0] != index:
            return None
        self.pos += 1
        return bytes(row[1])


def _checkpoints():
    """Every checkpoint row in (size, id) order, chunk by chunk."""
    size, last_id = -1, 0
    while True:
        rows = list(Checkpoint.objects.filter(Q(size__gt=size) | Q(size=size, id__gt=last_id))
                    .order_by("size", "id").only("id", "size", "root", "note", "key")[:CHUNK // 10])
        yield from rows
        if len(rows) < CHUNK // 10:
            return
        size, last_id = rows[-1].size, rows[-1].pk


def _erasure_problem(entry_id: int, seq: int, digest: str) -> str | None:
    """Why an empty payload is not a valid erasure (None if it is): the Erasure row must point to a
    `ledger.entry_erased` entry, intact, naming this entry, its seq and its payload digest."""
    row = (Erasure.objects.filter(entry_id=entry_id)
           .values_list("log_entry__kind", "log_entry__payload", "log_entry__payload_sha256").first())
    if row is None:
        return "没有删除记录"
    kind, payload, payload_digest = row
    if kind != events.ENTRY_ERASED or not payload or sha256_hex(payload) != payload_digest:
        return "其删除记录所指的日志条目不是完好的删除记录"
    try:
        note = json.loads(payload)
        named = (int(note["entry"]), int(note["seq"]), str(note["payload_sha256"]))
    except (ValueError, KeyError, TypeError):
        return "其删除记录没有写明被删除的条目"
    if named != (entry_id, seq, digest):
        return "其删除记录所写的条目、序号或摘要与之不符"
    return None


@dataclass
class _KnownCheckpoint:
    """A checkpoint kept outside the database (served or exported earlier): it must still be a head of this log."""

    label: str
    size: int
    root: bytes


def _parse_known(notes: list[str], verifiers: list[Verifier]) -> tuple[list[_KnownCheckpoint], list[str]]:
    out, problems = [], []
    for i, text in enumerate(notes, 1):
        try:
            body, _ = open_note(text, verifiers)
            cp = CheckpointText.parse(body)
        except NoteError as exc:
            problems.append(f"外部保存的第 {i} 个检查点无法用配置的验证公钥验证：{exc}")
            continue
        out.append(_KnownCheckpoint(f"外部保存的第 {i} 个检查点（大小 {cp.size}）", cp.size, cp.root))
    return out, problems


def _check_checkpoint(result: AuditResult, cp: Checkpoint, tree_root: bytes | None, verifiers: list[Verifier],
                      announced: set[str]) -> None:
    """One checkpoint row against the tree at its size (tree_root None: beyond the log's end), the configured
    verifier keys, and the configured keys the log announced below that size."""
    label = f"检查点 #{cp.pk}（大小 {cp.size}）"
    column_root = bytes(cp.root)
    try:
        body, good = open_note(cp.note, verifiers)
    except NoteError as exc:
        result.add(f"{label}的签名不能用配置的验证公钥验证：{exc}")
    else:
        try:
            signed = CheckpointText.parse(body)
        except NoteError as exc:
            result.add(f"{label}的签名内容不是检查点：{exc}")
        else:
            if signed.size != cp.size or signed.root != column_root:
                result.add(f"{label}的签名内容（大小 {signed.size}）与其大小、根哈希列不符")
        if cp.key not in {v.encode() for v in good}:
            result.add(f"{label}登记的公钥不是为其签名的配置公钥")
        elif cp.key not in announced:
            result.add(f"{label}签署时日志中尚未记录其公钥（ledger.key_in_use）")
    if tree_root is None:
        result.add(f"{label}超出日志末尾（日志只有 {result.leaves} 个条目）：日志条目被删除，或检查点是伪造的")
    elif column_root != tree_root:
        result.add(f"{label}的根哈希与日志不一致")


class _StoredTiles:
    """The stored level-0 tile rows in index order, chunk by chunk."""

    def __init__(self):
        self.rows, self.pos, self.next_index, self.done = [], 0, 0, False

    def take(self, index: int) -> bytes | None:
        while True:
            if self.pos == len(self.rows) and not self.done:
                self.rows = list(LeafTile.objects.filter(index__gte=self.next_index).order_by("index")
                                 .values_list("index", "data")[:CHUNK // 100])
                self.pos, self.done = 0, len(self.rows) < CHUNK // 100
                if self.rows:
                    self.next_index = self.rows[-1][0] + 1
            if self.pos >= len(self.rows) or self.rows[self.pos][0] > index:
                if self.done:  # past the rows read so far: the sequencer may have completed it since
                    late = LeafTile.objects.filter(index=index).values_list("data", flat=True).first()
                    return bytes(late) if late is not None and len(late) == 32 * storage.TILE_WIDTH else None
                return None
            found, data = self.rows[self.pos]
            self.pos += 1
            if found == index:
                data = bytes(data)
                return data if len(data) == 32 * storage.TILE_WIDTH else None


_ENTRY_FIELDS = ("kind", "subject", "actor", "at", "payload", "payload_sha256")


def _leaves(result: AuditResult, seen: storage.IdSet):
    """The tree's leaves in seq order, CHUNK at a time: (seqs, entry ids, {entry id: fields}). Checks each batch row as
    it goes: consecutive seqs, an intact id list, each entry once, and the placement `seq_of` relies on (in-order rows
    above every earlier id, a late row within one gap between in-order rows). Stops at a gap or a broken row."""
    firsts = array("q")  # first ids of the in-order rows, ascending
    highest = 0
    expected = 0
    seqs: list[int] = []
    ids: list[int] = []
    for first_seq, first_entry, last_entry, count, late, data in storage.batches():
        if first_seq != expected:
            result.add(f"日志序号不连续：缺少 {expected}（下一个是 {first_seq}）；其后的条目未核验")
            break
        # Checked before any id is materialised (review finding 5): a hostile row is a finding, never a crash.
        problem = storage.batch_problem(first_entry, last_entry, count, data, seen.limit)
        if problem:
            result.add(f"排序批次（序号 {first_seq} 起）已损坏（{problem}）：其后的条目未核验")
            break
        row_ids = storage.decode_ids(first_entry, data)  # strictly ascending by construction
        if late:
            if last_entry > highest or bisect_right(firsts, first_entry) != bisect_right(firsts, last_entry):
                result.add(f"排序批次（序号 {first_seq} 起）的位置不符合规则：按条目查找序号可能找不到其中的条目")
        else:
            if first_entry <= highest:
                result.add(f"排序批次（序号 {first_seq} 起）与之前的批次重叠：按条目查找序号可能找不到其中的条目")
            firsts.append(first_entry)
            highest = max(highest, last_entry)
        for offset, entry_id in enumerate(row_ids):
            if not seen.add(entry_id):
                result.add(f"条目 id {entry_id} 在日志树中出现不止一次（序号 {first_seq + offset}）")
        seqs.extend(range(first_seq, first_seq + count))
        ids.extend(row_ids)
        expected = first_seq + count
        if len(ids) >= CHUNK:
            yield seqs, ids, storage.entries_by_ids(ids, _ENTRY_FIELDS)
            seqs, ids = [], []
    if ids:
        yield seqs, ids, storage.entries_by_ids(ids, _ENTRY_FIELDS)


def log_audit(*, known_checkpoints: list[str] = (), record: bool = True) -> AuditResult:
    """Check the whole log (see the module docstring). Each problem becomes a Finding; the run is logged.

    `known_checkpoints`: signed notes kept outside the database (served or exported earlier); each must verify under
    a configured key and be a head of the log as it is now, or the log was cut or rewritten after it."""
    # services imports this module (its shim): import late
    from .services import _finding, record_event, trusted_verifiers

    started = time.perf_counter()
    result = AuditResult()
    stored = {}  # band level -> _StoredNodes

    def on_node(level: int, index: int, computed: bytes) -> None:
        nodes = stored.setdefault(level, _StoredNodes(level))
        hash_ = nodes.take(index)
        result.nodes += 1
        if hash_ is None:
            result.add(f"日志树节点 {level}/{index} 缺失")
        elif hash_ != computed:
            result.add(f"日志树节点 {level}/{index} 与其下的叶哈希不符（已被改写）")

    tree = _Tree(on_node)
    checkpoints = _checkpoints()
    cp = next(checkpoints, None)
    order = {"size": -1, "group": 0, "smaller": 0}  # greatest id among the checkpoints of smaller sizes
    verifiers = trusted_verifiers()  # configuration, never the database (review16 H2, M2)
    configured = {v.encode() for v in verifiers}
    announced: set[str] = set()  # configured keys the log has announced so far

    def checkpoints_at(size: int, root: bytes | None) -> None:
        """Check the checkpoints of `size` (root: the tree's root there), or with root None all that are left."""
        nonlocal cp
        while cp is not None and (root is None or cp.size <= size):
            if cp.size != order["size"]:
                order.update(size=cp.size, smaller=max(order["smaller"], order["group"]), group=0)
            if cp.pk < order["smaller"]:
                result.add(f"检查点 #{cp.pk}（大小 {cp.size}）签署于更小的检查点 #{order['smaller']} 之前："
                           "日志曾被截短后重新签署")
            order["group"] = max(order["group"], cp.pk)
            result.checkpoints += 1
            _check_checkpoint(result, cp, root if cp.size == size else None, verifiers, announced)
            cp = next(checkpoints, None)

    checkpoints_at(0, merkle.EMPTY_ROOT)
    seen = storage.IdSet(storage.max_entry_id())  # every entry id met in the tree: each must be there once
    tiles = _StoredTiles()
    tile: list[bytes] = []  # the computed hashes of the tile under way
    stored_tile: bytes | None = None
    for seqs, leaves, entries in _leaves(result, seen):
        for seq, entry_id in zip(seqs, leaves, strict=True):
            row = entries.get(entry_id)
            if row is None:
                result.add(f"条目 {seq} 所指的日志条目（id {entry_id}）不存在")
                computed = None
            else:
                kind, subject, actor, at, payload, digest = row
                if payload == "":
                    why = _erasure_problem(entry_id, seq, digest)
                    if why is not None:
                        result.add(f"条目 {seq} 的内容被清空，但{why}")
                elif sha256_hex(payload) != digest:
                    result.add(f"条目 {seq} 的内容与其摘要不符")
                elif kind == events.KEY_IN_USE:
                    try:
                        named = str(json.loads(payload)["verifier"])
                    except (ValueError, KeyError, TypeError):
                        result.add(f"条目 {seq} 是公钥启用记录，但没有写明公钥")
                    else:
                        if named in configured:
                            announced.add(named)
                        else:
                            result.add(f"条目 {seq} 是公钥启用记录，但其公钥未在配置中（日志中登记了未知公钥）：{named[:60]}")
                computed = merkle.leaf_hash(_leaf_input(kind, subject, actor, _at_text(at), digest))
            offset = seq % storage.TILE_WIDTH
            if offset == 0:
                stored_tile, tile = tiles.take(seq // storage.TILE_WIDTH), []
            if stored_tile is not None:
                leaf_hash = stored_tile[32 * offset:32 * (offset + 1)]
                if computed is not None and computed != leaf_hash:
                    result.add(f"条目 {seq} 与其叶哈希不符")
            else:
                leaf_hash = computed if computed is not None else bytes(32)
                if offset == storage.TILE_WIDTH - 1:
                    result.add(f"叶哈希分片 0/{seq // storage.TILE_WIDTH} 缺失")
            tile.append(leaf_hash)
            tree.append(leaf_hash)
            if cp is not None and cp.size <= tree.size:
                checkpoints_at(tree.size, tree.root())
    result.leaves = tree.size
    checkpoints_at(-1, None)  # whatever is left is beyond the end

    known, problems = _parse_known(list(known_checkpoints), verifiers)
    for problem in problems:
        result.add(problem)
    _check_known(result, known, tree.size)

    _check_planted_nodes(result, tree.size)
    _check_unsequenced(result, seen, tree.size)
    result.seconds = time.perf_counter() - started
    if not record:
        return result
    with transaction.atomic():
        for problem in result.problems:
            _finding(FindingKind.LOG_MISMATCH, problem)
        if result.unlisted:
            _finding(FindingKind.LOG_MISMATCH, f"另有 {result.unlisted} 个问题未逐一列出，请修复上述问题后重新自检")
        record_event(events.LOG_AUDIT, subject="ledger.log", payload={
            "leaves": result.leaves, "checkpoints": result.checkpoints, "nodes": result.nodes,
            "problems": len(result.problems) + result.unlisted, "ok": result.ok})
    return result


def _check_known(result: AuditResult, known: list[_KnownCheckpoint], size: int) -> None:
    """Checkpoints kept outside: a second, short pass over the stored tree for their roots (they are few)."""
    if not known:
        return
    from .selectors import TreeReader

    reader = TreeReader()
    for cp in known:
        if cp.size > size:
            result.add(f"{cp.label}超出日志末尾（日志只有 {size} 个条目）：该检查点之后日志条目被删除")
            continue
        try:
            root = reader.root(cp.size) if cp.size else merkle.EMPTY_ROOT
        except Exception as exc:  # a missing stored node: already reported by the pass
            result.add(f"{cp.label}无法与日志比对：{exc}")
            continue
        if root != cp.root:
            result.add(f"{cp.label}的根哈希与日志不一致：日志在其签署后被改写（分叉视图）")


def _check_planted_nodes(result: AuditResult, size: int) -> None:
    """Node and tile rows the tree does not have: at a level that is not a band level, or at an index not yet
    completed (finding 3: one planted row at a future index stopped all later sequencing)."""
    planted = LeafTile.objects.filter(index__gte=size // storage.TILE_WIDTH)
    if planted.exists():
        first = planted.order_by("index").values_list("index", flat=True).first()
        result.add(f"日志树中有 {planted.count()} 个不属于当前日志树的叶哈希分片（从 0/{first} 起）：将阻碍后续写入日志树")
    for level in Node.objects.values_list("level", flat=True).distinct().order_by("level"):
        rows = Node.objects.filter(level=level)
        if level and level % BAND == 0:
            rows = rows.filter(index__gte=size >> level)
        planted = rows.count()
        if planted:
            first = rows.order_by("index").values_list("index", flat=True).first()
            result.add(f"日志树中有 {planted} 个不属于当前日志树的节点（层 {level}，从序号 {first} 起）：将阻碍后续写入日志树")


def _check_unsequenced(result: AuditResult, seen: storage.IdSet, size: int) -> None:
    """Committed entries still outside the tree (finding 4; review H3). Only ids and times compared in SQL are read,
    never an entry's `at` value itself (one PostgreSQL stores but the driver cannot load must not stop the audit).

    - Queued for longer than the grace period, by the queue row's `queued_at`, which the database sets when the entry
      is written (migration 0012). `Entry.at` is the inserter's to choose; an entry is also stale when its `at` is
      older than the grace period (an inserter can only bring its report forward), never excused by it.
    - Neither in the tree nor in the queue: an entry the sequencer set aside (it could not read or hash it: an
      `entry_set_aside` Finding says why), or one whose queue row was removed. Not in flight (a queue row commits
      with its entry), so reported at once.

    `seen` holds the ids of the pass. Read in this order, an entry the sequencer takes meanwhile is not reported:
    every entry id (those not seen are the candidates), then the queue, then the batches sequenced since the pass."""
    grace = settings.ZHIFA_LEDGER_AUDIT_GRACE_SECONDS
    cutoff = timezone.now() - dt.timedelta(seconds=grace)
    outside = [i for i in Entry.objects.order_by("id").values_list("id", flat=True).iterator(chunk_size=CHUNK)
               if not seen.contains(i)]
    if not outside:
        return
    queued = set(Pending.objects.values_list("entry_id", flat=True))
    stale = set(Entry.objects.filter(Q(pk__in=Pending.objects.filter(queued_at__lt=cutoff).values("entry_id"))
                                     | Q(pk__in=Pending.objects.values("entry_id"), at__lt=cutoff))
                .values_list("id", flat=True))
    newest = storage.max_entry_id()  # entries written since the pass
    if newest > seen.limit:
        grown = storage.IdSet(newest)
        grown.bits[:len(seen.bits)] = seen.bits
        seen = grown
    for first_seq, first_entry, last_entry, count, _, data in storage.batches(size):
        problem = storage.batch_problem(first_entry, last_entry, count, data, seen.limit)
        if problem:
            result.add(f"排序批次（序号 {first_seq} 起，日志核验之后写入）已损坏（{problem}）")
            break
        for entry_id in storage.decode_ids(first_entry, data):
            seen.add(entry_id)
    outside = [i for i in outside if not seen.contains(i)]
    stale_ids = [i for i in outside if i in stale]
    if stale_ids:
        result.add(f"{len(stale_ids)} 个已提交的条目超过 {grace} 秒仍未写入日志树（条目 {', '.join(map(str, stale_ids[:5]))} …）")
    dropped = [i for i in outside if i not in queued]
    if dropped:
        result.add(f"{len(dropped)} 个条目既不在日志树中也不在待排序队列中（条目 {', '.join(map(str, dropped[:5]))} …）："
                   "被排序程序搁置（无法读取或计算哈希，见“被搁置”问题记录）或队列行被删除")
