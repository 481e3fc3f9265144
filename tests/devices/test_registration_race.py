"""Two requests racing for the same free unit: exactly one wins, the other gets a clear error."""

import threading

import pytest
from django.db import connection

from devices.models import Registration
from devices.services import RegistryError, register_unit
from tests.factories import UnitFactory, UserFactory


@pytest.mark.django_db(transaction=True)
def test_two_threads_registering_one_free_unit_leave_exactly_one_owner():
    unit = UnitFactory()
    contenders = [UserFactory(), UserFactory()]
    barrier = threading.Barrier(len(contenders))
    outcomes = []

    def claim(account):
        try:
            barrier.wait()
            register_unit(
                unit=unit, account=account, actor=account, source=Registration.Source.CUSTOMER
            )
            outcomes.append("registered")
        except RegistryError as error:
            outcomes.append(error.reason)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(account,)) for account in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["registered", "registered_elsewhere"]
    assert Registration.objects.filter(unit=unit, ended_at__isnull=True).count() == 1
