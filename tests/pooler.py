"""PgBouncer in transaction-pooling mode between the whole test session and the test database.

Where Debian's ``pgbouncer`` is installed (CI installs it), every connection of the session, the
application role's and the owner's, threads included, goes through a PgBouncer started here in
``pool_mode = transaction``: each transaction may land on another server connection, exactly as
behind a production pooler. To make that deterministic rather than a matter of luck, the pooler
also runs ``DISCARD ALL`` on the server connection after every transaction
(``server_reset_query_always``): anything that relies on session state (a ``SET`` without
``LOCAL``, a session advisory lock, a ``WITH HOLD`` cursor, a prepared statement, a temporary
table) is gone by the next transaction, and the test that relies on it fails.

Without pgbouncer the session connects directly, and says so at the end; with
``POOLER_TESTS=required`` a missing pgbouncer fails the session instead (CI). With
``DATABASE_URL`` set, the session uses that server as it is (put your own pooler in that URL).
"""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

PGBOUNCER = os.environ.get("PGBOUNCER_PATH", "/usr/sbin/pgbouncer")
# pgbouncer refuses to run as root; it runs as the embedded server's own system user there.
RUN_AS = "embedded_postgres" if os.geteuid() == 0 else None
# Set by the session (conftest.py): the running Pooler, or why there is none.
active = None
skipped = None


def unavailable_reason():
    """Why the session cannot go through PgBouncer, or None when it can."""
    if os.environ.get("POOLER_TESTS") == "off":
        return "POOLER_TESTS=off"
    if os.environ.get("DATABASE_URL"):
        return "DATABASE_URL is set (the session uses that server as it is)"
    if not shutil.which(PGBOUNCER):
        return f"PgBouncer not found at {PGBOUNCER} (Debian: apt install pgbouncer)"
    return None


class Pooler:
    """One pgbouncer process on a Unix socket in a private directory (loopback only: it
    listens on no TCP port), in front of the server at ``server_host``:``server_port``."""

    def __init__(self, server_host, server_port, roles):
        self.dir = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
        self.port = _free_port()
        (self.dir / "users.txt").write_text("".join(f'"{role}" ""\n' for role in roles))
        (self.dir / "pgbouncer.ini").write_text(
            _CONFIG.format(
                host=server_host,
                port=server_port,
                listen_port=self.port,
                dir=self.dir,
                user_line=f"user = {RUN_AS}" if RUN_AS else "",
            )
        )
        if RUN_AS:
            shutil.chown(self.dir, RUN_AS, RUN_AS)
            for path in self.dir.iterdir():
                shutil.chown(path, RUN_AS, RUN_AS)
        self.process = None

    @property
    def settings(self):
        """HOST and PORT for Django's DATABASES: the pooler's socket."""
        return {"HOST": str(self.dir), "PORT": str(self.port)}

    def start(self):
        self.process = subprocess.Popen(
            [PGBOUNCER, str(self.dir / "pgbouncer.ini")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        socket = self.dir / f".s.PGSQL.{self.port}"
        deadline = time.monotonic() + 10
        while not socket.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"pgbouncer did not start:\n{self.log()}")
            time.sleep(0.05)
        return self

    def log(self):
        try:
            return (self.dir / "pgbouncer.log").read_text()[-4000:]
        except FileNotFoundError:
            return "(no log)"

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: close every connection and exit at once
            self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def _free_port():
    """A number for the socket's name (``.s.PGSQL.<port>``); nothing listens on TCP."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


_CONFIG = """\
[databases]
* = host={host} port={port}

[pgbouncer]
listen_addr =
listen_port = {listen_port}
unix_socket_dir = {dir}
{user_line}
auth_type = trust
auth_file = {dir}/users.txt
pool_mode = transaction
server_reset_query = DISCARD ALL
server_reset_query_always = 1
default_pool_size = 20
max_client_conn = 500
logfile = {dir}/pgbouncer.log
pidfile = {dir}/pgbouncer.pid
log_connections = 0
log_disconnections = 0
"""
