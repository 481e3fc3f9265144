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


# The attacker's own successes from the same address must not wipe the failures against the
# victim (django-axes' reset on success deleted every attempt of the address).
ATTACKER_ADDRESS = "203.0.113.66"


def test_successes_in_between_do_not_reset_the_victims_failures(owner, stranger):
    victim, attacker = owner, stranger
    answers = []
    for _round in range(3):  # 4 wrong passwords for the victim, one good own sign-in, repeat
        answers += [sign_in(victim.email, "guess", ATTACKER_ADDRESS).status_code for _ in "1234"]
        answers.append(sign_in(attacker.email, TEST_PASSWORD, ATTACKER_ADDRESS).status_code)
    assert answers[:5] == [200, 200, 200, 200, 302]  # the attacker's own sign-in works
    assert answers[5:] == [429] * 10  # the 5th failure locks the victim (and the address)
    # From anywhere else, the victim's account stays paused, the attacker's does not.
    assert sign_in(victim.email, TEST_PASSWORD, "192.0.2.200").status_code == 429
    assert sign_in(attacker.email, TEST_PASSWORD, "192.0.2.201").status_code == 302
    assert AccessAttempt.objects.filter(username=victim.email.upper()).exists()


def test_the_address_lock_still_holds_after_a_success(owner, stranger):
    for n in range(4):
        sign_in(f"guess{n}@example.com", "wrong", address=ATTACKER_ADDRESS)
    assert sign_in(stranger.email, TEST_PASSWORD, address=ATTACKER_ADDRESS).status_code == 302
    sign_in("guess9@example.com", "wrong", address=ATTACKER_ADDRESS)  # the 5th failure
    assert sign_in(owner.email, TEST_PASSWORD, address=ATTACKER_ADDRESS).status_code == 429
    assert sign_in(owner.email, TEST_PASSWORD, address="192.0.2.201").status_code == 302


def test_a_success_still_clears_the_accounts_own_failures(owner):
    for n in range(4):
        sign_in(owner.email, "typo", address=f"198.51.100.{n}")
    assert sign_in(owner.email, TEST_PASSWORD, address="198.51.100.50").status_code == 302
    assert not AccessAttempt.objects.filter(username=owner.email.upper()).exists()
    for n in range(4):  # four more typos do not lock: the count started afresh
        sign_in(owner.email, "typo", address=f"198.51.100.{10 + n}")
    assert sign_in(owner.email, TEST_PASSWORD, address="198.51.100.60").status_code == 302


def test_spellings_of_one_address_count_as_one_account(owner):
    # Letter case and a full-width look-alike domain are the same account to the limit too.
    spellings = [
        "OWNER@example.com",
        "owner@EXAMPLE.COM",
        "owner@\uff45xample.com",
        "Owner@Example.com",
    ]
    for n, spelling in enumerate(spellings + ["owner@example.com"]):
        sign_in(spelling, "wrong", address=f"198.51.100.{n}")
    assert sign_in(owner.email, TEST_PASSWORD, address="203.0.113.9").status_code == 429
