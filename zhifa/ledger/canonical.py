"""What a log leaf commits to. Pure Python: the offline verifier recomputes it from an export.

The payload is canonical JSON: keys sorted, no insignificant white space, UTF-8, no floats (amounts
are strings or integers, so every producer serialises them alike). The leaf input binds kind,
subject, actor, time and the payload's SHA-256, so a leaf stays verifiable even if a payload must
one day be withheld (for example personal data past its retention period).
"""

import hashlib
import json


def canonical_json(value) -> str:
    _reject_floats(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _reject_floats(value) -> None:
    if isinstance(value, float):
        raise TypeError("floats are not canonical: use a string or an integer")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError("payload keys must be strings")
            _reject_floats(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _reject_floats(item)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def leaf_input(*, kind: str, subject: str, actor: str, at: str, payload_sha256: str) -> bytes:
    """The bytes the Merkle leaf hashes: canonical JSON of the entry's header. `at` is ISO 8601 UTC."""
    return canonical_json(
        {"actor": actor, "at": at, "kind": kind, "payload_sha256": payload_sha256, "subject": subject}
    ).encode()
