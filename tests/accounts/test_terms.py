"""Agreement to the terms of use and privacy notice, and that the person is an adult: asked
at sign-up, when a store-created account sets its password, and again whenever the operator
publishes a new version; version and time are stored."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from accounts.models import User
from claims.services import find_or_invite_customer
from tests.factories import AGREED, StoreFactory, StoreMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
SIGN_UP = {
    "full_name": "Jana Nováková",
    "email": "jana@example.com",
    "password": "a long and unusual passphrase",
}


def test_sign_up_refuses_without_both_agreements_and_creates_nothing(client):
    response = client.post(reverse("accounts:sign_up"), SIGN_UP)
    assert "Please agree to the terms to continue." in response.text
    assert "Only adults may have an account." in response.text
    assert not User.objects.exists() and mail.outbox == []


def test_sign_up_links_the_texts_and_stores_the_version_and_time(client):
    form = client.get(reverse("accounts:sign_up"))
    assert reverse("accounts:terms") in form.text and reverse("accounts:privacy") in form.text
    client.post(reverse("accounts:sign_up"), {**SIGN_UP, **AGREED})
    user = User.objects.get()
    assert user.terms_version == settings.TERMS_VERSION
    assert user.terms_accepted_at is not None and user.adult_confirmed_at is not None


def test_a_store_created_account_agrees_when_it_sets_its_password(
    client, django_capture_on_commit_callbacks
):
    store = StoreFactory()
    clerk = StoreMembershipFactory(store=store).user
    with django_capture_on_commit_callbacks(execute=True):
        customer, _invitation = find_or_invite_customer(
            email="new@example.com", store=store, staff=clerk
        )
    assert customer.needs_terms
    link = re.search(r"http://\S+/account/invitation/\S+/", mail.outbox[-1].body).group(0)
    passwords = {
        "new_password1": "my own long passphrase",
        "new_password2": "my own long passphrase",
    }
    page = client.get(link)
    assert "I am 18 or older." in page.text
    refused = client.post(link, passwords)
    assert "Please agree to the terms to continue." in refused.text
    customer.refresh_from_db()
    assert not customer.has_usable_password()
    client.post(link, {**passwords, **AGREED})
    customer.refresh_from_db()
    assert customer.has_usable_password()
    assert customer.terms_version == settings.TERMS_VERSION


def test_a_new_version_is_asked_for_before_anything_else(owner_client, owner):
    adult_since = owner.adult_confirmed_at
    with override_settings(TERMS_VERSION="2027-01"):
        response = owner_client.get(reverse("devices:my_devices"))
        question = reverse("accounts:accept_terms")
        assert response.status_code == 302
        assert response["Location"] == f"{question}?next=%2Fdevices%2F"
        page = owner_client.get(response["Location"])
        assert "Our terms have changed" in page.text
        assert "version 2027-01" in page.text
        refused = owner_client.post(question, {"next": "/devices/"})
        assert refused.status_code == 400
        agreed = owner_client.post(question, {**AGREED, "next": "/devices/"})
        assert agreed["Location"] == "/devices/"
        owner.refresh_from_db()
        assert owner.terms_version == "2027-01"
        assert owner.adult_confirmed_at == adult_since  # given once, kept
        assert owner_client.get(reverse("devices:my_devices")).status_code == 200


def test_without_agreeing_a_person_can_still_read_the_texts_take_their_data_and_leave(
    owner_client,
):
    with override_settings(TERMS_VERSION="2027-01"):
        for name in ("accounts:terms", "accounts:privacy", "devices:download_data"):
            assert owner_client.get(reverse(name)).status_code == 200, name
        assert owner_client.get(reverse("devices:close_account")).status_code == 200
        assert owner_client.post(reverse("accounts:sign_out")).status_code == 302
        assert "_auth_user_id" not in owner_client.session


def test_the_question_never_sends_anyone_to_another_site(owner_client, owner):
    owner.terms_version = ""
    owner.save()
    response = owner_client.post(
        reverse("accounts:accept_terms"), {**AGREED, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("devices:my_devices")


def test_support_staff_are_not_asked(agent_client, support_agent):
    with override_settings(TERMS_VERSION="2027-01"):
        assert agent_client.get(reverse("admin:index")).status_code == 200


def test_the_support_centre_shows_what_an_account_agreed_to(agent_client):
    customer = UserFactory(email="jana@example.com")
    page = agent_client.get(reverse("admin:accounts_user_change", args=[customer.pk]))
    assert "terms accepted (version)" in page.text.lower() or "Terms accepted" in page.text
    assert settings.TERMS_VERSION in page.text
