"""The site's database role cannot rewrite history: it owns nothing, may only read and add audit
events, and cannot switch the append-only triggers off. The owner, which migrations connect
as, is refused by the triggers themselves."""

import psycopg2
import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from devices.models import AuditEvent
from tests.factories import AuditEventFactory

pytestmark = pytest.mark.skipif(
    not settings.DATABASE_APP_ROLE,
    reason="one database role for everything (DATABASE_URL without DATABASE_OWNER_URL)",
)

CHANGES = {
    "UPDATE": "UPDATE devices_auditevent SET note = 'rewritten' WHERE id = %s",
    "DELETE": "DELETE FROM devices_auditevent WHERE id = %s",
    "TRUNCATE": "TRUNCATE devices_auditevent CASCADE",
}


def refusal(sql, params=()):
    """The database's error for ``sql`` run as the site's role (in a savepoint)."""
    with pytest.raises(DatabaseError) as refused:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    return str(refused.value).splitlines()[0]


@pytest.mark.django_db
@pytest.mark.parametrize("operation", CHANGES)
def test_the_site_may_not_change_or_remove_audit_events(operation):
    event = AuditEventFactory(note="original")
    params = [event.pk] if "%s" in CHANGES[operation] else []
    assert refusal(CHANGES[operation], params) == "permission denied for table devices_auditevent"
    assert AuditEvent.objects.get(pk=event.pk).note == "original"


@pytest.mark.django_db
def test_the_site_may_not_switch_triggers_off():
    assert (
        refusal("ALTER TABLE devices_auditevent DISABLE TRIGGER ALL")
        == "must be owner of table devices_auditevent"
    )
    assert (
        refusal("SET session_replication_role = replica")
        == 'permission denied to set parameter "session_replication_role"'
    )


@pytest.mark.django_db
def test_the_site_is_no_superuser_owns_nothing_and_cannot_become_the_owner():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (settings.DATABASE_APP_ROLE, False)
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relowner = current_user::regrole"
            " AND relnamespace = 'public'::regnamespace"
        )
        assert cursor.fetchone() == (0,)
    owner = settings.DATABASE_OWNER["USER"]
    assert refusal(f"SET ROLE {owner}") == f'permission denied to set role "{owner}"'
    assert refusal("CREATE TABLE mine (id int)") == "permission denied for schema public"


@pytest.fixture
def owner_cursor(django_db_setup):
    """A connection of the owner role to the test database; everything is rolled back."""
    database = {**connection.settings_dict, **settings.DATABASE_OWNER}
    owner = psycopg2.connect(
        dbname=database["NAME"],
        user=database["USER"],
        password=database["PASSWORD"],
        host=database["HOST"],
        port=database["PORT"],
    )
    try:
        yield owner.cursor()
    finally:
        owner.rollback()
        owner.close()


@pytest.mark.parametrize("operation", CHANGES)
def test_the_owner_is_refused_by_the_append_only_triggers(owner_cursor, operation):
    owner_cursor.execute(
        "SELECT tableowner = current_user FROM pg_tables WHERE tablename = 'devices_auditevent'"
    )
    assert owner_cursor.fetchone() == (True,)
    # Checked now, not at commit: TRUNCATE refuses to run past pending foreign-key checks.
    owner_cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    owner_cursor.execute(
        "INSERT INTO devices_auditevent (action, note, verification_method, created_at)"
        " VALUES ('imported', 'original', '', now()) RETURNING id"
    )
    params = owner_cursor.fetchone() if "%s" in CHANGES[operation] else []
    with pytest.raises(psycopg2.errors.InsufficientPrivilege) as refused:
        owner_cursor.execute(CHANGES[operation], params)
    assert str(refused.value).startswith(f"audit events are append-only: {operation} refused")
