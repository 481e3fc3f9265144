"""Delete my account (releases every unit) and download my data."""

import json

import pytest
from django.urls import reverse

from accounts.models import User
from devices.models import AuditEvent, Registration
from tests.factories import TEST_PASSWORD, KitFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned_kit(owner):
    kit = KitFactory()
    for unit in kit.units.all():
        RegistrationFactory(unit=unit, account=owner)
    return kit


def test_deleting_the_account_releases_every_unit_and_anonymises_it(
    owner_client, stranger_client, owner, owned_kit
):
    response = owner_client.post(
        reverse("devices:close_account"), {"password": TEST_PASSWORD}, follow=True
    )
    assert "Your account has been deleted" in response.text
    owner.refresh_from_db()
    assert not owner.is_active
    assert owner.email.endswith("@invalid.invalid") and owner.full_name == ""
    assert not owner.has_usable_password()
    ended = Registration.objects.filter(account=owner)
    assert ended.count() == 2  # history stays
    assert set(ended.values_list("end_reason", flat=True)) == {"account_deleted"}
    assert AuditEvent.objects.filter(from_account=owner, action="released").count() == 2
    added = stranger_client.post(
        reverse("devices:add_by_box_code"), {"box_code": owned_kit.box_code}, follow=True
    )
    assert "Registered to your account" in added.text
    assert not User.objects.filter(email="owner@example.com").exists()


def test_a_wrong_password_deletes_nothing(owner_client, owner, owned_kit):
    response = owner_client.post(reverse("devices:close_account"), {"password": "nope"})
    assert "That is not your password." in response.text
    owner.refresh_from_db()
    assert owner.is_active
    assert Registration.objects.filter(account=owner, ended_at__isnull=True).count() == 2


def test_download_my_data(owner_client, owner, owned_kit):
    response = owner_client.get(reverse("devices:download_data"))
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["profile"]["email"] == owner.email
    assert {u["production_code"] for u in data["units"]} == {
        u.production_code for u in owned_kit.units.all()
    }
    assert len(data["registrations"]) == 2
    assert data["transfer_requests_made"] == []
