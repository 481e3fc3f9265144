"""The database itself refuses what the code must never do."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from devices import codes
from devices.models import Registration, Unit
from tests.factories import KitFactory, RegistrationFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_second_open_registration_is_refused_by_the_database(free_unit, owner, stranger):
    RegistrationFactory(unit=free_unit, account=owner)
    with pytest.raises(IntegrityError, match="devices_registration_one_open_per_unit"):
        with transaction.atomic(), connection.cursor() as cursor:
            # Raw SQL: no Python check stands in the way, only the partial unique index.
            cursor.execute(
                "INSERT INTO devices_registration"
                " (unit_id, account_id, source, started_at, end_reason)"
                " VALUES (%s, %s, 'customer', now(), '')",
                [free_unit.pk, stranger.pk],
            )
    assert Registration.objects.filter(unit=free_unit).count() == 1


def test_closed_registrations_do_not_count_as_open(free_unit, owner, stranger):
    RegistrationFactory(
        unit=free_unit,
        account=owner,
        ended_at="2026-01-02T00:00Z",
        end_reason="removed",
        started_at="2026-01-01T00:00Z",
    )
    RegistrationFactory(unit=free_unit, account=stranger)
    assert Registration.objects.filter(unit=free_unit, ended_at__isnull=True).get().account == (
        stranger
    )


def test_an_ended_registration_needs_a_reason(free_unit, owner):
    with pytest.raises(IntegrityError, match="end_reason_iff_ended"), transaction.atomic():
        RegistrationFactory(unit=free_unit, account=owner, ended_at="2030-01-01T00:00Z")


def test_a_kit_holds_one_holder_and_one_charger():
    kit = KitFactory()
    assert sorted(kit.units.values_list("kind", flat=True)) == ["charger", "holder"]
    with pytest.raises(IntegrityError, match="one_of_each_kind_per_kit"), transaction.atomic():
        UnitFactory(kit=kit, kind=codes.HOLDER)


def test_a_production_code_must_match_its_kind():
    with pytest.raises(IntegrityError, match="code_matches_kind"), transaction.atomic():
        UnitFactory(kind=codes.CHARGER, production_code=codes.make_unit_code(codes.HOLDER, 7))


def test_production_codes_and_box_codes_are_unique():
    unit = UnitFactory()
    with pytest.raises(IntegrityError, match="production_code_unique"), transaction.atomic():
        UnitFactory(production_code=unit.production_code)
    kit = KitFactory()
    with pytest.raises(IntegrityError, match="box_code_unique"), transaction.atomic():
        KitFactory.build(box_code=kit.box_code).save()


def test_accounts_are_unique_whatever_the_letter_case():
    UserFactory(email="jan@gmail.com")
    with pytest.raises(IntegrityError, match="email_ci_unique"), transaction.atomic():
        UserFactory(email="Jan@Gmail.com")


def test_history_cannot_be_deleted(free_unit, owner):
    from django.db.models import ProtectedError

    RegistrationFactory(unit=free_unit, account=owner)
    with pytest.raises(ProtectedError):
        Unit.objects.filter(pk=free_unit.pk).delete()
    with pytest.raises(ProtectedError):
        owner.delete()


def test_the_database_refuses_to_delete_a_product_model():
    unit = UnitFactory()
    with pytest.raises(DatabaseError, match="never deleted"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM devices_productmodel WHERE id = %s", [unit.product_model_id]
            )
    assert Unit.objects.get(pk=unit.pk).product_model.name
