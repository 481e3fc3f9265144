"""The case queue: "this is not mine", escalated transfer requests and objections."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from devices.models import Case, OwnershipChange, Registration, TransferRequest
from devices.services import report_not_mine, request_transfer
from tests.factories import RegistrationFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalated_case(owner, stranger):
    unit = UnitFactory()
    RegistrationFactory(unit=unit, account=owner)
    request_transfer(unit=unit, requester=stranger)
    TransferRequest.objects.update(created_at=timezone.now() - datetime.timedelta(days=15))
    call_command("run_jobs")
    mail.outbox.clear()
    return Case.objects.get()


def decide(client, case, **data):
    return client.post(
        reverse("admin:devices_case_decide", args=[case.pk]),
        {
            "verification_method": "proof_of_purchase",
            "note": "invoice from the seller shown",
            **data,
        },
        follow=True,
    )


def test_the_queue_lists_open_cases_oldest_first(agent_client, owner):
    units = UnitFactory.create_batch(2)
    for unit in units:
        RegistrationFactory(unit=unit, account=owner, source="store_sale")
    newer = report_not_mine(unit=units[1], account=owner)
    older = report_not_mine(unit=units[0], account=owner)
    Case.objects.filter(pk=older.pk).update(opened_at=timezone.now() - datetime.timedelta(days=2))
    response = agent_client.get(reverse("admin:devices_case_changelist"))
    assert list(response.context["cl"].result_list) == [older, newer]


def test_approving_an_escalated_transfer_starts_a_reassignment_with_a_window(
    agent_client, support_agent, owner, stranger, escalated_case
):
    decide(agent_client, escalated_case, decision="approve_transfer")
    escalated_case.refresh_from_db()
    assert escalated_case.status == "decided" and escalated_case.handled_by == support_agent
    change = OwnershipChange.objects.get()
    assert (change.kind, change.to_account, change.status) == ("reassign", stranger, "pending")
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == [owner.email, owner.email, stranger.email]  # objection link + decision


def test_declining_keeps_the_unit_and_tells_both(agent_client, owner, stranger, escalated_case):
    decide(agent_client, escalated_case, decision="decline_transfer")
    assert TransferRequest.objects.get().status == "declined"
    assert Registration.objects.get(ended_at__isnull=True).account == owner
    assert sorted(m.to[0] for m in mail.outbox) == [owner.email, stranger.email]
    assert all(m.subject == "Support has decided your case" for m in mail.outbox)


def test_dismiss_changes_nothing_but_closes_the_case(agent_client, escalated_case):
    decide(agent_client, escalated_case, decision="dismiss")
    escalated_case.refresh_from_db()
    assert escalated_case.status == "decided"
    assert not OwnershipChange.objects.exists()


def test_a_decided_case_cannot_be_decided_again(agent_client, escalated_case):
    decide(agent_client, escalated_case, decision="dismiss")
    response = decide(agent_client, escalated_case, decision="approve_transfer")
    assert "This case is already decided." in response.text
    assert not OwnershipChange.objects.exists()


def test_reassign_needs_an_account(agent_client, owner):
    unit = UnitFactory()
    RegistrationFactory(unit=unit, account=owner, source="store_sale")
    case = report_not_mine(unit=unit, account=owner)
    response = decide(agent_client, case, decision="reassign")
    assert "Enter the e-mail of the account to reassign to." in response.text
    assert Case.objects.get().status == "open"


def test_a_case_offers_only_the_decisions_that_fit_it(agent_client, escalated_case):
    page = agent_client.get(reverse("admin:devices_case_decide", args=[escalated_case.pk]))
    assert "Approve the transfer request" in page.text
    assert "Reassign the unit to another account" not in page.text
    response = decide(agent_client, escalated_case, decision="reassign")
    assert "Select a valid choice" in response.text
    assert Case.objects.get().status == "open"
