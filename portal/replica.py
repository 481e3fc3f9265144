"""Reads from a streaming replica, where a page opts in by name, and never where they could be
stale for the person who just wrote.

Django's routers see models, not pages, so the opt-in is explicit: ``reads_from_replica`` (a
view decorator, or a ``with`` block). Everything else reads the primary, and so does, always:
a request that has written (from its first write on), anything inside a transaction on the
primary (every service function: they lock rows), and, for ``REPLICA_STICKY_SECONDS`` after a
person's last write, every request of theirs (a cookie says when), so that a customer who just
registered a kit sees it. A replica that lags more than ``REPLICA_MAX_LAG_SECONDS`` or does not
answer is not used (checked at most every few seconds per process): reads fall back to the
primary, never to an error. With no ``DATABASE_REPLICA_URL`` nothing changes.
"""

import functools
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.utils.connection import ConnectionDoesNotExist

REPLICA = "replica"
STICKY_COOKIE = "wrote_at"
_opted_in = ContextVar("replica_reads_opted_in", default=False)
_has_written = ContextVar("replica_request_has_written", default=False)
_health = {"checked_at": 0.0, "usable": False}


def configured():
    try:
        connections[REPLICA]  # from DATABASE_REPLICA_URL (or a test's own connection)
    except ConnectionDoesNotExist:
        return False
    return True


@contextmanager
def request_scope():
    """One request's reads and writes (the middleware opens one per request)."""
    token = _has_written.set(False)
    try:
        yield
    finally:
        _has_written.reset(token)


@contextmanager
def reads_from_replica():
    token = _opted_in.set(True)
    try:
        yield
    finally:
        _opted_in.reset(token)


def replica_reads(view):
    """A view whose reads may come from the replica (lists, search, exports, history). If the
    replica breaks under it (stopped since its last check), the view runs again on the
    primary: it only reads (a request that has written reads the primary anyway)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if _recently_wrote(request):
            return view(request, *args, **kwargs)
        try:
            with reads_from_replica():
                response = view(request, *args, **kwargs)
                # A TemplateResponse reads its rows while rendering: render it here, opted in.
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
                return response
        except DatabaseError:  # a dead server's: psycopg2's DatabaseError, OperationalError, …
            if not gave_up_on_broken_replica():
                raise
        return view(request, *args, **kwargs)

    return wrapper


def gave_up_on_broken_replica():
    """After a database error: if the replica does not answer, leave it alone until its next
    check and say so (True); False when it answers (the error was the primary's)."""
    if not configured():
        return False
    replica = connections[REPLICA]
    try:
        if replica.connection is None:
            replica.ensure_connection()
        usable = replica.is_usable()
    except DatabaseError:
        usable = False
    if usable:
        return False
    replica.close()
    _health.update(checked_at=time.monotonic(), usable=False)
    return True


def current_read_alias():
    """Where this request's reads go now: for rows read after the view has returned, such as a
    streamed download's, which must name their database (``queryset.using(...)``)."""
    return ReplicaRouter().db_for_read(None) or DEFAULT_DB_ALIAS


def _recently_wrote(request):
    try:
        wrote_at = float(request.get_signed_cookie(STICKY_COOKIE, default="0", salt=STICKY_COOKIE))
    except (ValueError, TypeError):
        return False
    return time.time() - wrote_at < settings.REPLICA_STICKY_SECONDS


def replica_lag_seconds():
    """How far the replica's data is behind the primary's, in seconds: 0 when it has replayed
    all the primary had written a moment before, else the age of the last transaction it
    replayed (unknown: as good as infinite); None when either does not answer, or the
    "replica" is no replica (promoted).

    Measured against the primary, not against what the replica received: a standby cut off
    from its primary has replayed everything it received, and would look current for ever."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_flush_lsn()")
            (written,) = cursor.fetchone()
    except DatabaseError:
        return None
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %s::pg_lsn,"
                " COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 1e9)",
                [written],
            )
            in_recovery, caught_up, age = cursor.fetchone()
    except DatabaseError:
        connections[REPLICA].close()
        return None
    if not in_recovery:
        return None
    return 0.0 if caught_up else float(age)


def _usable():
    now = time.monotonic()
    if now - _health["checked_at"] >= settings.REPLICA_CHECK_SECONDS:
        lag = replica_lag_seconds()
        _health.update(
            checked_at=now, usable=lag is not None and lag <= settings.REPLICA_MAX_LAG_SECONDS
        )
    return _health["usable"]


def forget_health():
    _health.update(checked_at=0.0, usable=False)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            _opted_in.get()
            and configured()
            and not _has_written.get()
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
            and _usable()
        ):
            return REPLICA
        return None  # Django's own choice: the primary, or the database an object came from

    def db_for_write(self, model, **hints):
        _has_written.set(True)  # from the first write on, this request reads its own writes
        instance = hints.get("instance")
        if instance is not None and instance._state.db == REPLICA:
            return DEFAULT_DB_ALIAS  # an object read from the replica is saved to the primary
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Never on the replica (it follows the primary); no opinion on any other database.
        return False if db == REPLICA else None


class StickyPrimaryMiddleware:
    """After a request that changed something (any POST, PUT, PATCH or DELETE), the person's
    reads stay on the primary for REPLICA_STICKY_SECONDS (a signed cookie with the time)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_scope():
            response = self.get_response(request)
        if configured() and request.method not in ("GET", "HEAD", "OPTIONS"):
            response.set_signed_cookie(
                STICKY_COOKIE,
                str(time.time()),
                salt=STICKY_COOKIE,
                max_age=settings.REPLICA_STICKY_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
