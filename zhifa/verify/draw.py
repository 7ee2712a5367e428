"""Replay a published random-inspection draw offline (INS-03), without Django and without the database:

    python -m zhifa.verify draw RECORD.json --key VERIFIER_KEY [--key ...]

RECORD.json is the draw's published record ("zhifa-draw-record/1": the portal's record.json). Checked, in order:
the three population digests and counts recomputed from the lines; each stratum's count from its ratio and the
number of targets of its class; the frozen record's digest; that the freezing log entry carries that record and digest
and hashes to its payload digest; the entry's leaf and its inclusion proof up to the checkpoint's root; the checkpoint
note's signature under a --key (the deployment's published verifier key: obtain it from elsewhere than the record);
then the external value (none unless the freeze named one; else exactly the committed count of numbers, written
canonically), the seed, the whole procedure (zhifa.inspections.procedure, the same code the service runs), and the
result and its digest against the published ones; each drawn target's code and salt against its token, where the
names are published; the logged make entry (it names the checkpoint, the external value, the seed and the result
digest) and its inclusion under a later signed checkpoint; and that the record's agencies and items are the frozen
ones. A record of a draw not yet made (frozen: the announcement) is checked as far as it goes.

Not proven by the record alone: that the checkpoint used was the first signed after the stated moment (the note does
not sign a time). The log proves which checkpoint the draw was made from (the make entry), once and for all.

Exit status 0: everything verified. 1: a problem (each printed). 2: bad usage, or an unreadable or malformed file.
3: nothing failed, but a signature was not checked (no --key given) or the make entry is not yet in a checkpoint.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from pathlib import Path

from zhifa.inspections import procedure
from zhifa.ledger import merkle
from zhifa.ledger.canonical import leaf_input
from zhifa.ledger.note import NoteError, Verifier, open_checkpoint

FORMAT = "zhifa-draw-record/1"


def add_arguments(parser) -> None:
    parser.add_argument("record", type=Path, help="the draw's published record (record.json)")
    parser.add_argument("--key", action="append", default=[], help="trusted verifier key (repeatable)")
    parser.add_argument("--quiet", action="store_true", help="do not list the drawn targets")


def _b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _leaf(entry: dict) -> bytes:
    """The log leaf of an entry as the record gives it (the fields the ledger's leaf hash covers)."""
    return merkle.leaf_hash(leaf_input(kind=entry.get("kind", ""), subject=entry.get("subject", ""),
                                       actor=entry.get("actor", ""), at=entry.get("at", ""),
                                       payload_sha256=entry.get("payload_sha256", "")))


def check(record: dict, keys: list[Verifier]) -> tuple[list[str], list[str], list[procedure.Drawn] | None, bool]:
    """(problems, notes, replayed result or None, signature checked). Pure: no I/O."""
    problems: list[str] = []
    notes: list[str] = []
    if record.get("format") != FORMAT:
        return [f"not a draw record of format {FORMAT!r}"], notes, None, False
    frozen = record.get("frozen") or {}
    if frozen.get("algorithm") != procedure.NAME:
        problems.append(f"the draw used {frozen.get('algorithm')!r}; this verifier runs {procedure.NAME!r}")
        return problems, notes, None, False
    pop = record.get("population") or {}
    lines = {name: list(pop.get(name) or []) for name in ("targets", "inspectors", "recusals")}
    # 1. The populations against their frozen digests and counts, and as canonical lines (sorted, well formed).
    canon = {"targets": lambda ls: procedure.target_lines(procedure.parse_targets(ls)),
             "inspectors": lambda ls: procedure.inspector_lines(procedure.parse_inspectors(ls)),
             "recusals": lambda ls: procedure.recusal_lines(procedure.parse_recusals(ls))}
    for name, ls in lines.items():
        want = frozen.get(name) or {}
        if procedure.lines_digest(ls) != want.get("sha256"):
            problems.append(f"{name}: the lines' digest {procedure.lines_digest(ls)} is not the frozen "
                            f"{want.get('sha256')} (the population was changed)")
        if len(ls) != want.get("count"):
            problems.append(f"{name}: {len(ls)} lines, the frozen record says {want.get('count')}")
        try:
            if canon[name](ls) != ls:
                problems.append(f"{name}: the lines are not in canonical order")
        except ValueError as exc:
            problems.append(f"{name}: a line is not canonical ({exc})")
    # 2. The strata: each class's available count from the targets, its count from the ratio.
    available: dict[str, int] = {}
    for line in lines["targets"]:
        cls = line.split("\t")[-1]
        available[cls] = available.get(cls, 0) + 1
    strata = frozen.get("strata") or []
    for s in strata:
        cls = s.get("class")
        if s.get("available") != available.get(cls, 0):
            problems.append(f"stratum {cls}: {available.get(cls, 0)} targets of the class, the record says "
                            f"{s.get('available')}")
        try:
            count = procedure.stratum_count(s.get("available") or 0, s.get("ratio"))
        except (ValueError, TypeError, ZeroDivisionError) as exc:
            problems.append(f"stratum {cls}: bad ratio {s.get('ratio')!r} ({exc})")
            continue
        if count != s.get("count"):
            problems.append(f"stratum {cls}: ratio {s.get('ratio')} × {s.get('available')} gives {count}, the "
                            f"record says {s.get('count')}")
    missing = set(available) - {s.get("class") for s in strata}
    if missing:
        problems.append(f"classes without a stratum: {', '.join(sorted(missing))}")
    # 3. The frozen record's digest, and the log entry that committed it.
    frozen_sha = procedure.digest_json(frozen)
    if frozen_sha != record.get("frozen_sha256"):
        problems.append(f"the frozen record's digest is {frozen_sha}, the record says {record.get('frozen_sha256')}")
    entry = record.get("freeze_entry") or {}
    payload_text = entry.get("payload") or ""
    if hashlib.sha256(payload_text.encode()).hexdigest() != entry.get("payload_sha256"):
        problems.append("the freezing entry's payload does not hash to its payload_sha256")
    try:
        payload = json.loads(payload_text)
    except json.JSONDecodeError:
        payload = {}
        problems.append("the freezing entry's payload is not JSON")
    if payload.get("frozen") != frozen or payload.get("frozen_sha256") != frozen_sha:
        problems.append("the freezing entry does not carry this frozen record and its digest")
    leaf = _leaf(entry)
    cp_row = record.get("checkpoint")
    if not cp_row:
        notes.append("frozen, not made yet: the populations and the frozen record check out; there is no "
                     f"checkpoint, seed or result yet (randomness: the first checkpoint signed at or after "
                     f"{(frozen.get('beacon') or {}).get('after')})")
        return problems, notes, None, False
    # 4. The checkpoint: its signature, its size and root, the entry's inclusion, the moment.
    signed = False
    note_text = cp_row.get("note") or ""
    try:
        root = _b64(cp_row.get("root") or "")
    except ValueError:
        root = b""
        problems.append("the checkpoint's root is not base64")
    if keys:
        try:
            opened = open_checkpoint(note_text, keys)
            signed = True
            if opened.size != cp_row.get("size") or opened.root != root:
                problems.append("the checkpoint's size or root is not what its signed note says")
        except (NoteError, ValueError) as exc:
            problems.append(f"the checkpoint's signature does not verify under the given key(s): {exc}")
    proof = record.get("inclusion") or {}
    try:
        merkle.verify_inclusion(leaf, int(proof.get("index", -1)), int(cp_row.get("size") or 0),
                                [_b64(p) for p in proof.get("path") or []], root)
        if proof.get("index") != entry.get("seq"):
            problems.append("the inclusion proof is not for the freezing entry's seq")
    except (merkle.VerificationError, ValueError, TypeError) as exc:
        problems.append(f"the freezing entry is not proven in the checkpoint's tree: {exc}")
    # The checkpoint's signing time is not in its signed note: it is shown, not relied on. What is proven is that the
    # checkpoint's tree includes the freezing entry (so it came after the commitment), and below, that the logged make
    # entry names this checkpoint (so another one cannot be swapped in).
    notes.append(f"checkpoint of size {cp_row.get('size')}, recorded as signed at {cp_row.get('created_at')} "
                 f"(a time the note does not sign; the stated moment was {(frozen.get('beacon') or {}).get('after')})")
    # 5. The external value: none unless one was named; else exactly the committed count of numbers, canonical.
    external = record.get("external") or {}
    named = (frozen.get("beacon") or {}).get("external")
    value = external.get("value") or ""
    if not named and value:
        problems.append("the record gives an external value the frozen record never named")
    if named:
        try:
            if procedure.canonical_external(value, int(named.get("numbers") or 0)) != value:
                problems.append(f"the external value {value!r} is not written canonically")
        except ValueError as exc:
            problems.append(f"the external value {value!r} is not the {named.get('numbers')} numbers committed "
                            f"({exc})")
    seed = procedure.seed(frozen_sha, root, value)
    if seed.hex() != record.get("seed"):
        problems.append(f"the seed recomputes as {seed.hex()}, the record says {record.get('seed')}")
    counts = {s.get("class"): s.get("count") or 0 for s in strata}
    try:
        drawn = procedure.run(seed, procedure.parse_targets(lines["targets"]), counts,
                              procedure.parse_inspectors(lines["inspectors"]),
                              procedure.parse_recusals(lines["recusals"]), int(frozen.get("per_agency") or 0))
    except (procedure.DrawError, ValueError) as exc:
        problems.append(f"the procedure cannot be run on this record: {exc}")
        return problems, notes, None, signed
    replayed = [d.as_dict() for d in drawn]
    result_rows = record.get("result") or []
    as_drawn = [{k: v for k, v in r.items() if k != "target"} for r in result_rows]
    if replayed != as_drawn:
        published = {r.get("code"): r for r in as_drawn}
        for d in replayed:
            if published.get(d["code"]) != d:
                problems.append(f"target {d['code']}: the replay gives rank {d['rank']}, inspectors "
                                f"{[c for _, c in d['inspectors']]}; the record says something else")
                break
        else:
            problems.append("the published result lists targets the replay does not draw")
    if procedure.result_digest(drawn) != record.get("result_sha256"):
        problems.append(f"the result's digest recomputes as {procedure.result_digest(drawn)}, the record says "
                        f"{record.get('result_sha256')}")
    # 6. The names of the drawn targets, where published: each code and salt hash to the drawn token.
    named_rows = [r for r in result_rows if r.get("target")]
    for r in named_rows:
        t = r["target"]
        if procedure.target_token(str(t.get("code")), str(t.get("salt"))) != r.get("code"):
            problems.append(f"drawn target {t.get('code')}: its code and salt do not hash to the drawn token")
    if not named_rows and result_rows:
        notes.append(f"the drawn targets are published as tokens; their names follow after {record.get('names_from')}")
    # 7. The logged make entry names this checkpoint, value, seed and result, and is itself in the log.
    made, proven = _check_make(record, keys, frozen_sha, root, value, problems)
    if made and not proven:
        notes.append("the make entry is not yet covered by a checkpoint: download the record again later to prove it")
    # 8. What the record labels (agencies, items) is what was frozen.
    info = record.get("draw") or {}
    if [a.get("id") for a in info.get("agencies") or []] != frozen.get("agencies"):
        problems.append("the record's agencies are not the frozen ones")
    if sorted([i.get("agency"), i.get("number")] for i in info.get("items") or []) != frozen.get("items"):
        problems.append("the record's items are not the frozen ones")
    return problems, notes, drawn, signed and proven


def _check_make(record: dict, keys: list[Verifier], frozen_sha: str, root: bytes, value: str,
                problems: list[str]) -> tuple[bool, bool]:
    """(a make entry is there, it is proven in a checkpoint signed under a --key)."""
    entry = record.get("make_entry")
    if not entry:
        problems.append("the record has a result but no make entry (what the log says was drawn)")
        return False, False
    freeze = record.get("freeze_entry") or {}
    if entry.get("subject") != freeze.get("subject"):
        problems.append("the make entry is about another draw")
    text = entry.get("payload") or ""
    if hashlib.sha256(text.encode()).hexdigest() != entry.get("payload_sha256"):
        problems.append("the make entry's payload does not hash to its payload_sha256")
    try:
        data = (json.loads(text) or {}).get("data") or {}
    except (json.JSONDecodeError, AttributeError):
        data = {}
    cp = record.get("checkpoint") or {}
    want = {"frozen_sha256": frozen_sha, "checkpoint_size": cp.get("size"),
            "checkpoint_root": base64.b64encode(root).decode(), "external_value": value,
            "seed": record.get("seed"), "result_sha256": record.get("result_sha256")}
    for key, expected in want.items():
        if data.get(key) != expected:
            problems.append(f"the make entry says {key} = {data.get(key)!r}, the record {expected!r}")
    mcp, proof = record.get("make_checkpoint"), record.get("make_inclusion")
    if not mcp or not proof:
        return True, False
    try:
        mroot = _b64(mcp.get("root") or "")
        leaf = _leaf(entry)
        merkle.verify_inclusion(leaf, int(proof.get("index", -1)), int(mcp.get("size") or 0),
                                [_b64(p) for p in proof.get("path") or []], mroot)
    except (merkle.VerificationError, ValueError, TypeError) as exc:
        problems.append(f"the make entry is not proven in its checkpoint's tree: {exc}")
        return True, False
    if proof.get("index") != entry.get("seq"):
        problems.append("the make entry's inclusion proof is not for its seq")
    if not keys:
        return True, False
    try:
        opened = open_checkpoint(mcp.get("note") or "", keys)
    except (NoteError, ValueError) as exc:
        problems.append(f"the make entry's checkpoint does not verify under the given key(s): {exc}")
        return True, False
    if opened.size != mcp.get("size") or opened.root != mroot:
        problems.append("the make entry's checkpoint's size or root is not what its signed note says")
    return True, True


def frozen_ids(record: dict) -> str:
    frozen = record.get("frozen") or {}
    return f"#{frozen.get('batch')} (draw no. {frozen.get('draw')}, agencies {frozen.get('agencies')})"


def run(args, keys: list[Verifier]) -> int:
    t0 = time.perf_counter()
    try:
        record = json.loads(Path(args.record).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"FAIL: cannot read {args.record}: {exc}")
        return 2
    if not isinstance(record, dict):
        print("FAIL: not a draw record")
        return 2
    try:
        problems, notes, drawn, signed = check(record, keys)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:  # a record not of the expected shape
        print(f"FAIL: not a well-formed draw record ({type(exc).__name__}: {exc})")
        return 2
    elapsed = time.perf_counter() - t0
    info = record.get("draw") or {}
    print(f"draw {info.get('id')} (no. {info.get('number')}) of batch {frozen_ids(record)}, {procedure.NAME}"
          f" — batch “{(info.get('batch') or {}).get('title', '')}” (its title is a label, not part of the proof)")
    frozen = record.get("frozen") or {}
    for name in ("targets", "inspectors", "recusals"):
        print(f"  {name}: {(frozen.get(name) or {}).get('count')} lines, sha256 {(frozen.get(name) or {}).get('sha256')}")
    names = {r.get("code"): (r.get("target") or {}).get("code") for r in record.get("result") or []
             if isinstance(r, dict) and r.get("target")}
    if drawn is not None and not args.quiet:
        print(f"drawn ({len(drawn)} targets, in assignment order):")
        for d in drawn:
            inspectors = ", ".join(f"{cert} (agency {agency})" for agency, cert in d.inspectors)
            skipped = "; ".join(f"{cert} skipped: {reason}" for cert, reason in d.skipped)
            name = names.get(d.code)
            label = f"{name} (token {d.code[:12]}…)" if name else d.code
            print(f"  {d.rank:>4}. {label} [{d.cls}] → {inspectors}" + (f"  ({skipped})" if skipped else ""))
    for note in notes:
        print(f"NOTE: {note}")
    for problem in problems:
        print(f"FAIL: {problem}")
    print(f"elapsed {elapsed:.2f} s")
    if problems:
        return 1
    if drawn is None:
        print("OK: the announcement verifies (not made yet: no result to replay)")
        return 0
    if not signed:
        print("NOT FULLY CHECKED: a checkpoint's signature was not verified (give the deployment's key with --key), "
              "or the make entry is not yet in a checkpoint (download the record again later); everything else "
              "verified")
        return 3
    print("OK: replayed; the same targets and inspectors as published")
    return 0
