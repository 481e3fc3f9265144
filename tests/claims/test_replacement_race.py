"""Two counters swapping to the same replacement unit at the same moment: one succeeds, the
other gets a clear message."""

import threading

import pytest
from django.db import connection

from claims.models import Claim
from claims.services import replace_unit
from devices import codes
from devices.models import Registration
from devices.services import RegistryError
from tests.factories import (
    RegistrationFactory,
    StoreFactory,
    StoreMembershipFactory,
    UnitFactory,
    UserFactory,
)


@pytest.mark.django_db(transaction=True)
def test_two_counters_racing_for_one_replacement():
    replacement = UnitFactory(kind=codes.CHARGER)
    swaps = []
    for _ in range(2):
        customer = UserFactory()
        faulty = UnitFactory(kind=codes.CHARGER)
        RegistrationFactory(unit=faulty, account=customer)
        staff = StoreMembershipFactory(store=StoreFactory()).user
        swaps.append((staff.store_memberships.get().store, staff, faulty, customer))
    barrier = threading.Barrier(2)
    outcomes = []

    def swap(store, staff, faulty, customer):
        try:
            barrier.wait()
            replace_unit(
                store=store,
                staff=staff,
                faulty_unit=faulty,
                replacement_unit=replacement,
                customer_email=customer.email,
                reason="does_not_heat",
            )
            outcomes.append("swapped")
        except RegistryError as error:
            outcomes.append(str(error.message))
        finally:
            connection.close()

    threads = [threading.Thread(target=swap, args=args) for args in swaps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == [
        "This replacement is already registered to an account: take another.",
        "swapped",
    ]
    assert Claim.objects.count() == 1
    assert Registration.objects.filter(unit=replacement, ended_at__isnull=True).count() == 1
    loser_faulty = next(f for _s, _st, f, _c in swaps if f != Claim.objects.get().faulty_unit)
    loser_faulty.refresh_from_db()
    assert loser_faulty.status == "in_service"  # the loser's faulty unit is untouched
