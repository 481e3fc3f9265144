"""When the database cannot be reached: every page answers the branded 503 with
``Retry-After`` (from a view, a middleware or the session), and the log says so once per
kind of failure every few seconds instead of a traceback per request.

Django turns an exception raised outside the view (a middleware reading the session, say)
into the 500 handler's answer before any outer middleware sees it, so the decision is made
in two places: ``DatabaseUnavailableMiddleware`` for views, ``server_error`` (handler500)
for everything else. Connections are health-checked (CONN_HEALTH_CHECKS), so the site comes
back by itself when the database does.
"""

import logging
import sys
import threading
import time

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string

from portal.context_processors import support_contact

RETRY_AFTER_SECONDS = 30
LOG_EVERY_SECONDS = 10

outage_log = logging.getLogger("portal.outage")
_last_logged = {}
_lock = threading.Lock()


def is_database_outage(exception):
    if is_conflict(exception):
        return False  # the database answered: another change held the rows (a 409)
    return isinstance(exception, (OperationalError, InterfaceError)) or (
        isinstance(exception, DatabaseError) and "connection" in str(exception).lower()
    )


# deadlock_detected, serialization_failure, lock_not_available (lock_timeout)
CONFLICT_CODES = {"40P01", "40001", "55P03"}


def is_conflict(exception):
    return isinstance(exception, OperationalError) and (
        getattr(exception.__cause__, "pgcode", None) in CONFLICT_CODES
    )


def note_outage(exception):
    """One log line per kind of failure every LOG_EVERY_SECONDS, with how many it stands for."""
    kind = type(exception).__name__
    now = time.monotonic()
    with _lock:
        last, skipped = _last_logged.get(kind, (None, 0))
        if last is not None and now - last < LOG_EVERY_SECONDS:
            _last_logged[kind] = (last, skipped + 1)
            return
        _last_logged[kind] = (now, 0)
    outage_log.error("database unavailable", extra={"error": kind, "also_since_last_line": skipped})


def unavailable_response():
    # Rendered without the request: nothing here may need the database (or the session).
    response = HttpResponse(render_to_string("503.html", support_contact(None)), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request):
    """handler500: the database outage that struck outside a view is still a 503."""
    exception = sys.exc_info()[1]
    if exception is not None and is_database_outage(exception):
        note_outage(exception)
        return unavailable_response()
    # Rendered without the request (a broken middleware may be why we are here), but with how
    # to reach support, which needs nothing that could have failed.
    return HttpResponseServerError(render_to_string("500.html", support_contact(None)))


class QuietOutageFilter(logging.Filter):
    """Drops Django's own traceback for a request the outage answered (``note_outage`` has
    logged it, once every few seconds)."""

    def filter(self, record):
        exception = record.exc_info[1] if record.exc_info else None
        return not (exception is not None and is_database_outage(exception))
