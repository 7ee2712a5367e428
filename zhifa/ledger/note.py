"""C2SP signed notes and tlog checkpoints (c2sp.org/signed-note, c2sp.org/tlog-checkpoint).

Pure Python with no Django import: the offline verifier uses it.

Signature types:
- 0x01 Ed25519 (RFC 8032), as the signed-note spec defines it: the default.
- 0xff followed by b"zhifa-sm2-sm3": SM2 signatures (GB/T 32918) over SM3, for deployments that must use
  commercial cryptography. 0xff is the spec's byte for types without an assigned identifier,
  to be followed by a longer identifier. The key ID is SHA-256(name || 0x0A || type bytes || key)[:4].
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass

EM_DASH = "\u2014"
ED25519 = b"\x01"
SM2 = b"\xffzhifa-sm2-sm3"
# SM2's curve order (GB/T 32918.5).
_SM2_N = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)


class NoteError(Exception):
    pass


def key_id(name: str, alg: bytes, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + alg + public).digest()[:4]


def check_key_name(name: str) -> None:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise NoteError("key names must be non-empty, without spaces or '+'")


@dataclass(frozen=True)
class Verifier:
    name: str
    alg: bytes
    public: bytes

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.alg, self.public)

    def encode(self) -> str:
        """`<name>+<hex key id>+<base64(type || public key)>`, the vkey format of golang.org/x/mod/sumdb/note."""
        return f"{self.name}+{self.id.hex()}+{base64.b64encode(self.alg + self.public).decode()}"

    @classmethod
    def decode(cls, text: str) -> Verifier:
        try:
            name, hex_id, b64 = text.strip().split("+", 2)
            raw = base64.b64decode(b64, validate=True)
        except ValueError as exc:
            raise NoteError("malformed verifier key") from exc
        for alg in (SM2, ED25519):
            if raw.startswith(alg):
                verifier = cls(name, alg, raw[len(alg):])
                if verifier.id.hex() != hex_id:
                    raise NoteError("verifier key id does not match the key")
                return verifier
        raise NoteError("unknown signature type in verifier key")

    def verify(self, message: bytes, signature: bytes) -> bool:
        if self.alg == ED25519:
            from cryptography.exceptions import InvalidSignature
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

            try:
                Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
                return True
            except (InvalidSignature, ValueError):
                return False
        from gmssl import sm2

        if len(signature) != 64:
            return False
        crypt = sm2.CryptSM2(private_key=None, public_key=self.public[1:].hex())
        try:
            return bool(crypt.verify_with_sm3(signature.hex(), message))
        except (ValueError, TypeError):
            return False


@dataclass(frozen=True)
class Signer:
    name: str
    alg: bytes
    private: bytes
    public: bytes

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, self.alg, self.public)

    def sign(self, message: bytes) -> bytes:
        if self.alg == ED25519:
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

            return Ed25519PrivateKey.from_private_bytes(self.private).sign(message)
        from gmssl import sm2

        crypt = sm2.CryptSM2(private_key=self.private.hex(), public_key=self.public[1:].hex())
        return bytes.fromhex(crypt.sign_with_sm3(message, secrets.token_hex(32)))

    def encode(self) -> str:
        """`PRIVATE+KEY+<name>+<hex key id>+<base64(type || private key)>` (keep it secret)."""
        return f"PRIVATE+KEY+{self.name}+{self.verifier.id.hex()}+{base64.b64encode(self.alg + self.private).decode()}"

    @classmethod
    def decode(cls, text: str) -> Signer:
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("malformed private key")
        name, hex_id, raw = parts[2], parts[3], base64.b64decode(parts[4])
        alg = SM2 if raw.startswith(SM2) else ED25519 if raw.startswith(ED25519) else None
        if alg is None:
            raise NoteError("unknown signature type in private key")
        signer = cls.from_private(name, alg, raw[len(alg):])
        if signer.verifier.id.hex() != hex_id:
            raise NoteError("private key id does not match the key")
        return signer

    @classmethod
    def from_private(cls, name: str, alg: bytes, private: bytes) -> Signer:
        check_key_name(name)
        if alg == ED25519:
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
            from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

            public = Ed25519PrivateKey.from_private_bytes(private).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
            return cls(name, alg, private, public)
        from gmssl import sm2

        crypt = sm2.CryptSM2(private_key=private.hex(), public_key="")
        point = crypt._kg(int(private.hex(), 16), sm2.default_ecc_table["g"])  # d·G, uncompressed x || y
        return cls(name, alg, private, b"\x04" + bytes.fromhex(point))

    @classmethod
    def generate(cls, name: str, *, sm2_key: bool = False) -> Signer:
        if sm2_key:
            d = secrets.randbelow(_SM2_N - 2) + 1
            return cls.from_private(name, SM2, d.to_bytes(32, "big"))
        return cls.from_private(name, ED25519, secrets.token_bytes(32))


def sign_note(text: str, *signers: Signer) -> str:
    if not text.endswith("\n"):
        raise NoteError("note text must end in a newline")
    lines = []
    for signer in signers:
        sig = signer.sign(text.encode())
        lines.append(f"{EM_DASH} {signer.name} {base64.b64encode(signer.verifier.id + sig).decode()}\n")
    return text + "\n" + "".join(lines)


def signature_lines(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    """A signed note's text (up to and including the newline before the blank line) and its signature lines as
    (key name, raw bytes); raise NoteError if it is not a signed note or a line is malformed. The one parser of
    signature lines: `open_note` and the witness's `split_note` (zhifa.verify.witness) both read through it."""
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("not a signed note")
    text, sigs = note[: split + 1], note[split + 2:]
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise NoteError("control characters in note")
    out = []
    for line in sigs.splitlines():
        if not line.startswith(EM_DASH + " "):
            raise NoteError("malformed signature line")
        try:
            name, b64 = line[2:].rsplit(" ", 1)
            raw = base64.b64decode(b64, validate=True)
        except ValueError as exc:
            raise NoteError("malformed signature line") from exc
        out.append((name, raw))
    return text, out


def open_note(note: str, verifiers: list[Verifier]) -> tuple[str, list[Verifier]]:
    """Return the text and the known keys whose signatures verified; raise if none did or one failed."""
    text, lines = signature_lines(note)
    known = {(v.name, v.id): v for v in verifiers}
    good = []
    for name, raw in lines:
        verifier = known.get((name, raw[:4]))
        if verifier is None:
            continue  # unknown keys are ignored (signed-note)
        if not verifier.verify(text.encode(), raw[4:]):
            raise NoteError(f"signature by {name} does not verify")
        good.append(verifier)
    if not good:
        raise NoteError("no signature by a known key")
    return text, good


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("a checkpoint has an origin, a size and a root hash, each on its own line")
        origin, size, root = lines[0], lines[1], lines[2]
        if not size.isdigit() or (size != "0" and size.startswith("0")):
            raise NoteError("bad tree size")
        root_bytes = base64.b64decode(root, validate=True)
        if len(root_bytes) != 32:
            raise NoteError("bad root hash")
        return cls(origin, int(size), root_bytes, tuple(lines[3:-1]))


def open_checkpoint(note: str, verifiers: list[Verifier], origin: str | None = None) -> Checkpoint:
    text, _ = open_note(note, verifiers)
    cp = Checkpoint.parse(text)
    if origin is not None and cp.origin != origin:
        raise NoteError(f"checkpoint is for {cp.origin!r}, not {origin!r}")
    return cp
