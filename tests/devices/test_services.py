"""Registering and releasing units through the services module."""

import datetime

import pytest
from django.utils import timezone

from devices.models import AuditEvent, Registration, Unit
from devices.services import RegistryError, register_unit, release_unit
from tests.factories import RegistrationFactory, UnitFactory

pytestmark = pytest.mark.django_db


def register(unit, account, **kwargs):
    return register_unit(
        unit=unit, account=account, actor=account, source=Registration.Source.CUSTOMER, **kwargs
    )


def test_registering_a_free_unit_makes_the_account_its_owner(free_unit, owner):
    registration = register(free_unit, owner, client_address="203.0.113.9")
    assert registration.is_open
    assert registration.account == owner
    event = AuditEvent.objects.get(unit=free_unit)
    assert (event.action, event.actor, event.to_account) == ("registered", owner, owner)
    assert event.client_address == "203.0.113.9"


def test_the_first_registration_starts_the_warranty(free_unit, owner, stranger, settings):
    settings.WARRANTY_MONTHS = 24
    register(free_unit, owner)
    free_unit.refresh_from_db()
    today = timezone.localdate()
    assert free_unit.warranty_start == today
    assert free_unit.warranty_until == datetime.date(
        today.year + 2, today.month, today.day
    ) - datetime.timedelta(days=1)

    release_unit(unit=free_unit, actor=owner, owner=owner, end_reason="removed")
    Unit.objects.filter(pk=free_unit.pk).update(warranty_start=datetime.date(2025, 1, 31))
    register(free_unit, stranger)
    free_unit.refresh_from_db()
    assert free_unit.warranty_start == datetime.date(2025, 1, 31)  # a new owner, same cover


def test_a_replacement_can_inherit_the_warranty_start(free_unit, owner):
    register(free_unit, owner, warranty_start=datetime.date(2025, 3, 1))
    free_unit.refresh_from_db()
    assert free_unit.warranty_start == datetime.date(2025, 3, 1)


def test_a_unit_already_registered_to_you_is_refused_as_already_yours(free_unit, owner):
    register(free_unit, owner)
    with pytest.raises(RegistryError) as error:
        register(free_unit, owner)
    assert error.value.reason == "already_yours"


def test_a_unit_registered_elsewhere_is_refused(free_unit, owner, stranger):
    register(free_unit, owner)
    with pytest.raises(RegistryError, match="registered to another account"):
        register(free_unit, stranger)
    assert Registration.objects.get(unit=free_unit, ended_at__isnull=True).account == owner


@pytest.mark.parametrize(
    "state",
    [
        {"status": Unit.Status.RETURNED_DEFECTIVE},
        {"status": Unit.Status.RETIRED},
        {"lost_or_stolen": True},
    ],
)
def test_returned_retired_or_flagged_units_cannot_be_registered(owner, state):
    unit = UnitFactory(**state)
    with pytest.raises(RegistryError, match="contact customer support") as error:
        register(unit, owner)
    assert error.value.reason == "not_registrable"
    assert not Registration.objects.filter(unit=unit).exists()
    assert not AuditEvent.objects.filter(unit=unit).exists()


def test_releasing_frees_the_unit_for_someone_else(free_unit, owner, stranger):
    register(free_unit, owner)
    released = release_unit(unit=free_unit, actor=owner, owner=owner, end_reason="removed")
    assert released.end_reason == "removed"
    assert released.ended_at is not None
    event = AuditEvent.objects.filter(unit=free_unit, action="released").get()
    assert event.from_account == owner
    assert register(free_unit, stranger).account == stranger


def test_only_the_owner_can_release(free_unit, owner, stranger):
    RegistrationFactory(unit=free_unit, account=owner)
    with pytest.raises(RegistryError, match="not registered to you"):
        release_unit(unit=free_unit, actor=stranger, owner=stranger, end_reason="removed")
    assert Registration.objects.get(unit=free_unit).is_open


def test_releasing_a_free_unit_is_refused(free_unit, owner):
    with pytest.raises(RegistryError, match="not registered to anyone"):
        release_unit(unit=free_unit, actor=owner, end_reason="released_by_support")
