"""Invitations never accepted in time are listed for the store to fix."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import User
from claims.models import Invitation, StoreMembership
from devices.models import AuditEvent, Registration
from tests.factories import KitFactory

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
    staff_client.post(
        counter_url("invitation_correct", stale_invitation.pk), {"new_email": "jana@gmail.com"}
    )
    assert open_units("jana@gmial.com") == 0
    assert open_units("jana@gmail.com") == 2
    stale_invitation.refresh_from_db()
    assert stale_invitation.closed_reason == "corrected"
    assert Invitation.objects.filter(account__email="jana@gmail.com", closed_at=None).exists()
    assert [m.to for m in mail.outbox] == [["jana@gmail.com"]]
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
