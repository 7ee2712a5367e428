"""Generations: named counters of change in the shared cache, so that what was cached from a thing can be recognised
as out of date the moment the thing changes (issue 19 §1: the portal's pages, zhifa/portal/page_cache.py).

A generation is a token stored under its name ("jurisdiction:4", "item:120"). Whoever changes what a name covers
calls `bump(name)` once the change is committed (`bump_on_commit`); whoever caches something derived from
it records `peek(name)` *before* reading the data (and `start`s the names it did not find, once it keeps the copy)
and, later, accepts the cached copy only while `peek(name)` still answers the same token. No counter is ever
read-modify-written, so concurrent bumps from several servers cannot collide: each bump writes a fresh token, made
of the time of the bump (nanoseconds since the epoch, hex) and a random suffix. The time lets a reader ask whether
a replica has replayed that change yet (`changed_at`).

Tokens are kept without expiry. If the cache loses one (eviction, a Redis restart), the next copy starts a new token,
so everything cached under the old one becomes unreachable: a lost generation can only cause a miss, never a stale hit.

core imports no domain app: the names are plain strings, built by the helpers below from plain values (or, for
`publication_names`, an object read by attribute).
"""

import datetime as dt
import logging
import secrets
import time
from functools import partial

from django.core.cache import cache
from django.db import transaction

PREFIX = "generation:"
logger = logging.getLogger("zhifa.generations")


def _token() -> str:
    return f"{time.time_ns():x}.{secrets.token_hex(4)}"


def _keys(names) -> dict[str, str]:
    return {PREFIX + name: name for name in names}


def bump(*names: str) -> None:
    """Mark everything derived from `names` as out of date (call after the change is committed)."""
    if not names:
        return
    try:
        cache.set_many({PREFIX + name: _token() for name in set(names)}, timeout=None)
    except Exception:  # any cache backend's error (Redis down): the change itself must not fail
        # A publication or withdrawal is the record; the portal's copies then live out their lifetime
        # (ZHIFA_PORTAL_CACHE_SECONDS) — while the cache is unreachable the portal serves no copies at all.
        logger.error("generations: could not bump %s; cached portal pages may show the old state until they expire",
                     sorted(set(names)), exc_info=True)


def bump_on_commit(*names: str) -> None:
    """For a service changing what `names` cover inside its transaction: bump now, and again once it commits. The
    second bump is the one that counts: a copy read from the old data after the first (the commit not yet visible)
    is out of date again as soon as the change is. The first makes the change visible at once to whoever reads
    inside this same transaction (an enclosing atomic block that commits later, the tests); if the transaction
    rolls back it costs only a few re-renders."""
    bump(*names)
    transaction.on_commit(partial(bump, *names))


def peek(*names: str) -> dict[str, str | None]:
    """The current tokens, None for a name the cache does not hold; one round trip, nothing written."""
    if not names:
        return {}
    keys = _keys(names)
    try:
        found = cache.get_many(list(keys))
    except Exception:  # the cache unreachable: nothing is known, so nothing derived from it is current
        logger.warning("generations: the cache is unreachable; pages are rendered fresh", exc_info=True)
        found = {}
    return {name: found.get(key) for key, name in keys.items()}


def start(name: str) -> str | None:
    """Start the generation of a name the cache did not hold, and return its token; None when it holds one now (a
    bump came first: what was read before it may be out of date). Starting only after a page proved worth keeping
    means a flood of requests for things that do not exist (/portal/items/987654321/) writes nothing."""
    token = _token()
    try:
        return token if cache.add(PREFIX + name, token, timeout=None) else None
    except Exception:  # the cache unreachable: keep nothing (None reads as "bumped meanwhile")
        logger.warning("generations: the cache is unreachable; the page is not kept", exc_info=True)
        return None


def changed_at(tokens) -> dt.datetime | None:
    """When the latest of these tokens was bumped or started (UTC), None for no tokens."""
    stamps = [int(token.split(".", 1)[0], 16) for token in tokens]
    if not stamps:
        return None
    return dt.datetime.fromtimestamp(max(stamps) / 1e9, tz=dt.UTC)


# --- names ---------------------------------------------------------------------------------------------------------

def jurisdiction_names(path: str) -> list[str]:
    """A jurisdiction and its ancestors, from its materialised path ("/1/4/9/"): a region's portal covers its cities
    and counties (IM-M §7), so what changes in a county changes the pages of each level above it."""
    return [f"jurisdiction:{part}" for part in path.strip("/").split("/") if part]


def jurisdiction_name(pk: int) -> str:
    return f"jurisdiction:{pk}"


def item_name(pk: int) -> str:
    return f"item:{pk}"


def agency_name(pk: int) -> str:
    return f"agency:{pk}"


def organisation_name(credit_code: str) -> str:
    return f"organisation:{credit_code}"


def publication_names(pub) -> list[str]:
    """What a public item's publication, withdrawal or new version changes on the portal. `pub` is read by attribute
    (pk, kind, jurisdiction_path, agency_id, target_code, supersedes): its jurisdiction and every one above it (home,
    search, feeds), every version of it (each version's page lists them all; only the newest published version can
    change, so walking `supersedes` up reaches every version shown), its agency's page when it is a list (the agency
    page shows lists, not decisions) and the organisation's page when it is a decision about one."""
    names = []
    version = pub
    # Every version's own area, organisation and agency too: a correction may change the credit code (or the
    # agency), and the superseded version's organisation page still lists it (review of issue 19).
    while version is not None:
        names.append(item_name(version.pk))
        names.extend(jurisdiction_names(version.jurisdiction_path))
        if version.kind == "decision":
            if version.target_code:
                names.append(organisation_name(version.target_code))
        else:
            names.append(agency_name(version.agency_id))
        version = version.supersedes
    return list(dict.fromkeys(names))
