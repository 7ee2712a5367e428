"""Reads on a streaming replica (issue 19 §5; docs/adr "Reads on a streaming replica").

The portal's and the cockpit's pages read a PostgreSQL streaming replica when DATABASE_REPLICA_URL names one
(DATABASES["replica"]); everything else, every write, every transaction and every browser that has just written
stays on the primary. The choice is made once per request by zhifa.core.replica.ReplicaReadsMiddleware and kept in
a context variable, so each thread of a gunicorn worker routes its own request.
"""

import contextvars
import datetime as dt
import logging

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router

REPLICA = "replica"
# How far the app servers' clocks may be from the primary's (NTP keeps them within milliseconds; a margin).
CLOCK_SKEW = dt.timedelta(seconds=2)

logger = logging.getLogger("zhifa.replica")

# The alias this request's reads go to: REPLICA for a page that may read the replica, None (the primary) otherwise.
# A context variable, not a thread-local: it is per thread under gunicorn's threads and per task under ASGI.
_read_alias: contextvars.ContextVar[str | None] = contextvars.ContextVar("zhifa_read_alias", default=None)


def replica_configured() -> bool:
    """True when the deployment names a replica (DATABASE_REPLICA_URL)."""
    return REPLICA in connections.settings


def use_replica_reads(on: bool) -> None:
    """Send this request's (this context's) reads to the replica, or back to the primary. Called by the middleware;
    a no-op towards the replica when none is configured."""
    _read_alias.set(REPLICA if on and replica_configured() else None)


def reads_on_replica() -> bool:
    """True while this context's reads may go to the replica."""
    return _read_alias.get() == REPLICA


class ReplicaRouter:
    """Writes always on the primary; reads on the replica only where the request chose it and no transaction is open
    on the primary. Django sends select_for_update() and get_or_create()'s reads through db_for_write, so a locking
    read never reaches the replica."""

    def db_for_read(self, model, **hints):
        # A read inside transaction.atomic() belongs to that transaction's snapshot on the primary: reading the
        # replica there would see neither the transaction's own writes nor what it has locked.
        if reads_on_replica() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a physical copy of the primary: an object read from either relates to one from the other.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica replays the primary's WAL, schema included; it is read-only and is never migrated.
        return db == DEFAULT_DB_ALIAS


def read_connection(model):
    """The connection for a raw-SQL read of `model`'s table: the one the router gives the ORM's reads. A raw query
    through django.db.connection always runs on the primary, whatever this request chose."""
    return connections[router.db_for_read(model)]


def replica_replayed_since(moment) -> bool:
    """True when the replica the portal reads has replayed every transaction committed up to `moment` (an aware
    datetime), so a page rendered from it now is not older than a change made at `moment`. True without a replica.
    The replica is asked whenever one is configured, whatever this request chose: the portal's page cache asks before
    the view runs, for some pages before ReplicaReadsMiddleware has chosen (review of issue 19), and asking when the
    page was read from the primary only keeps fewer pages. False when the replica is down or cannot be asked: the
    caller then does not keep a page that may be stale."""
    if not replica_configured():
        return True
    from .replica import replica_marked_down  # replica.py imports this module

    if replica_marked_down():
        return False
    replica = connections[REPLICA]
    if replica.vendor != "postgresql":
        return True  # only PostgreSQL streams to a replica; anything else named here is the same data
    try:
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery(), pg_last_xact_replay_timestamp(), pg_last_wal_replay_lsn()")
            in_recovery, replayed_at, replay_lsn = cursor.fetchone()
        if not in_recovery:
            return True  # not a standby (a promoted replica, or the test mirror): it holds the primary's data
        # The commit time of the last transaction replayed: WAL is replayed in commit order, so a replayed commit
        # at or after `moment` means every commit before it is there too.
        # `moment` is the app server's clock, the replay time the primary's: CLOCK_SKEW of disagreement is allowed
        # for (review of issue 19); within it the position check below decides.
        if replayed_at is not None and replayed_at >= moment + CLOCK_SKEW:
            return True
        if replay_lsn is None:
            return False  # a standby that has replayed nothing yet
        # An idle primary commits nothing after `moment`, so the replay time stays older than it: then the replica
        # is current when it has replayed everything the primary has written.
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn() <= %s::pg_lsn", [str(replay_lsn)])
            return bool(cursor.fetchone()[0])
    except DatabaseError:
        logger.warning("replica: could not read its replay position; the page is not kept", exc_info=True)
        return False
