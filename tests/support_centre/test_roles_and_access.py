"""Who may enter the support centre and do what."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import Store
from tests.conftest import CommitAwareClient, verified_client
from tests.factories import StoreMembershipFactory

pytestmark = pytest.mark.django_db


def test_the_groups_exist_with_their_permissions():
    agents = set(
        Group.objects.get(name="Support agents").permissions.values_list("codename", flat=True)
    )
    supervisors = set(
        Group.objects.get(name="Supervisors").permissions.values_list("codename", flat=True)
    )
    assert {"release_unit", "reassign_unit", "flag_unit", "decide_case"} <= agents
    assert "apply_ownership_change" not in agents and "add_store" not in agents
    assert agents < supervisors
    assert {
        "apply_ownership_change",
        "add_store",
        "add_storemembership",
        "import_catalogue",
    } <= supervisors


def test_the_admin_is_branded_support_centre(agent_client):
    assert "Support centre" in agent_client.get(reverse("admin:index")).text


def test_an_agent_cannot_manage_stores_a_supervisor_can(agent_client, supervisor_client):
    assert agent_client.get(reverse("admin:accounts_store_add")).status_code == 403
    assert (
        agent_client.post(
            reverse("admin:accounts_store_add"), {"name": "X", "kind": "shop"}
        ).status_code
        == 403
    )
    response = supervisor_client.post(
        reverse("admin:accounts_store_add"),
        {
            "name": "Nová prodejna",
            "kind": "shop",
            "address": "",
            "is_active": "on",
            "created_at_0": "2026-11-24",
            "created_at_1": "10:00:00",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert Store.objects.filter(name="Nová prodejna").exists()


@pytest.mark.parametrize("who", ["customer", "store_staff"])
def test_customers_and_store_staff_never_enter(owner, who):
    user = owner if who == "customer" else StoreMembershipFactory().user
    client = CommitAwareClient()
    client.force_login(user)
    response = client.get(reverse("admin:devices_unit_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_nothing_can_be_deleted_even_by_a_superuser(free_unit):
    from tests.factories import UserFactory

    client = verified_client(UserFactory(is_staff=True, is_superuser=True))
    for name in [
        "devices_unit",
        "devices_kit",
        "devices_registration",
        "devices_auditevent",
        "claims_claim",
        "accounts_user",
    ]:
        response = client.get(reverse(f"admin:{name}_changelist"))
        assert response.status_code == 200
        assert 'value="delete_selected"' not in response.text
    assert client.get(reverse("admin:devices_unit_delete", args=[free_unit.pk])).status_code == 403
