"""Sign-in throttling per account and per client address, released automatically."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from tests.conftest import CommitAwareClient
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(email, password, address="198.51.100.20"):
    client = CommitAwareClient(REMOTE_ADDR=address)
    return client.post(reverse("accounts:sign_in"), {"username": email, "password": password})


def test_an_account_is_paused_after_five_failures_even_from_other_addresses(owner):
    for n in range(5):
        sign_in("owner@example.com", "wrong", address=f"198.51.100.{n}")
    response = sign_in("owner@example.com", TEST_PASSWORD, address="203.0.113.77")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text


def test_an_address_is_paused_after_five_failures_across_accounts(owner):
    for n in range(5):
        sign_in(f"guess{n}@example.com", "wrong")
    response = sign_in("owner@example.com", TEST_PASSWORD)
    assert response.status_code == 429


def test_unknown_and_known_accounts_are_paused_alike(owner):
    for email in ("owner@example.com", "nobody@example.com"):
        for n in range(5):
            sign_in(email, "wrong", address=f"192.0.2.{n}")
    known = sign_in("owner@example.com", "wrong", address="192.0.2.99")
    unknown = sign_in("nobody@example.com", "wrong", address="192.0.2.98")
    assert known.status_code == unknown.status_code == 429


def test_the_pause_is_released_automatically(owner):
    for n in range(5):
        sign_in("owner@example.com", "wrong", address=f"198.51.100.{n}")
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    response = sign_in("owner@example.com", TEST_PASSWORD, address="203.0.113.5")
    assert response.status_code == 302  # signed in
