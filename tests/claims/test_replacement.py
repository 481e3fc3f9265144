"""Complaint replacement at the counter, piece by piece."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from claims.models import Claim
from devices import codes
from devices.models import AuditEvent, Registration, Unit
from tests.conftest import CommitAwareClient
from tests.factories import KitFactory, RegistrationFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(db):
    return UserFactory(email="customer@example.com")


@pytest.fixture
def customer_kit(customer):
    kit = KitFactory()
    for unit in kit.units.all():
        RegistrationFactory(unit=unit, account=customer)
    Unit.objects.filter(kit=kit).update(warranty_start=datetime.date.today())
    return kit


@pytest.fixture
def spare_charger(db):
    return UnitFactory(kind=codes.CHARGER)


def swap_data(faulty, replacement, email="customer@example.com", **extra):
    return {
        "faulty_code": faulty.production_code,
        "customer_email": email,
        "replacement_code": codes.format_unit_code(replacement.production_code),
        "reason": "does_not_charge",
        "note": "",
        **extra,
    }


def owner_of(unit):
    registration = Registration.objects.filter(unit=unit, ended_at__isnull=True).first()
    return registration and registration.account


def test_scanning_the_faulty_unit_shows_its_warranty_and_asks_for_the_replacement(
    staff_client, counter_url, customer_kit
):
    charger = customer_kit.units.get(kind="charger")
    response = staff_client.post(
        counter_url("replace_details"), {"faulty_code": charger.production_code.lower()}
    )
    assert "Under warranty until" in response.text
    assert "Replacement unit" in response.text


def test_the_summary_comes_before_anything_changes(
    staff_client, counter_url, customer_kit, spare_charger
):
    charger = customer_kit.units.get(kind="charger")
    response = staff_client.post(counter_url("replace_details"), swap_data(charger, spare_charger))
    assert "Confirm the swap" in response.text
    assert "does not charge" in response.text
    assert not Claim.objects.exists()


def test_the_swap_in_one_transaction(
    staff_client, counter_url, store, store_staff, customer, customer_kit, spare_charger
):
    charger = customer_kit.units.get(kind="charger")
    response = staff_client.post(
        counter_url("replace_confirm"), swap_data(charger, spare_charger), follow=True
    )
    assert "Complaint receipt" in response.text
    claim = Claim.objects.get()
    assert (
        claim.customer,
        claim.store,
        claim.staff,
        claim.faulty_unit,
        claim.replacement_unit,
        claim.kit,
    ) == (customer, store, store_staff, charger, spare_charger, customer_kit)
    charger.refresh_from_db()
    spare_charger.refresh_from_db()
    assert charger.status == "returned_defective"
    assert owner_of(charger) is None
    assert Registration.objects.get(unit=charger).end_reason == "replaced"
    assert owner_of(spare_charger) == customer
    assert spare_charger.warranty_start == charger.warranty_start  # inherited, not extended
    assert Registration.objects.get(unit=spare_charger).source == "replacement"
    assert set(
        AuditEvent.objects.filter(unit__in=[charger, spare_charger]).values_list(
            "action", flat=True
        )
    ) >= {"replaced", "registered"}
    assert [m.subject for m in mail.outbox] == [f"Complaint receipt #{claim.pk}"]
    assert spare_charger.formatted_code in mail.outbox[0].body


def test_my_devices_then_shows_the_replacement_in_the_kit_and_not_the_faulty_unit(
    staff_client, counter_url, customer, customer_kit, spare_charger
):
    charger = customer_kit.units.get(kind="charger")
    staff_client.post(counter_url("replace_confirm"), swap_data(charger, spare_charger))
    customer_client = CommitAwareClient()
    customer_client.force_login(customer)
    page = customer_client.get(reverse("devices:my_devices"))
    assert spare_charger.formatted_code in page.text
    assert charger.formatted_code not in page.text
    [kit_group] = page.context["kits"]
    assert [r.unit for r in kit_group] == [customer_kit.units.get(kind="holder"), spare_charger]


def test_starting_from_the_email_is_audited_and_lists_the_units(
    staff_client, counter_url, store_staff, customer, customer_kit
):
    response = staff_client.post(
        counter_url("replace_find_customer"), {"customer_email": "Customer@Example.com"}
    )
    for unit in customer_kit.units.all():
        assert unit.formatted_code in response.text
    event = AuditEvent.objects.get(action="customer_looked_up")
    assert (event.actor, event.to_account) == (store_staff, customer)


def test_email_lookups_are_rate_limited_per_staff_member(staff_client, counter_url, settings):
    settings.COUNTER_CUSTOMER_LOOKUPS_PER_HOUR = 2
    for n in range(2):
        staff_client.post(
            counter_url("replace_find_customer"), {"customer_email": f"c{n}@example.com"}
        )
    response = staff_client.post(
        counter_url("replace_find_customer"), {"customer_email": "c3@example.com"}
    )
    assert response.status_code == 429
    assert "Too many customer look-ups" in response.text


def test_a_never_registered_faulty_unit_is_registered_to_the_email_and_swapped(
    staff_client, counter_url, spare_charger
):
    loose = KitFactory().units.get(kind="charger")
    staff_client.post(
        counter_url("replace_confirm"), swap_data(loose, spare_charger, email="walk-in@example.com")
    )
    walk_in = Claim.objects.get().customer
    assert walk_in.email == "walk-in@example.com"
    assert not walk_in.has_usable_password()  # invited
    assert owner_of(spare_charger) == walk_in
    assert Registration.objects.get(unit=loose).end_reason == "replaced"
    assert "Your devices are waiting in your account" in [m.subject for m in mail.outbox]
    receipt = staff_client.get(counter_url("claim_receipt", Claim.objects.get().pk))
    assert "the customer chooses a password from the invitation" in receipt.text


@pytest.mark.parametrize(
    ("setup", "field_message"),
    [
        ("faulty_elsewhere", "registered to another account, not to this e-mail"),
        ("faulty_flagged", "reported lost or stolen and cannot be swapped"),
        ("replacement_unknown", "We cannot find this code"),
        ("replacement_registered", "already registered to an account: take another"),
        ("replacement_returned", "returned or retired: take another"),
        ("replacement_flagged", "This replacement is reported lost or stolen"),
        ("replacement_other_kind", "The replacement must be a charger, like the faulty unit."),
    ],
)
def test_refusals_say_why_and_change_nothing(
    staff_client, counter_url, customer_kit, spare_charger, stranger, setup, field_message
):
    charger = customer_kit.units.get(kind="charger")
    replacement = spare_charger
    email = "customer@example.com"
    if setup == "faulty_elsewhere":
        email = "someone.else@example.com"
    elif setup == "faulty_flagged":
        Unit.objects.filter(pk=charger.pk).update(lost_or_stolen=True)
    elif setup == "replacement_unknown":
        replacement = Unit(production_code=codes.make_unit_code(codes.CHARGER, 12_121_212_121))
    elif setup == "replacement_registered":
        RegistrationFactory(unit=spare_charger, account=stranger)
    elif setup == "replacement_returned":
        Unit.objects.filter(pk=spare_charger.pk).update(status="returned_defective")
    elif setup == "replacement_flagged":
        Unit.objects.filter(pk=spare_charger.pk).update(lost_or_stolen=True)
    elif setup == "replacement_other_kind":
        replacement = UnitFactory(kind=codes.HOLDER)
    before = list(Registration.objects.order_by("pk").values_list("pk", "ended_at"))
    response = staff_client.post(
        counter_url("replace_confirm"), swap_data(charger, replacement, email=email)
    )
    assert response.status_code == 400
    assert field_message in response.text
    assert not Claim.objects.exists()
    assert list(Registration.objects.order_by("pk").values_list("pk", "ended_at")) == before
    charger.refresh_from_db()
    assert charger.status == "in_service"


def test_out_of_warranty_needs_a_note_then_may_proceed(
    staff_client, counter_url, customer_kit, spare_charger
):
    charger = customer_kit.units.get(kind="charger")
    Unit.objects.filter(pk=charger.pk).update(warranty_start=datetime.date(2020, 1, 1))
    details = staff_client.post(
        counter_url("replace_details"), {"faulty_code": charger.production_code}
    )
    assert "Out of warranty since" in details.text
    refused = staff_client.post(counter_url("replace_confirm"), swap_data(charger, spare_charger))
    assert "Tick this box and write a note" in refused.text
    assert not Claim.objects.exists()
    staff_client.post(
        counter_url("replace_confirm"),
        swap_data(
            charger, spare_charger, accept_out_of_warranty="on", note="goodwill, loyal customer"
        ),
    )
    claim = Claim.objects.get()
    assert claim.out_of_warranty and claim.note == "goodwill, loyal customer"


def test_a_failure_in_the_middle_leaves_nothing_changed(
    staff_client, counter_url, customer, customer_kit, spare_charger, monkeypatch
):
    import claims.services

    def broken_mail(*args, **kwargs):
        raise RuntimeError("simulated crash after the units were changed")

    monkeypatch.setattr(claims.services, "send_email", broken_mail)
    charger = customer_kit.units.get(kind="charger")
    with pytest.raises(RuntimeError):
        staff_client.post(counter_url("replace_confirm"), swap_data(charger, spare_charger))
    charger.refresh_from_db()
    assert charger.status == "in_service"
    assert owner_of(charger) == customer
    assert owner_of(spare_charger) is None
    assert not Claim.objects.exists()
    assert not AuditEvent.objects.filter(action="replaced").exists()


def test_the_receipt_prints_and_belongs_to_the_store(
    staff_client, counter_url, customer_kit, spare_charger
):
    charger = customer_kit.units.get(kind="charger")
    staff_client.post(counter_url("replace_confirm"), swap_data(charger, spare_charger))
    claim = Claim.objects.get()
    receipt = staff_client.get(counter_url("claim_receipt", claim.pk))
    assert "no-print" in receipt.text and "data-print" in receipt.text
    assert charger.formatted_code in receipt.text and spare_charger.formatted_code in receipt.text
    served_by = claim.staff.get_full_name() or claim.staff.email
    assert f'Served by</dt><dd class="col-7">{served_by}</dd>' in receipt.text
    assert claim.store.name in receipt.text
    history = staff_client.get(counter_url("history"))
    assert spare_charger.formatted_code in history.text
    csv_text = b"".join(staff_client.get(counter_url("history_csv")).streaming_content).decode()
    assert f"claim,{charger.production_code},{spare_charger.production_code}" in csv_text


def test_does_this_email_own_this_unit_is_limited_and_audited(
    staff_client, counter_url, customer_kit, spare_charger, settings, store_staff
):
    """The details step answers "registered to another account, not to this e-mail" or goes
    on: asked for many e-mails, it would tell who owns a unit."""
    settings.COUNTER_CUSTOMER_LOOKUPS_PER_HOUR = 3
    charger = customer_kit.units.get(kind="charger")
    guesses = [f"guess{n}@example.com" for n in range(3)]
    for email in guesses:
        response = staff_client.post(
            counter_url("replace_details"), swap_data(charger, spare_charger, email=email)
        )
        assert "registered to another account" in response.text
    # Asking the same pair again reveals nothing new and is not counted again.
    staff_client.post(
        counter_url("replace_details"), swap_data(charger, spare_charger, email=guesses[0])
    )
    response = staff_client.post(
        counter_url("replace_details"),
        swap_data(charger, spare_charger, email="customer@example.com"),
    )
    assert response.status_code == 429
    assert "Too many checks of who owns a unit" in response.text
    # The answer is withheld: back to the start, no details step for this e-mail.
    assert "Scan the faulty unit" in response.text
    assert "registered to another account" not in response.text
    checks = AuditEvent.objects.filter(action="ownership_checked", actor=store_staff)
    assert checks.count() == 4
    assert {event.unit for event in checks} == {charger}
    assert not Claim.objects.exists()


def test_one_unit_is_checked_against_a_few_addresses_a_day_then_never_answered(
    staff_client, counter_url, customer_kit, spare_charger, settings
):
    """Guessing a unit's owner address by address: after three different addresses the
    counter answers nothing more about that unit, not even for the right address."""
    settings.COUNTER_OWNER_CHECKS_PER_UNIT_PER_DAY = 3
    charger = customer_kit.units.get(kind="charger")
    for n in range(3):
        response = staff_client.post(
            counter_url("replace_details"),
            swap_data(charger, spare_charger, email=f"guess{n}@example.com"),
        )
        assert "registered to another account" in response.text
    response = staff_client.post(
        counter_url("replace_details"),
        swap_data(charger, spare_charger, email="customer@example.com"),
    )
    assert response.status_code == 429
    assert "This unit has been checked against several e-mail addresses today." in response.text
    assert not Claim.objects.exists()


def test_the_swap_reason_starts_blank_and_is_required(
    staff_client, counter_url, customer_kit, spare_charger
):
    charger = customer_kit.units.get(kind="charger")
    page = staff_client.post(
        counter_url("replace_details"),
        {"faulty_code": charger.production_code, "customer_email": "customer@example.com"},
    )
    assert '<option value="" selected>---------</option>' in page.text
    assert 'data-enter-moves-to="id_reason"' in page.text
    response = staff_client.post(
        counter_url("replace_confirm"), swap_data(charger, spare_charger, reason="")
    )
    assert response.status_code == 400
    assert "Choose the reason for the swap." in response.text
    assert not Claim.objects.exists()


def test_the_out_of_warranty_box_appears_only_out_of_warranty(
    staff_client, counter_url, customer_kit
):
    charger = customer_kit.units.get(kind="charger")
    data = {"faulty_code": charger.production_code, "customer_email": "customer@example.com"}
    page = staff_client.post(counter_url("replace_details"), data)
    assert "accept_out_of_warranty" not in page.text
    Unit.objects.filter(pk=charger.pk).update(warranty_start=datetime.date(2020, 1, 1))
    page = staff_client.post(counter_url("replace_details"), data)
    assert "accept_out_of_warranty" in page.text
