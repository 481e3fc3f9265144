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


def first_exceeded(checks):
    """The first ``Limit`` of ``checks`` ((limit, key) pairs) whose current window is full,
    or None; one query for all of them (they are checked on every code look-up)."""
    now = timezone.now()
    wanted = [(limit, f"{limit.scope}:{key}", limit._window_start(now)) for limit, key in checks]
    if not wanted:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT key, window_start, hits FROM {RateLimitCounter._meta.db_table} WHERE "
            + " OR ".join(["(key = %s AND window_start = %s)"] * len(wanted)),
            [value for _limit, key, start in wanted for value in (key, start)],
        )
        hits = {(key, start): count for key, start, count in cursor.fetchall()}
    for limit, key, start in wanted:
        if hits.get((key, start), 0) >= limit.limit:
            return limit
    return None


def prune(older_than=datetime.timedelta(days=1)):
    """Forget windows that ended long ago (run by ``run_jobs``)."""
    deleted, _ = RateLimitCounter.objects.filter(
        window_start__lt=timezone.now() - older_than
    ).delete()
    return deleted
