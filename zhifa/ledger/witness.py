"""Witnesses (c2sp.org/tlog-witness, c2sp.org/tlog-cosignature; issue 16).

Two sides, both in any zhifa instance:

- **The witness.** An instance (a justice bureau's, or any outside party's) holds its own Ed25519 key
  (ZHIFA_WITNESS_KEY, or the file ZHIFA_WITNESS_KEY_FILE) and a list of the logs it witnesses (ZHIFA_WITNESS_LOGS:
  origin and verifier keys). `add_checkpoint` answers `POST <prefix>/add-checkpoint`: it cosigns a checkpoint only
  when the log's signature verifies and a consistency proof leads from the last checkpoint it cosigned for that log
  to the new one, and it records the new state by compare-and-swap before answering. A log that rewrote its history
  can therefore not get a cosignature from a witness that saw the old one.
- **The log.** `collect` (command `ledger_witness_collect`, task `witness_collect_task`) sends the latest checkpoint
  to each witness in ZHIFA_LEDGER_WITNESSES (submission prefix and cosignature verifier key) with the consistency
  proof from the size that witness last cosigned (a 409 tells the size; the request is made again from it), verifies
  what comes back, and stores the cosignatures. `cosigned_note` is the checkpoint with them appended: what
  `/api/ledger/checkpoint-cosigned` serves, and what `python -m zhifa.verify … --witness KEY --witness-quorum K` checks.

The cosignature format itself (no Django) is zhifa/verify/witness.py.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from zhifa.verify.witness import CosignatureVerifier, Cosigner, split_note

from . import merkle, selectors
from .models import Checkpoint
from .models_witness import WitnessCosignature, WitnessState
from .note import Checkpoint as CheckpointText
from .note import NoteError, Verifier, open_note

logger = logging.getLogger("zhifa.ledger.witness")

SIZE_CONTENT_TYPE = "text/x.tlog.size"
MAX_PROOF_LINES = 63  # tlog-witness: a client MUST NOT send more
MAX_BODY = 64 * 1024
_OLD_LINE = re.compile(r"old (0|[1-9][0-9]*)\n")


class WitnessError(Exception):
    """A refusal, with the HTTP status tlog-witness assigns to it."""

    def __init__(self, status: int, message: str, *, body: str | None = None, content_type: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.body = body if body is not None else message + "\n"
        self.content_type = content_type or "text/plain; charset=utf-8"


# --- configuration ---------------------------------------------------------------------------------

def witness_setting(name: str, default=None):
    """A witness setting (config/settings.py reads them from the environment; lists are JSON text there, or lists
    when set in code)."""
    value = getattr(settings, name)
    if isinstance(value, str) and isinstance(default, list):
        value = json.loads(value) if value.strip() else default
    return value


@dataclass(frozen=True)
class WitnessedLog:
    origin: str
    keys: tuple[Verifier, ...]


def witnessed_logs() -> dict[str, WitnessedLog]:
    """ZHIFA_WITNESS_LOGS: [{"origin": "...", "keys": ["<vkey>", ...]}, ...] (a list, or that list as JSON)."""
    out = {}
    for item in witness_setting("ZHIFA_WITNESS_LOGS", []) or []:
        out[item["origin"]] = WitnessedLog(item["origin"], tuple(Verifier.decode(k) for k in item["keys"]))
    return out


_cosigner_cache: tuple[str, Cosigner] | None = None


def cosigner() -> Cosigner | None:
    """This instance's witness key: ZHIFA_WITNESS_KEY, else the file ZHIFA_WITNESS_KEY_FILE; None when neither is set
    (the instance runs no witness). Never generated: a witness key is made on purpose (`ledger_witness_keygen`)."""
    global _cosigner_cache
    text = (witness_setting("ZHIFA_WITNESS_KEY", "") or "").strip()
    path = witness_setting("ZHIFA_WITNESS_KEY_FILE", "") or ""
    if not text and path and Path(path).is_file():
        text = Path(path).read_text().strip()
    if not text:
        return None
    if _cosigner_cache is None or _cosigner_cache[0] != text:
        _cosigner_cache = (text, Cosigner.decode(text))
    return _cosigner_cache[1]


# --- the witness ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AddCheckpointRequest:
    old: int
    proof: list[bytes]
    note: str


def parse_request(body: bytes) -> AddCheckpointRequest:
    """`old <size>\\n`, zero to 63 base64 hash lines, an empty line, then the signed checkpoint (400 otherwise)."""
    if len(body) > MAX_BODY:
        raise WitnessError(400, "request too large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WitnessError(400, "request is not UTF-8") from exc
    match = _OLD_LINE.match(text)
    if not match:
        raise WitnessError(400, "the request starts with an old size line: old <size>")
    rest = text[match.end():]
    head, sep, note = rest.partition("\n\n") if not rest.startswith("\n") else ("", "\n", rest[1:])
    if not sep:
        raise WitnessError(400, "no empty line after the consistency proof")
    if not note.endswith("\n"):
        raise WitnessError(400, "the signed checkpoint must end with a newline (c2sp.org/signed-note)")
    lines = head.split("\n") if head else []
    if len(lines) > MAX_PROOF_LINES:
        raise WitnessError(400, f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof = []
    for line in lines:
        try:
            h = base64.b64decode(line, validate=True)
        except ValueError as exc:
            raise WitnessError(400, "a consistency proof line is not base64") from exc
        if len(h) != merkle.HASH_SIZE:
            raise WitnessError(400, "a consistency proof line is not a SHA-256 hash")
        proof.append(h)
    return AddCheckpointRequest(int(match.group(1)), proof, note)


def _refused(status: int, message: str, log: WitnessedLog, req: AddCheckpointRequest) -> WitnessError:
    # tlog-witness: a validly signed checkpoint that fails a consistency check MAY be logged, as it might be
    # proof of log misbehaviour. Keep it (the note is small, signed and public).
    logger.warning("witness refused a checkpoint of %s (HTTP %s: %s); old %s; note: %r", log.origin, status, message,
                   req.old, req.note)
    return WitnessError(status, message)


def add_checkpoint(body: bytes, *, now: int | None = None) -> str:
    """tlog-witness add-checkpoint. Returns the cosignature line(s); raises WitnessError with the spec's status."""
    key = cosigner()
    if key is None:
        raise WitnessError(404, "this instance runs no witness")
    req = parse_request(body)
    try:
        text, _ = split_note(req.note)
        cp = CheckpointText.parse(text)
    except (NoteError, ValueError) as exc:
        raise WitnessError(400, f"malformed checkpoint: {exc}") from exc
    log = witnessed_logs().get(cp.origin)
    if log is None:
        raise WitnessError(404, "unknown log origin")
    try:
        open_note(req.note, list(log.keys))  # ignores unknown keys; raises if none is trusted, or a trusted one fails
    except NoteError as exc:
        raise WitnessError(403, f"checkpoint signature not accepted: {exc}") from exc
    if req.old > cp.size:
        raise WitnessError(400, "old size is larger than the checkpoint size")
    if cp.size == 0 and cp.root != merkle.EMPTY_ROOT:
        raise _refused(422, "a checkpoint of size 0 must have the empty tree's root", log, req)
    if req.old == 0 and req.proof:
        raise _refused(422, "the consistency proof from size 0 must be empty", log, req)

    state, _ = WitnessState.objects.get_or_create(
        witness=key.verifier.encode(), origin=cp.origin, defaults={"size": 0, "root": merkle.EMPTY_ROOT, "updated_at": timezone.now()})
    old_root = bytes(state.root)
    if not _state_authentic(state, key):
        # Whoever can write this database could otherwise move the state to a forked tree and have it cosigned.
        logger.error("witness state for %s is not signed by this witness: refusing to cosign", cp.origin)
        raise WitnessError(500, "witness state is not authentic; the witness refuses to cosign until it is repaired")
    if req.old != state.size:
        raise WitnessError(409, "old size does not match", body=f"{state.size}\n", content_type=SIZE_CONTENT_TYPE)
    try:
        if req.old > 0:  # from 0, the empty tree is consistent with any tree
            merkle.verify_consistency(req.old, cp.size, old_root, cp.root, req.proof)
    except merkle.VerificationError as exc:
        raise _refused(422, f"consistency proof does not verify: {exc}", log, req) from exc

    line = key.signature_line(text, int(time.time()) if now is None else now)
    with transaction.atomic():
        # Compare-and-swap: only from the state that was checked. A concurrent request that moved it first makes this
        # one a conflict, so the witness can neither fork nor roll back (tlog-witness: check and persist atomically).
        moved = WitnessState.objects.filter(pk=state.pk, size=state.size, root=old_root).update(
            size=cp.size, root=cp.root, note=req.note + line, updated_at=timezone.now())
    if moved != 1:
        current = WitnessState.objects.get(pk=state.pk).size
        raise WitnessError(409, "old size does not match", body=f"{current}\n", content_type=SIZE_CONTENT_TYPE)
    return line


def _state_authentic(state: WitnessState, key) -> bool:
    """The stored state is what this witness last cosigned: size 0 with the empty root, or a note carrying this
    witness's own valid cosignature over exactly the stored size and root. A database writer without the witness's
    key cannot forge that."""
    from zhifa.verify.witness import CosignatureVerifier, cosignatures

    if state.size == 0 and not state.note:
        return bytes(state.root) == merkle.EMPTY_ROOT
    try:
        body, _ = split_note(state.note)
        cp = CheckpointText.parse(body)
        good, _ = cosignatures(state.note, [CosignatureVerifier.decode(key.verifier.encode())], now=2**62)
    except (NoteError, ValueError):
        return False
    return bool(good) and cp.size == state.size and cp.root == bytes(state.root) and cp.origin == state.origin


def latest_cosigned(origin_hash: str) -> str | None:
    """The monitoring endpoint's answer: the latest checkpoint this witness cosigned for the log whose origin hashes
    to `origin_hash`, with the log's signature(s) and this witness's cosignature."""
    from zhifa.verify.witness import origin_hash as hash_of

    key = cosigner()
    if key is None:
        return None
    for state in WitnessState.objects.filter(witness=key.verifier.encode()).exclude(note=""):
        if hash_of(state.origin) == origin_hash:
            return state.note
    return None


# --- the log ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WitnessEndpoint:
    url: str  # the witness's submission prefix; requests go to <url>/add-checkpoint
    key: CosignatureVerifier

    @property
    def vkey(self) -> str:
        return self.key.encode()


def configured_witnesses() -> list[WitnessEndpoint]:
    """ZHIFA_LEDGER_WITNESSES: [{"url": "<submission prefix>", "key": "<witness vkey>"}, ...]."""
    return [WitnessEndpoint(item["url"], CosignatureVerifier.decode(item["key"]))
            for item in witness_setting("ZHIFA_LEDGER_WITNESSES", []) or []]


Transport = Callable[[str, bytes], tuple[int, str, bytes]]  # (url, body) -> (status, content type, body)


def http_post(url: str, body: bytes, *, timeout: float = 10.0) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "text/plain; charset=utf-8", "User-Agent": "zhifa"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read(MAX_BODY)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read(MAX_BODY)


def _known_size(endpoint: WitnessEndpoint, upto: int) -> int:
    """The largest of our checkpoints this witness cosigned (0 if none): where its state should be."""
    row = (WitnessCosignature.objects.filter(witness=endpoint.vkey, checkpoint__size__lte=upto)
           .order_by("-checkpoint__size").values_list("checkpoint__size", flat=True).first())
    return row or 0


def request_body(old: int, cp: Checkpoint) -> bytes:
    proof = selectors.consistency_proof(old, cp.size)[0] if 0 < old < cp.size else []
    lines = "".join(base64.b64encode(h).decode() + "\n" for h in proof)
    return f"old {old}\n{lines}\n{cp.note}".encode()


@dataclass
class CollectResult:
    checkpoint: Checkpoint | None
    cosigned: list[str] = field(default_factory=list)  # witness names that cosigned it
    errors: list[str] = field(default_factory=list)


def _accept(cp: Checkpoint, endpoint: WitnessEndpoint, response: bytes) -> str | None:
    """Store the endpoint's cosignature from an add-checkpoint response; an error message if there is none."""
    text = cp.note[: cp.note.rfind("\n\n") + 1]
    try:
        lines = response.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return "response is not UTF-8"
    for line in lines:
        try:
            _, sigs = split_note("x\n\n" + line)
        except NoteError:
            return "response is not a sequence of signature lines"
        name, raw = sigs[0]
        if (name, raw[:4]) != (endpoint.key.name, endpoint.key.id):
            continue  # another key of the witness's: ignored (tlog-witness)
        timestamp = endpoint.key.verify(text, raw)
        if timestamp is None:
            return "its cosignature does not verify"
        try:
            with transaction.atomic():
                WitnessCosignature.objects.create(checkpoint=cp, witness=endpoint.vkey, name=name,
                                                  timestamp=timestamp, line=line if line.endswith("\n") else line + "\n")
        except IntegrityError:
            pass  # already collected for this checkpoint (a concurrent or repeated run): the first one stays
        return None
    return "no cosignature by its key in the response"


def collect(cp: Checkpoint | None = None, *, transport: Transport | None = None,
            witnesses: list[WitnessEndpoint] | None = None, parallel: bool | None = None) -> CollectResult:
    """Ask each witness to cosign `cp` (default: the latest checkpoint) and store what they return.

    A witness that answers 409 has another size on record: the request is made again with the proof from that size
    (at most twice). A witness on record with a size larger than `cp`, or one refusing the proof, is an error: either
    means this log's history does not extend what the witness saw."""
    cp = cp or selectors.latest_checkpoint()
    result = CollectResult(cp)
    witnesses = configured_witnesses() if witnesses is None else witnesses
    if cp is None or not witnesses:
        return result
    parallel = transport is None if parallel is None else parallel
    transport = transport or http_post
    done = set(WitnessCosignature.objects.filter(checkpoint=cp).values_list("witness", flat=True))
    pending = {w: _known_size(w, cp.size) for w in witnesses if w.vkey not in done}
    result.cosigned = sorted(w.key.name for w in witnesses if w.vkey in done)
    for _attempt in range(3):
        if not pending:
            break
        # Bodies are built here (the database), requests may run in threads (the network only).
        jobs = [(w, w.url.rstrip("/") + "/add-checkpoint", request_body(old, cp)) for w, old in pending.items()]
        if parallel and len(jobs) > 1:
            with ThreadPoolExecutor(max_workers=min(8, len(jobs))) as pool:
                answers = list(pool.map(lambda job: _send(transport, job[1], job[2]), jobs))
        else:
            answers = [_send(transport, url, body) for _, url, body in jobs]
        retry = {}
        for (endpoint, _, _), (status, ctype, body) in zip(jobs, answers, strict=True):
            name = endpoint.key.name
            if status == 409 and ctype.split(";")[0].strip() == SIZE_CONTENT_TYPE:
                size = body.decode("ascii", "replace").strip()
                if not size.isdigit():
                    result.errors.append(f"{name}: 409 without a size")
                elif int(size) > cp.size:
                    result.errors.append(f"{name}: the witness has cosigned size {size}, beyond this checkpoint "
                                         f"({cp.size}): this log's history does not extend what it saw")
                elif int(size) == pending[endpoint]:
                    result.errors.append(f"{name}: 409 again at size {size}")
                else:
                    retry[endpoint] = int(size)
            elif status == 200:
                if problem := _accept(cp, endpoint, body):
                    result.errors.append(f"{name}: {problem}")
                else:
                    result.cosigned.append(name)
            else:
                detail = body.decode("utf-8", "replace").strip()[:200]
                result.errors.append(f"{name}: HTTP {status} {detail}".rstrip())
        pending = retry
    for endpoint in pending:
        result.errors.append(f"{endpoint.key.name}: no agreement on the old size")
    if result.errors:
        logger.error("witness cosignatures for checkpoint %s: %s", cp.size, "; ".join(result.errors))
    result.cosigned.sort()
    return result


def _send(transport: Transport, url: str, body: bytes) -> tuple[int, str, bytes]:
    try:
        return transport(url, body)
    except OSError as exc:  # unreachable, timed out
        return 0, "", str(exc).encode()


def cosigned_note(cp: Checkpoint) -> str:
    """The checkpoint as signed, with the witnesses' cosignature lines appended (clients ignore unknown keys)."""
    return cp.note + "".join(c.line for c in sorted(cp.cosignatures.all(), key=lambda c: (c.name, c.witness)))


@task()
def witness_collect_task() -> dict:
    """Run after `checkpoint_task` (or from cron: `manage.py ledger_witness_collect --sign`)."""
    result = collect()
    return {"size": result.checkpoint.size if result.checkpoint else None, "cosigned": result.cosigned,
            "errors": result.errors}
