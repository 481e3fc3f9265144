"""Support takes a unit away from its owner only with a recorded verification, an e-mail to
the owner and an objection window; a supervisor other than the agent may apply at once."""

import datetime
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from devices.models import AuditEvent, Case, OwnershipChange, Registration
from tests.conftest import CommitAwareClient, verified_client
from tests.factories import RegistrationFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned_unit(owner):
    unit = UnitFactory()
    RegistrationFactory(unit=unit, account=owner)
    return unit


def owner_of(unit):
    registration = Registration.objects.filter(unit=unit, ended_at__isnull=True).first()
    return registration and registration.account


def release(client, unit, **data):
    return client.post(
        reverse("admin:devices_unit_release", args=[unit.pk]),
        {
            "verification_method": "proof_of_purchase",
            "note": "receipt checked, buyer present",
            **data,
        },
        follow=True,
    )


def pass_the_window():
    OwnershipChange.objects.update(effective_at=timezone.now() - datetime.timedelta(minutes=1))
    call_command("run_jobs")


def test_release_needs_a_method_and_a_note(agent_client, owned_unit):
    page = agent_client.get(reverse("admin:devices_unit_release", args=[owned_unit.pk]))
    assert "How was the person verified?" in page.text
    # Nothing is pre-selected: a verification nobody performed never goes on record.
    assert page.context["form"]["verification_method"].value() in (None, "")
    assert 'value="" selected' in page.text
    response = release(agent_client, owned_unit, note="")
    assert "This field is required." in response.text
    response = release(agent_client, owned_unit, verification_method="")
    assert "Choose how the person was verified." in response.text
    assert not OwnershipChange.objects.exists()
    assert not mail.outbox


def test_release_waits_for_the_objection_window_then_applies(
    agent_client, support_agent, owner, owned_unit
):
    response = release(agent_client, owned_unit)
    assert "Release requested" in response.text  # "Release requested; it takes effect …"
    change = OwnershipChange.objects.get()
    assert change.status == "pending" and change.requested_by == support_agent
    assert owner_of(owned_unit) == owner  # nothing moved yet
    assert [(m.subject, m.to) for m in mail.outbox] == [
        ("Support is about to change the owner of your device", [owner.email])
    ]
    assert "/devices/objection/" in mail.outbox[0].body

    call_command("run_jobs")  # the window is still open
    assert owner_of(owned_unit) == owner

    mail.outbox.clear()
    pass_the_window()
    assert owner_of(owned_unit) is None
    change.refresh_from_db()
    assert change.status == "applied"
    requested = AuditEvent.objects.get(unit=owned_unit, action="change_requested")
    assert (requested.actor, requested.verification_method) == (support_agent, "proof_of_purchase")
    # Applied by the periodic job, not by the agent, and recorded so.
    event = AuditEvent.objects.get(unit=owned_unit, action="released")
    assert (event.actor, event.verification_method) == (None, "proof_of_purchase")
    assert "receipt checked" in event.note and "after the objection window" in event.note
    assert [m.subject for m in mail.outbox] == ["Support has changed the owner of your device"]


def test_the_owner_objects_from_the_email_and_a_case_opens(agent_client, owner, owned_unit):
    release(agent_client, owned_unit)
    link = re.search(r"http://[^/]+(/devices/objection/\S+)", mail.outbox[0].body).group(1)
    anonymous = CommitAwareClient()
    assert "I object" in anonymous.get(link).text
    response = anonymous.post(link, follow=True)
    assert "the change is stopped" in response.text
    assert OwnershipChange.objects.get().status == "objected"
    case = Case.objects.get()
    assert (case.kind, case.account, case.unit) == ("objection", owner, owned_unit)
    pass_the_window()
    assert owner_of(owned_unit) == owner


def test_a_forged_objection_link_is_refused(client):
    assert client.get(reverse("support:object_to_change", args=["forged"])).status_code == 400


def test_reassign_moves_the_unit_to_the_new_owner_after_the_window(
    agent_client, owner, stranger, owned_unit
):
    agent_client.post(
        reverse("admin:devices_unit_reassign", args=[owned_unit.pk]),
        {
            "to_account": "STRANGER@example.com",
            "verification_method": "identity_in_store",
            "note": "ID checked at Trafika U Mostu",
        },
    )
    assert OwnershipChange.objects.get().to_account == stranger
    pass_the_window()
    assert owner_of(owned_unit) == stranger
    assert Registration.objects.get(unit=owned_unit, ended_at__isnull=True).source == "support"


def test_an_unknown_new_owner_is_refused(agent_client, owned_unit):
    response = agent_client.post(
        reverse("admin:devices_unit_reassign", args=[owned_unit.pk]),
        {"to_account": "nobody@example.com", "verification_method": "other", "note": "x"},
    )
    assert "No account has this e-mail address." in response.text


def test_a_supervisor_other_than_the_agent_applies_at_once(
    agent_client, supervisor_client, owned_unit
):
    release(agent_client, owned_unit)
    change = OwnershipChange.objects.get()
    url = reverse("admin:devices_ownershipchange_apply", args=[change.pk])
    refused = agent_client.get(url, follow=True)  # agents cannot: back, with the reason
    assert "Only a supervisor applies a change early." in refused.text
    assert agent_client.post(url, {"note": "urgent"}).status_code == 302
    change.refresh_from_db()
    assert change.status == "pending"
    response = supervisor_client.post(url, {"note": ""})
    assert "This field is required." in response.text
    supervisor_client.post(url, {"note": "stolen phone reported to police, urgent"})
    assert owner_of(owned_unit) is None
    change.refresh_from_db()
    assert change.status == "applied" and change.decided_by.email == "supervisor@example.com"


def test_a_supervisor_cannot_apply_their_own_request_at_once(supervisor_client, owned_unit):
    release(supervisor_client, owned_unit)
    change = OwnershipChange.objects.get()
    response = supervisor_client.post(
        reverse("admin:devices_ownershipchange_apply", args=[change.pk]), {"note": "urgent"}
    )
    assert "Another supervisor must apply your own request." in response.text
    assert owner_of(owned_unit) is not None


def test_assigning_a_free_unit_needs_no_window(agent_client, stranger):
    unit = UnitFactory()
    agent_client.post(
        reverse("admin:devices_unit_assign", args=[unit.pk]),
        {"to_account": stranger.email, "verification_method": "proof_of_purchase", "note": ""},
    )
    assert owner_of(unit) == stranger
    assert AuditEvent.objects.get(unit=unit).verification_method == "proof_of_purchase"


def test_mark_and_clear_lost_with_a_note(agent_client, owner, owned_unit):
    url = reverse("admin:devices_unit_flag", args=[owned_unit.pk])
    agent_client.post(url, {"note": "owner phoned: stolen on the tram"})
    owned_unit.refresh_from_db()
    assert owned_unit.lost_or_stolen
    assert AuditEvent.objects.get(action="flagged_lost").note == "owner phoned: stolen on the tram"
    agent_client.post(url, {"note": "found"})
    owned_unit.refresh_from_db()
    assert not owned_unit.lost_or_stolen


def test_an_agent_without_the_permission_gets_403(owned_unit):
    client = verified_client(UserFactory(is_staff=True))  # support access, no permissions
    assert release(client, owned_unit).status_code == 403
    assert not OwnershipChange.objects.exists()


def test_a_change_whose_owner_changed_meanwhile_is_cancelled_not_applied(
    agent_client, owner, stranger, owned_unit
):
    release(agent_client, owned_unit)
    from devices.services import transfer_unit

    transfer_unit(
        unit=owned_unit,
        from_account=owner,
        to_account=stranger,
        actor=owner,
        source="handover_code",
        end_reason="handed_over",
    )
    pass_the_window()
    assert owner_of(owned_unit) == stranger
    assert OwnershipChange.objects.get().status == "cancelled"
