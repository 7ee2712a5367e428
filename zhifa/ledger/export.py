"""Export the log for offline verification (entries.jsonl, checkpoints.jsonl, verifiers.txt)."""

import base64
import json
from pathlib import Path

from zhifa.core.errors import ZhifaError

from . import storage
from .errors import LedgerErrorCode
from .models import Checkpoint, Entry, Erasure
from .services import actor_label, at_text


def erasure_json(erasure: Erasure) -> dict:
    """Who erased an entry's payload, when, on what basis, and where the erasure is in the log (issue 15 §5)."""
    log_leaf = storage.seq_of([erasure.log_entry_id]).get(erasure.log_entry_id)
    return {"by": actor_label(erasure.actor), "at": at_text(erasure.at), "basis": erasure.basis,
            "log_entry": erasure.log_entry_id, "log_seq": log_leaf}


def entry_json(entry: Entry, seq: int) -> dict:
    out = {"seq": seq, "kind": entry.kind, "subject": entry.subject, "actor": entry.actor, "at": at_text(entry.at),
           "payload": entry.payload, "payload_sha256": entry.payload_sha256}
    if entry.payload == "":  # only an erased entry has an empty payload: one lookup for those, none for the rest
        erasure = Erasure.objects.filter(entry=entry).select_related("actor").first()
        if erasure is not None:
            out["erased"] = erasure_json(erasure)
    return out


def proof_json(proof, entry: Entry | None = None) -> dict:
    out = {"seq": proof.seq, "tree_size": proof.tree_size, "leaf_hash": base64.b64encode(proof.leaf_hash).decode(),
           "path": [base64.b64encode(p).decode() for p in proof.path], "root": base64.b64encode(proof.root).decode()}
    if entry is not None:
        out["entry"] = entry_json(entry, proof.seq)
    return out


def export(directory: Path, *, up_to: int | None = None) -> dict:
    """Write the log (in sequence order) and every checkpoint; streamed, constant memory."""
    directory.mkdir(parents=True, exist_ok=True)
    count = 0
    size = storage.tree_size() if up_to is None else min(up_to, storage.tree_size())
    with open(directory / "entries.jsonl", "w", encoding="utf-8") as fh:
        for lo in range(0, size, 5000):
            ids = storage.entry_ids_between(lo, min(size, lo + 5000))
            entries = Entry.objects.in_bulk(ids)
            for seq, entry_id in enumerate(ids, lo):
                if entry_id not in entries:  # the tree names an entry whose row is gone: the log was tampered with
                    raise ZhifaError(LedgerErrorCode.NO_SUCH_LEAF,
                                     f"无法导出：日志序号 {seq} 所指的条目（id {entry_id}）不存在，日志已被改动，请先运行日志自检。")
                row = entry_json(entries[entry_id], seq) | {"id": entry_id}
                fh.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
                count += 1
    keys = set()
    # Every checkpoint row, also those beyond the last exported entry (issue 16, finding 2): a checkpoint past the
    # log's end means entries were removed, or the row is forged, and the offline verifier must see it. Only a
    # deliberately partial export (`up_to`) leaves out the checkpoints above its end.
    checkpoints = Checkpoint.objects.order_by("size", "id")
    if up_to is not None:
        checkpoints = checkpoints.filter(size__lte=count)
    with open(directory / "checkpoints.jsonl", "w", encoding="utf-8") as fh:
        for cp in checkpoints.iterator(chunk_size=1000):
            fh.write(json.dumps({"id": cp.pk, "size": cp.size, "root": base64.b64encode(bytes(cp.root)).decode(),
                                 "key": cp.key, "note": cp.note}, ensure_ascii=False) + "\n")
            keys.add(cp.key)
    (directory / "verifiers.txt").write_text("".join(k + "\n" for k in sorted(keys)), encoding="utf-8")
    return {"entries": count, "keys": len(keys)}
