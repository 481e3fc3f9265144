"""A unit's own pages: details and history, proof, removal, lost/stolen, "this is not mine"."""

import pytest
from django.core import mail
from django.urls import reverse

from devices.models import AuditEvent, Case, Registration
from devices.services import register_unit
from tests.factories import KitFactory, RegistrationFactory, StoreFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned_unit(owner):
    unit = UnitFactory()
    register_unit(unit=unit, account=owner, actor=owner, source=Registration.Source.CUSTOMER)
    mail.outbox.clear()
    return unit


def url(name, unit):
    return reverse(f"devices:{name}", args=[unit.pk])


def test_the_unit_page_shows_history_and_warranty(owner_client, owned_unit):
    owned_unit.refresh_from_db()
    response = owner_client.get(url("unit_detail", owned_unit))
    assert owned_unit.formatted_code in response.text
    assert "Under warranty until" in response.text
    assert str(owned_unit.warranty_until.year) in response.text
    assert "registered by you" in response.text


def test_the_proof_of_registration_is_printable(owner_client, owner, owned_unit):
    response = owner_client.get(url("unit_proof", owned_unit))
    assert "Proof of registration" in response.text
    assert owner.email in response.text
    assert "no-print" in response.text


def test_removal_asks_first_then_frees_the_unit_and_emails_the_owner(
    owner_client, stranger_client, owner, stranger, owned_unit
):
    confirm = owner_client.get(url("remove_unit", owned_unit))
    assert "Remove this device?" in confirm.text
    assert Registration.objects.get(unit=owned_unit).is_open  # GET changes nothing

    response = owner_client.post(url("remove_unit", owned_unit), follow=True)
    assert "has been removed from your account" in response.text
    assert [m.subject for m in mail.outbox] == ["A device was removed from your account"]
    assert AuditEvent.objects.filter(unit=owned_unit, action="released").exists()

    added = stranger_client.post(
        reverse("devices:add_by_unit_codes"),
        {"holder_code": owned_unit.production_code},
        follow=True,
    )
    assert "Registered to your account" in added.text
    assert Registration.objects.get(unit=owned_unit, ended_at__isnull=True).account == stranger


def test_report_lost_then_clear(owner_client, stranger_client, owned_unit):
    owner_client.post(url("report_lost", owned_unit))
    owned_unit.refresh_from_db()
    assert owned_unit.lost_or_stolen
    assert "Device reported lost or stolen" in [m.subject for m in mail.outbox]
    response = stranger_client.post(
        reverse("devices:request_transfer"), {"code": owned_unit.production_code}, follow=True
    )
    assert (
        'cannot be registered. Please contact <a href="/help/contact/">customer support</a>'
        in response.text
    )

    owner_client.post(url("clear_lost_report", owned_unit))
    owned_unit.refresh_from_db()
    assert not owned_unit.lost_or_stolen
    assert AuditEvent.objects.filter(unit=owned_unit, action="flag_cleared").exists()


def test_this_is_not_mine_opens_a_case_for_store_registrations(owner_client, owner):
    unit = UnitFactory()
    RegistrationFactory(
        unit=unit, account=owner, source=Registration.Source.STORE_SALE, store=StoreFactory()
    )
    assert "This is not mine" in owner_client.get(url("unit_detail", unit)).text
    response = owner_client.post(url("not_mine", unit), follow=True)
    assert "Our support will look into" in response.text
    case = Case.objects.get()
    assert (case.kind, case.unit, case.account, case.status) == ("not_mine", unit, owner, "open")
    assert Registration.objects.get(unit=unit).is_open  # releases nothing by itself
    owner_client.post(url("not_mine", unit))
    assert Case.objects.count() == 1
    # The unit's page says the report is with support instead of offering it again.
    page = owner_client.get(url("unit_detail", unit))
    assert "you reported that this device is not yours" in page.text
    assert "This is not mine" not in page.text


@pytest.mark.parametrize(
    "name",
    ["unit_detail", "unit_proof", "remove_unit", "report_lost", "not_mine", "clear_lost_report"],
)
def test_other_peoples_units_answer_404(stranger_client, owned_unit, name):
    assert stranger_client.get(url(name, owned_unit)).status_code in (404, 405)
    assert stranger_client.post(url(name, owned_unit)).status_code == 404
    assert Registration.objects.get(unit=owned_unit).is_open


def test_clearing_a_report_is_post_only(owner_client, owned_unit):
    assert owner_client.get(url("clear_lost_report", owned_unit)).status_code == 405


def test_a_kit_has_one_proof_of_registration_naming_both_units_and_the_issuer(
    owner_client, owner, settings
):
    settings.REGISTRY_ISSUER = "Aurora Devices s.r.o."
    kit = KitFactory()
    for unit in kit.units.all():
        RegistrationFactory(unit=unit, account=owner)
    listing = owner_client.get(reverse("devices:my_devices"))
    proof_url = reverse("devices:kit_proof", args=[kit.pk])
    assert f'href="{proof_url}"' in listing.text
    page = owner_client.get(proof_url)
    assert "Issued by Aurora Devices s.r.o. from its device registry." in page.text
    for unit in kit.units.all():
        assert unit.formatted_code in page.text
    assert kit.formatted_code in page.text
    assert "data-print" in page.text


def test_nobody_else_gets_a_kits_proof(stranger_client, owner):
    kit = KitFactory()
    for unit in kit.units.all():
        RegistrationFactory(unit=unit, account=owner)
    assert stranger_client.get(reverse("devices:kit_proof", args=[kit.pk])).status_code == 404


def test_flash_messages_never_print(owner_client):
    page = owner_client.get(reverse("devices:my_devices"))
    assert '<div aria-live="polite" role="status" class="no-print">' in page.text
