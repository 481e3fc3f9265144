"""Safe retries: a POST with an ``Idempotency-Key`` header acts once; a retry (or a concurrent
duplicate) gets the first answer. The key is scoped to the store's API key and bound to a hash
of the body: the same key with another body is refused with 422."""

import datetime
import functools
import hashlib
import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.models import IdempotentAnswer
from api.problems import Refused

HEADER = "Idempotency-Key"


def _expired_before():
    return timezone.now() - datetime.timedelta(hours=settings.API_IDEMPOTENCY_HOURS)


def idempotent(handler):
    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        idempotency_key = request.headers.get(HEADER, "").strip()
        if not idempotency_key:
            return handler(view, request, *args, **kwargs)
        if len(idempotency_key) > 200 or not idempotency_key.isprintable():
            raise Refused(
                "invalid_idempotency_key", _("An Idempotency-Key has at most 200 characters.")
            )
        try:
            body_hash = hashlib.sha256(request._request.body).hexdigest()
        except RequestDataTooBig:
            raise Refused(
                "too_large", _("The request body is too large."), status_code=413
            ) from None
        api_key = request.auth
        with transaction.atomic():
            IdempotentAnswer.objects.filter(
                api_key=api_key, idempotency_key=idempotency_key, created_at__lt=_expired_before()
            ).delete()
            try:
                # A concurrent duplicate waits here, on the unique index, for the first to
                # commit, and then replays its answer.
                with transaction.atomic():
                    record = IdempotentAnswer.objects.create(
                        api_key=api_key, idempotency_key=idempotency_key, request_hash=body_hash
                    )
            except IntegrityError:
                record = IdempotentAnswer.objects.select_for_update().get(
                    api_key=api_key, idempotency_key=idempotency_key
                )
                if record.request_hash != body_hash:
                    raise Refused(
                        "idempotency_key_reused",
                        _("This Idempotency-Key was used with another request body."),
                    ) from None
                replay = Response(
                    record.body, status=record.status_code, content_type=record.content_type
                )
                replay["Idempotent-Replayed"] = "true"
                return replay
            try:
                response = handler(view, request, *args, **kwargs)
            except Exception as error:  # a refusal is an answer too, and is replayed
                response = view.handle_exception(error)
            if response.status_code == 429 or response.status_code >= 500:
                # "Not now" is no answer to keep: a retry later must act.
                record.delete()
                return response
            record.status_code = response.status_code
            record.body = json.loads(JSONRenderer().render(response.data))
            record.content_type = response.content_type or "application/json"
            record.save(update_fields=["status_code", "body", "content_type"])
            return response

    return wrapper


def prune():
    """Forget answers past the retry window (run_jobs)."""
    deleted, _by_model = IdempotentAnswer.objects.filter(created_at__lt=_expired_before()).delete()
    return deleted
