"""The cast of the tests: named actors and their devices."""

import pytest

from tests.factories import KitFactory, UnitFactory, UserFactory


@pytest.fixture
def owner(db):
    return UserFactory(email="owner@example.com")


@pytest.fixture
def stranger(db):
    return UserFactory(email="stranger@example.com")


@pytest.fixture
def kit(db):
    return KitFactory()


@pytest.fixture
def free_unit(db):
    return UnitFactory()
