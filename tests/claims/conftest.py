import pytest
from django.urls import reverse

from tests.conftest import CommitAwareClient
from tests.factories import StoreFactory, StoreMembershipFactory, UserFactory


@pytest.fixture
def store(db):
    return StoreFactory(name="Trafika U Mostu", address="Mostecká 1, Praha")


@pytest.fixture
def store_staff(store):
    return StoreMembershipFactory(store=store, user=UserFactory(email="clerk@example.com")).user


@pytest.fixture
def staff_client(store_staff):
    client = CommitAwareClient()
    client.force_login(store_staff)
    return client


@pytest.fixture
def counter_url(store):
    def url(name, *args):
        return reverse(f"counter:{name}", args=[store.pk, *args])

    return url
