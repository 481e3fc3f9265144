import io

import pytest
from django.core.management import call_command

from accounts.models import User
from devices.models import Kit, Registration, Unit

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent(settings):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    counts = (
        User.objects.count(),
        Kit.objects.count(),
        Unit.objects.count(),
        Registration.objects.count(),
    )
    call_command("seed_demo", stdout=io.StringIO())
    assert counts == (
        User.objects.count(),
        Kit.objects.count(),
        Unit.objects.count(),
        Registration.objects.count(),
    )
    assert counts[1] >= 1000
    assert "customer@example.com" in out.getvalue()
    customer = User.objects.get(email="customer@example.com")
    assert Registration.objects.filter(account=customer, ended_at__isnull=True).count() == 2
