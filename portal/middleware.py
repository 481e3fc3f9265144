import logging
import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import DatabaseError, OperationalError, connection
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme

from portal import outage

request_log = logging.getLogger("portal.request")


class RequestLogMiddleware:
    """One structured line per request: the route's name (paths may carry tokens), the
    status, the time and the account id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        # Only a user the request already loaded: never a database query just for the log.
        user = getattr(request, "_cached_user", None)
        request_log.info(
            "request",
            extra={
                "method": request.method,
                "route": match.view_name if match else "-",
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "account": user.pk if user is not None and user.is_authenticated else "-",
            },
        )
        return response


class DatabaseUnavailableMiddleware:
    """The database is down while a view runs: the branded 503 (``portal.outage``; outside a
    view, the 500 handler answers the same)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if outage.is_database_outage(exception):
            outage.note_outage(exception)
            return outage.unavailable_response()
        if outage.is_conflict(exception):  # a page (not a form post) met a concurrent change
            return conflict_response(request)
        return None


class AccountLanguageMiddleware:
    """A signed-in person reads the portal in their account's preferred language, whatever
    the browser says (LocaleMiddleware has chosen for everyone else), and sees dates in
    their account's time zone."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            try:
                user = request.user if request.user.is_authenticated else None
            except DatabaseError:
                user = None  # the view will meet the outage and answer 503
            if user is not None:
                if user.language in self.languages:
                    translation.activate(user.language)
                    request.LANGUAGE_CODE = user.language
                timezone.activate(user.time_zone)
                try:
                    return self.get_response(request)
                finally:
                    timezone.deactivate()
        return self.get_response(request)


class NoStoreMiddleware:
    """Every page is personal (My devices, the counter, the support centre, a data export) or
    carries a CSRF token: no browser or proxy keeps a copy (the back button after signing out
    on a shared computer shows nothing). Static files are served before this runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


class ConflictRetryMiddleware:
    """A form post that met a concurrent change of the same rows (a deadlock, a
    serialisation failure, a lock not granted within ``lock_timeout``) is run once more: its
    transaction was rolled back, and the second try sees the other change committed. Should
    it fail again, the person reads "someone else changed this just now" (409) with a link
    to where it stands, never "database unreachable". Last in MIDDLEWARE: it calls the view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        for attempt in range(CONFLICT_ATTEMPTS):
            try:
                return view_func(request, *view_args, **view_kwargs)
            except OperationalError as error:
                if not outage.is_conflict(error) or not connection.get_autocommit():
                    raise
                conflict_log.warning(
                    "conflict",
                    extra={"code": error.__cause__.pgcode, "attempt": attempt + 1},
                )
        return conflict_response(request)


CONFLICT_ATTEMPTS = 2
conflict_log = logging.getLogger("portal.conflict")


def conflict_response(request):
    """409: the page says what happened and links back to where the person was."""
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = request.path
    return render(request, "409.html", {"back": back}, status=409)
