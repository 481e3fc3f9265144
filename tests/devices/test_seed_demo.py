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


def test_the_free_kit_printed_is_one_nobody_has_registered():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "A free kit to register: box code 1000 0000 0017" in out.getvalue()
    kit = Kit.objects.get(box_code="100000000017")
    customer = User.objects.get(email="customer@example.com")
    for unit in kit.units.all():
        Registration.objects.create(unit=unit, account=customer, source="customer")
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "1000 0000 0017" not in out.getvalue()
    assert "A free kit to register: box code 1000 0000 0025" in out.getvalue()
