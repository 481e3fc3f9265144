"""The cast of the tests: named actors and their devices."""

import datetime

import pytest
from django.test import Client, TestCase
from django.utils import timezone

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


class CommitAwareClient(Client):
    """A test client whose requests run their after-commit callbacks (e-mail delivery), as
    they would outside the test transaction."""

    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


@pytest.fixture
def client():
    return CommitAwareClient()


@pytest.fixture
def owner_client(owner):
    client = CommitAwareClient()
    client.force_login(owner)
    return client


@pytest.fixture
def stranger_client(stranger):
    client = CommitAwareClient()
    client.force_login(stranger)
    return client


def _admin_user(email, group):
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    user = UserFactory(email=email, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    if group == "Supervisors":  # long enough to apply changes early
        user.supervisor_since = timezone.now() - datetime.timedelta(days=30)
        user.save(update_fields=["supervisor_since"])
    return user


@pytest.fixture
def support_agent(db):
    return _admin_user("agent@example.com", "Support agents")


@pytest.fixture
def supervisor(db):
    return _admin_user("supervisor@example.com", "Supervisors")


def verified_client(user):
    """Signed in with password and a confirmed authenticator, as the support centre needs."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or (
        TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    )
    client = CommitAwareClient()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def agent_client(support_agent):
    return verified_client(support_agent)


@pytest.fixture
def supervisor_client(supervisor):
    return verified_client(supervisor)
