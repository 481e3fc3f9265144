"""Every e-mail about a security-relevant change says what to do if it wasn't you, with a
link that signs out every session and starts a password reset; the customer changes their
own address only through the new mailbox, and the old one can undo it; no readable secret
stays in the outbox."""

import datetime
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import OutgoingEmail, User
from devices.models import AuditEvent, Registration
from tests.conftest import CommitAwareClient
from tests.factories import KitFactory, RegistrationFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def link(message, fragment):
    return re.search(rf"http://[^/\s]+({re.escape(fragment)}\S*)", message.body).group(1)


@pytest.fixture
def owned_unit(owner):
    unit = UnitFactory()
    RegistrationFactory(unit=unit, account=owner)
    return unit


def test_this_was_not_me_signs_out_everywhere_and_starts_a_reset(
    owner, owner_client, owned_unit, stranger_client, stranger
):
    kit = KitFactory()
    for unit in kit.units.all():
        RegistrationFactory(unit=unit, account=owner)
    page = owner_client.post(
        reverse("devices:create_handover"), {"units": [u.pk for u in kit.units.all()]}, follow=True
    )
    code = re.search(r'id="handover-code">([A-Z0-9-]+)<', page.text).group(1)
    mail.outbox.clear()
    other_device = CommitAwareClient()
    other_device.force_login(owner)
    owner_client.post(reverse("devices:remove_unit", args=[owned_unit.pk]))
    [notice] = mail.outbox
    assert "If this was not you" in notice.body
    not_me = link(notice, "/account/not-me/")
    mail.outbox.clear()

    visitor = CommitAwareClient()
    page = visitor.get(not_me)
    assert "Sign out everywhere and reset my password" in page.text
    assert not AuditEvent.objects.filter(action="sessions_ended").exists()  # GET changes nothing
    done = visitor.post(not_me)
    assert "Every session of the account is signed out" in done.text
    for client in (owner_client, other_device):
        response = client.get(reverse("devices:my_devices"))
        assert response.status_code == 302 and "/account/sign-in/" in response["Location"]
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]
    assert "/account/password/reset/" in mail.outbox[0].body
    event = AuditEvent.objects.get(action="sessions_ended")
    assert (event.actor, event.from_account) == (owner, owner)
    assert visitor.post(not_me).status_code == 400  # spent
    # Whoever had the password is out: it no longer works, and their handover code is void.
    owner.refresh_from_db()
    assert not owner.has_usable_password()
    stranger_client.post(reverse("devices:redeem_handover"), {"code": code})
    assert Registration.objects.filter(account=stranger).count() == 0
    assert {r.account for r in Registration.objects.filter(unit__kit=kit)} == {owner}


@pytest.mark.parametrize(
    "act",
    ["remove", "report_lost", "handover", "password_change", "approve_transfer", "support"],
)
def test_every_security_email_carries_the_link(
    act, owner, owner_client, stranger, owned_unit, agent_client
):
    if act == "remove":
        owner_client.post(reverse("devices:remove_unit", args=[owned_unit.pk]))
    elif act == "report_lost":
        owner_client.post(reverse("devices:report_lost", args=[owned_unit.pk]))
    elif act == "handover":
        owner_client.post(reverse("devices:create_handover"), {"units": [owned_unit.pk]})
    elif act == "password_change":
        from tests.factories import TEST_PASSWORD

        owner_client.post(
            reverse("accounts:password_change"),
            {
                "old_password": TEST_PASSWORD,
                "new_password1": "a brand new passphrase 42",
                "new_password2": "a brand new passphrase 42",
            },
        )
    elif act == "approve_transfer":
        from devices.services import request_transfer

        transfer = request_transfer(unit=owned_unit, requester=stranger)
        mail.outbox.clear()
        owner_client.post(reverse("devices:approve_transfer", args=[transfer.pk]))
    else:
        agent_client.post(
            reverse("admin:devices_unit_release", args=[owned_unit.pk]),
            {"verification_method": "other", "note": "asked by phone"},
        )
    to_owner = [m for m in mail.outbox if m.to == ["owner@example.com"]]
    assert to_owner, act
    assert all("/account/not-me/" in m.body for m in to_owner), act
    # The e-mail is sent, and its body (with the link) is not kept in the outbox.
    secret_rows = OutgoingEmail.objects.filter(recipient="owner@example.com", contains_secret=True)
    assert secret_rows.exists()
    for row in secret_rows:
        assert row.sent_at is not None and row.body_text == "" and row.body_html == ""


def test_the_customer_changes_their_address_through_the_new_mailbox(owner, owner_client):
    from tests.factories import TEST_PASSWORD

    owner_client.post(
        reverse("accounts:change_email"),
        {"new_email": "New.Owner@ＥXAMPLE.com", "password": TEST_PASSWORD},
    )
    owner.refresh_from_db()
    assert owner.email == "owner@example.com"  # nothing until the new mailbox confirms
    [confirm] = mail.outbox
    assert confirm.to == ["New.Owner@example.com"]
    confirm_url = link(confirm, "/account/email/confirm/")
    mail.outbox.clear()
    # Someone else, signed in to their own account, cannot use the link.
    intruder = CommitAwareClient()
    intruder.force_login(UserFactory())
    assert intruder.post(confirm_url).status_code == 400
    owner_client.post(confirm_url)
    owner.refresh_from_db()
    assert owner.email == "New.Owner@example.com"
    assert AuditEvent.objects.get(action="email_changed").from_account == owner
    [notice] = mail.outbox
    assert notice.to == ["owner@example.com"] and "N***@example.com" in notice.body

    # The old mailbox's owner undoes it: the address is theirs again and everyone is out.
    undo_url = link(notice, "/account/email/undo/")
    mail.outbox.clear()
    done = CommitAwareClient().post(undo_url)
    assert "owner@example.com" in done.text
    owner.refresh_from_db()
    assert owner.email == "owner@example.com" and not owner.has_usable_password()
    assert owner_client.get(reverse("devices:my_devices")).status_code == 302
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]
    assert AuditEvent.objects.filter(action="email_change_undone").count() == 1


def test_moving_to_an_address_of_another_account_reveals_nothing(owner, owner_client, stranger):
    from tests.factories import TEST_PASSWORD

    response = owner_client.post(
        reverse("accounts:change_email"),
        {"new_email": "stranger@example.com", "password": TEST_PASSWORD},
        follow=True,
    )
    assert "We have sent a link to stranger@example.com" in response.text
    assert [m.to for m in mail.outbox] == [["stranger@example.com"]]
    assert "/account/email/confirm/" not in mail.outbox[0].body
    owner.refresh_from_db()
    assert owner.email == "owner@example.com"


def test_a_wrong_password_changes_nothing(owner, owner_client):
    response = owner_client.post(
        reverse("accounts:change_email"), {"new_email": "x@example.com", "password": "guess"}
    )
    assert "That is not your password." in response.text
    assert not mail.outbox


def test_sent_emails_are_forgotten_after_the_retention(settings, owner, owner_client, kit):
    settings.OUTBOX_RETENTION_DAYS = 30
    owner_client.post(reverse("devices:add_by_box_code"), {"box_code": kit.box_code})
    kept = OutgoingEmail.objects.get(template="units_registered")
    assert "registered" in kept.body_text  # no secret in it: kept readable until retention
    OutgoingEmail.objects.update(sent_at=timezone.now() - datetime.timedelta(days=31))
    call_command("run_jobs", verbosity=0)
    assert not OutgoingEmail.objects.exists()
    assert Registration.objects.filter(account=owner).count() == 2


def test_an_email_given_up_on_keeps_no_secret(settings, owner):
    from accounts.emails import MAX_ATTEMPTS, deliver_pending, send_email

    settings.MAILERS = {"default": {"BACKEND": "tests.support.mail.RefusingEmailBackend"}}
    send_email("password_reset", to=owner, action_url="http://x/secret-link", secret=True)
    OutgoingEmail.objects.update(attempts=MAX_ATTEMPTS - 1)
    deliver_pending()
    row = OutgoingEmail.objects.get()
    assert row.sent_at is None and row.body_text == "" and "secret-link" not in row.body_html


def test_kit_units_are_not_affected_by_a_not_me_link(owner, owner_client):
    kit = KitFactory()
    for unit in kit.units.all():
        RegistrationFactory(unit=unit, account=owner)
    user = User.objects.get(pk=owner.pk)
    from accounts.emails import not_me_url

    CommitAwareClient().post(not_me_url(user).split("8000", 1)[-1])
    assert Registration.objects.filter(account=owner, ended_at__isnull=True).count() == 2


def test_the_undo_link_works_after_further_changes_by_whoever_took_the_account(owner, owner_client):
    """With a stolen password: change the address, then change it again at once. The first
    undo link, sent to the owner's original address, still gives the account back."""
    from tests.factories import TEST_PASSWORD

    undo_links = []
    for new in ("first@example.com", "second@example.com"):
        owner_client.post(
            reverse("accounts:change_email"), {"new_email": new, "password": TEST_PASSWORD}
        )
        owner_client.post(link(mail.outbox[-1], "/account/email/confirm/"))
        undo_links.append(link(mail.outbox[-1], "/account/email/undo/"))
    assert mail.outbox[-1].to == ["first@example.com"]  # the second notice went to the thief
    owner.refresh_from_db()
    assert owner.email == "second@example.com"
    visitor = CommitAwareClient()
    assert "owner@example.com" in visitor.get(undo_links[0]).text
    visitor.post(undo_links[0])
    owner.refresh_from_db()
    assert owner.email == "owner@example.com" and not owner.has_usable_password()
    assert owner_client.get(reverse("devices:my_devices")).status_code == 302
    # Spent: the page says so before any button.
    again = visitor.get(undo_links[0])
    assert again.status_code == 409 and "already uses this address" in again.text
