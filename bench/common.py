"""Shared by the benchmark scripts; imports nothing from Django (scripts choose the database
before Django starts)."""

from urllib.parse import quote

BENCH_DB = "bench_import"
FIRST_SERIAL = 20_000_000_000


def database_url(name):
    """The URL of database ``name`` on the server the project's settings point at."""
    import os
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    if os.environ.get("DATABASE_URL"):
        import dj_database_url

        db = dj_database_url.parse(os.environ["DATABASE_URL"])
    else:
        from portal import embedded_db

        db = embedded_db.connection_settings()
    host = quote(db["HOST"] or "localhost", safe="")
    auth = quote(db["USER"]) + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
    return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{name}"
