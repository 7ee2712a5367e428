"""Reading the tree: node hashes from stored bands, roots, inclusion and consistency proofs."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet

from zhifa.core.errors import NotFoundError, ZhifaError
from zhifa.core.models import SecurityEventKind
from zhifa.core.permissions import can
from zhifa.core.services import security_event_record

from . import merkle, storage
from .errors import LedgerErrorCode
from .models import BAND, Checkpoint, Entry, Erasure, Finding, Node


def tree_size() -> int:
    return storage.tree_size()


class TreeReader:
    """Node hashes of the stored tree. A node at level l is computed from the stored hashes of its
    band (level l − l mod 8): at most 256 of them, read in one range query and cached. `cached=False` (signing,
    sequencing): the open tile's leaves are recomputed from their entries, never read from the shared cache."""

    def __init__(self, *, cached: bool = True):
        self._nodes: dict[tuple[int, int], bytes] = {}
        self.cached = cached

    # Plain SQL rather than the ORM: a proof over a million leaves reads about 30 ranges, and compiling
    # 30 querysets cost 15 ms a proof where the database needed 3 (bench/portal.py, decision pages).
    _NODES = (f'SELECT hash FROM {Node._meta.db_table} WHERE level = %s AND "index" >= %s AND "index" < %s '
              'ORDER BY "index"')

    def stored(self, band: int, start: int, end: int) -> list[bytes]:
        if band == 0:
            return storage.leaf_hashes(start, end, cached=self.cached)
        with connection.cursor() as cur:
            cur.execute(self._NODES, [band, start, end])
            hashes = [bytes(row[0]) for row in cur.fetchall()]
        if len(hashes) != end - start:
            raise ZhifaError(LedgerErrorCode.BAD_TREE_SIZE, "日志树中缺少节点：所请求的范围尚未写入。")
        return hashes

    def node(self, level: int, index: int) -> bytes:
        key = (level, index)
        if key not in self._nodes:
            band = level - level % BAND
            k = level - band
            hashes = self.stored(band, index << k, (index + 1) << k)
            while len(hashes) > 1:
                hashes = [merkle.node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
            self._nodes[key] = hashes[0]
        return self._nodes[key]

    def subtree_hash(self, start: int, end: int) -> bytes:
        return merkle.fold([self.node(level, index) for level, index in merkle.perfect_subtrees(start, end)])

    def root(self, size: int) -> bytes:
        return self.subtree_hash(0, size)


@dataclass(frozen=True)
class InclusionProof:
    seq: int
    tree_size: int
    leaf_hash: bytes
    path: list[bytes]
    root: bytes


def latest_checkpoint() -> Checkpoint | None:
    """The checkpoint to serve (/ledger/checkpoint.txt, /api/ledger/checkpoint, proofs by default): the newest whose
    note verifies under a known verifier key (the signer's and ZHIFA_LEDGER_PAST_VERIFIER_KEYS: configuration, not
    the database), says the size and root its columns say, and whose root is the stored tree's at its size. A row
    inserted behind the signer's back, or one past the end of the log, is passed over (issue 16, finding 3)."""
    # Imported here: services imports this module. The root comes from the tiles: full tiles are cached once
    # checked, so this is a few reads instead of a recomputation (about 10 ms at a million leaves).
    from . import services, tiles

    verifiers = services.trusted_verifiers()  # configuration only: never a key named in a database row
    size_now = tree_size()
    for cp in Checkpoint.objects.filter(size__lte=size_now).order_by("-size", "-id").iterator(chunk_size=20):
        if not services.checkpoint_signed(cp, verifiers):
            continue
        try:
            stored = tiles.reader(cp.size).root() if cp.size else merkle.EMPTY_ROOT
        except ZhifaError:
            continue
        if stored == bytes(cp.root):
            return cp
    return None


def checkpoint_for_size(size: int) -> Checkpoint | None:
    return Checkpoint.objects.filter(size=size).order_by("-id").first()


def _check_size(size: int) -> None:
    if not 0 <= size <= tree_size():
        raise ZhifaError(LedgerErrorCode.BAD_TREE_SIZE, f"树大小 {size} 超出当前日志范围。")


def inclusion_proof(seq: int, size: int | None = None) -> InclusionProof:
    """The audit path of leaf `seq` in the tree of `size` leaves (default: the latest checkpoint)."""
    if size is None:
        cp = latest_checkpoint()
        if cp is None:
            raise ZhifaError(LedgerErrorCode.NO_CHECKPOINT, "尚未生成签名检查点。")
        size = cp.size
    _check_size(size)
    if not 0 <= seq < size:  # size ≤ the sequenced tree, so every seq below it has its leaf
        raise ZhifaError(LedgerErrorCode.NO_SUCH_LEAF, f"日志中没有序号为 {seq} 的条目（树大小 {size}）。", status=404)
    from . import tiles  # the JSON proofs are computed from the same tiles outsiders fetch (ledger.tiles)

    leaf_hash, path, root = tiles.inclusion_path(seq, size)
    return InclusionProof(seq, size, leaf_hash, path, root)


def consistency_proof(first: int, second: int) -> tuple[list[bytes], bytes, bytes]:
    """The proof that the tree of `second` leaves extends the one of `first`, with both roots."""
    _check_size(second)
    if not 0 <= first <= second:
        raise ZhifaError(LedgerErrorCode.BAD_TREE_SIZE, "一致性证明要求 0 ≤ 前一树大小 ≤ 后一树大小。")
    from . import tiles

    return tiles.consistency_path(first, second)


def entries_by_id(ids) -> dict[int, Entry]:
    """Entries by primary key, sequenced or not yet (an entry gets its `seq` when integrated), their `seq` read
    for all of them at once."""
    return {e.pk: e for e in storage.attach_seqs(Entry.objects.filter(pk__in=list(ids)))}


def seqs_of(entry_ids) -> dict[int, int]:
    """{entry id: seq} for those of the entries that are in the tree: one query per 500 ids (for lists)."""
    return storage.seq_of(entry_ids)


def _missing(seq) -> NotFoundError:
    # One message for "no such entry" and "not yours to read": the answer must not tell them apart.
    return NotFoundError(f"日志中没有序号为 {seq} 的条目，或该条目不在您的查看范围内。")


def entry_get(seq: int) -> Entry:
    entry = storage.entry_at(seq) if seq >= 0 else None
    if entry is None:
        raise _missing(seq)
    return entry


# --- who may read an entry's payload (issue 15 §5) -----------------------------------------------------------------
#
# An entry's payload is the record it logs (a document's elements, a party's name, a request's wording): it is read
# within the scope of the object it is about, like the object itself. Each app registers, for the subject prefixes
# it writes (`cases.case`, `publicity.publication`, `org.agency`, …), where such an object lives: `locate(key, entry)`
# returns the keywords of core.permissions.can — {"agency": a} or {"jurisdiction": j}, or {} for an object that
# belongs to no agency (a national rule) — or None when the object is gone. The reader must then hold `ledger.view`
# there; `read_check(actor, key, entry, request)`, if given, runs after that (cases: the consultation check, REC-15).
# A subject whose prefix nobody registered is read only with the system-wide SYSTEM_READ permission: default deny,
# so an app that starts logging a new kind of subject cannot open it to the whole region by forgetting.
# The proofs, which carry no payload, stay public.

SYSTEM_READ = "ledger.manage"


@dataclass(frozen=True)
class SubjectScope:
    locate: object  # (key: str, entry: Entry) -> dict | None
    read_check: object = None  # (actor, key: str, entry: Entry, request) -> None, raising to refuse


SUBJECT_SCOPES: dict[str, SubjectScope] = {}


def register_subject_scope(prefix: str, locate, *, read_check=None) -> None:
    """Declare where the objects named `<prefix>:<key>` (or `<prefix>.<key>` for a prefix without a colon, e.g.
    `rules`) live. One app owns a prefix: registering it twice with another function is a programming error."""
    known = SUBJECT_SCOPES.get(prefix)
    scope = SubjectScope(locate, read_check)
    if known is not None and known != scope:
        raise ValueError(f"ledger subject prefix {prefix!r} already has a scope")
    SUBJECT_SCOPES[prefix] = scope


def subject_parts(subject: str) -> tuple[str, str, SubjectScope | None]:
    """(prefix, key, its registered scope or None): `cases.case:12` → ("cases.case", "12");
    `rules.case.deadline` → ("rules", "case.deadline") when `rules` is registered."""
    prefix, sep, key = subject.partition(":")
    if sep:
        return prefix, key, SUBJECT_SCOPES.get(prefix)
    family, _, rest = subject.partition(".")
    return (family, rest, SUBJECT_SCOPES[family]) if family in SUBJECT_SCOPES else (subject, "", None)


def _deny(actor, entry: Entry, request, why: str):
    security_event_record(kind=SecurityEventKind.DENIED, request=request,
                          user=actor if getattr(actor, "is_authenticated", False) else None,
                          permission="ledger.view", detail=f"ledger entry {entry.pk} ({entry.subject}): {why}"[:500])
    seq = entry.seq
    raise _missing(entry.pk if seq is None else seq)


def entry_place(actor, entry: Entry) -> tuple[bool, str]:
    """(may `actor` read this entry's payload as far as scope goes, why not). No logging, no app check: for lists."""
    prefix, key, scope = subject_parts(entry.subject)
    if scope is None:
        return can(actor, SYSTEM_READ), f"no scope registered for {prefix!r}: system-wide readers only"
    place = scope.locate(key, entry) if key else None
    if place is None:
        return can(actor, SYSTEM_READ), f"{prefix} {key!r} not found"
    return can(actor, "ledger.view", **place), "outside the reader's scope"


def entry_scope_check(actor, entry: Entry, *, request=None) -> None:
    """Refuse (404, the same as a missing entry; the denial in the security log) unless `actor` may read `entry`."""
    allowed, why = entry_place(actor, entry)
    if not allowed:
        _deny(actor, entry, request, why)
    _, key, scope = subject_parts(entry.subject)
    if scope is not None and scope.read_check is not None:
        scope.read_check(actor, key, entry, request)


def entry_read_for(*, actor, seq: int, request=None) -> Entry:
    """An entry with its payload, for a person reading it: the one check the ledger page and API share."""
    entry = entry_get(seq)
    entry_scope_check(actor, entry, request=request)
    return entry


def erasure_of(entry: Entry):
    """The entry's Erasure (issue 15 §5), or None. Only an erased entry has an empty payload: no query otherwise."""
    if entry.payload:
        return None
    return Erasure.objects.filter(entry=entry).select_related("actor").first()


def finding_list_for(*, actor) -> QuerySet[Finding]:
    """Integrity findings whose log entry the actor may read (a system-wide reader sees all), newest first: a
    queryset, for the keyset pages of the findings page (issue 19 §2), which read one page whatever their number.

    Only findings whose entry has a registered scope can be in anyone else's. Today every finding is about the log
    or a blob (ledger.* subjects, which no app registers), so for them this reads nothing; should an app's entries
    ever carry findings, each is placed by its scope (entry_place), at most the 1 000 newest candidates."""
    rows = (Finding.objects.select_related("blob", "entry").prefetch_related("reviews__reviewed_by__person")
            .order_by("-found_at", "-id"))
    if can(actor, SYSTEM_READ):
        return rows
    scoped = Q()
    for prefix in SUBJECT_SCOPES:
        scoped |= Q(entry__subject__startswith=f"{prefix}:") | Q(entry__subject__startswith=f"{prefix}.")
    if not SUBJECT_SCOPES:
        return rows.none()
    readable = [f.pk for f in Finding.objects.filter(scoped).select_related("entry").order_by("-found_at", "-id")[:1000]
                if entry_place(actor, f.entry)[0]]
    return rows.filter(pk__in=readable)


def findings_for(*, actor) -> list[Finding]:
    """The newest 200 findings of finding_list_for, as a list (the open count below)."""
    return list(finding_list_for(actor=actor)[:200])


def open_findings_count(*, actor) -> int:
    """How many findings in the actor's reach nobody has reviewed yet (the count is exact for system readers)."""
    if can(actor, SYSTEM_READ):
        return Finding.objects.filter(reviews__isnull=True).count()
    return sum(1 for f in findings_for(actor=actor) if not f.reviews.all())


def recent_payloads(*, subject: str, actor: str, kinds, since) -> list[tuple[str, dict]]:
    """(kind, payload) of the entries of `kinds` about `subject` by `actor` (an actor_label) since `since`, oldest
    first: how a service tells that an event it is about to log is already there (a playback's later ranges)."""
    import json

    rows = (Entry.objects.filter(subject=subject, actor=actor, kind__in=list(kinds), at__gte=since)
            .order_by("id").values_list("kind", "payload"))
    return [(kind, json.loads(payload)) for kind, payload in rows if payload]  # an erased payload is ''



def entries_for_subject(subject: str) -> list[Entry]:
    """The entries about `subject` in id order, each with its `seq` (None while not sequenced)."""
    return storage.attach_seqs(Entry.objects.filter(subject=subject).order_by("id"))
