"""Health for load balancers and monitoring: cheap, unauthenticated, and revealing nothing but
whether each part works.

``/health/live``: the process answers (no database). ``/health/ready``: the primary database
answers within a second, the e-mail outbox is not stuck (e-mails due longer than
``HEALTH_OUTBOX_STUCK_MINUTES`` mean ``run_jobs`` is not running or the mail server is down)
and, where ``HEALTH_BACKUP_MAX_AGE_HOURS`` is set, the newest base backup is recent enough.
"""

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from portal import backups, replica

# Named here because portal/ imports no app (accounts.OutgoingEmail's table).
OUTBOX_TABLE = "accounts_outgoingemail"
OUTBOX_GIVES_UP_AFTER = 12  # accounts.emails.MAX_ATTEMPTS


@require_GET
def live(request):
    return JsonResponse({"status": "live"})


def _checks():
    checks, checks_info = {}, {}
    try:
        with transaction.atomic(using="default"), connections["default"].cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 1000")
            cursor.execute(
                f"SELECT min(next_attempt_at) FROM {OUTBOX_TABLE}"
                " WHERE sent_at IS NULL AND attempts < %s",
                [OUTBOX_GIVES_UP_AFTER],
            )
            (oldest_due,) = cursor.fetchone()
    except DatabaseError:
        return {"database": "unreachable"}, {}
    checks["database"] = "ok"
    stuck_for = (timezone.now() - oldest_due).total_seconds() / 60 if oldest_due else 0
    checks["outbox"] = "stuck" if stuck_for > settings.HEALTH_OUTBOX_STUCK_MINUTES else "ok"
    if replica.configured():
        # Reported, not failed on: reads then use the primary, so the site still works.
        lag = replica.replica_lag_seconds()
        checks_info["replica"] = (
            "down" if lag is None else "lagging" if lag > settings.REPLICA_MAX_LAG_SECONDS else "ok"
        )
    if settings.HEALTH_BACKUP_MAX_AGE_HOURS:
        newest = backups.newest_backup_time()
        age = (timezone.now() - newest).total_seconds() / 3600 if newest else None
        fresh = age is not None and age <= settings.HEALTH_BACKUP_MAX_AGE_HOURS
        checks["backup"] = "ok" if fresh else "too old"
    return checks, checks_info


@require_GET
def ready(request):
    checks, info = _checks()
    ok = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ready" if ok else "not ready", "checks": {**checks, **info}},
        status=200 if ok else 503,
    )
