"""A mail server that is down never loses a change and never shows an error page."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from accounts.models import OutgoingEmail
from devices.models import Registration
from tests.factories import KitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail_server_down(settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.support.mail.RefusingEmailBackend"}}
    return settings


def test_a_change_survives_a_mail_server_that_is_down_and_the_mail_follows_later(
    owner_client, owner, mail_server_down
):
    kit = KitFactory()
    response = owner_client.post(
        reverse("devices:add_by_box_code"), {"box_code": kit.box_code}, follow=True
    )
    assert response.status_code == 200
    assert "Registered to your account" in response.text
    assert Registration.objects.filter(account=owner, ended_at__isnull=True).count() == 2
    pending = OutgoingEmail.objects.get()
    assert pending.sent_at is None and pending.attempts == 1
    assert "mail server is down" in pending.last_error

    mail_server_down.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    }
    OutgoingEmail.objects.update(next_attempt_at=pending.created_at)  # the retry is due
    call_command("run_jobs")
    assert [m.subject for m in mail.outbox] == ["Your devices are registered"]
    assert OutgoingEmail.objects.get().sent_at is not None


def test_run_jobs_sends_each_mail_once(owner):
    from accounts.emails import send_email

    send_email("unit_found", to=owner, context={"unit": KitFactory().units.first()})
    call_command("run_jobs")
    call_command("run_jobs")
    assert len(mail.outbox) == 1
