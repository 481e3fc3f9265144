"""Supervisors create and revoke stores' API keys in the support centre: shown once, stored
hashed, audited and announced to the store's contact; never for a store they serve; agents
cannot."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from api.models import ApiKey
from devices.models import AuditEvent
from tests.api.conftest import client_with
from tests.factories import StoreFactory, StoreMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
ADD = reverse("admin:api_apikey_add")


@pytest.fixture
def membership(db):
    store = StoreFactory(name="Trafika U Mostu", contact_email="shop@example.com")
    return StoreMembershipFactory(store=store, user=UserFactory(email="till@example.com"))


def test_a_supervisor_creates_a_key_shown_once_and_stored_hashed(supervisor_client, membership):
    page = supervisor_client.get(ADD)
    assert "Trafika U Mostu — till@example.com" in page.text
    response = supervisor_client.post(ADD, {"membership": membership.pk, "name": "Till 1"})
    token = re.search(r'value="(drp_[^"]+)"', response.text).group(1)
    key = ApiKey.objects.get()
    assert token.split("_")[1] == key.prefix and token.split("_", 2)[2] not in key.secret_hash
    assert client_with(token).get("/api/v1/history/").status_code == 200
    assert (
        token not in supervisor_client.get(reverse("admin:api_apikey_change", args=[key.pk])).text
    )
    assert AuditEvent.objects.filter(action="api_key_created").exists()
    assert [m.to for m in mail.outbox] == [["shop@example.com"]]
    assert "Till 1" in mail.outbox[0].body


def test_a_supervisor_revokes_a_key_and_it_stops_at_once(supervisor_client, membership):
    supervisor_client.post(ADD, {"membership": membership.pk, "name": "Till 1"})
    key = ApiKey.objects.get()
    response = supervisor_client.post(
        reverse("admin:api_apikey_revoke", args=[key.pk]), follow=True
    )
    assert "The key is revoked: it stops working at once." in response.text
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert AuditEvent.objects.filter(action="api_key_revoked").exists()


def test_nobody_makes_a_key_for_a_store_they_serve(supervisor_client, supervisor, membership):
    StoreMembershipFactory(store=membership.store, user=supervisor)
    page = supervisor_client.get(ADD)
    assert "Trafika U Mostu" not in page.text
    response = supervisor_client.post(ADD, {"membership": membership.pk, "name": "Mine"})
    assert not ApiKey.objects.exists()
    assert "Select a valid choice" in response.text


def test_agents_cannot_see_or_make_keys(agent_client, membership):
    assert agent_client.get(ADD).status_code == 403
    assert agent_client.get(reverse("admin:api_apikey_changelist")).status_code == 403
