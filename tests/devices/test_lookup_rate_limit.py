"""Failed look-ups are limited per account and per client address, across clients."""

import re

import pytest
from django.urls import reverse

from devices import codes
from devices.models import AuditEvent, Registration
from tests.conftest import CommitAwareClient
from tests.factories import KitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.LOOKUP_FAILURES_PER_ACCOUNT = 3
    settings.LOOKUP_FAILURES_PER_ADDRESS = 5


def unknown_code(n):
    return codes.make_box_code(88_000_000_000 + n)


def client_for(user, address="198.51.100.7"):
    client = CommitAwareClient(REMOTE_ADDR=address)
    client.force_login(user)
    return client


def try_box(client, code):
    return client.post(reverse("devices:add_by_box_code"), {"box_code": code}, follow=True)


def test_past_the_account_limit_the_page_says_when_to_try_again(owner):
    first, second = client_for(owner, "198.51.100.1"), client_for(owner, "198.51.100.2")
    for n in range(2):
        assert "We cannot find this code" in try_box(first, unknown_code(n)).text
    assert "We cannot find this code" in try_box(second, unknown_code(2)).text
    # Even a valid, free kit is not looked up now: the limit holds across both clients.
    kit = KitFactory()
    response = try_box(second, kit.box_code)
    assert "Too many codes could not be registered. Please try again after" in response.text
    assert re.search(r"try again after [0-9:]+ [ap]\.m\. CET\.<", response.text)  # not "p.m.."
    assert response.status_code == 429
    assert not Registration.objects.exists()


def test_the_address_limit_holds_across_accounts():
    for n, user in enumerate(UserFactory.create_batch(2)):
        client = client_for(user)
        for m in range(3 if n == 0 else 2):
            try_box(client, unknown_code(10 * n + m))
    blocked = try_box(client_for(UserFactory()), KitFactory().box_code)
    assert "Too many codes could not be registered" in blocked.text


def test_mistyped_codes_do_not_count(owner):
    client = client_for(owner)
    for _ in range(10):
        try_box(client, "123456789010")  # wrong check digit: refused before any lookup
    kit = KitFactory()
    assert "Registered to your account" in try_box(client, kit.box_code).text


def test_forwarded_for_is_ignored_without_trusted_proxies(owner, settings):
    attacker = UserFactory()
    for n in range(5):
        client = client_for(attacker if n < 3 else UserFactory())
        client.post(
            reverse("devices:add_by_box_code"),
            {"box_code": unknown_code(n)},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
    # All five came from one REMOTE_ADDR, whatever the header claimed.
    assert "Too many codes" in try_box(client_for(UserFactory()), KitFactory().box_code).text


def test_with_one_trusted_proxy_the_forwarded_address_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(5):
        client = client_for(UserFactory(), address="10.0.0.1")  # the load balancer
        client.post(
            reverse("devices:add_by_box_code"),
            {"box_code": unknown_code(n)},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
    fresh = client_for(UserFactory(), address="10.0.0.1")
    response = fresh.post(
        reverse("devices:add_by_box_code"),
        {"box_code": KitFactory().box_code},
        HTTP_X_FORWARDED_FOR="203.0.113.99",
        follow=True,
    )
    assert "Registered to your account" in response.text


def test_claiming_unsold_kits_by_counting_box_codes_is_limited(settings):
    """Box codes are a serial and a check digit: a squatter could register every unsold kit
    in a range. A customer registers a few devices a day; past the limit, nothing more."""
    settings.REGISTRATIONS_PER_ACCOUNT_PER_DAY = 4
    squatter = client_for(UserFactory())
    kits = KitFactory.create_batch(3)
    for kit in kits[:2]:
        assert "Registered to your account" in try_box(squatter, kit.box_code).text
    response = try_box(squatter, kits[2].box_code)
    assert "You have registered many devices today" in response.text
    assert not Registration.objects.filter(unit__kit=kits[2]).exists()
    # Someone else, from another address, still registers the kit they bought.
    buyer = client_for(UserFactory(), address="203.0.113.9")
    assert "Registered to your account" in try_box(buyer, kits[2].box_code).text


def test_support_sees_an_account_that_reached_the_registration_limit(settings, agent_client):
    settings.REGISTRATIONS_PER_ACCOUNT_PER_DAY = 2
    squatter = UserFactory(email="squatter@example.com")
    client = client_for(squatter)
    kits = KitFactory.create_batch(3)
    try_box(client, kits[0].box_code)
    try_box(client, kits[1].box_code)
    try_box(client, kits[2].box_code)  # over the limit: flagged (once a day)
    try_box(client, kits[2].box_code)
    events = AuditEvent.objects.filter(action="registration_limit_reached", from_account=squatter)
    assert events.count() == 1
    page = agent_client.get(reverse("admin:accounts_user_change", args=[squatter.pk]))
    assert "daily registration limit reached" in page.text.lower()
    assert "1 day in the last 30, the last on" in page.text
    other = UserFactory(email="buyer@example.com")
    page = agent_client.get(reverse("admin:accounts_user_change", args=[other.pk]))
    assert "1 day in the last 30" not in page.text


def test_the_registration_limit_holds_per_address_across_accounts(settings):
    settings.REGISTRATIONS_PER_ADDRESS_PER_DAY = 2
    kits = KitFactory.create_batch(2)
    try_box(client_for(UserFactory()), kits[0].box_code)
    response = try_box(client_for(UserFactory()), kits[1].box_code)
    # Not blamed on the newcomer: the limit is the shared address's.
    assert "Many devices have been registered from your network today." in response.text
    assert "You have registered many devices" not in response.text
    assert not Registration.objects.filter(unit__kit=kits[1]).exists()
