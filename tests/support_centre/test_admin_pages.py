"""The registry in the admin: every model listed, codes found however they are typed."""

import pytest
from django.urls import reverse

from devices import codes
from tests.conftest import verified_client
from tests.factories import KitFactory, RegistrationFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db):
    return verified_client(UserFactory(is_staff=True, is_superuser=True))


@pytest.mark.parametrize(
    "model",
    [
        "devices_productmodel",
        "devices_kit",
        "devices_unit",
        "devices_registration",
        "devices_auditevent",
        "accounts_store",
        "accounts_user",
    ],
)
def test_every_model_has_a_changelist(admin_client, model):
    RegistrationFactory()
    response = admin_client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200


def test_a_unit_is_found_by_its_code_typed_with_spaces_and_lower_case(admin_client):
    wanted, other = UnitFactory(), UnitFactory()
    typed = codes.format_unit_code(wanted.production_code).lower()
    response = admin_client.get(reverse("admin:devices_unit_changelist"), {"q": typed})
    assert wanted.formatted_code in response.text
    assert other.formatted_code not in response.text


def test_a_kit_is_found_by_its_box_code_with_dashes(admin_client):
    kit = KitFactory()
    typed = "-".join(codes.format_box_code(kit.box_code).split())
    response = admin_client.get(reverse("admin:devices_kit_changelist"), {"q": typed})
    assert kit.formatted_code in response.text
    assert "1 result" in response.text


def test_a_unit_page_shows_its_registration_history(admin_client):
    registration = RegistrationFactory()
    response = admin_client.get(reverse("admin:devices_unit_change", args=[registration.unit.pk]))
    assert registration.account.email in response.text


def test_nothing_in_the_registry_can_be_deleted_from_the_admin(admin_client):
    unit = UnitFactory()
    response = admin_client.get(reverse("admin:devices_unit_delete", args=[unit.pk]))
    assert response.status_code == 403
