"""Fixed-window rate limits in PostgreSQL: hits add up per key and window; several limits
are checked in one query, the first full one wins."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import RateLimitCounter
from accounts.ratelimit import Limit, first_exceeded

pytestmark = pytest.mark.django_db

PER_ACCOUNT = Limit("test-account", 3, datetime.timedelta(minutes=15))
PER_ADDRESS = Limit("test-address", 5, datetime.timedelta(minutes=15))


def test_hits_add_up_and_the_limit_is_reached_at_its_count():
    assert PER_ACCOUNT.hit("7") == 1
    assert PER_ACCOUNT.hit("7", 2) == 3
    assert first_exceeded([(PER_ACCOUNT, "7"), (PER_ADDRESS, "198.51.100.1")]) is PER_ACCOUNT
    assert first_exceeded([(PER_ACCOUNT, "8"), (PER_ADDRESS, "198.51.100.1")]) is None
    assert first_exceeded([]) is None


def test_any_full_limit_blocks_and_the_first_one_is_named():
    PER_ADDRESS.hit("198.51.100.1", 5)
    assert first_exceeded([(PER_ACCOUNT, "7"), (PER_ADDRESS, "198.51.100.1")]) is PER_ADDRESS
    PER_ACCOUNT.hit("7", 3)
    assert first_exceeded([(PER_ACCOUNT, "7"), (PER_ADDRESS, "198.51.100.1")]) is PER_ACCOUNT


def test_hits_of_an_earlier_window_do_not_count():
    earlier = PER_ACCOUNT._window_start(timezone.now()) - PER_ACCOUNT.window
    RateLimitCounter.objects.create(key="test-account:7", window_start=earlier, hits=99)
    assert first_exceeded([(PER_ACCOUNT, "7")]) is None
    assert PER_ACCOUNT.hit("7") == 1
