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


def _registration_limits():
    """Registrations that succeed are limited too, per day: box codes are a serial and a check
    digit, so unsold kits could otherwise be claimed by counting; a customer registers a few."""
    day = datetime.timedelta(days=1)
    return (
        Limit("registered-account", settings.REGISTRATIONS_PER_ACCOUNT_PER_DAY, day),
        Limit("registered-address", settings.REGISTRATIONS_PER_ADDRESS_PER_DAY, day),
    )


def registrations_blocked(account, address):
    """None, or (when registering is allowed again, whether it is the client address's limit
    rather than the account's: people behind one shared address share it)."""
    per_account, per_address = _registration_limits()
    checks = [(per_account, str(account.pk))] + ([(per_address, address)] if address else [])
    limit = first_exceeded(checks)
    return (limit.retry_at(), limit is per_address) if limit is not None else None


def record_registrations(account, address, count):
    if count:
        per_account, per_address = _registration_limits()
        per_account.hit(str(account.pk), count)
        if address:
            per_address.hit(address, count)


def record_failures(account, address, count):
    if count:
        for limit, key in _keys(account, address):
            limit.hit(key, count)
