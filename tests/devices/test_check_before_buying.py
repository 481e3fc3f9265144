"""Check a device before you buy it: a public page that tells a buyer only what a buyer needs
(not ours / free / registered to an account / reported lost or stolen), never who owns it;
every check counts against the client's limit; the owner of a stolen unit hears of checks."""

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from devices import codes
from devices.models import Unit
from tests.factories import KitFactory, RegistrationFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db
CHECK = reverse("check")


def check(client, code, **extra):
    return client.post(CHECK, {"code": code}, **extra)


def test_a_free_kit_is_free_to_register(client):
    kit = KitFactory()
    response = check(client, codes.format_box_code(kit.box_code))
    assert response.status_code == 200
    assert response.text.count("Genuine and free: nobody has registered it.") == 2


def test_a_registered_unit_says_how_to_buy_it_and_never_who_owns_it(client):
    owner = UserFactory(email="seller@example.com", full_name="Karel Prodejce")
    unit = RegistrationFactory(account=owner).unit
    response = check(client, unit.production_code.lower())
    assert "Genuine, and registered to someone" in response.text
    assert "give you a handover code" in response.text
    assert "seller@example.com" not in response.text and "Karel" not in response.text


def test_the_owner_sees_their_own_unit_as_theirs(owner_client, owner):
    unit = RegistrationFactory(account=owner).unit
    assert "Registered to your account." in check(owner_client, unit.production_code).text


def test_a_stolen_unit_says_do_not_buy_and_the_owner_is_told_once_a_day(client):
    owner = UserFactory(email="victim@example.com")
    unit = RegistrationFactory(account=owner, unit=UnitFactory(lost_or_stolen=True)).unit
    response = check(client, unit.production_code)
    assert "Reported lost or stolen. Do not buy it." in response.text
    check(client, unit.production_code)
    (message,) = mail.outbox
    assert message.to == ["victim@example.com"]
    assert "reported lost or stolen" in message.subject
    assert unit.formatted_code in message.body


def test_a_returned_unit_cannot_be_registered(client):
    unit = UnitFactory(status=Unit.Status.RETURNED_DEFECTIVE)
    response = check(client, unit.production_code)
    assert "it cannot be registered any more" in response.text


def test_codes_that_are_not_ours_say_so(client):
    for unknown in (codes.make_box_code(987_654_321), codes.make_unit_code(codes.HOLDER, 987_654)):
        response = check(client, unknown)
        assert response.status_code == 400
        assert "This is not a code of one of our devices." in response.text
    good = codes.make_box_code(5)
    mistyped = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert "One character looks mistyped" in check(client, mistyped).text


@override_settings(CHECKS_PER_CLIENT_PER_HOUR=3)
def test_every_check_counts_against_the_client_limit(client):
    kit = KitFactory()
    for _attempt in range(3):
        assert check(client, kit.box_code).status_code == 200
    refused = check(client, kit.box_code)
    assert refused.status_code == 429
    assert "You have checked many codes. Please try again after" in refused.text
    assert "Genuine and free" not in refused.text


@override_settings(CHECKS_PER_CLIENT_PER_HOUR=2)
def test_ipv6_clients_are_counted_by_their_64(client):
    kit = KitFactory()
    check(client, kit.box_code, REMOTE_ADDR="2001:db8:1:2::10")
    check(client, kit.box_code, REMOTE_ADDR="2001:db8:1:2:ffff::99")
    refused = check(client, kit.box_code, REMOTE_ADDR="2001:db8:1:2::abcd")
    assert "You have checked many codes." in refused.text
    other_network = check(client, kit.box_code, REMOTE_ADDR="2001:db8:1:3::10")
    assert "Genuine and free" in other_network.text


def test_the_home_page_and_help_link_the_check(client):
    for page in ("home", "help"):
        assert CHECK in client.get(reverse(page)).text
