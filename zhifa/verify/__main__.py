"""Check an exported ledger, or one proof, without the database and without Django.

    python -m zhifa.verify log EXPORT_DIR --key VERIFIER_KEY [--key ...]
    python -m zhifa.verify inclusion PROOF.json --checkpoint CHECKPOINT.txt --key VERIFIER_KEY
    python -m zhifa.verify consistency PROOF.json --old OLD.txt --new NEW.txt --key VERIFIER_KEY
    python -m zhifa.verify casefile CASE.zip --key VERIFIER_KEY
    python -m zhifa.verify tiles LOG_URL_OR_DIR --key VERIFIER_KEY [--leaf B64 --index N] [--old OLD.txt]
    python -m zhifa.verify draw RECORD.json --key VERIFIER_KEY   (a random-inspection draw's record; zhifa/verify/draw.py)

The verifier key is the public key the deployment publishes (on its portal, and in its log as
`ledger.key_in_use` entries). Obtain it from a source other than the export you are checking:
whoever could rewrite the export could also rewrite a key inside it. Only the --key arguments are trusted: a key found
inside the export (a `ledger.key_in_use` entry, a checkpoint row's key) is never added, and an entry announcing a key
not given with --key is reported as a problem.

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
from zhifa.ledger.note import Checkpoint as CheckpointText
from zhifa.ledger.note import NoteError, Verifier, open_checkpoint, open_note
from zhifa.verify import tiles as tiles_cli
from zhifa.verify import witness as witness_cli


def _b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


ERASED_KIND = "ledger.entry_erased"
KEY_KIND = "ledger.key_in_use"


def _erased(row: dict) -> bool:
    """An entry exported as erased: no payload, and the note saying so (issue 15 §5)."""
    return row.get("payload") == "" and isinstance(row.get("erased"), dict)


def verify_log(directory: Path, keys: list[Verifier], *, origin: str | None = None,
               kept: list[tuple[str, str]] = ()) -> tuple[list[str], dict]:
    """Everything `log_audit` checks that an export carries (issue 16): every payload digest (an empty payload only
    with its erasure record in the log, naming its seq and digest), every leaf; every checkpoint row — its signature
    under a trusted key (`keys`, never one found in the export) that the log announced (`ledger.key_in_use`) below its
    size, its note against
    its size and root columns, its root against the tree, none beyond the end, none signed before a smaller one.
    All checkpoints are heads of the one tree recomputed here, so each is consistent with every other. `kept`:
    (label, note) of checkpoints the verifier kept from earlier (served, exported): each must be a head of this log
    too, or entries were removed or rewritten after it."""
    problems: list[str] = []
    erased: dict[int, tuple[str, object, object]] = {}  # seq -> (digest, seq of its erasure record, entry id)
    recorded: dict[int, tuple[str, int, object]] = {}  # erased seq -> (digest, record's seq, entry id) from the log
    wanted: dict[int, list] = {}  # size -> [(label, checkpoint, keys that signed it or None)]
    rows = []
    for n, line in enumerate((directory / "checkpoints.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            rows.append((n, json.loads(line)))
    smaller = group = 0
    group_size = None
    for n, row in sorted(rows, key=lambda r: (int(r[1].get("size", -1)), r[1].get("id", 0))):
        label = f"checkpoint #{row.get('id', f'line {n}')} (size {row.get('size')})"
        if "id" in row:  # sizes grow with the order of signing, or the log was cut and re-signed
            if row["size"] != group_size:
                group_size, smaller, group = row["size"], max(smaller, group), 0
            if row["id"] < smaller:
                problems.append(f"{label}: signed before the smaller checkpoint #{smaller} (the log was cut and "
                                f"re-signed)")
            group = max(group, row["id"])
        try:
            text, good = open_note(row["note"], keys)
            cp = CheckpointText.parse(text)
            if origin is not None and cp.origin != origin:
                raise NoteError(f"checkpoint is for {cp.origin!r}, not {origin!r}")
        except NoteError as exc:
            problems.append(f"{label}: not accepted: {exc}")
            if isinstance(row.get("size"), int):
                wanted.setdefault(row["size"], [])  # still counted for "beyond the end"
            continue
        if ("size" in row and row["size"] != cp.size) or ("root" in row and _b64(row["root"]) != cp.root):
            problems.append(f"{label}: the signed note (size {cp.size}) does not match its size and root columns")
        wanted.setdefault(cp.size, []).append((label, cp, {v.encode() for v in good}))
    for label, note in kept:
        try:
            cp = open_checkpoint(note, keys, origin=origin)
        except NoteError as exc:
            problems.append(f"kept checkpoint {label}: not accepted: {exc}")
            continue
        wanted.setdefault(cp.size, []).append((f"kept checkpoint {label} (size {cp.size})", cp, None))
    compact = merkle.CompactRange()
    # Trust comes from the --key arguments only, never from the export: a `ledger.key_in_use` entry counts only when it
    # names one of them (whoever can insert a log entry can name a key of their own: review16 H2).
    trusted = {v.encode() for v in keys}
    announced: set[str] = set()  # trusted keys the log has announced so far

    def check(size: int, root: bytes) -> None:
        for label, cp, signed_by in wanted.get(size, ()):
            if root != cp.root:
                problems.append(f"{label}: root does not match the entries (a rewritten history or a split view)")
            if signed_by is not None and not signed_by & announced:
                problems.append(f"{label}: not signed by the key the log recorded as in use at that size (no "
                                f"trusted key announced before it signed it)")

    check(0, merkle.EMPTY_ROOT)
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
                erased[seq] = (row["payload_sha256"], row["erased"].get("log_seq"), row.get("id"))
            elif hashlib.sha256(row["payload"].encode()).hexdigest() != row["payload_sha256"]:
                problems.append(f"entry {seq}: payload does not match its digest")
            elif row["kind"] == ERASED_KIND:
                try:
                    note = json.loads(row["payload"])
                    recorded[int(note["seq"])] = (str(note["payload_sha256"]), seq, note.get("entry"))
                except (ValueError, KeyError, TypeError, AttributeError):
                    problems.append(f"entry {seq}: an erasure record that names no entry")
            elif row["kind"] == KEY_KIND:
                try:
                    named = str(json.loads(row["payload"])["verifier"])
                except (ValueError, KeyError, TypeError):
                    problems.append(f"entry {seq}: a key record that names no key")
                else:
                    if named in trusted:
                        announced.add(named)
                    else:
                        problems.append(f"entry {seq}: announces a key you did not give with --key (an unknown key "
                                        f"announced in the log): {named[:60]}")
            data = leaf_input(kind=row["kind"], subject=row["subject"], actor=row["actor"], at=row["at"],
                              payload_sha256=row["payload_sha256"])
            compact.append(merkle.leaf_hash(data))
            if compact.size in wanted:
                check(compact.size, compact.root())
    elapsed = time.perf_counter() - started
    for seq, (digest, log_seq, entry_id) in sorted(erased.items()):
        if seq not in recorded:
            # Also when the note claims a record past the export's end: nothing here proves that record exists.
            where = f" (its note points to seq {log_seq}, not in this export)" if log_seq is not None else ""
            problems.append(f"entry {seq}: payload removed without an erasure recorded in the log{where}")
            continue
        named_digest, record_seq, named_id = recorded[seq]
        if named_digest != digest:
            problems.append(f"entry {seq}: erased, but its erasure record names another digest")
        if log_seq is not None and log_seq != record_seq:
            problems.append(f"entry {seq}: erased, but its note points to seq {log_seq}, not to its erasure record "
                            f"(seq {record_seq})")
        if entry_id is not None and named_id is not None and named_id != entry_id:
            problems.append(f"entry {seq}: erased, but its erasure record names another entry")
    beyond = 0
    for size, listed in sorted(wanted.items()):
        if size > compact.size:
            beyond += max(1, len(listed))
            for label in [item[0] for item in listed] or [f"checkpoint of size {size}"]:
                problems.append(f"{label} is beyond the {compact.size} exported entries "
                                f"(entries removed after it was signed, or a forged checkpoint)")
    stats = {"entries": compact.size, "checkpoints": len(rows), "kept": len(kept), "bytes": n_bytes,
             "seconds": elapsed, "erased": len(erased), "beyond": beyond}
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


def _erased_document(zf, names, item: dict, entry: dict) -> str | None:
    """A document whose log entry's content was erased (issue 15 §5): the leaf still commits to the payload's digest,
    and the payload was `{"form", "elements", "supersedes", "correction_reason"}` (cases.services._document_write), so
    the file, with the form and version it is indexed under, is checked against that digest. "matches", a failure,
    or None when the package does not say enough (a correction whose reason the index does not carry)."""
    from zhifa.ledger.canonical import canonical_json

    if item["file"] not in names:
        return f"{item['file']} is missing"
    try:
        elements = json.loads(zf.read(item["file"]).decode())
        payload = canonical_json({"form": item["form"], "elements": elements, "supersedes": item.get("supersedes"),
                                  "correction_reason": item.get("correction_reason", "")})
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        return f"{item['file']} is not the canonical record of a document"
    if hashlib.sha256(payload.encode()).hexdigest() == entry["payload_sha256"]:
        return "matches"
    if "correction_reason" in item or item.get("supersedes") is None:
        # An original document is recorded with an empty reason (the page asks for one only for a correction; the
        # API could pass one, which the index should then carry): no other file gives the committed digest.
        return (f"{item['file']} differs from the record the log committed to (entry {item['seq']}: its content was "
                f"erased, its digest stays)")
    return None


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
                verdict = _erased_document(zf, names, item, entry) if item["type"] == "document" else None
                if verdict == "matches":
                    continue  # the file is what the log committed to: its digest stays in the proven leaf
                if verdict is not None:
                    problems.append(verdict)
                    continue
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
    p_log.add_argument("--checkpoint", action="append", type=Path, default=[],
                       help="a checkpoint you kept (served or exported earlier): it must be a head of this log")
    p_inc = sub.add_parser("inclusion", help="verify an inclusion proof against a checkpoint")
    p_inc.add_argument("proof", type=Path)
    p_inc.add_argument("--checkpoint", type=Path, required=True)
    p_con = sub.add_parser("consistency", help="verify that a newer checkpoint extends an older one")
    p_con.add_argument("proof", type=Path)
    p_con.add_argument("--old", type=Path, required=True)
    p_con.add_argument("--new", type=Path, required=True)
    p_case = sub.add_parser("casefile", help="verify a case-file package (zip)")
    p_case.add_argument("package", type=Path)
    p_tiles = sub.add_parser("tiles", help="verify inclusion / consistency from the log's tiles and checkpoint only")
    tiles_cli.add_arguments(p_tiles)
    for p in (p_log, p_inc, p_con, p_case, p_tiles):
        p.add_argument("--key", action="append", required=True, help="trusted verifier key (repeatable)")
    p_draw = sub.add_parser("draw", help="replay a random-inspection draw from its published record")
    _draw_cli().add_arguments(p_draw)  # --key optional: without it the signature is not checked (exit 3)
    for p in (p_inc, p_con):
        witness_cli.add_arguments(p)  # --witness KEY … --witness-quorum K (issue 16)
    args = parser.parse_args(argv)
    try:
        keys = [Verifier.decode(k) for k in args.key]
    except NoteError as exc:
        print(f"bad --key: {exc}", file=sys.stderr)
        return 2
    if args.command == "tiles" and args.old is None and (args.leaf is None or args.index is None):
        print("bad usage: give --leaf and --index (inclusion), or --old (consistency), or both", file=sys.stderr)
        return 2
    try:
        return _run(args, keys)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        # A file that is missing or not what it should be: said in one line, not a traceback (exit 2, bad usage).
        where = getattr(exc, "filename", None) or ""
        print(f"cannot read {where}: {getattr(exc, 'strerror', None) or exc}".replace("  ", " "), file=sys.stderr)
        return 2


def _draw_cli():
    # By name: zhifa.verify.draw runs zhifa.inspections.procedure, and the ledger's and records' tests import this
    # module; a static import would make them depend on an upper layer (import-linter's layers contract).
    import importlib

    return importlib.import_module("zhifa.verify.draw")


def _run(args, keys: list[Verifier]) -> int:
    if args.command == "draw":
        return _draw_cli().run(args, keys)
    if args.command == "log":
        kept = [(str(path), path.read_text(encoding="utf-8")) for path in args.checkpoint]
        problems, stats = verify_log(args.directory, keys, origin=args.origin, kept=kept)
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
    elif args.command == "tiles":
        problems = tiles_cli.run(args, keys)
    elif args.command == "inclusion":
        problems = verify_inclusion(json.loads(args.proof.read_text()), args.checkpoint.read_text(), keys)
        problems += witness_cli.run(args, args.checkpoint.read_text(), keys)
    else:
        problems = verify_consistency(json.loads(args.proof.read_text()), args.old.read_text(), args.new.read_text(), keys)
        problems += witness_cli.run(args, args.new.read_text(), keys)
    for problem in problems:
        print(f"FAIL: {problem}")
    if not problems:
        print("OK: verified")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
