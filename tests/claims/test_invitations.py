"""Invitations never accepted in time are listed for the store to fix."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import StoreMembership, User
from claims.models import Invitation
from claims.services import register_sale
from devices.models import AuditEvent, Registration
from tests.conftest import CommitAwareClient
from tests.factories import KitFactory, StoreMembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stale_invitation(staff_client, counter_url):
    kit = KitFactory()
    staff_client.post(
        counter_url("sale_confirm"), {"box_code": kit.box_code, "customer_email": "jana@gmial.com"}
    )
    Invitation.objects.update(created_at=timezone.now() - datetime.timedelta(days=8))
    mail.outbox.clear()
    return Invitation.objects.get()


def open_units(email):
    return Registration.objects.filter(account__email=email, ended_at__isnull=True).count()


def test_fresh_invitations_are_not_listed(staff_client, counter_url, stale_invitation):
    Invitation.objects.update(created_at=timezone.now())
    assert "Nothing to fix." in staff_client.get(counter_url("invitations")).text


def test_stale_invitations_are_listed_and_flagged_on_the_counter(
    staff_client, counter_url, stale_invitation
):
    assert "jana@gmial.com" in staff_client.get(counter_url("invitations")).text
    assert (
        "1 invitation has not been accepted in time"
        in staff_client.get(counter_url("store_home")).text
    )


def test_correcting_the_address_moves_the_units_and_invites_again(
    staff_client, counter_url, stale_invitation
):
    url = counter_url("invitation_correct", stale_invitation.pk)
    confirm = staff_client.post(url, {"new_email": "jana@gmail.com"})
    assert "Correct the address?" in confirm.text and "jana@gmail.com" in confirm.text
    assert open_units("jana@gmial.com") == 2  # nothing moves before the confirmation
    staff_client.post(url, {"new_email": "jana@gmail.com", "confirm": "1"})
    assert open_units("jana@gmial.com") == 0
    assert open_units("jana@gmail.com") == 2
    stale_invitation.refresh_from_db()
    assert stale_invitation.closed_reason == "corrected"
    assert Invitation.objects.filter(account__email="jana@gmail.com", closed_at=None).exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["jana@gmail.com", "jana@gmial.com"]
    assert AuditEvent.objects.filter(action="invitation_corrected").exists()
    assert AuditEvent.objects.filter(action="transferred").count() == 2


def test_cancelling_releases_the_units(staff_client, counter_url, stale_invitation):
    confirm = staff_client.get(counter_url("invitation_cancel", stale_invitation.pk))
    assert "Cancel this invitation?" in confirm.text
    staff_client.post(counter_url("invitation_cancel", stale_invitation.pk))
    assert open_units("jana@gmial.com") == 0
    assert set(Registration.objects.values_list("end_reason", flat=True)) == {
        "invitation_cancelled"
    }


def test_resending_mails_the_link_again(staff_client, counter_url, stale_invitation):
    staff_client.post(counter_url("invitation_resend", stale_invitation.pk))
    assert [m.subject for m in mail.outbox] == ["Your devices are waiting in your account"]


def test_add_store_staff_invites_a_new_person(store, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("add_store_staff", "new.clerk@example.com", store.name, stdout=out)
    clerk = User.objects.get(email="new.clerk@example.com")
    assert StoreMembership.objects.filter(user=clerk, store=store, is_active=True).exists()
    assert not clerk.is_staff  # store staff never reach the admin
    assert [m.subject for m in mail.outbox] == ["You have been added to a store's staff"]
    call_command("add_store_staff", "new.clerk@example.com", str(store.pk), stdout=out)
    assert StoreMembership.objects.filter(user=clerk).count() == 1
    with pytest.raises(CommandError, match="no single store"):
        call_command("add_store_staff", "x@example.com", "No Such Store")


@pytest.fixture
def other_store_sold_to_the_same_address(stale_invitation):
    """Store T sold a kit to the same (invited) address: S must never touch it."""
    other_staff = StoreMembershipFactory().user
    kit = KitFactory()
    register_sale(
        store=other_staff.store_memberships.get().store,
        staff=other_staff,
        email="jana@gmial.com",
        box_code=kit.box_code,
    )
    return kit


@pytest.mark.parametrize("action", ["correct", "cancel"])
def test_a_store_fixes_only_its_own_sales_to_an_invited_address(
    staff_client, counter_url, stale_invitation, other_store_sold_to_the_same_address, action
):
    if action == "correct":
        staff_client.post(
            counter_url("invitation_correct", stale_invitation.pk),
            {"new_email": "jana@gmail.com", "confirm": "1"},
        )
    else:
        staff_client.post(counter_url("invitation_cancel", stale_invitation.pk))
    # Store S's kit moved or was freed; store T's kit is still the customer's.
    assert open_units("jana@gmial.com") == 2
    assert set(
        Registration.objects.filter(
            ended_at__isnull=True, account__email="jana@gmial.com"
        ).values_list("unit__kit", flat=True)
    ) == {other_store_sold_to_the_same_address.pk}


@pytest.mark.parametrize("action", ["correct", "cancel"])
def test_an_invitation_younger_than_the_limit_cannot_be_fixed(
    staff_client, counter_url, stale_invitation, action
):
    Invitation.objects.update(created_at=timezone.now())
    if action == "correct":
        response = staff_client.post(
            counter_url("invitation_correct", stale_invitation.pk),
            {"new_email": "jana@gmail.com", "confirm": "1"},
            follow=True,
        )
    else:
        response = staff_client.post(
            counter_url("invitation_cancel", stale_invitation.pk), follow=True
        )
    assert "the customer may still accept it" in response.text
    assert open_units("jana@gmial.com") == 2
    assert Invitation.objects.get().closed_at is None
    assert not mail.outbox


def test_another_store_cannot_reach_the_invitation(
    stale_invitation, other_store_sold_to_the_same_address
):
    other_staff = StoreMembership.objects.exclude(store=stale_invitation.store).get().user
    client = CommitAwareClient()
    client.force_login(other_staff)
    other_store = other_staff.store_memberships.get().store
    url = reverse("counter:invitation_cancel", args=[other_store.pk, stale_invitation.pk])
    assert client.post(url).status_code == 404
    assert open_units("jana@gmial.com") == 4
