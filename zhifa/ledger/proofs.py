"""Proofs for the public portal (issue 19 §1: "proofs served from the static tiles").

The portal's decision page no longer computes an inclusion proof. It names the publication's log entry — its seq and
the header fields its leaf hash commits to (`entry_header`) — and the browser (static/js/verify.js) fetches the signed
checkpoint and the tiles the proof needs from `/ledger/checkpoint` and `/ledger/tile/…` (views_tiles.py) and computes
the proof itself, as `python -m zhifa.verify tiles` does. So the page's queries do not depend on the size of the log,
and its HTML does not depend on the latest checkpoint: it can be cached until the item itself changes.

`/portal/items/<pk>/proof.json` stays for other clients (and for a page rendered before the sequencer reached the
entry, which names no seq yet). Its proof is computed once per (seq, checkpoint) and then kept in the cache: a proof to
a given tree size never changes, because the tree is append-only (RFC 9162 §2.1.3).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from . import selectors, services
from .models import Checkpoint, Entry
from .selectors import InclusionProof

CACHE_PREFIX = "zhifa.ledger.proof"
# A proof to (seq, size) is final; the expiry only bounds what old checkpoints keep in the cache once newer ones are
# served (a proof is asked for against the latest checkpoint).
CACHE_SECONDS = 7 * 24 * 3600


def b64(data: bytes) -> str:
    """Base64, as the signed checkpoint, the JSON API and `python -m zhifa.verify` write hashes."""
    return base64.b64encode(data).decode()


def entry_header(entry: Entry) -> dict[str, str]:
    """The fields the entry's leaf hash commits to (canonical.leaf_input): all a verifier needs to recompute the leaf.
    No payload: the header commits to it through its digest."""
    return {"kind": entry.kind, "subject": entry.subject, "actor": entry.actor, "at": services.at_text(entry.at),
            "payload_sha256": entry.payload_sha256}


def leaf_hash_b64(entry: Entry) -> str:
    """The entry's leaf hash, recomputed from its row (no query)."""
    return b64(services.entry_leaf_hash(entry))


def page_keys() -> list[str]:
    """The verifier keys a page embeds for the in-browser check, current first: from configuration only
    (services.trusted_keys(), the keys every trust decision starts from), so the page reads no row for them."""
    return services.trusted_keys()


@dataclass(frozen=True)
class ServedProof:
    proof: InclusionProof
    checkpoint: Checkpoint


def _cache_key(seq: int, cp: Checkpoint) -> str:
    # The root is part of the key: the proof belongs to that signed tree head, and nothing else may share its entry.
    return f"{CACHE_PREFIX}:{settings.ZHIFA_LEDGER_ORIGIN}:{seq}:{cp.size}:{bytes(cp.root).hex()}"


def inclusion_to_latest(seq: int | None) -> tuple[ServedProof | None, Checkpoint | None]:
    """The inclusion proof of leaf `seq` against the checkpoint the log serves (selectors.latest_checkpoint), or
    (None, that checkpoint) while the sequencer or the signer has not reached the entry.

    Queries: those of latest_checkpoint (the tree size, the newest checkpoints, and one read per tile level for the
    root: O(log256 n)); the proof itself comes from the cache after its first computation (from tiles,
    selectors.inclusion_proof), so a popular item's proof costs no further query until the next checkpoint."""
    cp = selectors.latest_checkpoint()
    if seq is None or cp is None or seq >= cp.size:
        return None, cp
    key = _cache_key(seq, cp)
    cached = cache.get(key)
    if cached is not None:
        leaf, path, root = cached
        return ServedProof(InclusionProof(seq, cp.size, leaf, list(path), root), cp), cp
    proof = selectors.inclusion_proof(seq, cp.size)
    cache.set(key, (proof.leaf_hash, tuple(proof.path), proof.root), timeout=CACHE_SECONDS)
    return ServedProof(proof, cp), cp
