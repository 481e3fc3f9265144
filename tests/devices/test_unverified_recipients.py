"""The registry's own rule: an account with an unverified address receives units only from a
store (sale, replacement), where they wait for the mailbox's owner."""

import pytest

from devices import services
from devices.models import Registration
from support.forms import AssignForm, ReassignForm
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unverified(db):
    return UserFactory(email="unverified@example.com", email_verified_at=None)


@pytest.mark.parametrize("source", ["customer", "support", "transfer_request", "handover_code"])
def test_an_unverified_account_cannot_be_given_a_free_unit(unverified, free_unit, source):
    with pytest.raises(services.RegistryError) as error:
        services.register_unit(unit=free_unit, account=unverified, actor=unverified, source=source)
    assert error.value.reason == "unverified"
    assert not Registration.objects.exists()


@pytest.mark.parametrize("source", ["store_sale", "replacement"])
def test_store_units_wait_in_an_unverified_account(unverified, free_unit, source):
    services.register_unit(unit=free_unit, account=unverified, actor=unverified, source=source)
    assert Registration.objects.get().account == unverified


def test_an_unverified_account_cannot_be_transferred_a_unit(owner, unverified, free_unit):
    services.register_unit(unit=free_unit, account=owner, actor=owner, source="customer")
    with pytest.raises(services.RegistryError) as error:
        services.transfer_unit(
            unit=free_unit,
            from_account=owner,
            to_account=unverified,
            actor=owner,
            source="handover_code",
            end_reason="handed_over",
        )
    assert error.value.reason == "unverified"
    assert Registration.objects.get(ended_at__isnull=True).account == owner


@pytest.mark.parametrize("form_class", [AssignForm, ReassignForm])
def test_support_cannot_assign_to_an_unverified_account(unverified, form_class):
    form = form_class(
        {"to_account": unverified.email, "verification_method": "other", "note": "checked"}
    )
    assert not form.is_valid()
    assert form.errors["to_account"] == [
        "This account has not verified its e-mail address, so it cannot receive devices. "
        "Whoever owns the mailbox must follow the verification link first."
    ]
