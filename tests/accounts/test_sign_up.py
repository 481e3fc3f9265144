"""Sign-up and e-mail verification; answers never reveal whether an address has an account."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.factories import AGREED, UserFactory
from tests.support.pages import comparable

pytestmark = pytest.mark.django_db

GOOD = {
    "full_name": "Jana Nováková",
    "email": "jana@example.com",
    "password": "a long and unusual passphrase",
    **AGREED,
}


def link_in(message):
    return (
        re.search(r"https?://[^\s]+", message.body)
        .group(0)
        .split("testserver")[-1]
        .replace("http://127.0.0.1:8000", "")
    )


def sign_up(client, **changes):
    return client.post(reverse("accounts:sign_up"), {**GOOD, **changes}, follow=True)


def test_sign_up_creates_an_unverified_account_and_sends_the_link(client):
    response = sign_up(client)
    assert "Check your e-mail" in response.text
    user = User.objects.get(email="jana@example.com")
    assert user.email_verified_at is None
    assert user.check_password(GOOD["password"])
    assert [m.subject for m in mail.outbox] == ["Verify your e-mail address"]
    assert mail.outbox[0].to == ["jana@example.com"]
    assert "/account/verify/" in mail.outbox[0].body
    assert mail.outbox[0].alternatives[0].mimetype == "text/html"


def test_the_verification_link_asks_for_the_password_and_works_once(client):
    sign_up(client)
    link = link_in(mail.outbox[0])
    page = client.get(link)
    assert "you may type the password you chose then" in page.text
    assert User.objects.get(email="jana@example.com").email_verified_at is None  # GET: nothing
    response = client.post(
        link, {"new_password1": GOOD["password"], "new_password2": GOOD["password"]}, follow=True
    )
    assert "Your e-mail address is verified and your password is saved" in response.text
    assert response.redirect_chain[-1][0] == reverse("accounts:sign_in")
    assert not response.context["user"].is_authenticated  # nobody is signed in by a link
    user = User.objects.get(email="jana@example.com")
    assert user.email_verified_at is not None and user.check_password(GOOD["password"])
    assert client.get(link).status_code == 400


def test_a_forged_verification_link_is_refused(client):
    response = client.get(reverse("accounts:verify_email", args=["MQ", "nonsense-token"]))
    assert response.status_code == 400
    assert "This link does not work" in response.text


def test_signing_up_with_a_known_address_answers_the_same_and_emails_a_sign_in_link(client):
    UserFactory(email="jana@example.com")
    new_answer = sign_up(client, email="someone.new@example.com")
    mail.outbox.clear()
    known_answer = sign_up(client, email="JANA@example.com")
    assert known_answer.status_code == new_answer.status_code == 200
    assert comparable(known_answer, hide=["someone.new"]) == comparable(
        new_answer, hide=["someone.new"]
    )
    assert User.objects.filter(email__iexact="jana@example.com").count() == 1
    assert [m.subject for m in mail.outbox] == ["You already have an account"]
    assert "/account/sign-in/" in mail.outbox[0].body


def test_signing_up_with_an_invited_address_emails_a_set_password_link(client):
    invited = UserFactory(email="jana@example.com", password=None, email_verified_at=None)
    sign_up(client)
    assert [m.subject for m in mail.outbox] == ["Choose a password for your account"]
    response = client.get(link_in(mail.outbox[0]), follow=True)
    response = client.post(
        response.request["PATH_INFO"],
        {
            "new_password1": "another long passphrase",
            "new_password2": "another long passphrase",
        },
        follow=True,
    )
    assert "Your password is saved" in response.text
    invited.refresh_from_db()
    assert invited.check_password("another long passphrase")
    assert invited.email_verified_at is not None  # following the e-mailed link proves it


def test_weak_passwords_are_refused_with_the_reason(client):
    response = sign_up(client, password="password")
    assert "This password is too common." in response.text
    assert not User.objects.filter(email="jana@example.com").exists()
    assert mail.outbox == []


def test_an_invalid_email_is_refused(client):
    response = sign_up(client, email="not-an-address")
    assert "Enter a valid email address." in response.text
    assert User.objects.count() == 0


def test_the_known_address_email_is_wholly_in_the_owners_language(client):
    UserFactory(email="jana@example.com", language="cs")
    client.post(
        reverse("accounts:sign_up"),
        {**GOOD, "email": "jana@example.com"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    message = mail.outbox[0]
    html = message.alternatives[0][0]
    assert '<html lang="cs">' in html
    assert ">Přihlásit se</a>" in html  # the button too, not the visitor's English
    assert "Sign in" not in html
