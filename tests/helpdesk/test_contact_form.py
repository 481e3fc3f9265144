"""The contact form: a signed-in customer's request is tied to the account (and, from a unit's
page, to that unit); a signed-out sender's waits until the address is confirmed from an
e-mail that never repeats the message; both are limited."""

import re

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from devices.models import AuditEvent
from helpdesk.models import HelpMessage, HelpRequest
from tests.factories import RegistrationFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db
CONTACT = reverse("helpdesk:contact")
QUESTION = {
    "topic": "registering",
    "subject": "The box code is not accepted",
    "message": "I typed 1234 5678 9012 and the page says it is not ours.",
}


def confirmation_link(message):
    return re.search(r"http://\S+/help/contact/confirm/\S+/", message.body).group(0)


def test_a_signed_in_customer_writes_and_sees_the_request_in_the_portal(owner_client, owner):
    response = owner_client.post(CONTACT, QUESTION, follow=True)
    assert "Your request is sent. Support will answer here and by e-mail." in response.text
    assert "The box code is not accepted" in response.text
    assert "I typed 1234 5678 9012" in response.text
    assert "Waiting for support" in response.text
    help_request = HelpRequest.objects.get()
    assert help_request.account == owner and help_request.is_confirmed
    assert mail.outbox == []  # nothing to confirm: the account's address is proven
    listing = owner_client.get(reverse("helpdesk:requests"))
    assert "The box code is not accepted" in listing.text


def test_from_a_unit_page_the_request_is_about_that_unit(owner_client, owner):
    unit = RegistrationFactory(account=owner).unit
    unit_page = owner_client.get(reverse("devices:unit_detail", args=[unit.pk]))
    assert f"{CONTACT}?unit={unit.pk}" in unit_page.text
    form = owner_client.get(CONTACT, {"unit": unit.pk})
    assert unit.formatted_code in form.text
    owner_client.post(CONTACT, {**QUESTION, "unit": unit.pk})
    assert HelpRequest.objects.get().unit == unit


def test_nobody_asks_about_someone_elses_unit(owner_client):
    foreign = RegistrationFactory().unit
    assert owner_client.get(CONTACT, {"unit": foreign.pk}).status_code == 404
    assert owner_client.post(CONTACT, {**QUESTION, "unit": foreign.pk}).status_code == 404
    assert owner_client.get(CONTACT, {"unit": "abc"}).status_code == 404
    assert not HelpRequest.objects.exists()


def test_a_request_never_changes_an_owner(owner_client, owner):
    unit = RegistrationFactory(account=owner).unit
    owner_client.post(CONTACT, {**QUESTION, "topic": "lost", "unit": unit.pk})
    assert unit.registrations.get(ended_at__isnull=True).account == owner
    assert not unit.lost_or_stolen


def test_a_signed_out_request_waits_for_the_address_to_be_confirmed(client):
    response = client.post(
        CONTACT, {**QUESTION, "name": "Jana", "email": "jana@example.com"}, follow=True
    )
    assert "Check your e-mail" in response.text
    assert "We have sent a link to jana@example.com." in response.text
    help_request = HelpRequest.objects.get()
    assert help_request.account is None and not help_request.is_confirmed
    (message,) = mail.outbox
    assert message.to == ["jana@example.com"]
    # The e-mail never carries what was written: nobody can send text to a stranger here.
    for typed in ("Jana", "box code is not accepted", "1234 5678 9012"):
        assert typed not in message.body and typed not in message.subject
    link = confirmation_link(message)
    page = client.get(link)
    assert "Confirm and send to support" in page.text
    help_request.refresh_from_db()
    assert not help_request.is_confirmed  # a mail scanner's GET confirms nothing
    done = client.post(link)
    assert "Your message is with customer support." in done.text
    help_request.refresh_from_db()
    assert help_request.is_confirmed


def test_a_forged_confirmation_link_is_refused(client):
    response = client.get(reverse("helpdesk:confirm", args=["nonsense"]))
    assert response.status_code == 400
    assert "This link does not work" in response.text


def test_bad_input_says_what_is_wrong_and_saves_nothing(client):
    response = client.post(CONTACT, {"email": "not an address", "message": "x" * 5001})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.text
    assert "Ensure this value has at most 5000 characters (it has 5001)." in response.text
    assert "This field is required." in response.text
    assert not HelpRequest.objects.exists() and mail.outbox == []


@override_settings(HELP_REQUESTS_PER_SENDER_PER_DAY=2)
def test_signed_out_requests_are_limited_per_sender_address(client):
    for _attempt in range(2):
        client.post(CONTACT, {**QUESTION, "email": "victim@example.com"})
    response = client.post(CONTACT, {**QUESTION, "email": "Victim@Example.com"})
    assert response.status_code == 400
    assert "You have sent many requests to support today." in response.text
    assert len(mail.outbox) == 2 and HelpRequest.objects.count() == 2


@override_settings(HELP_REQUESTS_PER_CLIENT_PER_DAY=2)
def test_signed_out_requests_are_limited_per_client(client):
    for number in range(2):
        client.post(CONTACT, {**QUESTION, "email": f"sender{number}@example.com"})
    response = client.post(CONTACT, {**QUESTION, "email": "another@example.com"})
    assert "You have sent many requests to support today." in response.text
    assert HelpRequest.objects.count() == 2


@override_settings(HELP_MESSAGES_PER_ACCOUNT_PER_DAY=2)
def test_an_account_is_limited_across_requests_and_replies(owner_client):
    owner_client.post(CONTACT, QUESTION)
    help_request = HelpRequest.objects.get()
    owner_client.post(reverse("helpdesk:request", args=[help_request.pk]), {"message": "And?"})
    response = owner_client.post(
        reverse("helpdesk:request", args=[help_request.pk]), {"message": "Hello?"}
    )
    assert "You have sent many messages to support today." in response.text
    assert HelpMessage.objects.count() == 2


def test_an_unverified_account_writes_as_a_sender_who_confirms(client):
    account = UserFactory(email="new@example.com", email_verified_at=None)
    client.force_login(account)
    form = client.get(CONTACT)
    assert 'value="new@example.com"' in form.text
    client.post(CONTACT, {**QUESTION, "email": "new@example.com"})
    help_request = HelpRequest.objects.get()
    assert help_request.account is None and not help_request.is_confirmed


def test_the_customer_replies_and_closes(owner_client, owner):
    owner_client.post(CONTACT, QUESTION)
    help_request = HelpRequest.objects.get()
    HelpRequest.objects.filter(pk=help_request.pk).update(status="answered")
    page = reverse("helpdesk:request", args=[help_request.pk])
    response = owner_client.post(page, {"message": "Thanks, one more thing."}, follow=True)
    assert "Your reply is sent to support." in response.text
    help_request.refresh_from_db()
    assert help_request.status == "new"
    response = owner_client.post(reverse("helpdesk:close", args=[help_request.pk]), follow=True)
    assert "The request is closed. Thank you." in response.text
    assert "This request is closed. If you need more help, please send a new request." in (
        response.text
    )
    assert AuditEvent.objects.filter(action="help_closed", actor=owner).exists()
    refused = owner_client.post(page, {"message": "Still there?"})
    assert "This request is closed." in refused.text
    assert help_request.messages.count() == 2


def test_nobody_reads_or_closes_another_customers_request(owner_client, stranger_client):
    owner_client.post(CONTACT, QUESTION)
    help_request = HelpRequest.objects.get()
    assert (
        stranger_client.get(reverse("helpdesk:request", args=[help_request.pk])).status_code == 404
    )
    closed = stranger_client.post(reverse("helpdesk:close", args=[help_request.pk]))
    assert closed.status_code == 404
    help_request.refresh_from_db()
    assert help_request.status == "new"


def test_unconfirmed_requests_are_forgotten_after_the_confirmation_window(client):
    import datetime

    from django.utils import timezone

    from helpdesk.services import forget_unconfirmed_help_requests

    client.post(CONTACT, {**QUESTION, "email": "late@example.com"})
    client.post(CONTACT, {**QUESTION, "email": "prompt@example.com"})
    HelpRequest.objects.filter(email="late@example.com").update(
        created_at=timezone.now() - datetime.timedelta(days=8)
    )
    assert forget_unconfirmed_help_requests() == 1
    assert list(HelpRequest.objects.values_list("email", flat=True)) == ["prompt@example.com"]


def test_every_contact_customer_support_message_links_to_the_form(owner_client):
    flagged = UnitFactory(lost_or_stolen=True)
    response = owner_client.post(
        reverse("devices:add_by_unit_codes"),
        {"holder_code": flagged.production_code, "charger_code": ""},
        follow=True,
    )
    assert f'<a href="{CONTACT}">customer support</a>' in response.text


def test_every_email_ends_with_the_contact_form(client):
    client.post(CONTACT, {**QUESTION, "email": "jana@example.com"})
    assert "Customer support: http://testserver" not in mail.outbox[0].body
    assert f"{CONTACT} · support@example.com" in mail.outbox[0].body


def test_hidden_and_control_characters_are_dropped(owner_client):
    owner_client.post(
        CONTACT,
        {
            **QUESTION,
            "subject": "a\x01\x1b[31mb\u202eevil",
            "message": "line one\r\nline\x07 two\u2066",
        },
    )
    help_request = HelpRequest.objects.get()
    assert help_request.subject == "a[31mbevil"
    assert help_request.messages.get().body == "line one\nline two"


def test_the_contact_form_and_help_stay_open_before_agreeing_to_new_terms(owner_client):
    with override_settings(TERMS_VERSION="2099-01"):
        assert owner_client.get(CONTACT).status_code == 200
        assert owner_client.get(reverse("help")).status_code == 200
        assert owner_client.get(reverse("helpdesk:requests")).status_code == 200
        assert owner_client.get(reverse("devices:my_devices")).status_code == 302


def test_closing_an_account_closes_and_erases_its_help_requests(owner_client, owner):
    from devices.services import close_account

    owner_client.post(CONTACT, {**QUESTION, "message": "I live at Tajná 1."})
    help_request = HelpRequest.objects.get()
    close_account(user=owner)
    help_request.refresh_from_db()
    assert help_request.status == "closed" and help_request.subject == "—"
    assert help_request.messages.get().body == "—"


def test_the_data_download_holds_the_conversations(owner_client):
    owner_client.post(CONTACT, QUESTION)
    data = owner_client.get(reverse("devices:download_data")).json()
    (request,) = data["help_requests"]
    assert request["subject"] == QUESTION["subject"]
    assert request["messages"][0]["text"] == QUESTION["message"]
