"""Errors a program can act on: RFC 9457 ``application/problem+json`` with a stable ``type``
per refusal (the same reasons the counter shows) and the human message in the language of
``Accept-Language``."""

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from devices.services import RegistryError

PROBLEM_TYPE = "urn:device-registry:problem:"
CONTENT_TYPE = "application/problem+json"

# Refusals that mean "not here" or "not now" rather than "not allowed by a rule".
STATUS_BY_REASON = {
    "not_found": status.HTTP_404_NOT_FOUND,
    "limited": status.HTTP_429_TOO_MANY_REQUESTS,
    "too_many_lookups": status.HTTP_429_TOO_MANY_REQUESTS,
    "idempotency_key_reused": status.HTTP_422_UNPROCESSABLE_ENTITY,
    "idempotency_key_in_use": status.HTTP_409_CONFLICT,
}


def problem(reason, title, *, status_code=None, detail=None, **extra):
    status_code = status_code or STATUS_BY_REASON.get(reason, 422)
    body = {"type": PROBLEM_TYPE + reason, "title": str(title), "status": status_code}
    if detail is not None:
        body["detail"] = str(detail)
    body.update(extra)
    return Response(body, status=status_code, content_type=CONTENT_TYPE)


class Refused(exceptions.APIException):
    """A rule said no (a RegistryError, or the API's own): becomes a problem response."""

    def __init__(self, reason, message, **extra):
        self.reason, self.message, self.extra = reason, message, extra
        super().__init__(str(message))


def _plain(detail):
    """DRF's error details (nested lists and dicts of ErrorDetail) as plain JSON."""
    if isinstance(detail, dict):
        return {str(key): _plain(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_plain(value) for value in detail]
    return str(detail)


def handle_exception(exc, context):
    """DRF's EXCEPTION_HANDLER: every error a problem document."""
    if isinstance(exc, RegistryError):
        exc = Refused(exc.reason, exc.message)
    if isinstance(exc, Refused):
        return problem(exc.reason, exc.message, detail=exc.message, **exc.extra)
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        codes = exc.get_codes() if isinstance(exc.get_codes(), dict) else {}
        # A single refused code keeps the counter's own reason (check_digit, kind, …).
        reasons = {
            code for field_codes in codes.values() for code in (field_codes or []) if code
        } - {"invalid", "required", "blank", "null", "max_length"}
        reason = reasons.pop() if len(reasons) == 1 else "invalid_request"
        return problem(
            reason,
            _("The request is not valid."),
            status_code=status.HTTP_400_BAD_REQUEST,
            errors=_plain(detail),
        )
    if isinstance(exc, RequestDataTooBig):
        return problem("too_large", _("The request body is too large."), status_code=413)
    if isinstance(exc, exceptions.ParseError):
        return problem("parse_error", _("The body is not valid JSON."), status_code=400)
    if isinstance(exc, exceptions.Throttled):
        response = problem(
            "throttled", _("Too many requests with this key: wait a moment."), status_code=429
        )
        response["Retry-After"] = str(int(exc.wait or 60))
        return response
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        response = problem(
            "unauthenticated",
            _("An active API key is needed (Authorization: Api-Key …)."),
            status_code=status.HTTP_401_UNAUTHORIZED,
        )
        response["WWW-Authenticate"] = "Api-Key"
        return response
    if isinstance(exc, (Http404, exceptions.NotFound)):
        return problem("not_found", _("Not found."), status_code=404)
    if isinstance(exc, exceptions.APIException):
        reason = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
        return problem(reason, exc.detail, status_code=exc.status_code)
    return None  # anything else is a bug: Django's 500 (logged)
