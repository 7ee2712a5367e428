"""Which requests read the replica (issue 19 §5; docs/adr "Reads on a streaming replica"), and read-your-writes for a browser that has just written.

A request reads the streaming replica (zhifa.core.db_router) when all of these hold:
- a replica is configured (DATABASE_REPLICA_URL);
- its method is safe (GET, HEAD, OPTIONS): a form post reads what it is about to change, on the primary;
- its view opted in, with @reads_from_replica, or its path starts with one of ZHIFA_REPLICA_READ_PATHS (the portal
  and the statistics pages);
- the browser has not written in the last ZHIFA_REPLICA_STICKY_SECONDS (the signed cookie set below after a
  successful unsafe request), so a change its user just made is on the page that follows;
- the replica answers. Otherwise the request reads the primary, and an unreachable replica is left alone for
  RETRY_SECONDS, logged once, so a replica outage costs no 500 and no connection attempt per request.
"""

import logging
import time

from django.conf import settings
from django.core.signals import request_finished
from django.db import DatabaseError, InterfaceError, OperationalError, connections

from .db_router import REPLICA, reads_on_replica, replica_configured, use_replica_reads

logger = logging.getLogger("zhifa.replica")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STICKY_COOKIE = "zhifa_primary"
_STICKY_SALT = "zhifa.core.replica.sticky"
# After the replica failed, this process reads the primary for this long before it tries the replica again.
RETRY_SECONDS = 10.0

_down_until = 0.0  # time.monotonic() before which this process does not try the replica


def reads_from_replica(view):
    """Let a read-only page read the replica (issue 19 §5): one line on a cockpit or statistics view, e.g. the
    supervision cockpit of issue 20. Only its GET/HEAD requests do; the read-your-writes rule still applies."""
    view.reads_from_replica = True
    return view


def _wants_replica(request, view_func) -> bool:
    if getattr(view_func, "reads_from_replica", False):
        return True
    return request.path_info.startswith(tuple(settings.ZHIFA_REPLICA_READ_PATHS))


def _just_wrote(request) -> bool:
    """True while the browser's last successful write is younger than ZHIFA_REPLICA_STICKY_SECONDS. The signature and
    its timestamp are checked here, so a cookie kept past its age, or made up, counts for nothing."""
    mark = request.get_signed_cookie(STICKY_COOKIE, default=None, salt=_STICKY_SALT,
                                     max_age=settings.ZHIFA_REPLICA_STICKY_SECONDS)
    return mark is not None


def _mark_down(reason: str, error: Exception) -> None:
    global _down_until
    _down_until = time.monotonic() + RETRY_SECONDS
    # One line per RETRY_SECONDS at most: the error's own text says which host and why.
    logger.warning("replica: %s (%s); reading the primary for %.0f s", reason, str(error).strip(), RETRY_SECONDS)
    try:
        connections[REPLICA].close()  # the next attempt opens a fresh connection
    except DatabaseError:
        pass  # closing a broken connection may fail in turn; it is dropped either way


def replica_marked_down() -> bool:
    """True while this process leaves the replica alone after it failed (RETRY_SECONDS)."""
    return time.monotonic() < _down_until


def _replica_reachable() -> bool:
    if time.monotonic() < _down_until:
        return False
    connection = connections[REPLICA]
    try:
        # A kept connection (CONN_MAX_AGE) is checked once per request (CONN_HEALTH_CHECKS), a new one is opened.
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except DatabaseError as error:
        _mark_down("unreachable", error)
        return False
    return True


class ReplicaReadsMiddleware:
    """Chooses, per request, where its reads go (see the module docstring), and marks a browser that wrote."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A thread serves one request after another: each starts on the primary.
        use_replica_reads(False)
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and response.status_code < 400 and replica_configured():
            # Read-your-writes: this browser's next pages read the primary until the replica has surely caught up.
            response.set_signed_cookie(STICKY_COOKIE, "1", salt=_STICKY_SALT,
                                       max_age=settings.ZHIFA_REPLICA_STICKY_SECONDS, httponly=True,
                                       samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (replica_configured() and request.method in SAFE_METHODS and _wants_replica(request, view_func)
                and not _just_wrote(request) and _replica_reachable()):
            use_replica_reads(True)
            request._zhifa_replica_view = (view_func, view_args, view_kwargs)
        return None

    def process_exception(self, request, exception):
        """The replica failed during the page (it went away, or cancelled a query in conflict with its recovery):
        render the page again from the primary. Only safe methods read the replica, so running the view again
        changes nothing; an error the primary repeats is answered as any error is."""
        if not (reads_on_replica() and isinstance(exception, OperationalError | InterfaceError)):
            return None
        replica = connections[REPLICA]
        try:
            usable = replica.connection is not None and replica.is_usable()
        except DatabaseError:
            usable = False
        if usable:  # e.g. a query cancelled by the replica's recovery: the replica itself stays in use
            logger.warning("replica: a query failed during %s; read from the primary", request.path, exc_info=True)
        else:
            _mark_down(f"failed during {request.path}", exception)
        use_replica_reads(False)
        view_func, view_args, view_kwargs = request._zhifa_replica_view
        response = view_func(request, *view_args, **view_kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        return response


def _reset(**kwargs):
    # Code that runs after the response on the same thread (a test's own queries after client.get()) reads the
    # primary again; the page cache, which runs before the response is closed, still sees this request's choice.
    use_replica_reads(False)


request_finished.connect(_reset, dispatch_uid="zhifa.core.replica.reset")
