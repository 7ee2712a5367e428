"""Check an exported ledger, or one proof, without the database and without Django.

    python -m zhifa.verify log EXPORT_DIR --key VERIFIER_KEY [--key ...]
    python -m zhifa.verify inclusion PROOF.json --checkpoint CHECKPOINT.txt --key VERIFIER_KEY
    python -m zhifa.verify consistency PROOF.json --old OLD.txt --new NEW.txt --key VERIFIER_KEY
    python -m zhifa.verify casefile CASE.zip --key VERIFIER_KEY

The verifier key is the public key the deployment publishes (on its portal, and in its log as
`ledger.key_in_use` entries). Obtain it from a source other than the export you are checking:
whoever could rewrite the export could also rewrite a key inside it.

An entry whose payload was lawfully erased (issue 15 §5) is exported with an empty payload and an "erased" note
(who, when, basis, and the seq of its `ledger.entry_erased` record). Its leaf still verifies from the payload digest;
the verifier accepts the empty payload only when the log itself holds the erasure record for that entry and digest.
A payload changed to anything else, or emptied without a note, fails as before.

Exit status 0: everything verified. 1: something did not (each problem is printed). 2: bad usage.
3 (casefile only): nothing failed, but some items were logged after the package's checkpoint (or no checkpoint
existed yet), so they are not proven: verify them with the next checkpoint (download the package again).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import time
from pathlib import Path

from zhifa.ledger import merkle
from zhifa.ledger.canonical import leaf_input
from zhifa.ledger.note import NoteError, Verifier, open_checkpoint


def _b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


ERASED_KIND = "ledger.entry_erased"


def _erased(row: dict) -> bool:
    """An entry exported as erased: no payload, and the note saying so (issue 15 §5)."""
    return row.get("payload") == "" and isinstance(row.get("erased"), dict)


def verify_log(directory: Path, keys: list[Verifier], *, origin: str | None = None) -> tuple[list[str], dict]:
    problems: list[str] = []
    erased: dict[int, tuple[str, object]] = {}  # seq -> (digest, seq of its erasure record as the export says)
    recorded: dict[int, str] = {}  # seq -> digest, from the ledger.entry_erased records in the log
    checkpoints = []
    for line in (directory / "checkpoints.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        note = json.loads(line)["note"]
        try:
            checkpoints.append(open_checkpoint(note, keys, origin=origin))
        except NoteError as exc:
            problems.append(f"checkpoint not accepted: {exc}")
    wanted: dict[int, list] = {}
    for cp in checkpoints:
        wanted.setdefault(cp.size, []).append(cp)
    compact = merkle.CompactRange()
    for cp in wanted.get(0, []):
        if cp.root != merkle.EMPTY_ROOT:
            problems.append("checkpoint of size 0 has a wrong root")
    n_bytes, started = 0, time.perf_counter()
    with open(directory / "entries.jsonl", "rb") as fh:
        for raw in fh:
            n_bytes += len(raw)
            row = json.loads(raw)
            seq = row["seq"]
            if seq != compact.size:
                problems.append(f"entry {compact.size} missing (found {seq})")
                break
            if _erased(row):
                erased[seq] = (row["payload_sha256"], row["erased"].get("log_seq"))
            elif hashlib.sha256(row["payload"].encode()).hexdigest() != row["payload_sha256"]:
                problems.append(f"entry {seq}: payload does not match its digest")
            elif row["kind"] == ERASED_KIND:
                try:
                    note = json.loads(row["payload"])
                    recorded[int(note["seq"])] = str(note["payload_sha256"])
                except (ValueError, KeyError, TypeError):
                    problems.append(f"entry {seq}: an erasure record that names no entry")
            data = leaf_input(kind=row["kind"], subject=row["subject"], actor=row["actor"], at=row["at"],
                              payload_sha256=row["payload_sha256"])
            compact.append(merkle.leaf_hash(data))
            for cp in wanted.get(compact.size, ()):
                if compact.root() != cp.root:
                    problems.append(f"checkpoint of size {cp.size}: root does not match the entries")
    elapsed = time.perf_counter() - started
    for seq, (digest, log_seq) in sorted(erased.items()):
        if seq in recorded:
            if recorded[seq] != digest:
                problems.append(f"entry {seq}: erased, but its erasure record names another digest")
        elif isinstance(log_seq, int) and log_seq >= compact.size:
            pass  # erased after the export's last entry: its record is beyond this export (export the whole log)
        else:
            problems.append(f"entry {seq}: payload removed without an erasure recorded in the log")
    for size in wanted:
        if size > compact.size:
            problems.append(f"checkpoint of size {size} is beyond the {compact.size} exported entries")
    stats = {"entries": compact.size, "checkpoints": len(checkpoints), "bytes": n_bytes, "seconds": elapsed,
             "erased": len(erased)}
    return problems, stats


def verify_inclusion(proof: dict, checkpoint_note: str, keys: list[Verifier]) -> list[str]:
    try:
        cp = open_checkpoint(checkpoint_note, keys)
    except NoteError as exc:
        return [f"checkpoint not accepted: {exc}"]
    if proof["tree_size"] != cp.size:
        return [f"proof is for size {proof['tree_size']}, the checkpoint for {cp.size}"]
    leaf = _b64(proof["leaf_hash"])
    entry = proof.get("entry")
    if entry is not None:
        if not _erased(entry) and hashlib.sha256(entry["payload"].encode()).hexdigest() != entry["payload_sha256"]:
            return ["the entry's payload does not match its digest"]
        data = leaf_input(kind=entry["kind"], subject=entry["subject"], actor=entry["actor"], at=entry["at"],
                          payload_sha256=entry["payload_sha256"])
        if merkle.leaf_hash(data) != leaf:
            return ["the entry does not hash to the proof's leaf"]
    try:
        merkle.verify_inclusion(leaf, proof["seq"], cp.size, [_b64(p) for p in proof["path"]], cp.root)
    except merkle.VerificationError as exc:
        return [f"inclusion proof does not verify: {exc}"]
    return []


def verify_consistency(proof: dict, old_note: str, new_note: str, keys: list[Verifier]) -> list[str]:
    try:
        old, new = open_checkpoint(old_note, keys), open_checkpoint(new_note, keys)
    except NoteError as exc:
        return [f"checkpoint not accepted: {exc}"]
    if old.origin != new.origin:
        return ["the checkpoints are of different logs"]
    if (proof["first"], proof["second"]) != (old.size, new.size):
        return ["the proof's sizes do not match the checkpoints"]
    try:
        merkle.verify_consistency(old.size, new.size, old.root, new.root, [_b64(p) for p in proof["path"]])
    except merkle.VerificationError as exc:
        return [f"SPLIT VIEW or rewritten history: {exc}"]
    return []


def verify_casefile(path: Path, keys: list[Verifier]) -> tuple[list[str], list[str]]:
    """A case-file package (zhifa.records.casefile): bag manifests, checkpoint, proofs, and that every
    document and recording in the index is the one its log entry recorded. Returns (problems, unproven): the
    items whose entries were logged after the package's checkpoint (data/ledger/pending.jsonl) are checked
    against their entries but are not proven by any checkpoint yet."""
    import zipfile

    from zhifa.ledger.canonical import canonical_json

    problems: list[str] = []
    unproven: list[str] = []
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())

        def sha(name):
            h = hashlib.sha256()
            with zf.open(name) as fh:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
            return h.hexdigest()

        def lines(name):
            return zf.read(name).decode().splitlines() if name in names else []

        listed = {}
        for line in zf.read("manifest-sha256.txt").decode().splitlines():
            digest, name = line.split("  ", 1)
            listed[name] = digest
            if name not in names:
                problems.append(f"{name} is in the manifest but not in the package")
            elif sha(name) != digest:
                problems.append(f"{name} does not match its manifest digest")
        for name in names:
            if name.startswith("data/") and name not in listed:
                problems.append(f"{name} is not in the manifest")
        for line in zf.read("tagmanifest-sha256.txt").decode().splitlines():
            digest, name = line.split("  ", 1)
            if sha(name) != digest:
                problems.append(f"{name} does not match the tag manifest")
        cp = None
        if "data/ledger/checkpoint.txt" in names:
            note = zf.read("data/ledger/checkpoint.txt").decode()
            try:
                cp = open_checkpoint(note, keys)
            except NoteError as exc:
                return problems + [f"checkpoint not accepted: {exc}"], unproven
        proven: dict[tuple, dict] = {}  # by ("id", entry id) and by ("seq", seq): older packages carry no id
        for e_line, p_line in zip(lines("data/ledger/entries.jsonl"), lines("data/ledger/proofs.jsonl"), strict=True):
            entry, proof = json.loads(e_line), json.loads(p_line)
            if cp is None:
                problems.append(f"entry {entry['seq']}: a proof without a checkpoint")
                continue
            proof["entry"] = entry
            problems += [f"entry {entry['seq']}: {p}" for p in verify_inclusion(proof, note, keys)]
            proven[("seq", entry["seq"])] = entry
            if "id" in entry:
                proven[("id", entry["id"])] = entry
        pending = {}
        for line in lines("data/ledger/pending.jsonl"):
            entry = json.loads(line)
            # An entry the checkpoint covers must carry its proof: moving it here would dodge the check.
            if cp is not None and entry["seq"] is not None and entry["seq"] < cp.size:
                problems.append(f"entry {entry['seq']} is covered by the checkpoint but has no proof in the package")
            pending[entry["id"]] = entry
        index = json.loads(zf.read("data/index.json"))
        for item in index["items"]:
            entry = proven.get(("id", item["entry"])) or proven.get(("seq", item["seq"]))
            if entry is None and item["entry"] in pending:
                entry = pending[item["entry"]]
                unproven.append(f"{item['type']} {item['id']} (log entry {item['entry']}, "
                                f"seq {item['seq'] if item['seq'] is not None else 'not yet sequenced'})")
            if entry is None:
                problems.append(f"{item['type']} {item['id']}: its log entry is not in the package")
                continue
            if _erased(entry):
                # The log no longer holds what this file was checked against: its digest is proven, its content is not.
                unproven.append(f"{item['type']} {item['id']} (log entry {item['entry']}): the log entry's content was "
                                f"erased on {entry['erased'].get('at')} ({entry['erased'].get('basis')})")
                continue
            payload = json.loads(entry["payload"])
            if hashlib.sha256(entry["payload"].encode()).hexdigest() != entry["payload_sha256"]:
                problems.append(f"{item['type']} {item['id']}: its log entry's payload does not match its digest")
            if item["file"] not in names:
                problems.append(f"{item['file']} is missing")
                continue
            if item["type"] == "document":
                if zf.read(item["file"]).decode() != canonical_json(payload.get("elements")):
                    problems.append(f"{item['file']} differs from the record in the log (entry {item['seq']})")
            elif payload.get("sha256") != item["sha256"] or sha(item["file"]) != item["sha256"]:
                problems.append(f"{item['file']} differs from the recording in the log (entry {item['seq']})")
    if not problems:
        covered = f"checkpoint size {cp.size}" if cp is not None else "NO signed checkpoint existed yet"
        print(f"case {index['case']['number']}: {len(index['items'])} items, {covered}")
        for item in unproven:
            print(f"NOT YET COVERED by a checkpoint — verify with the next one: {item}")
    return problems, unproven


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zhifa.verify", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_log = sub.add_parser("log", help="verify an exported log and its checkpoints")
    p_log.add_argument("directory", type=Path)
    p_log.add_argument("--origin")
    p_inc = sub.add_parser("inclusion", help="verify an inclusion proof against a checkpoint")
    p_inc.add_argument("proof", type=Path)
    p_inc.add_argument("--checkpoint", type=Path, required=True)
    p_con = sub.add_parser("consistency", help="verify that a newer checkpoint extends an older one")
    p_con.add_argument("proof", type=Path)
    p_con.add_argument("--old", type=Path, required=True)
    p_con.add_argument("--new", type=Path, required=True)
    p_case = sub.add_parser("casefile", help="verify a case-file package (zip)")
    p_case.add_argument("package", type=Path)
    for p in (p_log, p_inc, p_con, p_case):
        p.add_argument("--key", action="append", required=True, help="trusted verifier key (repeatable)")
    args = parser.parse_args(argv)
    try:
        keys = [Verifier.decode(k) for k in args.key]
    except NoteError as exc:
        print(f"bad --key: {exc}", file=sys.stderr)
        return 2
    if args.command == "log":
        problems, stats = verify_log(args.directory, keys, origin=args.origin)
        rate = stats["bytes"] / 1e6 / stats["seconds"] if stats["seconds"] else 0.0
        print(f"{stats['entries']} entries, {stats['checkpoints']} checkpoints, "
              f"{stats['bytes'] / 1e6:.1f} MB in {stats['seconds']:.2f} s ({rate:.1f} MB/s)")
        if stats["erased"]:
            print(f"{stats['erased']} entries with their content erased (each with its erasure record)")
    elif args.command == "casefile":
        problems, unproven = verify_casefile(args.package, keys)
        if not problems and unproven:
            print(f"INCOMPLETE: {len(unproven)} item(s) not yet proven; nothing failed")
            return 3
    elif args.command == "inclusion":
        problems = verify_inclusion(json.loads(args.proof.read_text()), args.checkpoint.read_text(), keys)
    else:
        problems = verify_consistency(json.loads(args.proof.read_text()), args.old.read_text(), args.new.read_text(), keys)
    for problem in problems:
        print(f"FAIL: {problem}")
    if not problems:
        print("OK: verified")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
