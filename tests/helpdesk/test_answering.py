"""Support answers help requests in the support centre: a queue of requests waiting for
support (oldest first), the conversation, an answer that is e-mailed and audited, and closing.
Unconfirmed senders are visible apart and cannot be answered."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from devices.models import AuditEvent
from helpdesk import services
from helpdesk.models import HelpRequest
from tests.factories import RegistrationFactory, UserFactory
from tests.support.pages import table_rows

pytestmark = pytest.mark.django_db
QUEUE = reverse("admin:helpdesk_helprequest_changelist")


def signed_in_request(account, subject="Charger is warm", hours_old=0, unit=None):
    help_request = services.open_help_request(
        account=account, topic="faulty", subject=subject, message="It gets warm.", unit=unit
    )
    HelpRequest.objects.filter(pk=help_request.pk).update(
        updated_at=timezone.now() - datetime.timedelta(hours=hours_old)
    )
    return help_request


def signed_out_request(email="anon@example.com", subject="No account yet"):
    help_request = services.open_unconfirmed_help_request(
        email=email, name="", topic="other", subject=subject, message="Hi", language="en"
    )
    mail.outbox.clear()
    return help_request


def answer(client, help_request, text="Please send a photo.", wait="0"):
    return client.post(
        reverse("admin:helpdesk_helprequest_answer", args=[help_request.pk]),
        {"message": text, "wait_for_customer": wait},
        follow=True,
    )


def test_the_queue_lists_requests_waiting_for_support_oldest_first(agent_client, owner):
    newer = signed_in_request(owner, "Newer question", hours_old=1)
    older = signed_in_request(UserFactory(email="older@example.com"), "Older question", 30)
    unconfirmed = signed_out_request()
    rows = table_rows(agent_client.get(QUEUE))
    assert [row[0] for row in rows] == ["Older question", "Newer question"]
    assert rows[0][1] == "older@example.com"
    assert rows[0][2] == "waiting for support"
    assert rows[0][3] == "1 day"
    assert rows[0][4] == "nobody yet"
    unverified = table_rows(agent_client.get(QUEUE, {"status": "unconfirmed"}))
    assert [row[0] for row in unverified] == [unconfirmed.subject]
    assert "address not verified" in unverified[0][1]
    assert older.pk and newer.pk


def test_an_agent_answers_the_customer_is_emailed_and_sees_it_in_the_portal(
    agent_client, support_agent, owner, owner_client
):
    unit = RegistrationFactory(account=owner).unit
    help_request = signed_in_request(owner, unit=unit)
    page = agent_client.get(reverse("admin:helpdesk_helprequest_change", args=[help_request.pk]))
    assert "It gets warm." in page.text
    assert unit.formatted_code in page.text
    response = answer(agent_client, help_request, "Please send a photo.", wait="1")
    assert f"Answer sent by e-mail to {owner.email}." in response.text
    help_request.refresh_from_db()
    assert help_request.status == "waiting" and help_request.handled_by == support_agent
    (message,) = mail.outbox
    assert message.to == [owner.email]
    assert message.subject == f"Customer support answered: Charger is warm (#{help_request.pk})"
    assert "Please send a photo." in message.body
    assert "Support needs your reply." in message.body
    assert f"/help/requests/{help_request.pk}/" in message.body
    event = AuditEvent.objects.get(action="help_answered")
    assert (event.actor, event.from_account, event.unit) == (support_agent, owner, unit)
    assert event.note == f"help request #{help_request.pk}"
    portal = owner_client.get(reverse("helpdesk:request", args=[help_request.pk]))
    assert "Please send a photo." in portal.text
    assert "Waiting for your reply" in portal.text
    # A help request changes no owner.
    assert unit.registrations.get(ended_at__isnull=True).account == owner


def test_the_answer_reaches_a_signed_out_sender_in_their_language(agent_client):
    help_request = services.open_unconfirmed_help_request(
        email="jana@example.com",
        name="",
        topic="other",
        subject="Dotaz",
        message="Ahoj",
        language="cs",
    )
    services.confirm_help_request(help_request)
    mail.outbox.clear()
    answer(agent_client, help_request, "Dobrý den, pošlete fotku.")
    (message,) = mail.outbox
    assert message.to == ["jana@example.com"]
    assert message.subject == f"Zákaznická podpora odpověděla: Dotaz (#{help_request.pk})"
    assert "Dobrý den, pošlete fotku." in message.body
    assert "/help/contact/" in message.body
    assert 'lang="cs"' in message.alternatives[0][0]


def test_an_unconfirmed_request_cannot_be_answered(agent_client):
    help_request = signed_out_request()
    page = agent_client.get(reverse("admin:helpdesk_helprequest_change", args=[help_request.pk]))
    assert "The sender has not confirmed their e-mail address yet" in page.text
    assert "Send the answer" not in page.text
    response = answer(agent_client, help_request)
    assert "The sender has not confirmed their e-mail address yet" in response.text
    assert mail.outbox == [] and help_request.messages.count() == 1


def test_an_empty_answer_is_refused_with_the_reason(agent_client, owner):
    help_request = signed_in_request(owner)
    response = answer(agent_client, help_request, "")
    assert "This field is required." in response.text
    assert mail.outbox == []


def test_closing_is_audited(agent_client, support_agent, owner):
    help_request = signed_in_request(owner)
    response = agent_client.post(
        reverse("admin:helpdesk_helprequest_close", args=[help_request.pk]), follow=True
    )
    assert "The help request is closed." in response.text
    assert AuditEvent.objects.filter(action="help_closed", actor=support_agent).exists()
    again = answer(agent_client, help_request)
    assert "This help request is closed." in again.text


def test_an_open_confirmed_request_offers_closing(agent_client, owner):
    help_request = signed_in_request(owner)
    page = agent_client.get(reverse("admin:helpdesk_helprequest_change", args=[help_request.pk]))
    assert "Close the request" in page.text


def test_the_support_home_page_counts_the_waiting_requests(agent_client, owner):
    signed_in_request(owner, hours_old=2)
    signed_out_request()
    page = agent_client.get(reverse("admin:index"))
    assert "1 help request waits for support" in page.text


def test_store_staff_and_customers_have_no_access(owner_client, owner):
    help_request = signed_in_request(owner)
    page = reverse("admin:helpdesk_helprequest_change", args=[help_request.pk])
    assert owner_client.get(page).status_code == 302  # to the support centre's sign-in
    response = owner_client.post(
        reverse("admin:helpdesk_helprequest_answer", args=[help_request.pk]),
        {"message": "x", "wait_for_customer": "0"},
    )
    assert response.status_code == 302 and mail.outbox == []


def test_the_queue_finds_requests_by_address_or_number(agent_client, owner):
    help_request = signed_in_request(owner)
    signed_in_request(UserFactory(email="other@example.com"), "Other")
    rows = table_rows(agent_client.get(QUEUE, {"q": "OWNER@example.com"}))
    assert [row[0] for row in rows] == [help_request.subject]
    rows = table_rows(agent_client.get(QUEUE, {"q": f"#{help_request.pk}"}))
    assert [row[0] for row in rows] == [help_request.subject]


def test_an_unconfirmed_request_cannot_be_closed_either(agent_client):
    help_request = signed_out_request()
    page = agent_client.get(reverse("admin:helpdesk_helprequest_change", args=[help_request.pk]))
    assert "Close the request" not in page.text
    response = agent_client.post(
        reverse("admin:helpdesk_helprequest_close", args=[help_request.pk]), follow=True
    )
    assert response.status_code == 200
    assert "The sender has not confirmed their address" in response.text
    help_request.refresh_from_db()
    assert help_request.status == "new"


def test_a_nul_in_a_filter_is_a_bad_request_not_an_error(agent_client):
    assert agent_client.get(QUEUE, {"topic__exact": "\x00"}).status_code == 400
