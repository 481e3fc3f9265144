"""My devices: every unit the customer owns, holder and charger of a kit together."""

import datetime

import pytest
from django.urls import reverse
from django.utils.formats import date_format

from devices.models import Registration
from tests.factories import KitFactory, RegistrationFactory, StoreFactory, UnitFactory

pytestmark = pytest.mark.django_db


def register_kit(kit, account, **kwargs):
    for unit in kit.units.all():
        RegistrationFactory(unit=unit, account=account, **kwargs)


def test_the_account_menu_leads_to_my_devices(owner_client):
    response = owner_client.get(reverse("home"))
    assert 'id="account-menu"' in response.text
    assert reverse("devices:my_devices") in response.text


def test_it_lists_the_kits_units_together_with_how_they_were_registered(owner_client, owner):
    kit = KitFactory()
    register_kit(kit, owner)
    store_kit = KitFactory()
    register_kit(
        store_kit,
        owner,
        source=Registration.Source.STORE_SALE,
        store=StoreFactory(name="Trafika U Mostu"),
    )
    loose = UnitFactory()
    RegistrationFactory(unit=loose, account=owner, source=Registration.Source.REPLACEMENT)
    response = owner_client.get(reverse("devices:my_devices"))
    kits = response.context["kits"]
    assert [[r.unit.kind for r in group] for group in kits] == [
        ["holder", "charger"],
        ["holder", "charger"],
        ["holder"],
    ]
    for unit in [*kit.units.all(), *store_kit.units.all(), loose]:
        assert unit.formatted_code in response.text
    assert "by you" in response.text
    assert "by the store Trafika U Mostu" in response.text
    assert "replacement" in response.text
    assert kit.units.first().product_model.name in response.text


def test_other_peoples_units_are_not_listed(owner_client, stranger):
    unit = UnitFactory()
    RegistrationFactory(unit=unit, account=stranger)
    assert unit.formatted_code not in owner_client.get(reverse("devices:my_devices")).text


def test_the_number_of_queries_does_not_grow_with_the_units(
    owner_client, owner, django_assert_max_num_queries
):
    register_kit(KitFactory(), owner)
    with django_assert_max_num_queries(12) as few:
        owner_client.get(reverse("devices:my_devices"))
    for _ in range(15):
        register_kit(KitFactory(), owner)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = owner_client.get(reverse("devices:my_devices"))
    assert len(response.context["kits"]) == 16


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("devices:my_devices"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))


def test_requests_and_handover_codes_show_and_cost_a_constant_number_of_queries(
    owner_client, owner, stranger, django_assert_max_num_queries
):
    from devices import services

    register_kit(KitFactory(), owner)
    with django_assert_max_num_queries(12) as nothing_pending:
        owner_client.get(reverse("devices:my_devices"))
    kits = [KitFactory() for _ in range(3)]
    for kit in kits:
        register_kit(kit, owner)
        holder = kit.units.get(kind="holder")
        services.request_transfer(unit=holder, requester=stranger)
        services.create_handover_code(owner=owner, units=[kit.units.get(kind="charger")])
    other = UnitFactory()
    RegistrationFactory(unit=other, account=stranger)
    services.request_transfer(unit=other, requester=owner)
    # Requests (with their units and requesters) and handover codes (with their units) add
    # their look-ups once, however many there are.
    with django_assert_max_num_queries(len(nothing_pending.captured_queries) + 5):
        response = owner_client.get(reverse("devices:my_devices"))
    assert "Requests for your devices" in response.text
    assert "Handover codes waiting to be used" in response.text
    assert "Your requests" in response.text and other.formatted_code in response.text
    assert len(response.context["incoming_requests"]) == 3
    assert len(response.context["handovers"]) == 3


def test_an_empty_list_invites_the_first_device(owner_client):
    page = owner_client.get(reverse("devices:my_devices"))
    assert "Add your first device" in page.text
    assert "Add another device" not in page.text


def test_each_unit_says_its_warranty_state(owner_client, owner):
    from devices.models import Unit

    current, ended = UnitFactory(), UnitFactory()
    for unit in (current, ended):
        RegistrationFactory(unit=unit, account=owner)
    Unit.objects.filter(pk=current.pk).update(warranty_start=datetime.date.today())
    Unit.objects.filter(pk=ended.pk).update(warranty_start=datetime.date(2020, 3, 1))
    page = owner_client.get(reverse("devices:my_devices"))
    current.refresh_from_db()
    until = current.warranty_until
    # Django's month names: "Nov." but "March", "Sept." (not strftime's "%b").
    assert f"Under warranty until {date_format(until, 'DATE_FORMAT')}" in page.text
    assert "Warranty ended on Feb. 28, 2022" in page.text
    assert "Add another device" in page.text


def test_the_unit_page_links_back_to_my_devices(owner_client, owner):
    unit = UnitFactory()
    RegistrationFactory(unit=unit, account=owner)
    page = owner_client.get(reverse("devices:unit_detail", args=[unit.pk]))
    assert f'href="{reverse("devices:my_devices")}">&larr; My devices' in page.text
