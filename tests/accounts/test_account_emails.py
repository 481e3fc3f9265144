"""Sign-up and password-reset answers do the same work for known and unknown addresses: the
look-up, the rendering and the outbox write happen after the answer has been sent, and the
e-mails are limited per recipient and per client address without the answer changing."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.http.response import HttpResponseBase
from django.test import override_settings
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import OutgoingEmail, User
from tests.conftest import CommitAwareClient
from tests.factories import AGREED, UserFactory
from tests.support.pages import comparable

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unusual passphrase"


class BeforeTheAnswer:
    """What one request did before its answer left: SQL and templates up to ``close()``
    (where a WSGI server has written the body and the deferred work starts)."""

    def __init__(self, monkeypatch):
        self.queries = self.templates = None
        self._rendered = []
        self._capture = CaptureQueriesContext(connection)
        original_close = HttpResponseBase.close

        def close(response):
            if self.queries is None:
                self.queries = [q["sql"] for q in self._capture.captured_queries]
                self.templates = [t.name for t in self._rendered]
            original_close(response)

        monkeypatch.setattr(HttpResponseBase, "close", close)

    def post(self, client, url, data):
        self.queries = self.templates = None
        self._rendered.clear()
        template_rendered.connect(self._on_render)
        try:
            with self._capture:
                response = client.post(url, data)
        finally:
            template_rendered.disconnect(self._on_render)
        return response

    def _on_render(self, sender, template, **kwargs):
        self._rendered.append(template)

    @property
    def shapes(self):
        """The SQL without its values (addresses and counter keys differ by design)."""
        return [re.sub(r"'[^']*'|\b\d+\b", "?", sql) for sql in self.queries]


@pytest.fixture
def before_answer(monkeypatch):
    return BeforeTheAnswer(monkeypatch)


def test_password_reset_does_the_same_work_before_answering_known_and_unknown(
    client, before_answer
):
    known = UserFactory(email="jana@example.com")
    url = reverse("accounts:password_reset")
    known_answer = before_answer.post(client, url, {"email": known.email})
    known_work = (before_answer.shapes, before_answer.templates)
    assert [m.to for m in mail.outbox] == [[known.email]]  # sent, after the answer
    unknown_answer = before_answer.post(client, url, {"email": "nobody@example.com"})
    assert (before_answer.shapes, before_answer.templates) == known_work
    assert not any("accounts_user" in sql for sql in before_answer.queries)
    assert not any(name.startswith("emails/") for name in before_answer.templates)
    assert known_answer["Location"] == unknown_answer["Location"]
    assert len(mail.outbox) == 1


def test_sign_up_does_the_same_work_before_answering_known_and_new(client, before_answer):
    UserFactory(email="jana@example.com")
    url = reverse("accounts:sign_up")
    fields = {"full_name": "Jana", "password": PASSWORD, **AGREED}
    before_answer.post(client, url, {**fields, "email": "jana@example.com"})
    known_work = (before_answer.shapes, before_answer.templates)
    before_answer.post(client, url, {**fields, "email": "someone.new@example.com"})
    assert (before_answer.shapes, before_answer.templates) == known_work
    assert not any("accounts_user" in sql for sql in before_answer.queries)
    # After the answers: one sign-in reminder, one new account with its verification link.
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["jana@example.com"], "You already have an account"),
        (["someone.new@example.com"], "Verify your e-mail address"),
    ]
    assert User.objects.filter(email="someone.new@example.com").exists()


@override_settings(ACCOUNT_EMAILS_PER_RECIPIENT=3)
def test_reset_e_mails_to_one_address_are_limited_and_the_answer_never_changes(client):
    """An attacker floods the victim's mailbox with reset links."""
    victim = UserFactory(email="jana@example.com")
    answers = [
        client.post(reverse("accounts:password_reset"), {"email": victim.email}, follow=True)
        for _ in range(6)
    ]
    assert len({comparable(answer) for answer in answers}) == 1
    assert "we send at most 3 such messages to one address within 60 minutes" in answers[0].text
    assert len(mail.outbox) == OutgoingEmail.objects.count() == 3


@override_settings(ACCOUNT_EMAILS_PER_ADDRESS=4)
def test_sign_up_e_mails_from_one_client_address_are_limited(client):
    """One machine signs up address after address (each a new mailbox to spam)."""
    attacker = CommitAwareClient(REMOTE_ADDR="203.0.113.30")
    for n in range(6):
        response = attacker.post(
            reverse("accounts:sign_up"),
            {"full_name": "X", "email": f"target{n}@example.com", "password": PASSWORD, **AGREED},
        )
        assert response["Location"] == reverse("accounts:sign_up_done")
    assert sorted(m.to[0] for m in mail.outbox) == [f"target{n}@example.com" for n in range(4)]
    assert User.objects.count() == 4
    # Another client address is not affected.
    client.post(
        reverse("accounts:sign_up"),
        {"full_name": "Y", "email": "target9@example.com", "password": PASSWORD, **AGREED},
    )
    assert mail.outbox[-1].to == ["target9@example.com"]
