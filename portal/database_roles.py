"""Two database roles: the owner of the schema runs migrations, the site runs as a role that
owns nothing.

A table's owner (and a superuser) may disable its triggers, and a superuser may also set
``session_replication_role = replica``; either silently switches off the audit trail's
append-only triggers. So the site, its jobs and its commands connect as the application role
(``DATABASES["default"]``), which may read and write rows but never alter a table, and
``migrate`` switches to the owner (``settings.DATABASE_OWNER``) and then grants the
application role exactly what it needs.
"""

from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction

# Append-only: rows may be added and read, nothing else (the table's triggers refuse the rest
# as well, for the owner too). Named here because portal/ imports no app.
AUDIT_TABLE = "devices_auditevent"


def switch(connection, overrides):
    """Point ``connection`` at another role (``overrides`` of USER, PASSWORD, …); return the
    values it replaced. The settings dict is shared by every thread's connection."""
    if connection.in_atomic_block:
        raise RuntimeError("the database role cannot change inside a transaction")
    previous = {key: connection.settings_dict.get(key) for key in overrides}
    if previous != overrides:
        connection.close()
        connection.settings_dict.update(overrides)
    return previous


@contextmanager
def as_owner(connection):
    """Run the block as the owner of the schema (a no-op when the site connects as it)."""
    if connection.alias != DEFAULT_DB_ALIAS:
        yield
        return
    previous = switch(connection, settings.DATABASE_OWNER)
    try:
        yield
    finally:
        switch(connection, previous)


def grant_statements(role):
    """The application role's rights, for ``role`` quoted as an SQL identifier."""
    return [
        # From nothing, so a privilege granted by hand earlier (TRUNCATE, TRIGGER) goes too.
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
        # An empty database (not migrated yet) has no audit table to restrict.
        f"DO $$ BEGIN IF to_regclass('{AUDIT_TABLE}') IS NOT NULL THEN"
        f" REVOKE UPDATE, DELETE ON {AUDIT_TABLE} FROM {role}; END IF; END $$",
    ]


def grant_to_app_role(connection):
    """Give the application role its rights on every table; returns the role or None.

    Run as the owner after every migrate: tables that a migration created start with none."""
    app_role = settings.DATABASE_APP_ROLE
    if not app_role or connection.alias != DEFAULT_DB_ALIAS:
        return None
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for statement in grant_statements(connection.ops.quote_name(app_role)):
            cursor.execute(statement)
    return app_role
