"""Nobody meets "contact customer support" without a way to do it: a Help page, the contact
details in every page's footer and at the end of every e-mail (operator settings)."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.emails import send_email
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(settings):
    settings.SUPPORT_EMAIL = "pomoc@aurora.example"
    settings.SUPPORT_PHONE = "+420 222 333 444"
    settings.SUPPORT_HOURS = "Po–Pá 8–18"


def test_every_page_shows_how_to_reach_support_and_links_the_help_page(client, contact):
    page = client.get(reverse("accessibility"))
    assert 'href="mailto:pomoc@aurora.example"' in page.text
    assert 'href="tel:+420222333444"' in page.text and "Po–Pá 8–18" in page.text
    assert f'href="{reverse("help")}"' in page.text


def test_the_help_page_covers_codes_second_hand_complaints_and_lost_devices(client, contact):
    page = client.get(reverse("help"))
    for heading in (
        "Registering your devices",
        "Where are the codes?",
        "Bought second-hand",
        "A faulty device",
        "Lost or stolen",
        "Contact customer support",
    ):
        assert heading in page.text
    assert "pomoc@aurora.example" in page.text


def test_every_email_ends_with_the_contact_and_masked_addresses_are_not_links(
    contact, django_capture_on_commit_callbacks
):
    customer = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        send_email("units_registered", to=customer, context={"units": [], "store": None})
    message = mail.outbox[-1]
    assert message.body.rstrip().endswith("pomoc@aurora.example, +420 222 333 444 (Po–Pá 8–18)")
    html = message.alternatives[0][0]
    assert "mailto:" not in html  # the support address in the text stays text, as any address


def test_only_web_addresses_become_links_in_html_emails():
    from portal.templatetags.portal_text import link_web_addresses

    html = link_web_addresses("Ask j***@example.com <b> or see https://x.example/a?b=1&c=2 .")
    assert "mailto" not in html and "<b>" not in html
    assert '<a href="https://x.example/a?b=1&amp;c=2">' in html
