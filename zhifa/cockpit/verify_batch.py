"""Verify a supervision export batch (docs/export.md) without our database and without Django:

    python -m zhifa.cockpit.verify_batch BATCH_DIR --key VERIFIER_KEY [--key ...] [--previous PREVIOUS_CHECKPOINT.txt]

Checks: every file against the manifest's SHA-256; the checkpoint's signature under a trusted key (only --key is
trusted, never verifier.txt inside the batch); each entry's payload against its digest, the entry against its leaf
and the leaf's inclusion proof against the checkpoint; that every record names an entry of the batch (its log_seq)
about the same case or agency; the batch's range against the checkpoint; and, given the previous batch's checkpoint,
the consistency proof that the log only grew between the two. Exit status 0: verified; 1: problems (printed); 2: usage.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from pathlib import Path

from zhifa.ledger import merkle
from zhifa.ledger.canonical import leaf_input
from zhifa.ledger.note import NoteError, Verifier, open_checkpoint
from zhifa.verify.__main__ import verify_consistency, verify_inclusion

RECORD_FILES = ("cases", "decisions", "reviews", "recordings", "alerts")
SUPPORTED = {"1.0"}


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def verify_batch(folder: Path, keys: list[Verifier], *, previous_note: str | None = None) -> list[str]:
    problems: list[str] = []
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("schema_version") not in SUPPORTED:
        return [f"unsupported schema_version {manifest.get('schema_version')!r}"]
    for name, digest in manifest["files"].items():
        path = folder / name
        if not path.exists():
            problems.append(f"{name}: missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(f"{name}: does not match the manifest's SHA-256")
    note = (folder / "checkpoint.txt").read_text(encoding="utf-8")
    try:
        cp = open_checkpoint(note, keys)
    except NoteError as exc:
        return problems + [f"checkpoint not accepted: {exc}"]
    if not manifest["since_seq"] <= manifest["to_seq"] <= cp.size:
        problems.append(f"the batch's range {manifest['since_seq']}–{manifest['to_seq']} is not within its checkpoint "
                        f"({cp.size} entries)")
    subjects: dict[int, str] = {}
    for row in _lines(folder / "entries.jsonl"):
        seq = row["seq"]
        if not manifest["since_seq"] <= seq < manifest["to_seq"]:
            problems.append(f"entry {seq}: outside the batch's range")
        proof = dict(row["proof"])
        if proof.get("seq") != seq:
            problems.append(f"entry {seq}: its proof is for seq {proof.get('seq')}")
        if "payload" in row:  # the payload against its digest, then the entry against the leaf
            proof["entry"] = {k: v for k, v in row.items() if k != "proof"}
        else:  # a header only: the entry against the leaf (the payload is committed to by its digest)
            header = leaf_input(kind=row["kind"], subject=row["subject"], actor=row["actor"], at=row["at"],
                                payload_sha256=row["payload_sha256"])
            if base64.b64encode(merkle.leaf_hash(header)).decode() != proof.get("leaf_hash"):
                problems.append(f"entry {seq}: the entry does not hash to the proof's leaf")
        problems += [f"entry {seq}: {p}" for p in verify_inclusion(proof, note, keys)]
        subjects[seq] = row["subject"]
    for kind in RECORD_FILES:
        for row in _lines(folder / f"{kind}.jsonl"):
            seq = row.get("log_seq")
            subject = subjects.get(seq)
            if subject is None:
                problems.append(f"{kind} {row.get('id')}: its log_seq {seq} is not an entry of this batch")
                continue
            case_id, agency_id = row.get("case_id", row["id"] if kind == "cases" else None), row.get("agency_id")
            expected = {f"cases.case:{case_id}"} if case_id is not None else {f"org.agency:{agency_id}"}
            if subject not in expected:
                problems.append(f"{kind} {row.get('id')}: its entry {seq} is about {subject}, not {expected.pop()}")
    consistency = folder / "consistency.json"
    if previous_note is not None:
        if not consistency.exists():
            problems.append("a previous checkpoint was given, but the batch carries no consistency proof")
        else:
            proof = json.loads(consistency.read_text(encoding="utf-8"))
            problems += verify_consistency(proof, previous_note, note, keys)
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--key", action="append", required=True, help="trusted verifier key (repeatable)")
    parser.add_argument("--previous", type=Path, help="the previous batch's checkpoint.txt")
    args = parser.parse_args(argv)
    try:
        keys = [Verifier.decode(k) for k in args.key]
    except (NoteError, ValueError) as exc:
        print(f"bad --key: {exc}", file=sys.stderr)
        return 2
    previous = args.previous.read_text(encoding="utf-8") if args.previous else None
    problems = verify_batch(args.folder, keys, previous_note=previous)
    for p in problems:
        print(p)
    if not problems:
        print("OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
