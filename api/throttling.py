import datetime

from django.conf import settings
from django.utils import timezone
from rest_framework.throttling import BaseThrottle

from accounts.ratelimit import Limit


class PerKeyRate(BaseThrottle):
    """Requests per API key per minute, counted in PostgreSQL: every worker and machine shares
    the count (Django REST framework's own throttles count in a per-process cache)."""

    def allow_request(self, request, view):
        if request.auth is None:
            return True  # refused by authentication anyway
        self.limit = Limit(
            "api-key", settings.API_REQUESTS_PER_KEY_PER_MINUTE, datetime.timedelta(minutes=1)
        )
        return self.limit.hit(str(request.auth.pk)) <= self.limit.limit

    def wait(self):
        return max(1, int((self.limit.retry_at() - timezone.now()).total_seconds()))
