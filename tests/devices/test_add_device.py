"""Adding devices by box code or unit codes: every code gets its own clear answer."""

import pytest
from django.core import mail
from django.urls import reverse

from devices import codes
from devices.models import AuditEvent, Registration, Unit
from tests.factories import RegistrationFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def add_box(client, code):
    return client.post(reverse("devices:add_by_box_code"), {"box_code": code}, follow=True)


def add_units(client, holder="", charger=""):
    return client.post(
        reverse("devices:add_by_unit_codes"),
        {"holder_code": holder, "charger_code": charger},
        follow=True,
    )


def owned_by(account):
    return set(
        Registration.objects.filter(account=account, ended_at__isnull=True).values_list(
            "unit__production_code", flat=True
        )
    )


def mistype(code):
    last = code[-1]
    return code[:-1] + str((int(last) + 1) % 10)


def test_a_box_code_registers_holder_and_charger(owner_client, owner, kit):
    typed = codes.format_box_code(kit.box_code).replace(" ", "-")
    response = add_box(owner_client, typed)
    assert "Registered to your account" in response.text
    assert owned_by(owner) == {u.production_code for u in kit.units.all()}
    assert AuditEvent.objects.filter(action="registered", to_account=owner).count() == 2
    assert [m.subject for m in mail.outbox] == ["Your devices are registered"]
    assert response.request["PATH_INFO"] == reverse("devices:my_devices")


def test_units_one_by_one_either_field_may_be_empty(owner_client, owner, kit):
    holder = kit.units.get(kind="holder")
    add_units(owner_client, holder=holder.production_code.lower())
    assert owned_by(owner) == {holder.production_code}


@pytest.mark.parametrize(
    ("box_code", "answer"),
    [
        ("12345", "A box code has 12 digits; this one has 5."),
        ("1234567890AX", "A box code contains digits only."),
    ],
)
def test_malformed_box_codes_are_explained(owner_client, box_code, answer):
    response = add_box(owner_client, box_code)
    assert response.status_code == 400
    assert answer in response.text
    assert Registration.objects.count() == 0


def test_a_mistyped_character_is_caught_before_any_lookup(owner_client, owner, kit):
    response = add_box(owner_client, mistype(kit.box_code))
    assert "One character looks mistyped" in response.text
    assert owned_by(owner) == set()


def test_a_charger_code_in_the_holder_field_is_named(owner_client, kit):
    charger = kit.units.get(kind="charger")
    response = add_units(owner_client, holder=charger.production_code)
    assert "This looks like a charger code; enter it in the charger field." in response.text
    holder = kit.units.get(kind="holder")
    response = add_units(owner_client, charger=holder.production_code)
    assert "This looks like a holder code; enter it in the holder field." in response.text
    assert Registration.objects.count() == 0


def test_both_fields_empty_is_explained(owner_client):
    response = add_units(owner_client)
    assert "Enter a holder code, a charger code or both." in response.text


def test_a_valid_code_that_is_not_in_the_catalogue(owner_client):
    response = add_box(owner_client, codes.make_box_code(77_777_777_777))
    assert "We cannot find this code" in response.text


def test_a_unit_already_yours(owner_client, owner, kit):
    add_box(owner_client, kit.box_code)
    response = add_box(owner_client, kit.box_code)
    assert response.text.count("This device is already registered to you.") == 2


def test_a_unit_registered_to_another_account_offers_a_transfer_request(
    owner_client, stranger, kit
):
    holder = kit.units.get(kind="holder")
    RegistrationFactory(unit=holder, account=stranger)
    response = add_box(owner_client, kit.box_code)
    assert "This device is registered to another account." in response.text
    assert "Ask the current owner to release it" in response.text
    assert stranger.email not in response.text  # the owner is never revealed
    # What can be registered is registered: the charger is now the customer's.
    assert "Registered to your account." in response.text


@pytest.mark.parametrize(
    "state", [{"status": Unit.Status.RETURNED_DEFECTIVE}, {"lost_or_stolen": True}]
)
def test_returned_or_flagged_units_say_contact_support_and_nothing_more(owner_client, state):
    unit = UnitFactory(**state)
    response = add_units(owner_client, holder=unit.production_code)
    assert (
        "This device cannot be registered. Please contact "
        f'<a href="{reverse("helpdesk:contact")}">customer support</a>.'
    ) in response.text
    assert "stolen" not in response.text.lower()
    assert "returned" not in response.text.lower()


def test_an_unverified_account_cannot_register(client, kit):
    user = UserFactory(email_verified_at=None)
    client.force_login(user)
    response = add_box(client, kit.box_code)
    assert "Please verify your e-mail address first" in response.text
    assert Registration.objects.count() == 0


def test_adding_needs_a_post_and_a_sign_in(client, owner_client, kit):
    assert owner_client.get(reverse("devices:add_by_box_code")).status_code == 405
    response = client.post(reverse("devices:add_by_box_code"), {"box_code": kit.box_code})
    assert response.status_code == 302
    assert reverse("accounts:sign_in") in response["Location"]


def test_the_add_form_shows_where_each_code_is_with_text_alternatives(owner_client):
    page = owner_client.get(reverse("devices:add_device"))
    for anchor in ("where-box", "where-holder", "where-charger"):
        assert f'href="#{anchor}"' in page.text and f'id="{anchor}"' in page.text
    assert 'alt="The holder with its cap taken off' in page.text
    assert "illustrations/box-label" in page.text


def test_the_home_page_shows_where_the_codes_are(client):
    page = client.get(reverse("home"))
    assert "Where are the codes?" in page.text
