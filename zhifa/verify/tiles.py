"""An outside verifier that needs nothing from the log but its checkpoint and its tiles (c2sp.org/tlog-tiles).

    python -m zhifa.verify tiles SOURCE --key VERIFIER_KEY --leaf LEAF_HASH_B64 --index N
    python -m zhifa.verify tiles SOURCE --key VERIFIER_KEY --old OLD_CHECKPOINT.txt

SOURCE is the log's prefix URL (`https://zhifa.example.gov.cn/ledger`) or a directory holding the same files
(`checkpoint`, `tile/0/000`, …), e.g. a copy of the log's tiles from an object store or a CDN. The verifier fetches
the checkpoint, checks its signature against the key you trust, fetches only the tiles the proof needs, and computes
the inclusion proof (of the leaf at that index) or the consistency proof (from your old checkpoint) itself, then
checks it against the signed root. The server computes nothing for it, and nothing it serves is trusted unchecked.

Only the standard library (urllib) and zhifa.ledger's pure merkle / note / tlogtiles modules: no Django.
"""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from zhifa.ledger import merkle
from zhifa.ledger.canonical import leaf_input
from zhifa.ledger.note import Checkpoint, NoteError, Verifier, open_checkpoint, open_note
from zhifa.ledger.tlogtiles import TILE_WIDTH, TileError, TileReader, tile_path

Fetch = Callable[[str], bytes]  # path relative to the prefix -> bytes; raises FileNotFoundError when absent


class NotFound(FileNotFoundError):
    pass


class FetchError(Exception):
    """The log could not be reached or answered with an error other than 404."""


def http_fetcher(prefix: str, *, timeout: float = 30.0) -> Fetch:
    base = prefix.rstrip("/") + "/"

    def fetch(path: str) -> bytes:
        request = urllib.request.Request(base + path, headers={"Accept-Encoding": "identity",
                                                                "User-Agent": "zhifa-verify-tiles"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise NotFound(path) from exc
            raise FetchError(f"{base + path}: HTTP {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:  # refused, unreachable, timed out: said, not a traceback
            raise FetchError(f"{base + path}: {getattr(exc, 'reason', exc)}") from exc

    return fetch


def directory_fetcher(directory: Path) -> Fetch:
    root = Path(directory).resolve()

    def fetch(path: str) -> bytes:
        target = (root / path).resolve()
        if root not in target.parents:
            raise NotFound(path)
        try:
            return target.read_bytes()
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise NotFound(path) from exc

    return fetch


def fetcher_for(source: str) -> Fetch:
    if source.startswith(("http://", "https://")):
        return http_fetcher(source)
    return directory_fetcher(Path(source))


class TileClient:
    """Fetches (and counts) what a proof needs: one checkpoint, then tiles."""

    def __init__(self, fetch: Fetch):
        self._fetch = fetch
        self.fetched: list[str] = []

    def get(self, path: str) -> bytes:
        self.fetched.append(path)
        return self._fetch(path)

    def checkpoint(self, keys: list[Verifier], origin: str | None = None) -> tuple[str, Checkpoint]:
        note = self.get("checkpoint").decode("utf-8")
        return note, open_checkpoint(note, keys, origin=origin)

    def tile(self, level: int, index: int, width: int) -> bytes:
        try:
            return self.get(tile_path(level, index, width))
        except FileNotFoundError:
            if width == TILE_WIDTH:
                raise
            # The spec lets a log drop a partial tile once the full one exists: its first W hashes are the same.
            return self.get(tile_path(level, index))[: width * merkle.HASH_SIZE]

    def reader(self, size: int) -> TileReader:
        return TileReader(size, self.tile)


def verify_inclusion(client: TileClient, keys: list[Verifier], leaf: bytes, index: int, *,
                     origin: str | None = None) -> tuple[list[str], Checkpoint | None]:
    """Is `leaf` (a leaf hash) the entry at `index` of the tree the log's signed checkpoint commits to?"""
    try:
        _, cp = client.checkpoint(keys, origin)
    except (NoteError, UnicodeDecodeError) as exc:
        return [f"checkpoint not accepted: {exc}"], None
    except FileNotFoundError:
        return ["the log serves no checkpoint"], None
    if not 0 <= index < cp.size:
        return [f"leaf {index} is not in the signed tree of {cp.size} entries"], cp
    reader = client.reader(cp.size)
    try:
        path = merkle.inclusion_path(index, cp.size, reader.subtree_hash)
        if reader.leaf(index) != leaf:
            return [f"the log's tiles hold another hash at index {index}"], cp
        merkle.verify_inclusion(leaf, index, cp.size, path, cp.root)
    except (TileError, FileNotFoundError) as exc:
        return [f"a tile the proof needs is missing or malformed: {exc}"], cp
    except merkle.VerificationError as exc:
        return [f"the tiles do not lead to the signed root: {exc}"], cp
    return [], cp


def verify_consistency(client: TileClient, keys: list[Verifier], old_note: str, *,
                       origin: str | None = None) -> tuple[list[str], Checkpoint | None]:
    """Does the log's current signed checkpoint extend `old_note` (a checkpoint kept earlier)?"""
    try:
        old = open_checkpoint(old_note, keys, origin=origin)
    except NoteError as exc:
        return [f"old checkpoint not accepted: {exc}"], None
    try:
        _, new = client.checkpoint(keys, origin or old.origin)
    except (NoteError, UnicodeDecodeError) as exc:
        return [f"checkpoint not accepted: {exc}"], None
    except FileNotFoundError:
        return ["the log serves no checkpoint"], None
    if new.size < old.size:
        return [f"SPLIT VIEW or rolled-back log: the log now signs {new.size} entries, your checkpoint {old.size}"], new
    reader = client.reader(new.size)
    try:
        path = merkle.consistency_path(old.size, new.size, reader.subtree_hash)
        merkle.verify_consistency(old.size, new.size, old.root, new.root, path)
    except (TileError, FileNotFoundError) as exc:
        return [f"a tile the proof needs is missing or malformed: {exc}"], new
    except merkle.VerificationError as exc:
        return [f"SPLIT VIEW or rewritten history: {exc}"], new
    return [], new


def verify_rotation(item: dict, keys: list[Verifier]) -> list[str]:
    """One entry of the log's published key list (`<prefix>/verifier-keys`): its rotation statement is the
    `ledger.key_in_use` entry naming `item["key"]`, included in a checkpoint whose note is signed by that key *and*,
    for a rotation (`replaces` set), by the key it replaces, which must be one of `keys` (the keys you already trust).
    The log's first key (`replaces` null) must itself be one of `keys`. A statement signed by the new key alone proves
    nothing (anyone who can insert a log entry can name a key of their own: review16 H2) and is refused: take such a
    key from the deployment's configuration, not from the log."""
    st = item.get("statement")
    if not st or not st.get("checkpoint") or st.get("inclusion_path") is None:
        return ["no signed rotation statement yet"]
    e = st["entry"]
    try:
        payload = json.loads(e["payload"])
        new = Verifier.decode(item["key"])
    except (ValueError, TypeError, KeyError, NoteError):
        return ["the statement or its key cannot be read"]
    if not isinstance(payload, dict) or payload.get("verifier") != item["key"]:
        return ["the statement names another key"]
    replaces = payload.get("replaces")
    if replaces != item.get("replaces"):
        return ["the statement names another replaced key"]
    trusted = {v.encode(): v for v in keys}
    if replaces is None:
        if item["key"] not in trusted:
            return ["the log's first key is not one you trust"]
        required = [new]
    else:
        if replaces not in trusted:
            return ["the key it replaces is not one you trust"]
        required = [new, trusted[replaces]]
    leaf = merkle.leaf_hash(leaf_input(kind=e["kind"], subject=e["subject"], actor=e["actor"], at=e["at"],
                                       payload_sha256=e["payload_sha256"]))
    if base64.b64encode(leaf).decode() != st["leaf_hash"]:
        return ["the statement does not hash to its leaf"]
    if hashlib.sha256(e["payload"].encode()).hexdigest() != e["payload_sha256"]:
        return ["the statement's payload does not match its digest"]
    try:
        cp = open_checkpoint(st["checkpoint"]["note"], required)
        _, good = open_note(st["checkpoint"]["note"], required)
        missing = [v.encode() for v in required if v not in good]
        if missing:
            return [f"the statement's checkpoint is not signed by {', '.join(k.split('+')[0] for k in missing)} "
                    f"({'the new key' if missing[0] == item['key'] else 'the replaced key'}): a single-signed "
                    f"rotation is not accepted"]
        merkle.verify_inclusion(leaf, st["seq"], cp.size, [base64.b64decode(p) for p in st["inclusion_path"]], cp.root)
    except NoteError as exc:
        return [f"the statement's checkpoint is not accepted: {exc}"]
    except merkle.VerificationError as exc:
        return [f"the statement is not in its checkpoint: {exc}"]
    return []


def add_arguments(parser) -> None:
    parser.add_argument("source", help="the log's prefix URL (…/ledger) or a directory with the same files")
    parser.add_argument("--leaf", help="the entry's leaf hash, base64 (or 64 hex digits), to prove with --index")
    parser.add_argument("--index", type=int, help="the entry's index (seq) in the log")
    parser.add_argument("--old", type=Path, help="a checkpoint you kept: prove the current one extends it")
    parser.add_argument("--origin", help="the log's origin line, if you know it")


def run(args, keys: list[Verifier]) -> list[str]:
    """The `tiles` command: inclusion (--leaf and --index), consistency (--old), or both."""
    if args.old is None and (args.leaf is None or args.index is None):
        return ["give --leaf and --index (inclusion), or --old (consistency), or both"]
    try:
        return _run(args, keys)
    except FetchError as exc:
        return [f"cannot fetch from the log: {exc}"]


def _run(args, keys: list[Verifier]) -> list[str]:
    client = TileClient(fetcher_for(args.source))
    problems: list[str] = []
    if args.leaf is not None and args.index is not None:
        try:  # base64 as the API and the portal give it; 64 hex digits are accepted too
            leaf = (bytes.fromhex(args.leaf) if len(args.leaf) == 64 and all(c in "0123456789abcdefABCDEF" for c in args.leaf)
                    else base64.b64decode(args.leaf, validate=True))
        except ValueError:
            return ["--leaf is neither base64 nor 64 hexadecimal digits"]
        found, cp = verify_inclusion(client, keys, leaf, args.index, origin=args.origin)
        problems += found
        if not found:
            print(f"inclusion: entry {args.index} is in the signed tree of {cp.size} entries")
    if args.old is not None:
        found, cp = verify_consistency(client, keys, args.old.read_text(encoding="utf-8"), origin=args.origin)
        problems += found
        if not found:
            print(f"consistency: the signed tree of {cp.size} entries extends your checkpoint")
    print(f"fetched {len(client.fetched)} resources: {', '.join(client.fetched)}")
    return problems
