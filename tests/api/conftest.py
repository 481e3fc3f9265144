import pytest
from rest_framework.test import APIClient

from api import keys
from tests.factories import StoreFactory, StoreMembershipFactory, UserFactory


@pytest.fixture
def key_maker(supervisor):
    def make(store=None, name="Till 1"):
        store = store or StoreFactory(contact_email="shop@example.com")
        membership = StoreMembershipFactory(
            store=store, user=UserFactory(email=f"till{store.pk}@example.com")
        )
        return keys.create_key(membership=membership, name=name, agent=supervisor)

    return make


def client_with(token, **headers):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {token}", **headers)
    return client


@pytest.fixture
def till(key_maker):
    key, token = key_maker()
    client = client_with(token)
    client.key = key
    return client
