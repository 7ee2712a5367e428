"""How the tree's leaves are stored (issue 16: ≤ 40 B per leaf), and every read of them.

Two tables replace the former row per leaf (`ledger_leaf`: seq, entry id, hash and two indexes, 76 B per leaf on
SQLite, 130 B on PostgreSQL):
- `LeafTile`: the 256 hashes of each completed level-0 tile, one 8 192-byte row written once by the sequencer. The
  hashes of the open tile (at most 255 leaves) are not stored; `leaf_hashes` recomputes them from their entries.
- `LeafBatch`: which entry holds each seq, one row per run of the sequencer: `first_seq`, the first and last entry
  id, `count`, and the ids as runs of consecutive ids (a run of the sequencer takes its queue in id order, so a batch
  of a thousand entries is usually a few bytes).

Finding an entry's seq (`seq_of`). A transaction that commits late (its id is below one already sequenced) puts its
entry in a later run than its neighbours. The sequencer therefore keeps such *late* ids apart (`batch_rows`): the
in-order rows have increasing, disjoint id ranges, and each late row lies between the first ids of two consecutive
in-order rows. An id X is then in the in-order row with the greatest `first_entry ≤ X`, or in one of the late rows
whose `first_entry` lies between that row's and X: one index range read, however late X committed.

Nothing else reads `ledger_leaftile` or `ledger_leafbatch` directly except the audit (audit.py), which checks every
row, and the migration that built them from `ledger_leaf` (0014).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from zhifa.core.bounds import MAX_BIGINT
from zhifa.core.db_router import read_connection
from zhifa.core.errors import ZhifaError

from .errors import LedgerErrorCode
from .models import BAND, Entry, LeafBatch, LeafTile

TILE_WIDTH = 1 << BAND
ROW_MAX = 1 << 16  # entries per batch row: bounds the bytes decoded to find one seq
_IN = 500  # ids per statement (SQLite's bound on parameters)

CACHE_PREFIX = "zhifa.ledger.open-tile"
_BATCH = LeafBatch._meta.db_table
_TILE = LeafTile._meta.db_table


# --- the ids of a batch row ----------------------------------------------------------------------------------------

def _varint(value: int, out: bytearray) -> None:
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def encode_ids(ids: list[int]) -> bytes:
    """Strictly ascending ids as varint pairs (gap since the previous run's end, run length − 1); the first gap is
    counted from ids[0] itself, so it is 0."""
    out = bytearray()
    i, previous = 0, ids[0] - 1
    while i < len(ids):
        j = i
        while j + 1 < len(ids) and ids[j + 1] == ids[j] + 1:
            j += 1
        if ids[i] <= previous:
            raise ValueError("entry ids of a batch must be strictly ascending")
        _varint(ids[i] - previous - 1, out)
        _varint(j - i, out)
        previous, i = ids[j], j + 1
    return bytes(out)


def decode_runs(first_entry: int, data: bytes) -> list[tuple[int, int]]:
    """The (first id, length) runs of consecutive ids a batch row holds, in order."""
    values, value, shift = [], 0, 0
    for byte in bytes(data):
        value |= (byte & 0x7F) << shift
        if byte & 0x80:
            shift += 7
            continue
        values.append(value)
        value, shift = 0, 0
    if shift or len(values) % 2:
        raise ValueError("truncated id list")
    runs, previous = [], first_entry - 1
    for k in range(0, len(values), 2):
        start = previous + 1 + values[k]
        runs.append((start, values[k + 1] + 1))
        previous = start + values[k + 1]
    return runs


def decode_ids(first_entry: int, data: bytes) -> list[int]:
    ids: list[int] = []
    for start, length in decode_runs(first_entry, data):
        ids.extend(range(start, start + length))
    return ids


def batch_problem(first_entry: int, last_entry: int, count: int, data: bytes, max_id: int) -> str:
    """Why a batch row cannot be expanded into its ids, or ''. Checked from its runs before any id is materialised:
    a hostile or corrupt row (a run of 2^40 ids, an id near 2^62 or below 1) must not exhaust memory or index a
    bitmap from its end (review finding 5). `max_id`: the greatest entry id there is."""
    try:
        runs = decode_runs(first_entry, data)
    except ValueError:
        return "编号列表无法解码"
    if not 0 < count <= ROW_MAX:
        return f"条目数 {count} 超出范围（1…{ROW_MAX}）"
    if sum(length for _, length in runs) != count:
        return "编号列表与条目数不符"
    if not 0 < first_entry <= last_entry <= max_id:
        return f"条目 id 范围 {first_entry}…{last_entry} 超出已有条目（最大 id {max_id}）"
    if runs[0][0] != first_entry or runs[-1][0] + runs[-1][1] - 1 != last_entry:
        return "编号列表与首末条目 id 不符"
    return ""


def max_entry_id() -> int:
    with connection.cursor() as cur:
        cur.execute(f"SELECT MAX(id) FROM {Entry._meta.db_table}")
        row = cur.fetchone()
    return int(row[0] or 0)


def batch_rows(first_seq: int, ids: list[int]) -> list[LeafBatch]:
    """The rows that give seqs first_seq, first_seq + 1, … to `ids` (ascending, all new to the tree).

    Ids above every id already sequenced form in-order rows; the others (late commits) are grouped by the gap
    between in-order rows they fall into, one late row per gap, so that `seq_of` stays one short index walk. Seqs
    follow the ids' order in every case: late groups first (their ids are smaller), then the in-order ones."""
    if not ids:
        return []
    with connection.cursor() as cur:
        cur.execute(f"SELECT last_entry FROM {_BATCH} WHERE NOT late ORDER BY first_seq DESC LIMIT 1")
        row = cur.fetchone()
        highest = row[0] if row else 0
        late = [i for i in ids if i <= highest]
        firsts: list[int] = []
        if late:
            # The in-order rows' first ids from the gap of the smallest late id upwards.
            cur.execute(f"SELECT first_entry FROM {_BATCH} WHERE NOT late AND first_entry >= COALESCE(("
                        f"SELECT first_entry FROM {_BATCH} WHERE first_entry <= %s AND NOT late "
                        f"ORDER BY first_entry DESC LIMIT 1), 0) AND first_entry <= %s ORDER BY first_entry",
                        [late[0], late[-1]])
            firsts = [r[0] for r in cur.fetchall()]
    groups: list[tuple[bool, list[int]]] = []
    gap = None
    for i in late:
        g = bisect_right(firsts, i)
        if g != gap or len(groups[-1][1]) >= ROW_MAX:
            groups.append((True, []))
            gap = g
        groups[-1][1].append(i)
    in_order = [i for i in ids if i > highest]
    for k in range(0, len(in_order), ROW_MAX):
        groups.append((False, in_order[k:k + ROW_MAX]))
    rows, seq = [], first_seq
    for is_late, part in groups:
        rows.append(LeafBatch(first_seq=seq, first_entry=part[0], last_entry=part[-1], count=len(part), late=is_late,
                              ids=encode_ids(part)))
        seq += len(part)
    return rows


# --- reads ---------------------------------------------------------------------------------------------------------

def tree_size() -> int:
    with connection.cursor() as cur:
        cur.execute(f"SELECT first_seq + count FROM {_BATCH} ORDER BY first_seq DESC LIMIT 1")
        row = cur.fetchone()
    return 0 if row is None else int(row[0])


def _parts(items: list, n: int = _IN):
    for i in range(0, len(items), n):
        yield items[i:i + n]


def seq_of(entry_ids) -> dict[int, int]:
    """{entry id: seq} for those of `entry_ids` that are in the tree (a queued or set-aside entry is absent).
    One query per 500 ids, whatever their number of batch rows."""
    wanted = sorted({int(i) for i in entry_ids if i is not None})
    found: dict[int, int] = {}
    for part in _parts(wanted):
        values = ", ".join(["(%s)"] * len(part))
        sql = (f"WITH x(id) AS (VALUES {values}) "
               f"SELECT DISTINCT b.first_seq, b.first_entry, b.ids FROM x JOIN {_BATCH} b "
               f"ON b.first_entry <= x.id AND b.last_entry >= x.id AND b.first_entry >= COALESCE(("
               f"SELECT n.first_entry FROM {_BATCH} n WHERE n.first_entry <= x.id AND NOT n.late "
               f"ORDER BY n.first_entry DESC LIMIT 1), 0)")
        with read_connection(LeafBatch).cursor() as cur:  # the portal reads on the replica (issue 19 §5)
            cur.execute(sql, part)
            rows = cur.fetchall()
        for first_seq, first_entry, data in rows:
            offset = first_seq
            for start, length in decode_runs(first_entry, data):  # by runs: a row may hold 65 536 ids
                for k in range(bisect_left(part, start), bisect_left(part, start + length)):
                    found[part[k]] = offset + part[k] - start
                offset += length
    return found


def attach_seqs(entries) -> list:
    """Set `seq` (models.Entry.seq) on every entry at once: list pages read it without a query per row."""
    entries = list(entries)
    seqs = seq_of(e.pk for e in entries if "_seq" not in e.__dict__)
    for e in entries:
        e.__dict__.setdefault("_seq", seqs.get(e.pk))
    return entries


def _in_range(start: int, end: int) -> None:
    """A seq range a database column can hold: a seq from a URL (…/entries/9223372036854775807) is refused as beyond
    the tree before it reaches a query, where seq + 1 would overflow a 64-bit integer (a 500 on SQLite)."""
    if start < 0 or end > MAX_BIGINT:
        raise ZhifaError(LedgerErrorCode.BAD_TREE_SIZE, "日志树中缺少节点：所请求的范围尚未写入。")


def entry_ids_between(start: int, end: int) -> list[int]:
    """The entry ids at seqs start … end − 1, in seq order. Raises when the tree does not reach `end`."""
    if end <= start:
        return []
    _in_range(start, end)
    with connection.cursor() as cur:
        cur.execute(f"SELECT first_seq, first_entry, count, ids FROM {_BATCH} WHERE first_seq < %s AND first_seq >= "
                    f"COALESCE((SELECT MAX(first_seq) FROM {_BATCH} WHERE first_seq <= %s), 0) ORDER BY first_seq",
                    [end, start])
        rows = cur.fetchall()
    out: list[int] = []
    expected = None
    for first_seq, first_entry, count, data in rows:
        runs = decode_runs(first_entry, data)
        if (expected is not None and first_seq != expected) or sum(n for _, n in runs) != count:
            raise ZhifaError(LedgerErrorCode.BAD_TREE_SIZE, "日志排序批次不连续或已损坏。")
        expected = first_seq + count
        lo, hi = max(start, first_seq) - first_seq, min(end, first_seq + count) - first_seq  # offsets in the row
        offset = 0
        for run_start, length in runs:  # only the runs that overlap [lo, hi)
            a, b = max(lo, offset), min(hi, offset + length)
            if a < b:
                out.extend(range(run_start + a - offset, run_start + b - offset))
            offset += length
    if len(out) != end - start:
        raise ZhifaError(LedgerErrorCode.BAD_TREE_SIZE, "日志树中缺少节点：所请求的范围尚未写入。")
    return out


def entry_id_at(seq: int) -> int | None:
    try:
        return entry_ids_between(seq, seq + 1)[0]
    except ZhifaError:
        return None


def entry_at(seq: int) -> Entry | None:
    entry_id = entry_id_at(seq)
    entry = Entry.objects.filter(pk=entry_id).first() if entry_id is not None else None
    if entry is not None:
        entry.__dict__["_seq"] = seq
    return entry


def entries_by_ids(ids: list[int], fields: tuple[str, ...]) -> dict[int, tuple]:
    """{id: (field values…)} of these entries, read in id ranges where the ids are dense (a batch usually is) and
    in lists of 500 where they are not."""
    ordered = sorted(set(ids))
    out: dict[int, tuple] = {}
    dense, sparse = [], []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] - ordered[j] <= 8:
            j += 1
        (dense if j - i >= 31 else sparse).append((ordered[i], ordered[j]) if j - i >= 31 else ordered[i:j + 1])
        i = j + 1
    columns = ("id", *fields)
    for lo, hi in dense:
        for row in Entry.objects.filter(pk__gte=lo, pk__lte=hi).values_list(*columns):
            out[row[0]] = row[1:]
    flat = [x for part in sparse for x in part]
    for part in _parts(flat):
        for row in Entry.objects.filter(pk__in=part).values_list(*columns):
            out[row[0]] = row[1:]
    wanted = set(ordered)
    return {k: v for k, v in out.items() if k in wanted}


def _recomputed(ids: list[int]) -> list[bytes]:
    """The leaf hashes of these entries, from their rows (what `services.entry_leaf_hash` computes)."""
    from . import merkle
    from .canonical import leaf_input
    from .services import at_text  # services imports this module

    rows = {row[0]: row[1:] for part in _parts(ids) for row in Entry.objects.filter(pk__in=part).values_list(
        "id", "kind", "subject", "actor", "at", "payload_sha256")}
    if len(rows) != len(set(ids)):
        raise ZhifaError(LedgerErrorCode.BAD_TREE_SIZE, "日志树所指的条目缺失。")
    return [merkle.leaf_hash(leaf_input(kind=kind, subject=subject, actor=actor, at=at_text(at), payload_sha256=digest))
            for kind, subject, actor, at, digest in (rows[i] for i in ids)]


def recomputed_leaf_hashes(start: int, end: int) -> list[bytes]:
    """The leaf hashes of seqs start … end − 1 recomputed from their entries, whatever is stored (repairs)."""
    return _recomputed(entry_ids_between(start, end))


def _open_tile(tile: int, end: int, *, cached: bool) -> list[bytes]:
    """The hashes of the open tile's leaves up to seq `end`, recomputed from their entries.

    With `cached`, kept in the cache by the (entry id, payload digest) pairs they were computed from, so that a
    request after the sequencer added leaves computes only the new ones. The cache is written only once the
    outermost transaction has committed: on SQLite an id freed by a rolled-back entry is given again to the next
    one (review finding 1), so a hash computed inside a transaction that is rolled back must never be kept. The
    signing and sequencing paths pass `cached=False` and never read it: whatever the cache holds cannot reach a
    signed root or a stored tile."""
    start = tile * TILE_WIDTH
    ids = entry_ids_between(start, end)
    if not cached:
        return _recomputed(ids)
    key = f"{CACHE_PREFIX}:{settings.ZHIFA_LEDGER_ORIGIN}:{tile}"
    known_ids, known = cache.get(key) or ((), [])
    k = min(len(known_ids), len(ids))
    if tuple(ids[:k]) != tuple(known_ids[:k]):
        k, known = 0, []
    hashes = known[:k] + _recomputed(ids[k:])
    if len(ids) > len(known_ids):
        value = (tuple(ids), hashes)
        transaction.on_commit(lambda: cache.set(key, value, timeout=24 * 3600))
    return hashes


def leaf_hashes(start: int, end: int, *, size: int | None = None, cached: bool = True) -> list[bytes]:
    """The leaf hashes of seqs start … end − 1: completed tiles from their stored rows, the open tile recomputed from
    its entries (at most 255). Raises ZhifaError when the tree (of `size`, default tree_size()) does not reach `end`
    or a completed tile's row is missing.

    A stored row is used only for a tile the tree size says is complete (`index < size // 256`): a row for the open
    tile or a later one (planted by whoever can insert into the table, review finding 2) is never served; the audit
    reports it. `cached=False` (signing, sequencing): the open tile is recomputed without reading the cache."""
    if end <= start:
        return []
    _in_range(start, end)
    size = tree_size() if size is None else size
    if end > size:
        raise ZhifaError(LedgerErrorCode.BAD_TREE_SIZE, "日志树中缺少节点：所请求的范围尚未写入。")
    first_tile, last_tile = start // TILE_WIDTH, (end - 1) // TILE_WIDTH
    complete = size // TILE_WIDTH
    stored: dict[int, bytes] = {}
    if first_tile < complete:
        with connection.cursor() as cur:
            cur.execute(f'SELECT "index", data FROM {_TILE} WHERE "index" >= %s AND "index" < %s ORDER BY "index"',
                        [first_tile, min(last_tile + 1, complete)])
            stored = {int(i): bytes(d) for i, d in cur.fetchall()}
    out: list[bytes] = []
    for tile in range(first_tile, last_tile + 1):
        lo, hi = max(start, tile * TILE_WIDTH), min(end, (tile + 1) * TILE_WIDTH)
        if tile < complete:
            data = stored.get(tile)
            if data is None:
                raise ZhifaError(LedgerErrorCode.BAD_TREE_SIZE, f"日志树缺少叶哈希分片 0/{tile}。")
            if len(data) != 32 * TILE_WIDTH:
                raise ZhifaError(LedgerErrorCode.BAD_TREE_SIZE, f"日志树的叶哈希分片 0/{tile} 已损坏。")
            base = tile * TILE_WIDTH
            out.extend(data[32 * (s - base):32 * (s - base + 1)] for s in range(lo, hi))
        else:
            out.extend(_open_tile(tile, hi, cached=cached)[lo - tile * TILE_WIDTH:])
    return out


class IdSet:
    """A set of entry ids as a bitmap: 1.25 MB per 10 million ids, for the passes that see every sequenced id.
    Bounded by `limit` (the greatest entry id there is): an id outside 1 … limit is refused (ValueError), never
    allocated for or indexed from the bitmap's end (review finding 5)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.bits = bytearray()

    def _check(self, entry_id: int) -> None:
        if not 0 < entry_id <= self.limit:
            raise ValueError(f"entry id {entry_id} outside 1…{self.limit}")

    def add(self, entry_id: int) -> bool:
        """Add the id; False if it was already there."""
        self._check(entry_id)
        byte, bit = entry_id >> 3, 1 << (entry_id & 7)
        if byte >= len(self.bits):
            self.bits.extend(bytes(min(max(byte + 1 - len(self.bits), len(self.bits)),
                                       (self.limit >> 3) + 1 - len(self.bits))))
        if self.bits[byte] & bit:
            return False
        self.bits[byte] |= bit
        return True

    def contains(self, entry_id: int) -> bool:
        if not 0 < entry_id <= self.limit:
            return False
        byte = entry_id >> 3
        return byte < len(self.bits) and bool(self.bits[byte] & (1 << (entry_id & 7)))


def batches(from_seq: int = 0, chunk: int = 1000):
    """Every batch row from `from_seq` on, as (first_seq, first_entry, last_entry, count, late, ids), chunk by chunk."""
    last = from_seq - 1
    while True:
        with connection.cursor() as cur:
            cur.execute(f"SELECT first_seq, first_entry, last_entry, count, late, ids FROM {_BATCH} "
                        f"WHERE first_seq > %s ORDER BY first_seq LIMIT %s", [last, chunk])
            rows = cur.fetchall()
        for first_seq, first_entry, last_entry, count, late, data in rows:
            yield first_seq, first_entry, last_entry, count, bool(late), bytes(data)
        if len(rows) < chunk:
            return
        last = rows[-1][0]


def sequenced_ids() -> IdSet:
    """Every entry id in the tree (a full read of the batch rows: for repairs and audits). Refuses (ZhifaError) when
    a row is corrupt: a repair must not guess which entries the tree holds."""
    limit = max_entry_id()
    out = IdSet(limit)
    for first_seq, first_entry, last_entry, count, _, data in batches():
        problem = batch_problem(first_entry, last_entry, count, data, limit)
        if problem:
            raise ZhifaError(LedgerErrorCode.BAD_TREE_SIZE, f"排序批次（序号 {first_seq} 起）已损坏：{problem}。")
        for entry_id in decode_ids(first_entry, data):
            out.add(entry_id)
    return out
