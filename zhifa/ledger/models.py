"""The tamper-evident log (RFC 6962 Merkle tree) and the content-addressed evidence store.

Every table here is insert-only. The ORM refuses updates and deletes (AppendOnlyModel), and
database triggers refuse them too (migration 0002): UPDATE, DELETE and, on PostgreSQL, TRUNCATE. The one
exception is an erasure (issue 15 §5, migration 0004): an entry's `payload` may be set to '' — and nothing else
changed — once an `Erasure` row for that entry exists. The leaf commits to `payload_sha256`, so the proof stands.

Design (after Trillian): `Entry` rows are written by `record_event` inside the caller's
transaction, in any order, by any number of app servers. The sequencer (`services.integrate`),
one at a time under a lock, gives committed entries consecutive indexes (their `seq`, kept as `LeafBatch` rows), stores each
completed level-0 tile of leaf hashes as one `LeafTile` row and the hashes of completed subtrees at
every eighth level above (`Node`), so any node of the tree is computed from at most 256 stored hashes.
Every read of these goes through `storage.py`.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models.functions import Length, Now, Replace
from django.db.models.lookups import Exact

from zhifa.core.models import AppendOnlyModel

BAND = 8  # subtree hashes are stored every BAND levels: a node is at most 2**BAND stored hashes away

# The range of `Entry.at` the database accepts (migration 0012): any time a real entry has, and none that a client
# cannot read back ('infinity', a year past 9999) or that would sort an entry out of its place.
AT_MIN = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
AT_MAX = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)  # exclusive


def _hex_stripped(field: str):
    """`field` with every lowercase hex digit removed ('' for a lowercase hex string): REPLACE exists on both
    PostgreSQL and SQLite, where a regex in a CHECK constraint does not (SQLite's REGEXP is Django's own function)."""
    expression = models.F(field)
    for digit in "0123456789abcdef":
        expression = Replace(expression, models.Value(digit), models.Value(""))
    return expression


class Entry(AppendOnlyModel):
    """One event, as written by the service that caused it (not yet in the tree)."""

    # Digested (payload_sha256) before the row is saved: core.bounds never rewrites it (issue 14 §9).
    VERBATIM_TEXT_FIELDS = ("payload",)

    kind = models.CharField(max_length=80, db_index=True)
    subject = models.CharField(max_length=120, db_index=True, help_text="e.g. org.agency:12")
    actor = models.CharField(max_length=200, blank=True, help_text="user:<id> (before issue 18: user:<id> <username>), or system")
    at = models.DateTimeField()
    payload = models.TextField(help_text="canonical JSON")
    payload_sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = "日志条目"
        ordering = ["id"]
        # Issue 16 (review H3): a row the application role may insert must be one the sequencer can read and hash.
        constraints = [
            models.CheckConstraint(condition=models.Q(at__gte=AT_MIN, at__lt=AT_MAX), name="ledger_entry_at_range"),
            models.CheckConstraint(condition=models.Q(Exact(Length("payload_sha256"), 64),
                                                      Exact(_hex_stripped("payload_sha256"), "")),
                                   name="ledger_entry_digest_hex"),
            models.CheckConstraint(condition=~models.Q(kind="") & ~models.Q(subject=""),
                                   name="ledger_entry_kind_subject"),
        ]

    def __str__(self):
        return f"{self.kind} {self.subject}"

    @property
    def seq(self) -> int | None:
        """The entry's index in the tree, or None while it is not sequenced. One lookup, remembered; for many entries
        `storage.attach_seqs(entries)` sets it for all with two queries."""
        if "_seq" not in self.__dict__:
            from .storage import seq_of  # storage imports this module

            self.__dict__["_seq"] = seq_of([self.pk]).get(self.pk)
        return self.__dict__["_seq"]


class LeafTile(AppendOnlyModel):
    """The 256 leaf hashes of one completed level-0 tile (C2SP tlog-tiles), 8 192 bytes, written once by the
    sequencer in the transaction that completes it. The hashes of the still-open tile (at most 255) are not stored:
    `storage.leaf_hashes` recomputes them from their entries."""

    index = models.BigIntegerField(primary_key=True)
    data = models.BinaryField(max_length=32 << BAND)

    class Meta:
        verbose_name = verbose_name_plural = "日志叶哈希分片"
        ordering = ["index"]

    def __str__(self):
        return f"tile 0/{self.index}"


class LeafBatch(AppendOnlyModel):
    """Which entries hold the leaves `first_seq` … `first_seq + count − 1`: the entry ids, ascending, as runs of
    consecutive ids (storage.encode_ids). One row per run of the sequencer, or a few (storage.batch_rows): the rows of
    ids the sequencer had seen before (`late`, a transaction that committed after a later id was sequenced) are kept
    apart, each within the id range between two in-order rows, so that finding an entry's seq walks a handful of
    rows through the index on `first_entry` (storage.seq_of)."""

    first_seq = models.BigIntegerField(primary_key=True)
    first_entry = models.BigIntegerField(db_index=True)
    last_entry = models.BigIntegerField()
    count = models.IntegerField()
    late = models.BooleanField()
    ids = models.BinaryField(help_text="the ids as varint pairs (gap, run length − 1)")

    class Meta:
        verbose_name = verbose_name_plural = "日志排序批次"
        ordering = ["first_seq"]

    def __str__(self):
        return f"leaves {self.first_seq}–{self.first_seq + self.count - 1}"


class Node(AppendOnlyModel):
    """The hash of a completed perfect subtree at level BAND·k (k ≥ 1). Never changes once written."""

    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        verbose_name = verbose_name_plural = "日志树节点"
        constraints = [models.UniqueConstraint(fields=["level", "index"], name="ledger_node_unique")]

    def __str__(self):
        return f"node {self.level}/{self.index}"


class Pending(models.Model):
    """The sequencer's queue (issue 16, finding 4): one row per committed entry not yet in the tree.

    Written in the entry's own transaction by a database trigger on `ledger_entry` (migration 0005), so no code
    path that writes an entry can forget it, and consumed (deleted) by the sequencer in the transaction that
    gives the entry its leaf. The sequencer therefore finds exactly the committed, unsequenced entries with one
    indexed read, however late a transaction commits. Not part of the tamper-evident record: no append-only
    trigger. On PostgreSQL a foreign key, checked at once (migration 0005), keeps rows for entries that do not exist
    out; the sequencer drops any such row it finds."""

    entry = models.OneToOneField(Entry, primary_key=True, on_delete=models.DO_NOTHING, related_name="+",
                                 db_constraint=False)
    # Set by the database when the trigger queues the entry (migration 0012), not by whoever wrote the entry: the
    # audit finds entries left unsequenced by this time, since `Entry.at` is the inserter's to choose.
    queued_at = models.DateTimeField(db_default=Now())

    class Meta:
        verbose_name = verbose_name_plural = "待排序日志条目"
        constraints = [models.CheckConstraint(condition=models.Q(queued_at__gte=AT_MIN, queued_at__lt=AT_MAX),
                                              name="ledger_pending_queued_at_range")]

    def __str__(self):
        return f"pending {self.entry_id}"


class Checkpoint(AppendOnlyModel):
    """A signed tree head in the C2SP tlog-checkpoint format."""

    VERBATIM_TEXT_FIELDS = ("note", "key")  # signed text: core.bounds never rewrites it (issue 14 §9)

    size = models.BigIntegerField(db_index=True)
    root = models.BinaryField(max_length=32)
    note = models.TextField(help_text="the signed note, as published")
    key = models.CharField(max_length=300, help_text="verifier key that signed it")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "签名检查点"
        ordering = ["-size", "-id"]

    def __str__(self):
        return f"checkpoint {self.size}"


class Blob(AppendOnlyModel):
    """A stored file, named by its SHA-256: the same content is stored once."""

    sha256 = models.CharField(max_length=64, unique=True)
    sm3 = models.CharField(max_length=64, blank=True)
    size = models.BigIntegerField()
    storage_name = models.CharField(max_length=300)
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="blob")

    class Meta:
        verbose_name = verbose_name_plural = "证据文件"
        ordering = ["-id"]

    def __str__(self):
        return self.sha256


class BlobDisposal(AppendOnlyModel):
    """A stored file lawfully destroyed after its retention period (IM-M §23; AZ-R §20): the bytes are
    gone from storage, the row and its digest stay, so the log still says what existed and who
    destroyed it on whose approval. Fixity checks skip disposed files."""

    blob = models.OneToOneField(Blob, on_delete=models.PROTECT, related_name="disposal")
    authority = models.CharField("销毁依据", max_length=300, help_text="the approval that allowed it")
    disposed_at = models.DateTimeField(auto_now_add=True)
    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="disposal")

    class Meta:
        verbose_name = verbose_name_plural = "证据文件销毁记录"

    def __str__(self):
        return f"{self.blob} 已销毁"


class Erasure(AppendOnlyModel):
    """An entry's payload erased (issue 15 §5): past its retention period, or by a legal order. The entry keeps its
    kind, subject, actor, time and `payload_sha256`, so its leaf and every proof still verify; only the content is
    gone. The erasure is itself logged (`log_entry`, kind `ledger.entry_erased`, without the erased content), and the
    database lets `ledger_entry.payload` become '' only while this row exists (migration 0004)."""

    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="erasure")
    basis = models.TextField("删除依据", help_text="the retention rule or legal order that requires it")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    log_entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "日志内容删除记录"

    def __str__(self):
        return f"条目 {self.entry_id} 内容已删除"


class FindingKind(models.TextChoices):
    MISSING = "missing", "文件缺失"
    ALTERED = "altered", "文件被篡改"
    LOG_MISMATCH = "log_mismatch", "日志与检查点不一致"
    NODE_CONFLICT = "node_conflict", "已存储的树节点与叶节点不符"
    SIGNING_REFUSED = "signing_refused", "拒绝签署与上一检查点不一致的树"
    ENTRY_SET_ASIDE = "entry_set_aside", "无法读取或计算哈希的日志条目被搁置"


class Finding(AppendOnlyModel):
    """Something a person must look at: a stored file missing or altered, a log that no longer verifies."""

    kind = models.CharField(max_length=20, choices=FindingKind.choices)
    blob = models.ForeignKey(Blob, null=True, blank=True, on_delete=models.PROTECT, related_name="findings")
    detail = models.TextField()
    found_at = models.DateTimeField(auto_now_add=True)
    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="finding")

    class Meta:
        verbose_name = verbose_name_plural = "完整性问题"
        ordering = ["-found_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.detail[:40]}"


class FindingReview(AppendOnlyModel):
    """A person has seen a finding and says what was done (the finding itself stays)."""

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="reviews")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "完整性问题处理"


from .models_witness import WitnessCosignature, WitnessState  # noqa: E402, F401  (issue 16: witnesses)
