"""Every configured verifier key, with its validity period and the signed statement of each rotation.

Only keys in configuration are listed (services.trusted_keys(): the signer's and ZHIFA_LEDGER_PAST_VERIFIER_KEYS); a
`ledger.key_in_use` entry naming any other key is ignored here (the application role can insert such an entry:
review16 H2) and reported by the audit. The current key is the signer's.

A key's period is read from the log itself: it starts at the `ledger.key_in_use` entry naming it (written before the
first checkpoint it signs, services._ensure_key_recorded) and ends at the next such entry. The rotation statement is
that entry — it names the new key and the one it replaces, and carries no personal data, so it is published in full —
with the first checkpoint that covers it and the entry's inclusion proof in that checkpoint (computed from tiles). An
outsider recomputes the entry's leaf hash, checks the proof against the signed checkpoint, and checks with tiles that
the key's checkpoints extend the previous key's last one (consistency), so a rotation cannot hide a rewritten history.
"""

from __future__ import annotations

import base64
import json

from django.db.models import Count, Max, Min

from . import events, services, storage, tiles
from .models import Checkpoint, Entry
from .note import ED25519, NoteError, Verifier
from .services import at_text, checkpoint_signed, entry_leaf_hash, trusted_verifiers


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _algorithm(key: str) -> str:
    try:
        return "Ed25519" if Verifier.decode(key).alg == ED25519 else "SM2-SM3"
    except NoteError:
        return "unknown"


def _checkpoint_json(cp: Checkpoint | None) -> dict | None:
    if cp is None:
        return None
    return {"size": cp.size, "root": _b64(bytes(cp.root)), "signed_at": at_text(cp.created_at), "note": cp.note}


def _statement(entry: Entry) -> dict:
    seq = entry.seq
    out = {"seq": seq, "entry": {"kind": entry.kind, "subject": entry.subject, "actor": entry.actor,
                                 "at": at_text(entry.at), "payload": entry.payload,
                                 "payload_sha256": entry.payload_sha256},
           "leaf_hash": _b64(entry_leaf_hash(entry)), "checkpoint": None, "inclusion_path": None}
    if seq is None:
        return out  # not yet sequenced: the next checkpoint covers it
    # The first checkpoint covering the entry that a configured key signed: a row inserted by hand is passed over.
    verifiers = trusted_verifiers()
    cp = next((c for c in Checkpoint.objects.filter(size__gt=seq).order_by("size", "id").iterator(chunk_size=20)
               if checkpoint_signed(c, verifiers)), None)
    if cp is not None:
        leaf, path, root = tiles.inclusion_path(seq, cp.size)
        if root == bytes(cp.root) and leaf == entry_leaf_hash(entry):
            out["checkpoint"] = _checkpoint_json(cp)
            out["inclusion_path"] = [_b64(p) for p in path]
    return out


def _announcements(configured: set[str]) -> list[tuple[Entry, dict]]:
    """The `ledger.key_in_use` entries naming a configured key, in id order. One naming any other key was not written
    by this deployment's signer (the application role can insert entries): it is not listed, and the audit reports it."""
    out = []
    for entry in storage.attach_seqs(Entry.objects.filter(kind=events.KEY_IN_USE).order_by("id")):
        try:
            payload = json.loads(entry.payload)
        except ValueError:
            continue
        if isinstance(payload, dict) and payload.get("verifier") in configured:
            out.append((entry, payload))
    return out


def key_history() -> list[dict]:
    """Every configured key (the signer's and ZHIFA_LEDGER_PAST_VERIFIER_KEYS: services.trusted_keys()) in the order
    it came into use, with its validity period from the `ledger.key_in_use` entries naming configured keys. The current
    key is the signer's, from configuration, never the last key announced in the database (review16 H2)."""
    configured = services.trusted_keys()
    current = configured[0]
    trusted = set(configured)
    signed = {row["key"]: row for row in Checkpoint.objects.filter(key__in=configured).values("key").annotate(
        count=Count("id"), first_size=Min("size"), last_size=Max("size"), first_at=Min("created_at"),
        last_at=Max("created_at"))}
    keys: list[dict] = []
    by_key: dict[str, dict] = {}
    for entry, payload in _announcements(trusted):
        key = payload["verifier"]
        if keys and keys[-1]["key"] != key:
            keys[-1]["valid_until"] = at_text(entry.at)
            keys[-1]["replaced_by"] = key
        elif keys:
            continue  # the same key announced again: its period goes on
        replaces = payload.get("replaces")
        item = {"key": key, "algorithm": _algorithm(key), "valid_from": at_text(entry.at), "valid_until": None,
                "replaces": replaces if replaces in trusted else None, "replaced_by": None,
                "statement": _statement(entry)}
        keys.append(item)
        by_key.setdefault(key, item)
    # Configured keys that signed checkpoints without an announcement (a log older than the announcements): period
    # from their checkpoints only, no statement. Configured keys never used here: listed first, with no period.
    for key, row in sorted(signed.items(), key=lambda kv: kv[1]["first_at"], reverse=True):
        if key not in by_key:
            item = {"key": key, "algorithm": _algorithm(key), "valid_from": at_text(row["first_at"]),
                    "valid_until": None, "replaces": None, "replaced_by": None, "statement": None}
            keys.insert(0, item)
            by_key[key] = item
    for key in configured:
        if key not in by_key:
            item = {"key": key, "algorithm": _algorithm(key), "valid_from": None, "valid_until": None,
                    "replaces": None, "replaced_by": None, "statement": None}
            if key == current:
                keys.append(item)
            else:
                keys.insert(0, item)
            by_key[key] = item
    for item in keys:
        row = signed.get(item["key"])
        item["checkpoints"] = None if row is None else {
            "count": row["count"], "first_size": row["first_size"], "last_size": row["last_size"],
            "first_signed_at": at_text(row["first_at"]), "last_signed_at": at_text(row["last_at"]),
            "last": _checkpoint_json(Checkpoint.objects.filter(key=item["key"]).order_by("-size", "-id").first())}
        item["current"] = False
    last_current = [item for item in keys if item["key"] == current][-1]
    last_current["current"] = True
    return keys


def used_keys() -> list[str]:
    """Every configured key, in the order the log announced or used it (configured keys never used come last; no
    proofs: for a plain list). A key named only in the database is never listed."""
    configured = services.trusted_keys()
    trusted = set(configured)
    announced = [payload["verifier"] for _, payload in _announcements(trusted)]
    signed = (Checkpoint.objects.filter(key__in=configured).values("key").annotate(first=Min("id")).order_by("first")
              .values_list("key", flat=True))
    return list(dict.fromkeys([*announced, *signed, *configured]))
