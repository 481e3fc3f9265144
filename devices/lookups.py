"""Rate limits on failed code look-ups, so codes cannot be harvested.

Only answers that tell something about a device the customer does not own count (not in
the catalogue, registered elsewhere, cannot be registered, a wrong handover code); a mistyped
check digit never reaches the database and never counts.
"""

import datetime

from django.conf import settings

from accounts.ratelimit import Limit, first_exceeded


def _limits():
    window = datetime.timedelta(minutes=settings.LOOKUP_WINDOW_MINUTES)
    return (
        Limit("lookup-account", settings.LOOKUP_FAILURES_PER_ACCOUNT, window),
        Limit("lookup-address", settings.LOOKUP_FAILURES_PER_ADDRESS, window),
    )


def _keys(account, address):
    per_account, per_address = _limits()
    yield per_account, str(account.pk)
    if address:
        yield per_address, address


def blocked_until(account, address):
    """When look-ups are allowed again, or None when they are allowed now."""
    limit = first_exceeded(list(_keys(account, address)))
    return limit.retry_at() if limit is not None else None


def record_failures(account, address, count):
    if count:
        for limit, key in _keys(account, address):
            limit.hit(key, count)
