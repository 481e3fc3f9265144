"""Registering a sale to the customer's e-mail, with invitations for new customers."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from claims.models import Invitation
from devices import codes
from devices.models import AuditEvent, Registration
from tests.conftest import CommitAwareClient
from tests.factories import AGREED, KitFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def sale_data(kit, email, **extra):
    return {
        "box_code": codes.format_box_code(kit.box_code),
        "holder_code": "",
        "charger_code": "",
        "customer_email": email,
        "customer_name": "",
        **extra,
    }


def sell(staff_client, counter_url, kit, email, **extra):
    return staff_client.post(counter_url("sale_confirm"), sale_data(kit, email, **extra))


def test_the_confirmation_step_reads_the_address_back_and_suggests_a_fix(
    staff_client, counter_url, kit
):
    response = staff_client.post(counter_url("sale"), sale_data(kit, "jana.novakova@gmial.com"))
    assert "Is the e-mail address right?" in response.text
    assert 'class="display-6 text-break email-readback">jana.novakova@gmial.com' in response.text
    assert "Did you mean <strong>jana.novakova@gmail.com</strong>?" in response.text
    assert not Registration.objects.exists()  # nothing happens before the confirmation


def test_no_suggestion_for_a_well_known_domain(staff_client, counter_url, kit):
    response = staff_client.post(counter_url("sale"), sale_data(kit, "jana@seznam.cz"))
    assert "Did you mean" not in response.text


def test_a_sale_to_a_known_email_registers_to_that_account(
    staff_client, counter_url, store, store_staff, owner, kit
):
    response = sell(staff_client, counter_url, kit, "OWNER@example.com")
    assert "Sale registered" in response.text
    registrations = Registration.objects.filter(account=owner, ended_at__isnull=True)
    assert registrations.count() == 2
    assert {(r.source, r.store, r.registered_by) for r in registrations} == {
        ("store_sale", store, store_staff)
    }
    today = timezone.localdate()
    assert {r.unit.warranty_start for r in registrations} == {today}  # warranty starts at sale
    assert not Invitation.objects.exists()
    assert [m.subject for m in mail.outbox] == ["Your devices are registered"]
    assert "This is not mine" in mail.outbox[0].body


def test_a_sale_to_an_unknown_email_invites_the_customer_with_the_units_waiting(
    staff_client, counter_url, store, kit
):
    response = sell(
        staff_client, counter_url, kit, "new.customer@example.com", customer_name="Nový Zákazník"
    )
    assert "an invitation to choose a password has been e-mailed" in response.text
    customer = User.objects.get(email="new.customer@example.com")
    assert not customer.has_usable_password()
    assert customer.full_name == "Nový Zákazník"
    assert Invitation.objects.get().store == store
    assert Registration.objects.filter(account=customer, ended_at__isnull=True).count() == 2
    # One e-mail, not two at once: the invitation names the units.
    assert [m.subject for m in mail.outbox] == ["Your devices are waiting in your account"]
    for unit in kit.units.all():
        assert unit.formatted_code in mail.outbox[0].body

    # The customer follows the invitation, chooses a password and sees the units.
    invitation_mail = next(m for m in mail.outbox if "waiting" in m.subject)
    link = re.search(r"http://[^/]+(/account/invitation/\S+)", invitation_mail.body).group(1)
    customer_client = CommitAwareClient()
    response = customer_client.post(
        link,
        {
            "new_password1": "my own long passphrase",
            "new_password2": "my own long passphrase",
            **AGREED,
        },
        follow=True,
    )
    assert "Welcome!" in response.text
    for unit in kit.units.all():
        assert unit.formatted_code in response.text
    customer.refresh_from_db()
    assert customer.email_verified_at is not None
    assert Invitation.objects.get().accepted_at is not None
    assert customer_client.get(link).status_code == 400  # the link is spent


def test_signing_up_later_with_the_invited_address_sends_the_set_password_link(
    staff_client, counter_url, client, kit
):
    sell(staff_client, counter_url, kit, "later@example.com")
    mail.outbox.clear()
    client.post(
        reverse("accounts:sign_up"),
        {
            **AGREED,
            "full_name": "Later",
            "email": "later@example.com",
            "password": "a long and unusual passphrase",
        },
    )
    assert [m.subject for m in mail.outbox] == ["Choose a password for your account"]
    assert User.objects.filter(email__iexact="later@example.com").count() == 1


def test_units_registered_to_someone_else_are_refused_and_nothing_is_kept(
    staff_client, counter_url, stranger, kit
):
    for unit in kit.units.all():
        RegistrationFactory(unit=unit, account=stranger)
    response = sell(staff_client, counter_url, kit, "buyer@example.com")
    assert "Nothing was registered" in response.text
    assert response.text.count("registered to another account") == 2
    assert not User.objects.filter(email="buyer@example.com").exists()
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_selling_someones_unit_to_address_after_address_is_limited_like_a_check(
    staff_client, counter_url, stranger, kit, settings
):
    """A sale of an owned unit answers whether the address owns it: counted and audited as an
    ownership check, so a clerk cannot find an owner by selling to guess after guess."""
    settings.COUNTER_OWNER_CHECKS_PER_UNIT_PER_DAY = 2
    holder = kit.units.get(kind="holder")
    RegistrationFactory(unit=holder, account=stranger)
    data = {"holder_code": holder.production_code, "box_code": ""}
    for guess in ("one@example.com", "two@example.com"):
        answer = sell(staff_client, counter_url, kit, guess, **data)
        assert "registered to another account" in answer.text
    refused = sell(staff_client, counter_url, kit, "three@example.com", **data)
    assert refused.status_code == 429
    assert "checked against several e-mail addresses today" in refused.text
    assert AuditEvent.objects.filter(action="ownership_checked", unit=holder).count() == 2


def test_a_busy_counter_sells_free_kits_all_day_without_counting_checks(
    staff_client, counter_url, owner, settings
):
    """Only a sale of a unit someone owns asks whose it is: selling free kits, however many,
    never meets the limit on ownership checks."""
    settings.COUNTER_CUSTOMER_LOOKUPS_PER_HOUR = 3
    kits = KitFactory.create_batch(5)
    for kit in kits:
        assert "Sale registered" in sell(staff_client, counter_url, kit, owner.email).text
    assert Registration.objects.filter(account=owner, ended_at__isnull=True).count() == 10
    assert not AuditEvent.objects.filter(action="ownership_checked").exists()


def test_every_code_answer_is_as_clear_as_for_customers(staff_client, counter_url):
    response = staff_client.post(
        counter_url("sale"),
        {
            "box_code": "",
            "holder_code": codes.make_unit_code(codes.CHARGER, 5),
            "charger_code": "C12",
            "customer_email": "x@example.com",
        },
    )
    assert "This looks like a charger code" in response.text
    assert "A production code has 13 characters; this one has 3." in response.text
    response = staff_client.post(
        counter_url("sale_confirm"),
        {"box_code": codes.make_box_code(99_999_999_999), "customer_email": "x@example.com"},
    )
    assert "We cannot find this code" in response.text


def test_an_email_is_required(staff_client, counter_url, kit):
    response = staff_client.post(counter_url("sale"), sale_data(kit, ""))
    assert response.status_code == 400
    assert "This field is required." in response.text


def test_the_confirmation_step_shows_the_codes_as_printed(staff_client, counter_url, kit):
    holder = kit.units.get(kind="holder")
    response = staff_client.post(
        counter_url("sale"),
        sale_data(kit, "jana@seznam.cz", box_code="", holder_code=holder.production_code.lower()),
    )
    assert f'Holder <span class="code">{holder.formatted_code}</span>' in response.text
    response = staff_client.post(counter_url("sale"), sale_data(kit, "jana@seznam.cz"))
    assert f'Box code <span class="code">{kit.formatted_code}</span>' in response.text


def test_the_history_shows_one_line_per_sale_with_its_units_and_the_days_totals(
    staff_client, counter_url, kit, store_staff
):
    sell(staff_client, counter_url, kit, "jana@seznam.cz")
    other = KitFactory()
    holder = other.units.get(kind="holder")
    staff_client.post(
        counter_url("sale_confirm"),
        sale_data(other, "petr@seznam.cz", box_code="", holder_code=holder.production_code),
    )
    page = staff_client.get(counter_url("history"))
    lines = re.findall(r"<li>(.*?)</li>", page.text.split('class="history-sales"')[1], re.S)
    lines = [" ".join(re.sub(r"<[^>]+>", "", line).split()) for line in lines[:2]]
    assert f"jana@seznam.cz: kit {kit.formatted_code}" in lines[0]  # one line, both units
    assert all(unit.formatted_code in lines[0] for unit in kit.units.all())
    assert f"petr@seznam.cz: holder {holder.formatted_code}" in lines[1]
    assert "2 sales (3 units) · 0 swaps" in page.text
