"""Fixed-window rate limits kept in PostgreSQL, so they hold across processes and machines.

A hit is one ``INSERT … ON CONFLICT DO UPDATE … RETURNING``: atomic under concurrency,
unlike a cache's read-then-write ``incr``.
"""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from accounts.models import RateLimitCounter


@dataclass(frozen=True)
class Limit:
    scope: str
    limit: int
    window: datetime.timedelta

    def _window_start(self, now):
        seconds = int(self.window.total_seconds())
        epoch = int(now.timestamp())
        return datetime.datetime.fromtimestamp(epoch - epoch % seconds, tz=datetime.UTC)

    def retry_at(self, now=None):
        """When the current window ends and the counter starts afresh."""
        return self._window_start(now or timezone.now()) + self.window

    def is_exceeded(self, key):
        now = timezone.now()
        hits = (
            RateLimitCounter.objects.filter(
                key=f"{self.scope}:{key}", window_start=self._window_start(now)
            )
            .values_list("hits", flat=True)
            .first()
        )
        return (hits or 0) >= self.limit

    def hit(self, key, amount=1):
        """Count ``amount`` hits; return the window's total."""
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {RateLimitCounter._meta.db_table} AS c (key, window_start, hits)"
                " VALUES (%s, %s, %s)"
                " ON CONFLICT (key, window_start) DO UPDATE SET hits = c.hits + EXCLUDED.hits"
                " RETURNING hits",
                [f"{self.scope}:{key}", self._window_start(now), amount],
            )
            return cursor.fetchone()[0]


def prune(older_than=datetime.timedelta(days=1)):
    """Forget windows that ended long ago (run by ``run_jobs``)."""
    deleted, _ = RateLimitCounter.objects.filter(
        window_start__lt=timezone.now() - older_than
    ).delete()
    return deleted
