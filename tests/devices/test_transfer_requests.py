"""Second-hand purchase: ask the unnamed owner; approve, decline, stolen, or escalation."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from devices import codes
from devices.models import Case, Registration, TransferRequest
from tests.factories import RegistrationFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned_unit(owner):
    unit = UnitFactory()
    RegistrationFactory(unit=unit, account=owner)
    return unit


def ask(client, unit):
    return client.post(
        reverse("devices:request_transfer"), {"code": unit.production_code}, follow=True
    )


def owner_of(unit):
    return Registration.objects.get(unit=unit, ended_at__isnull=True).account


def test_asking_emails_the_owner_and_shows_the_masked_requester(
    owner_client, stranger_client, owner, owned_unit
):
    response = ask(stranger_client, owned_unit)
    assert "We have asked the current owner" in response.text
    assert owner.email not in response.text
    assert [(m.subject, m.to) for m in mail.outbox] == [
        ("Someone asks for one of your devices", [owner.email])
    ]
    assert "s***@example.com" in mail.outbox[0].body
    assert "stranger@example.com" not in mail.outbox[0].body
    page = owner_client.get(reverse("devices:my_devices"))
    assert "s***@example.com" in page.text
    assert "stranger@example.com" not in page.text


def test_approve_moves_the_unit_at_once_and_emails_both(
    owner_client, stranger_client, owner, stranger, owned_unit
):
    ask(stranger_client, owned_unit)
    transfer = TransferRequest.objects.get()
    mail.outbox.clear()
    confirm = owner_client.get(reverse("devices:approve_transfer", args=[transfer.pk]))
    assert "Release this device to the requester?" in confirm.text
    owner_client.post(reverse("devices:approve_transfer", args=[transfer.pk]))
    assert owner_of(owned_unit) == stranger
    transfer.refresh_from_db()
    assert transfer.status == "approved"
    assert sorted(m.to[0] for m in mail.outbox) == [owner.email, stranger.email]
    assert Registration.objects.get(unit=owned_unit, ended_at__isnull=True).source == (
        "transfer_request"
    )


def test_decline_keeps_the_unit_and_tells_the_requester(
    owner_client, stranger_client, owner, stranger, owned_unit
):
    ask(stranger_client, owned_unit)
    transfer = TransferRequest.objects.get()
    mail.outbox.clear()
    owner_client.post(reverse("devices:decline_transfer", args=[transfer.pk]))
    assert owner_of(owned_unit) == owner
    assert [(m.subject, m.to) for m in mail.outbox] == [
        ("Your transfer request was declined", [stranger.email])
    ]


def test_the_owner_may_report_the_unit_stolen_instead(owner_client, stranger_client, owned_unit):
    ask(stranger_client, owned_unit)
    transfer = TransferRequest.objects.get()
    owner_client.post(reverse("devices:report_requested_unit_stolen", args=[transfer.pk]))
    owned_unit.refresh_from_db()
    transfer.refresh_from_db()
    assert owned_unit.lost_or_stolen
    assert transfer.status == "declined"


def test_unanswered_requests_escalate_to_support_never_approve(
    stranger_client, owner, stranger, owned_unit
):
    ask(stranger_client, owned_unit)
    TransferRequest.objects.update(created_at=timezone.now() - datetime.timedelta(days=13))
    call_command("run_jobs", stdout=None)
    assert TransferRequest.objects.get().status == "pending"

    TransferRequest.objects.update(created_at=timezone.now() - datetime.timedelta(days=15))
    mail.outbox.clear()
    call_command("run_jobs")
    transfer = TransferRequest.objects.get()
    assert transfer.status == "escalated"
    case = Case.objects.get()
    assert (case.kind, case.transfer_request, case.account) == (
        "escalated_transfer",
        transfer,
        stranger,
    )
    assert owner_of(owned_unit) == owner
    assert "Your transfer request went to support" in [m.subject for m in mail.outbox]


def test_one_pending_request_per_unit_and_requester(stranger_client, owned_unit):
    ask(stranger_client, owned_unit)
    response = ask(stranger_client, owned_unit)
    assert "You have already asked for this device" in response.text
    assert TransferRequest.objects.count() == 1


def test_a_requester_cannot_flood_owners(stranger_client, owner):
    units = UnitFactory.create_batch(6)
    for unit in units:
        RegistrationFactory(unit=unit, account=owner)
    for unit in units[:5]:
        ask(stranger_client, unit)
    response = ask(stranger_client, units[5])
    assert "too many requests waiting" in response.text
    assert TransferRequest.objects.count() == 5


def test_nobody_but_the_owner_answers_a_request(stranger_client, owned_unit):
    third = UserFactory()
    ask(stranger_client, owned_unit)
    transfer = TransferRequest.objects.get()
    for name in ["approve_transfer", "decline_transfer", "report_requested_unit_stolen"]:
        assert (
            stranger_client.post(reverse(f"devices:{name}", args=[transfer.pk])).status_code == 404
        )
    stranger_client.force_login(third)
    assert (
        stranger_client.get(reverse("devices:approve_transfer", args=[transfer.pk])).status_code
        == 404
    )
    assert TransferRequest.objects.get().status == "pending"


def test_removing_the_unit_cancels_its_pending_requests(owner_client, stranger_client, owned_unit):
    ask(stranger_client, owned_unit)
    owner_client.post(reverse("devices:remove_unit", args=[owned_unit.pk]))
    assert TransferRequest.objects.get().status == "cancelled"


def test_the_transfer_request_form_counts_with_the_add_device_limits(
    stranger_client, settings, owner
):
    """Asking for codes one by one would tell which exist and which are registered."""
    settings.LOOKUP_FAILURES_PER_ACCOUNT = 2
    registered = UnitFactory()
    RegistrationFactory(unit=registered, account=owner)
    free = UnitFactory()
    url = reverse("devices:request_transfer")
    stranger_client.post(url, {"code": free.production_code})  # "free now"
    unknown = codes.make_unit_code(codes.HOLDER, 99_999_999_999)
    stranger_client.post(url, {"code": unknown})  # not in the catalogue
    response = stranger_client.post(url, {"code": registered.production_code}, follow=True)
    assert "Too many codes could not be registered" in response.text
    assert not TransferRequest.objects.exists()
    assert not mail.outbox


def test_an_account_blocked_on_add_device_is_blocked_here_too(stranger_client, settings, owner):
    settings.LOOKUP_FAILURES_PER_ACCOUNT = 1
    unknown_box = codes.make_box_code(99_999_999_999)
    stranger_client.post(reverse("devices:add_by_box_code"), {"box_code": unknown_box})
    registered = UnitFactory()
    RegistrationFactory(unit=registered, account=owner)
    response = stranger_client.post(
        reverse("devices:request_transfer"), {"code": registered.production_code}, follow=True
    )
    assert "Too many codes could not be registered" in response.text
    assert not TransferRequest.objects.exists()


def test_approving_a_request_for_a_unit_the_owner_reported_lost_says_why_not(
    owner_client, stranger_client, owned_unit
):
    stranger_client.post(reverse("devices:request_transfer"), {"code": owned_unit.production_code})
    transfer = TransferRequest.objects.get()
    owner_client.post(reverse("devices:report_lost", args=[owned_unit.pk]))
    response = owner_client.post(
        reverse("devices:approve_transfer", args=[transfer.pk]), follow=True
    )
    assert "You have reported this device lost or stolen" in response.text
    assert Registration.objects.get(unit=owned_unit, ended_at__isnull=True).account.email == (
        "owner@example.com"
    )


def test_a_button_pressed_on_a_unit_that_just_moved_says_so_in_the_owners_language(
    owner_client, owner, stranger_client, owned_unit
):
    stranger_client.post(reverse("devices:request_transfer"), {"code": owned_unit.production_code})
    owner_client.post(reverse("devices:approve_transfer", args=[TransferRequest.objects.get().pk]))
    response = owner_client.post(reverse("devices:remove_unit", args=[owned_unit.pk]), follow=True)
    assert owner.language == "en"
    assert "This device is no longer registered to your account: it changed just now." in (
        response.text
    )


def test_the_unit_page_says_how_a_registration_started_in_a_whole_sentence(
    owner_client, stranger_client, owned_unit
):
    stranger_client.post(reverse("devices:request_transfer"), {"code": owned_unit.production_code})
    owner_client.post(reverse("devices:approve_transfer", args=[TransferRequest.objects.get().pk]))
    page = stranger_client.get(reverse("devices:unit_detail", args=[owned_unit.pk]))
    assert "by an approved transfer request" in page.text
    assert ", transfer request</dd>" not in page.text
