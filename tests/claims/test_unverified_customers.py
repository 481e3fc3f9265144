"""Someone signs up with the victim's address and never verifies it: the password they chose
does not survive verification, they never see or move units a store sells to that address,
and a verification link signs nobody in."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from claims.models import Invitation
from devices import codes, services
from devices.models import HandoverCode, Registration
from tests.conftest import CommitAwareClient
from tests.factories import AGREED, UserFactory

pytestmark = pytest.mark.django_db

VICTIM = "victim@example.com"
ATTACKERS_PASSWORD = "the attacker's own passphrase"
VICTIMS_PASSWORD = "the mailbox owner's passphrase"


def link_in(message):
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def squat(address=VICTIM):
    """The attacker signs up with someone else's address and signs in (no verification)."""
    attacker = CommitAwareClient()
    attacker.post(
        reverse("accounts:sign_up"),
        {"full_name": "Mallory", "email": address, "password": ATTACKERS_PASSWORD, **AGREED},
    )
    response = attacker.post(
        reverse("accounts:sign_in"), {"username": address, "password": ATTACKERS_PASSWORD}
    )
    assert response.status_code == 302  # signing in works; the account is just unverified
    return attacker, User.objects.get(email=address)


def sell_kit(staff_client, counter_url, kit, email):
    data = {"box_code": codes.format_box_code(kit.box_code), "customer_email": email}
    return staff_client.post(counter_url("sale_confirm"), data)


def test_verifying_replaces_the_squatters_password_and_ends_their_session(client):
    attacker, account = squat()
    link = link_in(mail.outbox[0])
    mail.outbox.clear()
    assert client.get(link).status_code == 200  # a mail scanner opening it changes nothing
    account.refresh_from_db()
    assert account.email_verified_at is None and account.check_password(ATTACKERS_PASSWORD)

    response = client.post(
        link, {"new_password1": VICTIMS_PASSWORD, "new_password2": VICTIMS_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("accounts:sign_in")
    assert not response.context["user"].is_authenticated
    account.refresh_from_db()
    assert account.email_verified_at is not None
    assert account.check_password(VICTIMS_PASSWORD)
    assert not account.check_password(ATTACKERS_PASSWORD)
    assert attacker.get(reverse("devices:my_devices")).status_code == 302  # signed out
    assert (
        client.post(link, {"new_password1": "x" * 20, "new_password2": "x" * 20}).status_code == 400
    )


def test_a_verification_link_never_signs_the_visitor_in(client, owner):
    """Login CSRF: the attacker sends their own account's link to a signed-in victim."""
    attacker, attackers_account = squat("mallory@example.com")
    client.force_login(owner)
    response = client.get(link_in(mail.outbox[0]))
    assert response.context["user"] == owner
    assert attackers_account.email in response.text  # the page names the account it verifies


def test_a_kit_sold_to_a_squatted_address_waits_for_the_mailbox_owner(
    staff_client,
    counter_url,
    kit,
):
    attacker, account = squat()
    mail.outbox.clear()
    sell_kit(staff_client, counter_url, kit, VICTIM)

    # Registered to the address, with an invitation e-mail to the mailbox.
    registrations = Registration.objects.filter(account=account, ended_at__isnull=True)
    assert registrations.count() == 2
    assert Invitation.objects.filter(account=account, accepted_at__isnull=True).count() == 1
    invitation_mail = next(m for m in mail.outbox if "/account/invitation/" in m.body)
    assert invitation_mail.to == [VICTIM]

    # The squatter sees nothing and can do nothing with the units.
    holder = kit.units.get(kind=codes.HOLDER)
    my_devices = attacker.get(reverse("devices:my_devices"))
    assert holder.formatted_code not in my_devices.text
    assert "Send the link again" in my_devices.text
    assert attacker.get(reverse("devices:unit_detail", args=[holder.pk])).status_code == 302
    attacker.post(reverse("devices:remove_unit", args=[holder.pk]))
    attacker.post(reverse("devices:create_handover"), {"units": [holder.pk]})
    assert registrations.count() == 2
    assert not HandoverCode.objects.exists()

    # The mailbox's owner follows the invitation: their password, verified, squatter out.
    owner = CommitAwareClient()
    link = link_in(invitation_mail)
    owner.post(link, {"new_password1": VICTIMS_PASSWORD, "new_password2": VICTIMS_PASSWORD})
    account.refresh_from_db()
    assert account.email_verified_at is not None and account.check_password(VICTIMS_PASSWORD)
    assert Invitation.objects.get(account=account).accepted_at is not None
    assert attacker.get(reverse("devices:my_devices")).status_code == 302
    assert holder.formatted_code in owner.get(reverse("devices:my_devices")).text


def test_signing_up_again_with_a_squatted_address_sends_the_verification_link(client):
    squat()
    mail.outbox.clear()
    client.post(
        reverse("accounts:sign_up"),
        {"full_name": "Victim", "email": VICTIM, "password": VICTIMS_PASSWORD, **AGREED},
    )
    assert [m.subject for m in mail.outbox] == ["Verify your e-mail address"]
    assert "/account/verify/" in mail.outbox[0].body


CUSTOMER_PAGES = [
    ("devices:unit_detail", "unit"),
    ("devices:unit_proof", "unit"),
    ("devices:remove_unit", "unit"),
    ("devices:report_lost", "unit"),
    ("devices:clear_lost_report", "unit"),
    ("devices:not_mine", "unit"),
    ("devices:approve_transfer", "transfer"),
    ("devices:decline_transfer", "transfer"),
    ("devices:report_requested_unit_stolen", "transfer"),
    ("devices:request_transfer", None),
    ("devices:create_handover", None),
    ("devices:cancel_handover", "handover"),
    ("devices:redeem_handover", None),
    ("devices:add_device", None),
]


@pytest.mark.parametrize(("name", "arg"), CUSTOMER_PAGES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_unit_page_and_action_needs_a_verified_address(
    staff_client,
    counter_url,
    kit,
    name,
    arg,
    method,
):
    attacker, account = squat()
    sell_kit(staff_client, counter_url, kit, VICTIM)
    holder = kit.units.get(kind=codes.HOLDER)
    # Someone asks for the unit: the request is addressed to the unverified account.
    request = services.request_transfer(unit=holder, requester=UserFactory())
    args = {"unit": [holder.pk], "transfer": [request.pk], "handover": [1], None: []}[arg]
    response = getattr(attacker, method)(reverse(name, args=args), {"code": holder.production_code})
    assert response.status_code in (302, 405)
    if response.status_code == 302:
        assert response["Location"] == reverse("devices:my_devices")
    holder.refresh_from_db()
    assert not holder.lost_or_stolen
    assert Registration.objects.filter(account=account, ended_at__isnull=True).count() == 2
    request.refresh_from_db()
    assert request.status == "pending"
