"""Witness cosignatures (c2sp.org/tlog-cosignature, `cosignature/v1`) and a k-of-n witness policy.

Pure Python with no Django import: the offline verifier (`python -m zhifa.verify … --witness KEY --witness-quorum K`)
and the ledger's witness (zhifa.ledger.witness) both use it.

A cosignature is a signed-note signature line on a checkpoint:

    — <witness name> base64(key ID ‖ timestamp ‖ Ed25519 signature)

- key ID = SHA-256(name ‖ 0x0A ‖ 0x04 ‖ 32-byte Ed25519 public key)[:4] (signature type 0x04, c2sp.org/signed-note);
- timestamp = the POSIX time of signing, 8 bytes big-endian, never 0;
- the signature is over `cosignature/v1\\ntime <timestamp>\\n` followed by the checkpoint's note body (its text up to
  and including the newline before the blank line, with any extension lines, and no signature lines).

A witness's verifier key is a vkey `<name>+<hex key ID>+base64(0x04 ‖ public key)`. Its private key is a standard
signed-note Ed25519 key `PRIVATE+KEY+<name>+<hex id>+base64(0x01 ‖ seed)` (what `ledger_keygen` and Go's
`note.GenerateKey` write), from which the cosigner derives its type-0x04 key ID, as transparency-dev/formats does.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass

from zhifa.ledger.note import (
    ED25519,
    EM_DASH,
    Checkpoint,
    NoteError,
    Verifier,
    check_key_name,
    key_id,
    open_checkpoint,
    signature_lines,
)

COSIGNATURE_V1 = b"\x04"
# Cosignatures dated further than this into the future are not counted (tlog-cosignature: verifiers MAY reject).
MAX_FUTURE_SECONDS = 600
_MAX_TIMESTAMP = 2**63 - 1


def cosignature_message(body: str, timestamp: int) -> bytes:
    """The message a cosignature/v1 signs: header line, timestamp line, then the whole note body."""
    if not body.endswith("\n"):
        raise NoteError("a note body ends in a newline")
    return f"cosignature/v1\ntime {timestamp}\n".encode() + body.encode()


@dataclass(frozen=True)
class CosignatureVerifier:
    """A witness's Ed25519 cosignature/v1 public key."""

    name: str
    public: bytes

    @property
    def id(self) -> bytes:
        return key_id(self.name, COSIGNATURE_V1, self.public)

    def encode(self) -> str:
        return f"{self.name}+{self.id.hex()}+{base64.b64encode(COSIGNATURE_V1 + self.public).decode()}"

    @classmethod
    def decode(cls, text: str) -> CosignatureVerifier:
        """A type-0x04 vkey. A plain Ed25519 (0x01) vkey of the same key is accepted too, its ID checked as written,
        and converted (as transparency-dev/formats' VKeyToCosignatureV1)."""
        try:
            name, hex_id, b64 = text.strip().split("+", 2)
            raw = base64.b64decode(b64, validate=True)
        except ValueError as exc:
            raise NoteError("malformed witness key") from exc
        check_key_name(name)
        alg, public = raw[:1], raw[1:]
        if alg not in (COSIGNATURE_V1, ED25519) or len(public) != 32:
            raise NoteError("a witness key is an Ed25519 cosignature/v1 key (signature type 0x04)")
        if key_id(name, alg, public).hex() != hex_id:
            raise NoteError("witness key id does not match the key")
        return cls(name, public)

    def verify(self, body: str, raw: bytes) -> int | None:
        """The timestamp of a valid cosignature of `body` (raw = key ID ‖ timestamp ‖ signature), else None."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        if len(raw) != 4 + 8 + 64 or raw[:4] != self.id:
            return None
        timestamp = int.from_bytes(raw[4:12], "big")
        if timestamp == 0 or timestamp > _MAX_TIMESTAMP:
            return None
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(raw[12:], cosignature_message(body, timestamp))
        except (InvalidSignature, ValueError):
            return None
        return timestamp


@dataclass(frozen=True)
class Cosigner:
    """A witness's signing key."""

    name: str
    private: bytes

    @property
    def public(self) -> bytes:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        return Ed25519PrivateKey.from_private_bytes(self.private).public_key().public_bytes(Encoding.Raw,
                                                                                            PublicFormat.Raw)

    @property
    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier(self.name, self.public)

    @classmethod
    def generate(cls, name: str) -> Cosigner:
        check_key_name(name)
        return cls(name, secrets.token_bytes(32))

    def encode(self) -> str:
        """A standard signed-note Ed25519 private key (type 0x01): keep it secret."""
        kid = key_id(self.name, ED25519, self.public).hex()
        return f"PRIVATE+KEY+{self.name}+{kid}+{base64.b64encode(ED25519 + self.private).decode()}"

    @classmethod
    def decode(cls, text: str) -> Cosigner:
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("malformed witness private key")
        name, hex_id = parts[2], parts[3]
        try:
            raw = base64.b64decode(parts[4], validate=True)
        except ValueError as exc:
            raise NoteError("malformed witness private key") from exc
        check_key_name(name)
        if raw[:1] not in (ED25519, COSIGNATURE_V1) or len(raw) != 33:
            raise NoteError("a witness key is an Ed25519 key")
        cosigner = cls(name, raw[1:])
        if key_id(name, raw[:1], cosigner.public).hex() != hex_id:
            raise NoteError("witness private key id does not match the key")
        return cosigner

    def signature_line(self, body: str, timestamp: int | None = None) -> str:
        """`— <name> base64(key ID ‖ timestamp ‖ signature)\\n` over `body` (a checkpoint's note text)."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        timestamp = int(time.time()) if timestamp is None else timestamp
        if not 0 < timestamp <= _MAX_TIMESTAMP:
            raise NoteError("a cosignature's timestamp is a non-zero POSIX time")
        sig = Ed25519PrivateKey.from_private_bytes(self.private).sign(cosignature_message(body, timestamp))
        raw = self.verifier.id + timestamp.to_bytes(8, "big") + sig
        return f"{EM_DASH} {self.name} {base64.b64encode(raw).decode()}\n"


def split_note(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    """A signed note's body and its signature lines as (key name, raw bytes); raise NoteError if malformed, if a line
    is too short to hold a key ID, or if there is none."""
    body, lines = signature_lines(note)
    if any(len(raw) < 4 for _, raw in lines):
        raise NoteError("malformed signature line")
    if not lines:
        raise NoteError("a signed note has at least one signature")
    return body, lines


@dataclass(frozen=True)
class PolicyResult:
    checkpoint: Checkpoint | None
    cosigned_by: list[tuple[str, int]]  # (witness name, timestamp) of each witness whose cosignature verified
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def cosignatures(note: str, witnesses: list[CosignatureVerifier], *, now: int | None = None
                 ) -> tuple[list[tuple[CosignatureVerifier, int]], list[str]]:
    """The witnesses (each once) whose cosignature on `note` verifies, with its timestamp; and the problems: a line
    naming a witness's key (name and ID) whose signature fails, or a timestamp too far in the future. Lines by other
    keys are ignored (signed-note)."""
    body, lines = split_note(note)
    now = int(time.time()) if now is None else now
    known = {(w.name, w.id): w for w in witnesses}
    good: dict[CosignatureVerifier, int] = {}
    problems: list[str] = []
    for name, raw in lines:
        witness = known.get((name, raw[:4]))
        if witness is None:
            continue
        timestamp = witness.verify(body, raw)
        if timestamp is None:
            problems.append(f"cosignature by witness {name} does not verify")
        elif timestamp > now + MAX_FUTURE_SECONDS:
            problems.append(f"cosignature by witness {name} is dated in the future ({timestamp})")
        else:
            good[witness] = max(timestamp, good.get(witness, 0))
    return list(good.items()), problems


def check_policy(note: str, log_keys: list[Verifier], witnesses: list[CosignatureVerifier], quorum: int, *,
                 origin: str | None = None, now: int | None = None) -> PolicyResult:
    """A checkpoint passes when the log's signature verifies and at least `quorum` of `witnesses` cosigned it."""
    if not 1 <= quorum <= len(witnesses):
        raise ValueError(f"a witness quorum is between 1 and the {len(witnesses)} witness keys given")
    if len(set(witnesses)) != len(witnesses):
        raise ValueError("the same witness key is given twice")
    try:
        checkpoint = open_checkpoint(note, log_keys, origin=origin)
        good, problems = cosignatures(note, witnesses, now=now)
    except NoteError as exc:
        return PolicyResult(None, [], [f"checkpoint not accepted: {exc}"])
    if len(good) < quorum:
        problems.append(f"witness policy not met: {len(good)} of the {len(witnesses)} witnesses cosigned this "
                        f"checkpoint, {quorum} required")
    return PolicyResult(checkpoint, [(w.name, ts) for w, ts in good], problems)


def origin_hash(origin: str) -> str:
    """The path element of a witness's monitoring endpoint for a log (tlog-witness): lowercase hex SHA-256."""
    return hashlib.sha256(origin.encode()).hexdigest()


# --- the command line (python -m zhifa.verify inclusion|consistency … --witness KEY --witness-quorum K) -------------

def _witness_key(text: str) -> CosignatureVerifier:
    import argparse

    try:
        return CosignatureVerifier.decode(text)
    except NoteError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def add_arguments(parser) -> None:
    parser.add_argument("--witness", action="append", type=_witness_key, default=[], metavar="KEY",
                        help="a trusted witness's cosignature key (vkey, type 0x04; repeatable)")
    parser.add_argument("--witness-quorum", type=int, metavar="K",
                        help="the checkpoint passes only if at least K of the --witness keys cosigned it "
                             "(default: all of them)")


def run(args, note: str, log_keys: list[Verifier]) -> list[str]:
    """The witness policy of the command line on `note` (the checkpoint relied on); [] when no --witness is given."""
    if not args.witness:
        return ["--witness-quorum needs --witness keys"] if args.witness_quorum is not None else []
    quorum = len(args.witness) if args.witness_quorum is None else args.witness_quorum
    try:
        result = check_policy(note, log_keys, args.witness, quorum)
    except ValueError as exc:
        return [f"bad witness policy: {exc}"]
    for name, ts in result.cosigned_by:
        print(f"cosigned by witness {name} at {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(ts))} UTC")
    return result.problems
