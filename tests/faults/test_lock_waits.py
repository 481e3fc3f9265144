"""A change that has to wait for another one's row lock: a short wait is absorbed (the
request is tried once more), a stuck lock is answered 409 "someone else changed this just
now" within seconds, never "database unreachable" and never a worker held for good."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.urls import reverse

from devices.models import Registration, Unit
from tests.conftest import CommitAwareClient
from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def hold_unit_lock(unit, seconds, locked):
    """Another transaction (another worker, say) holding the unit's row lock."""

    def hold():
        try:
            with transaction.atomic():
                Unit.objects.select_for_update().get(pk=unit.pk)
                locked.set()
                time.sleep(seconds)
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    return thread


def remove(owner, unit):
    client = CommitAwareClient(raise_request_exception=False)
    client.force_login(owner)
    return client.post(
        reverse("devices:remove_unit", args=[unit.pk]),
        HTTP_REFERER=f"http://testserver/devices/units/{unit.pk}/",
    )


@pytest.fixture
def owned(owner):
    return RegistrationFactory(account=owner).unit


def test_a_stuck_lock_is_answered_409_within_seconds(settings, owner, owned):
    settings.DATABASE_LOCK_TIMEOUT_MS = 300
    locked = threading.Event()
    holder = hold_unit_lock(owned, 5, locked)
    locked.wait(5)
    started = time.monotonic()
    response = remove(owner, owned)
    elapsed = time.monotonic() - started
    holder.join()
    assert response.status_code == 409
    assert "Someone else changed this just now" in response.text
    assert "We cannot reach our database" not in response.text
    assert f'href="http://testserver/devices/units/{owned.pk}/"' in response.text
    assert elapsed < 2  # two tries of 300 ms, not the 5 s the lock was held
    assert Registration.objects.get(unit=owned).ended_at is None  # nothing changed


def test_a_short_wait_is_absorbed_by_the_second_try(settings, owner, owned):
    settings.DATABASE_LOCK_TIMEOUT_MS = 400
    locked = threading.Event()
    holder = hold_unit_lock(owned, 0.6, locked)
    locked.wait(5)
    response = remove(owner, owned)
    holder.join()
    assert response.status_code == 302  # removed, on to My devices
    assert Registration.objects.get(unit=owned).ended_at is not None
