"""Shared by the benchmark scripts; imports nothing from Django (scripts choose the database
before Django starts)."""

from urllib.parse import quote

BENCH_DB = "bench_import"
FIRST_SERIAL = 20_000_000_000


def database_url(name, *, owner=False):
    """The URL of database ``name`` on the server the project's settings point at: for the
    site's role, or with ``owner`` for the role that owns the tables (README, "Database")."""
    import os
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    if os.environ.get("DATABASE_URL"):
        import dj_database_url

        url = os.environ.get("DATABASE_OWNER_URL") if owner else None
        db = dj_database_url.parse(url or os.environ["DATABASE_URL"])
    else:
        from portal import embedded_db

        db = embedded_db.connection_settings(
            embedded_db.OWNER_ROLE if owner else embedded_db.APP_ROLE
        )
    host = quote(db["HOST"] or "localhost", safe="")
    auth = quote(db["USER"]) + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
    return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{name}"


def database_environment(name):
    """DATABASE_URL and DATABASE_OWNER_URL for a child process that uses database ``name``."""
    return {
        "DATABASE_URL": database_url(name),
        "DATABASE_OWNER_URL": database_url(name, owner=True),
    }


def owner_connection(name):
    """A psycopg2 connection (autocommit) to database ``name`` as the owner role: it alone
    creates databases and may ANALYZE the tables."""
    import psycopg2

    connection = psycopg2.connect(database_url(name, owner=True))
    connection.autocommit = True
    return connection


def analyze(name):
    """Fresh planner statistics after a bulk load, before anything is measured."""
    connection = owner_connection(name)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()
