"""The counter reads a look-alike address as the address it imitates, or refuses it."""

import io

import pytest

from accounts.models import User
from devices import codes
from devices.models import Registration
from tests.accounts.test_lookalike_addresses import CYRILLIC_A, FULL_WIDTH, MIXED_SCRIPTS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_counter_sale_to_a_lookalike_lands_in_the_real_account(staff_client, counter_url, kit):
    real = UserFactory(email="jana@example.com")
    data = {"box_code": codes.format_box_code(kit.box_code), "customer_email": FULL_WIDTH}
    readback = staff_client.post(counter_url("sale"), data)
    assert 'email-readback">jana@example.com' in readback.text
    staff_client.post(counter_url("sale_confirm"), data)
    assert User.objects.count() == 2  # the clerk and the real customer: no look-alike twin
    assert Registration.objects.filter(account=real, ended_at__isnull=True).count() == 2


def test_the_counter_refuses_a_mixed_alphabet_address(staff_client, counter_url, kit):
    data = {"box_code": codes.format_box_code(kit.box_code), "customer_email": CYRILLIC_A}
    response = staff_client.post(counter_url("sale_confirm"), data)
    assert MIXED_SCRIPTS in response.text
    assert not Registration.objects.exists()


def test_staff_invitations_normalise_lookalikes_and_refuse_mixed_alphabets(store):
    from django.core.management import CommandError, call_command

    call_command("add_store_staff", "clerk@\uff45xample.com", store.name, stdout=io.StringIO())
    assert User.objects.filter(email="clerk@example.com").exists()
    with pytest.raises(CommandError, match="mixes letters of different alphabets"):
        call_command("add_store_staff", "clerk@ex\u0430mple.com", store.name)
