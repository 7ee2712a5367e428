"""Data for the level above (issue 20 §7; SUP-03, IM-M §4): a versioned, verifiable export of cases, decisions,
reviews, recordings and alerts for the national or provincial supervision platform. The format is docs/export.md.

A batch is incremental by log sequence: it covers the ledger entries at seqs [since_seq, checkpoint.size) and is
built against the latest signed checkpoint, so the receiver can check, without our database:
- the checkpoint's signature, under the verifier key the deployment publishes;
- each exported entry's inclusion proof against that checkpoint, and its payload against the entry's digest;
- that every record row names the entry (its seq) that logged it, inside the batch;
- with the previous batch's checkpoint, the consistency proof that the log only grew in between.

What a batch holds is what the exporting bureau supervises: the entries about cases of agencies in its subtree
(`cases.case:N`) and about those agencies themselves (`org.agency:N`: agency-scope alerts), and the records those
entries logged. Personal data follows the ledger's masking policy: the log never holds an ID number, phone or address
in clear (ledger.services.IDENTIFIER_KEYS), and the record rows give a party's ID number only as the same keyed hash
(ledger.services.identifier_commitment), never in clear, whatever the receiver.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone

from zhifa.cases.decisions import DECISION_ELEMENTS
from zhifa.cases.models import Case, Document, Party, PartyKind
from zhifa.core.errors import ZhifaError
from zhifa.core.spreadsheet import workbook, workbook_bytes
from zhifa.ledger import selectors as ledger_selectors
from zhifa.ledger import storage as ledger_storage
from zhifa.ledger.canonical import canonical_json
from zhifa.ledger.export import entry_json, proof_json
from zhifa.ledger.models import Entry
from zhifa.ledger.services import identifier_commitment
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency
from zhifa.records.models import Recording
from zhifa.review.models import Determination, Review
from zhifa.supervision.models import Alert, AlertStep

from .errors import CockpitErrorCode

SCHEMA = "zhifa.supervision-export"
SCHEMA_VERSION = "1.0"
# Who exports: the justice bureaus' supervisors, over their subtree (a grant on a jurisdiction). An agency grant of the
# same permission (a head) gives no export: the data goes to the level above the bureau, not the agency's own.
EXPORT_PERMISSION = "cockpit.export"
CHUNK = 2000
# Log entries one batch reads at most (the API's; `supervision_export --max-entries` sets another).
MAX_ENTRIES = 100_000
RECORD_KINDS = ("cases", "decisions", "reviews", "recordings", "alerts")


@dataclass(frozen=True)
class ExportScope:
    everywhere: bool
    paths: tuple[str, ...]

    def covers(self, path: str) -> bool:
        return self.everywhere or any(path.startswith(p) for p in self.paths)


def export_scope(actor, *, request=None) -> ExportScope:
    """The subtrees `actor` exports; refused (403, the denial logged) without a jurisdiction grant."""
    scope = org_perms.scope_for(actor, EXPORT_PERMISSION)
    if not (scope.everywhere or scope.paths):
        org_perms.deny(actor, EXPORT_PERMISSION, request=request, detail="supervision export: no jurisdiction grant")
    return ExportScope(scope.everywhere, scope.paths)


@dataclass
class Batch:
    since_seq: int
    to_seq: int  # exclusive: the checkpoint's tree size
    checkpoint_note: str
    checkpoint_key: str
    scope_paths: list[str]
    generated_at: str
    payloads: bool
    entries: list[dict] = field(default_factory=list)  # entry_json + id + proof
    records: dict[str, list[dict]] = field(default_factory=lambda: {k: [] for k in RECORD_KINDS})
    consistency: dict | None = None

    def manifest(self, digests: dict[str, str]) -> dict:
        return {"schema": SCHEMA, "schema_version": SCHEMA_VERSION, "since_seq": self.since_seq,
                "to_seq": self.to_seq, "next_since_seq": self.to_seq, "generated_at": self.generated_at,
                "scope": self.scope_paths, "payloads": self.payloads, "counts": {"entries": len(self.entries),
                                                      **{k: len(v) for k, v in self.records.items()}},
                "files": digests}


def _ts(value) -> str | None:
    return None if value is None else timezone.localtime(value).isoformat()


def _day(value) -> str | None:
    return None if value is None else value.isoformat()


def _entries_between(start: int, end: int) -> Iterator[tuple[int, Entry]]:
    for lo in range(start, end, CHUNK):
        ids = ledger_storage.entry_ids_between(lo, min(end, lo + CHUNK))
        rows = Entry.objects.in_bulk(ids)
        for seq, entry_id in enumerate(ids, lo):
            yield seq, rows[entry_id]


def _subject_id(subject: str, prefix: str) -> int | None:
    head, sep, key = subject.partition(":")
    return int(key) if sep and head == prefix and key.isdigit() else None


def _case_row(case: Case, parties: list[Party], major: bool | None, seq: int, *, payloads: bool) -> dict:
    """A case as the level above receives it. A natural person is a commitment to the name and the ID number (HMAC
    under the deployment's key: the receiver can match the same person across batches, never read or guess who);
    an organisation is named. The 案由 is free text that often names the party: only with payloads."""
    return {"id": case.pk, "number": case.number, "title": case.title if payloads else "",
            "agency_id": case.agency_id,
            "agency": case.agency.name, "agency_credit_code": case.agency.credit_code,
            "jurisdiction": case.agency.jurisdiction.code, "action_type": case.action_type,
            "procedure": case.procedure, "stage": case.stage, "opened_at": _ts(case.opened_at),
            "major_decision": major,
            "parties": [{"kind": p.kind,
                         "name": p.name if payloads or p.kind != PartyKind.NATURAL else "",
                         "name_hmac": identifier_commitment(p.name) if p.kind == PartyKind.NATURAL else "",
                         "id_hmac": identifier_commitment(p.id_number)}
                        for p in parties],
            "log_seq": seq}


HEADER = ("seq", "kind", "subject", "actor", "at", "payload_sha256", "erased")


def build(*, actor, since_seq: int, payloads: bool = False, request=None, max_entries: int = MAX_ENTRIES) -> Batch:
    """The batch of entries [since_seq, latest checkpoint) in the actor's subtree, with their records and proofs.

    `payloads`: whether the entries carry their payloads. Without them (the default) an entry is its header — what its
    leaf hash commits to, the payload by its SHA-256 — so no free text typed into a record (which may name a person
    or even hold an ID number someone typed) leaves the system; the receiver still proves each entry is in the log.
    With them, for a receiver entitled to the case content (docs/export.md, "Personal data").

    A batch reads at most `max_entries` log entries from `since_seq` (its `to_seq` is where it stopped; the receiver
    asks again from there): one request never walks the whole log."""
    scope = export_scope(actor, request=request)
    checkpoint = ledger_selectors.latest_checkpoint()
    if checkpoint is None:
        raise ZhifaError(CockpitErrorCode.NO_CHECKPOINT, "尚未生成签名检查点，暂无可供验证的导出批次。", status=409)
    size = checkpoint.size
    if since_seq < 0 or since_seq > size:
        raise ZhifaError(CockpitErrorCode.BAD_SINCE_SEQ,
                         f"起始序号 {since_seq} 超出范围：应在 0 至最新检查点的树大小 {size} 之间。", status=400)
    end = min(size, since_seq + max(1, max_entries))
    batch = Batch(since_seq=since_seq, to_seq=end, checkpoint_note=checkpoint.note, checkpoint_key=checkpoint.key,
                  scope_paths=["*"] if scope.everywhere else list(scope.paths),
                  generated_at=timezone.now().isoformat(), payloads=payloads)
    if 0 < since_seq < size:
        previous = ledger_selectors.checkpoint_for_size(since_seq)
        if previous is not None:
            path, _, _ = ledger_selectors.consistency_proof(since_seq, size)
            batch.consistency = {"first": since_seq, "second": size, "old_checkpoint": previous.note,
                                 "path": [base64.b64encode(p).decode() for p in path]}

    # Pass 1: the entries about cases and agencies, and which of them are in the subtree.
    about_case: dict[int, list[tuple[int, Entry]]] = {}
    about_agency: dict[int, list[tuple[int, Entry]]] = {}
    for seq, entry in _entries_between(since_seq, end):
        case_id = _subject_id(entry.subject, "cases.case")
        if case_id is not None:
            about_case.setdefault(case_id, []).append((seq, entry))
            continue
        agency_id = _subject_id(entry.subject, "org.agency")
        if agency_id is not None:
            about_agency.setdefault(agency_id, []).append((seq, entry))
    cases: dict[int, Case] = {}
    ids = list(about_case)
    for lo in range(0, len(ids), CHUNK):
        for case in Case.objects.filter(pk__in=ids[lo:lo + CHUNK]).select_related("agency__jurisdiction"):
            if scope.covers(case.agency.jurisdiction.path):
                cases[case.pk] = case
    agencies = {a.pk for a in Agency.objects.filter(pk__in=list(about_agency)).select_related("jurisdiction")
                if scope.covers(a.jurisdiction.path)}
    kept = sorted([se for cid in cases for se in about_case[cid]] + [se for aid in agencies for se in about_agency[aid]],
                  key=lambda se: se[0])
    seq_of_entry = {entry.pk: seq for seq, entry in kept}
    for seq, entry in kept:
        proof = ledger_selectors.inclusion_proof(seq, size)
        row = entry_json(entry, seq)
        if not payloads:
            row = {k: v for k, v in row.items() if k in HEADER}
        batch.entries.append(row | {"id": entry.pk, "proof": proof_json(proof)})

    # Pass 2: the records those entries logged (each names its entry's seq), a fixed number of queries per chunk.
    entry_ids = list(seq_of_entry)
    last_seq = {cid: about_case[cid][-1][0] for cid in cases}
    case_ids = sorted(cases)
    for lo in range(0, len(case_ids), CHUNK):
        part = case_ids[lo:lo + CHUNK]
        parties: dict[int, list[Party]] = {}
        for p in Party.objects.filter(case_id__in=part).order_by("id"):
            parties.setdefault(p.case_id, []).append(p)
        major = dict(Determination.objects.filter(case_id__in=part, superseded_by__isnull=True)
                     .values_list("case_id", "is_major"))
        for cid in part:
            batch.records["cases"].append(_case_row(cases[cid], parties.get(cid, []), major.get(cid), last_seq[cid],
                                                    payloads=payloads))
        for review in Review.objects.filter(case_id__in=part).order_by("id"):
            batch.records["reviews"].append({
                "id": review.pk, "case_id": review.case_id, "agency_id": review.agency_id, "state": review.state,
                "round": review.round, "due_on": _day(review.due_on), "extended": review.extended,
                "passed_at": _ts(review.passed_at), "log_seq": last_seq[review.case_id]})
    for lo in range(0, len(entry_ids), CHUNK):
        part = entry_ids[lo:lo + CHUNK]
        for doc in (Document.objects.filter(entry_id__in=part, form__in=list(DECISION_ELEMENTS))
                    .select_related("number_record").order_by("id")):
            number = getattr(doc, "number_record", None)
            batch.records["decisions"].append({
                "id": doc.pk, "case_id": doc.case_id, "form": doc.form, "version": doc.version,
                "supersedes": doc.supersedes_id, "number": number.text if number else "",
                "issued_on": _day(number.issued_on) if number else None, "recorded_at": _ts(doc.recorded_at),
                "elements_sha256": hashlib.sha256(canonical_json(doc.elements).encode()).hexdigest(),
                "log_seq": seq_of_entry[doc.entry_id]})
        for rec in Recording.objects.filter(entry_id__in=part).select_related("blob").order_by("id"):
            batch.records["recordings"].append({
                "id": rec.pk, "case_id": rec.case_id, "document_id": rec.document_id, "activity": rec.activity,
                "started_at": _ts(rec.started_at), "ended_at": _ts(rec.ended_at),
                "duration_seconds": rec.duration_seconds, "remote": rec.remote, "uploaded_at": _ts(rec.uploaded_at),
                "sha256": rec.blob.sha256, "log_seq": seq_of_entry[rec.entry_id]})
        steps = {}
        for step in AlertStep.objects.filter(entry_id__in=part).order_by("id"):
            steps[step.alert_id] = max(steps.get(step.alert_id, -1), seq_of_entry[step.entry_id])
        for alert in Alert.objects.filter(pk__in=list(steps)).order_by("id"):
            batch.records["alerts"].append({
                "id": alert.pk, "agency_id": alert.agency_id, "case_id": alert.case_id, "model": alert.model,
                "scope": alert.scope, "level": alert.level, "state": alert.state, "detail": alert.detail,
                "due": _day(alert.due), "opened_at": _ts(alert.opened_at), "closed_at": _ts(alert.closed_at),
                # A supervisor's words: only with payloads (they may name a person); the rest is the models' own.
                "close_reason": alert.close_reason if payloads else "", "log_seq": steps[alert.pk]})
    return batch


def _jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"
                   for r in rows).encode()


EXCEL_COLUMNS = {
    "cases": ["id", "number", "title", "agency_id", "agency", "jurisdiction", "action_type", "procedure", "stage",
              "opened_at", "major_decision", "parties", "log_seq"],
    "decisions": ["id", "case_id", "form", "version", "supersedes", "number", "issued_on", "recorded_at",
                  "elements_sha256", "log_seq"],
    "reviews": ["id", "case_id", "agency_id", "state", "round", "due_on", "extended", "passed_at", "log_seq"],
    "recordings": ["id", "case_id", "document_id", "activity", "started_at", "ended_at", "duration_seconds", "remote",
                   "sha256", "log_seq"],
    "alerts": ["id", "agency_id", "case_id", "model", "scope", "level", "state", "detail", "due", "opened_at",
               "closed_at", "close_reason", "log_seq"],
}


def _excel(batch: Batch) -> bytes:
    """The same records as the JSON Lines files, one sheet each, for people; the JSON Lines are what verifies."""
    wb = workbook()
    info = wb.active
    info.title = "batch"
    for key, value in (("schema", SCHEMA), ("schema_version", SCHEMA_VERSION), ("since_seq", batch.since_seq),
                       ("to_seq", batch.to_seq), ("generated_at", batch.generated_at),
                       ("scope", " ".join(batch.scope_paths))):
        info.append([key, value])
    for kind, columns in EXCEL_COLUMNS.items():
        ws = wb.create_sheet(kind)
        ws.append(columns)
        for row in batch.records[kind]:
            ws.append([row.get(c) if not isinstance(row.get(c), (list, dict)) else json.dumps(row.get(c))
                       for c in columns])
    return workbook_bytes(wb)


def files_of(batch: Batch) -> dict[str, bytes]:
    """The batch's files, manifest last (it holds the SHA-256 of every other file)."""
    files = {"checkpoint.txt": batch.checkpoint_note.encode(), "verifier.txt": (batch.checkpoint_key + "\n").encode(),
             "entries.jsonl": _jsonl(batch.entries)}
    for kind in RECORD_KINDS:
        files[f"{kind}.jsonl"] = _jsonl(batch.records[kind])
    if batch.consistency is not None:
        files["consistency.json"] = json.dumps(batch.consistency, separators=(",", ":")).encode()
    files["batch.xlsx"] = _excel(batch)
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    files["manifest.json"] = json.dumps(batch.manifest(digests), ensure_ascii=False, indent=1).encode()
    return files


def batch_name(batch: Batch) -> str:
    return f"supervision-{batch.since_seq:012d}-{batch.to_seq:012d}"


def write_dir(batch: Batch, out: Path) -> Path:
    folder = out / batch_name(batch)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files_of(batch).items():
        (folder / name).write_bytes(data)
    return folder


def zip_bytes(batch: Batch) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files_of(batch).items():
            zf.writestr(f"{batch_name(batch)}/{name}", data)
    return buf.getvalue()
