"""Test session set-up shared by every test: the database server, its roles and fast settings."""

import os
from contextlib import contextmanager

import pytest


@pytest.fixture(scope="session")
def django_db_modify_db_settings():
    """Start the embedded PostgreSQL before pytest-django creates the test database, and make
    the owner role create and migrate it; returns what django_db_setup switches back to."""
    from django.conf import settings
    from django.db import connections

    from portal import database_roles

    if not os.environ.get("DATABASE_URL"):
        from portal import embedded_db

        # The server may have started only now: point the (shared) settings dict at it.
        settings.DATABASES["default"].update(embedded_db.start())
    return database_roles.switch(connections["default"], settings.DATABASE_OWNER)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_modify_db_settings):
    """The tests run as the application role, as the site does; the owner drops the database
    at the end (pytest-django's own django_db_setup, which this one wraps)."""
    from django.db import connections
    from django.db.backends.postgresql.operations import DatabaseOperations

    from portal import database_roles

    connection = connections["default"]
    owner = database_roles.switch(connection, django_db_modify_db_settings)
    with pytest.MonkeyPatch.context() as patch, _through_the_pooler(patch, connection):
        patch.setattr(DatabaseOperations, "execute_sql_flush", _flush_as_owner)
        yield
    database_roles.switch(connection, owner)


@contextmanager
def _through_the_pooler(patch, connection):
    """The application role connects through PgBouncer in transaction mode where it is
    installed (tests/pooler.py); the owner keeps a direct connection, as migrations do in
    production (DATABASE_OWNER_URL at the server, DATABASE_URL at the pooler)."""
    from django.conf import settings

    from portal import database_roles, embedded_db
    from tests import pooler

    pooler.skipped = pooler.unavailable_reason()
    if pooler.skipped:
        if os.environ.get("POOLER_TESTS") == "required":
            pytest.exit(f"{pooler.skipped}: required (POOLER_TESTS=required)", returncode=1)
        yield
        return
    server = {key: connection.settings_dict[key] for key in ("HOST", "PORT")}
    roles = [embedded_db.APP_ROLE, embedded_db.OWNER_ROLE]
    bouncer = pooler.active = pooler.Pooler(server["HOST"], server["PORT"], roles).start()
    patch.setattr(settings, "DATABASE_OWNER", {**settings.DATABASE_OWNER, **server})
    direct = database_roles.switch(connection, bouncer.settings)
    try:
        yield
    finally:
        database_roles.switch(connection, direct)
        bouncer.stop()
        pooler.active = None


def pytest_terminal_summary(terminalreporter):
    from tests import pooler

    if pooler.skipped:
        terminalreporter.write_line(
            f"Not through PgBouncer: {pooler.skipped}; the tests connected to PostgreSQL"
            " directly (CI runs them through PgBouncer in transaction mode).",
            yellow=True,
        )


def _flush_as_owner(ops, sql_list):
    """transaction=True tests end with Django's flush, a TRUNCATE of every table: only the
    owner may, and the audit table only with its TRUNCATE trigger off (in that transaction)."""
    from django.db import transaction

    from portal import database_roles

    audit = f"ALTER TABLE {database_roles.AUDIT_TABLE} %s TRIGGER devices_auditevent_no_truncate"
    with database_roles.as_owner(ops.connection), transaction.atomic(using=ops.connection.alias):
        with ops.connection.cursor() as cursor:
            cursor.execute(audit % "DISABLE")
            for sql in sql_list:
                cursor.execute(sql)
            cursor.execute(audit % "ENABLE")


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # Real hashing costs ~0.7 s per check on our machines; tests measure behaviour, not PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests read English unless they ask for Czech (the portal's default is Czech).
    settings.LANGUAGE_CODE = "en"
