"""A mail server that refuses never loses an ownership change nor shows an error page; the
e-mail goes out once the server recovers (the outbox, retried by run_jobs)."""

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import OutgoingEmail
from devices.models import Registration
from tests.faults.conftest import free_port


class FlakyMailServer:
    """Refuses every message until ``recover()``, then keeps what it receives."""

    def __init__(self):
        self.refusing = True
        self.received = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if self.refusing:
            return "554 Transaction failed: the mail server is having a bad day"
        self.received.append(envelope)
        return "250 OK"

    def recover(self):
        self.refusing = False


@pytest.fixture
def mail_server(settings):
    handler = FlakyMailServer()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
        }
    }
    yield handler
    controller.stop()


@pytest.mark.django_db
def test_refused_mail_is_retried_and_the_change_stands(owner_client, owner, kit, mail_server):
    response = owner_client.post(
        reverse("devices:add_by_box_code"), {"box_code": kit.box_code}, follow=True
    )
    assert response.status_code == 200
    assert "Registered to your account" in response.text
    assert Registration.objects.filter(account=owner, ended_at__isnull=True).count() == 2
    pending = OutgoingEmail.objects.get()
    assert pending.sent_at is None and "554" in pending.last_error
    assert mail_server.received == []

    mail_server.recover()
    OutgoingEmail.objects.update(next_attempt_at=timezone.now())  # the retry is due
    call_command("run_jobs", verbosity=0)
    assert [envelope.rcpt_tos for envelope in mail_server.received] == [[owner.email]]
    assert OutgoingEmail.objects.get().sent_at is not None
