"""Races through the real views on real connections: exactly one winner, clear messages for
everyone else, never a 500."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from devices.models import Registration, TransferRequest
from devices.services import request_transfer
from tests.conftest import CommitAwareClient
from tests.factories import RegistrationFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(actions):
    barrier = threading.Barrier(len(actions))
    results = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait()
            results[index] = action()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def signed_in(user):
    client = CommitAwareClient(raise_request_exception=False)
    client.force_login(user)
    return client


def test_twenty_customers_claim_one_free_unit(settings):
    settings.LOOKUP_FAILURES_PER_ADDRESS = 100
    unit = UnitFactory()
    clients = [signed_in(UserFactory()) for _ in range(20)]

    def claim(client):
        return lambda: client.post(
            reverse("devices:add_by_unit_codes"), {"holder_code": unit.production_code}, follow=True
        )

    responses = run_together([claim(client) for client in clients])
    assert [r.status_code for r in responses].count(500) == 0
    winners = [r for r in responses if "Registered to your account" in r.text]
    losers = [r for r in responses if "This device is registered to another account." in r.text]
    assert (len(winners), len(losers)) == (1, 19)
    assert Registration.objects.filter(unit=unit, ended_at__isnull=True).count() == 1


def test_approving_a_transfer_while_removing_the_unit(owner, stranger):
    unit = UnitFactory()
    RegistrationFactory(unit=unit, account=owner)
    transfer = request_transfer(unit=unit, requester=stranger)
    approve_client, remove_client = signed_in(owner), signed_in(owner)

    responses = run_together(
        [
            lambda: approve_client.post(
                reverse("devices:approve_transfer", args=[transfer.pk]), follow=True
            ),
            lambda: remove_client.post(reverse("devices:remove_unit", args=[unit.pk]), follow=True),
        ]
    )
    # Not a 5xx, not the outage page, not "page not found": both land on My devices.
    assert [r.status_code for r in responses] == [200, 200]
    assert all("My devices" in r.text for r in responses)
    transfer.refresh_from_db()
    current = Registration.objects.filter(unit=unit, ended_at__isnull=True).first()
    if transfer.status == TransferRequest.Status.APPROVED:
        assert current is not None and current.account == stranger  # approval won
    else:
        assert transfer.status == TransferRequest.Status.CANCELLED  # removal won
        assert current is None
    assert Registration.objects.filter(unit=unit, ended_at__isnull=True).count() <= 1


def test_the_lookup_limit_holds_across_connections(settings):
    """Two clients of one account on two database connections at once: no lost counts."""
    from accounts.models import RateLimitCounter
    from devices import codes

    settings.LOOKUP_FAILURES_PER_ACCOUNT = 10
    settings.LOOKUP_FAILURES_PER_ADDRESS = 1000
    user = UserFactory()
    clients = [signed_in(user), signed_in(user)]

    def hammer(client, offset):
        def run():
            answers = []
            for n in range(10):
                response = client.post(
                    reverse("devices:add_by_box_code"),
                    {"box_code": codes.make_box_code(77_000_000_000 + offset + n)},
                    follow=True,
                )
                answers.append("We cannot find this code" in response.text)
            return answers

        return run

    results = run_together([hammer(clients[0], 0), hammer(clients[1], 100)])
    looked_up = sum(sum(answers) for answers in results)
    counter = RateLimitCounter.objects.get(key=f"lookup-account:{user.pk}")
    assert counter.hits == looked_up  # every failure counted, none lost to a race
    assert 10 <= looked_up <= 11  # at most one request slips in while both check at once
    blocked = clients[0].post(
        reverse("devices:add_by_box_code"),
        {"box_code": codes.make_box_code(77_000_000_999)},
        follow=True,
    )
    assert "Too many codes could not be registered" in blocked.text
