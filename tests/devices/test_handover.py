"""Private resale with a one-time handover code."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from devices.models import HandoverCode, Registration
from tests.factories import KitFactory, RegistrationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned_kit(owner):
    kit = KitFactory()
    for unit in kit.units.all():
        RegistrationFactory(unit=unit, account=owner)
    return kit


def create(client, units):
    return client.post(
        reverse("devices:create_handover"), {"units": [u.pk for u in units]}, follow=True
    )


def shown_code(response):
    """The code as the page shows it to the owner, the one time it is shown."""
    return re.search(r'id="handover-code">([A-Z0-9-]+)<', response.text).group(1)


def create_code(client, units):
    return shown_code(create(client, units))


def redeem(client, code):
    return client.post(reverse("devices:redeem_handover"), {"code": code}, follow=True)


def owners(kit):
    return {r.account for r in Registration.objects.filter(unit__kit=kit, ended_at__isnull=True)}


def test_the_buyer_takes_over_a_whole_kit_with_the_code(
    owner_client, stranger_client, owner, stranger, owned_kit
):
    code = create_code(owner_client, owned_kit.units.all())
    mail.outbox.clear()
    typed = code.lower().replace("-", " ")
    response = redeem(stranger_client, typed)
    assert "2 devices are now registered to you." in response.text
    assert owners(owned_kit) == {stranger}
    assert {r.source for r in Registration.objects.filter(account=stranger)} == {"handover_code"}
    assert sorted(m.to[0] for m in mail.outbox) == [owner.email, stranger.email]


def test_a_code_works_once(owner_client, stranger_client, owned_kit):
    code = create_code(owner_client, owned_kit.units.all())
    redeem(stranger_client, code)
    stranger_client.force_login(UserFactory())  # a third person tries the same code
    response = redeem(stranger_client, code)
    assert "This handover code is not valid" in response.text


def test_an_expired_or_cancelled_code_does_nothing(owner_client, stranger_client, owner, owned_kit):
    code = create_code(owner_client, owned_kit.units.all())
    handover = HandoverCode.objects.get()
    HandoverCode.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert "not valid" in redeem(stranger_client, code).text
    HandoverCode.objects.update(expires_at=timezone.now() + datetime.timedelta(hours=1))
    owner_client.post(reverse("devices:cancel_handover", args=[handover.pk]))
    assert "not valid" in redeem(stranger_client, code).text
    assert owners(owned_kit) == {owner}


def test_a_unit_that_left_the_sellers_account_voids_the_code(
    owner_client, stranger_client, owner, owned_kit
):
    code = create_code(owner_client, owned_kit.units.all())
    holder = owned_kit.units.get(kind="holder")
    owner_client.post(reverse("devices:remove_unit", args=[holder.pk]))
    assert "not valid" in redeem(stranger_client, code).text
    # Nothing moved: the charger is still the seller's.
    assert (
        Registration.objects.get(
            unit__kit=owned_kit, unit__kind="charger", ended_at__isnull=True
        ).account
        == owner
    )


def test_the_seller_cannot_use_their_own_code(owner_client, owned_kit):
    code = create_code(owner_client, owned_kit.units.all())
    response = redeem(owner_client, code)
    assert "This is your own handover code" in response.text


def test_guessing_codes_is_rate_limited(stranger_client, settings):
    settings.LOOKUP_FAILURES_PER_ACCOUNT = 2
    # A day's window: a 15-minute window could start afresh between the three tries.
    settings.LOOKUP_WINDOW_MINUTES = 24 * 60
    redeem(stranger_client, "AAAAA-AAAAA")
    redeem(stranger_client, "CCCCC-CCCCC")
    response = redeem(stranger_client, "DDDDD-DDDDD")
    assert "Too many codes could not be used" in response.text


def test_only_units_you_own_can_be_handed_over(owner_client, stranger, owned_kit):
    other = KitFactory()
    for unit in other.units.all():
        RegistrationFactory(unit=unit, account=stranger)
    response = create(owner_client, other.units.all())
    assert "Select a valid choice" in response.text
    assert not HandoverCode.objects.exists()


def test_strangers_cannot_see_or_cancel_a_code(owner_client, stranger_client, owned_kit):
    create(owner_client, owned_kit.units.all())
    handover = HandoverCode.objects.get()
    assert (
        stranger_client.get(reverse("devices:handover_detail", args=[handover.pk])).status_code
        == 404
    )
    assert (
        stranger_client.post(reverse("devices:cancel_handover", args=[handover.pk])).status_code
        == 404
    )
    handover.refresh_from_db()
    assert handover.cancelled_at is None


def test_the_code_is_shown_once_and_never_stored(owner_client, owned_kit):
    code = create_code(owner_client, owned_kit.units.all())
    handover = HandoverCode.objects.get()
    stored = " ".join(str(value) for value in HandoverCode.objects.values().get().values())
    assert code.replace("-", "") not in stored
    again = owner_client.get(reverse("devices:handover_detail", args=[handover.pk]))
    assert code not in again.text
    assert "shown once, when you created it" in again.text
    assert all(code.replace("-", "") not in m.body.replace("-", "") for m in mail.outbox)
