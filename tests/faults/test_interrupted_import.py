"""An import stopped in the middle of COPY leaves nothing behind: killed (-9), its validation
workers die with it and PostgreSQL ends its session at once; asked to stop (TERM or Ctrl-C),
it rolls back, says "interrupted; nothing was loaded" and exits non-zero."""

import os
import signal
import subprocess
import sys
import time

import psycopg2
import pytest

from devices import catalogue
from tests.faults.conftest import BASE_DIR

KITS = 400_000  # long enough to be caught in COPY on a busy 2-core machine


@pytest.fixture
def big_catalogue(tmp_path, request):
    """A catalogue no other test loads (its own serial numbers; the file's path names it)."""
    path = tmp_path / f"interrupted-{request.node.name.replace('[', '-').strip(']')}.csv"
    first_serial = 70_000_000_000 + 1_000_000 * len(list(tmp_path.parent.iterdir()))
    with open(path, "w", newline="") as stream:
        catalogue.write_csv(
            stream,
            catalogue.generate_rows(KITS, first_serial=first_serial, models=["Test kit"]),
        )
    return path


def start_import(spare_database, path):
    env = {
        **os.environ,
        "DATABASE_URL": spare_database.url,
        "DATABASE_OWNER_URL": spare_database.owner_url,
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "import_catalogue", "--no-progress", str(path)],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def copy_sessions(spare_database):
    with psycopg2.connect(spare_database.superuser_url) as connection, connection.cursor() as cur:
        cur.execute(
            "SELECT pid FROM pg_stat_activity WHERE query LIKE 'COPY catalogue_staging%%'"
            " AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cur.fetchall()]


def processes_reading(path):
    found = subprocess.run(["pgrep", "-f", str(path)], capture_output=True, text=True)
    return found.stdout.split()


def kits_in_registry(spare_database):
    with psycopg2.connect(spare_database.owner_url) as connection, connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM devices_kit")
        return cur.fetchone()[0]


def wait_until(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def caught_in_copy(spare_database, process):
    assert wait_until(lambda: copy_sessions(spare_database), 60), process.communicate()[0]
    time.sleep(0.5)  # workers busy, COPY streaming
    assert process.poll() is None


def test_a_killed_import_leaves_no_worker_and_no_session(spare_database, big_catalogue):
    kits_before = kits_in_registry(spare_database)
    process = start_import(spare_database, big_catalogue)
    caught_in_copy(spare_database, process)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    assert wait_until(lambda: not processes_reading(big_catalogue), 5), "workers outlived it"
    assert wait_until(lambda: not copy_sessions(spare_database), 5), "its session lives on"
    assert kits_in_registry(spare_database) == kits_before


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_import_rolls_back_and_says_so(spare_database, big_catalogue, stop):
    kits_before = kits_in_registry(spare_database)
    process = start_import(spare_database, big_catalogue)
    caught_in_copy(spare_database, process)
    process.send_signal(stop)
    output, _ = process.communicate(timeout=30)
    assert process.returncode != 0
    assert "interrupted; nothing was loaded" in output
    assert "Traceback" not in output
    assert wait_until(lambda: not processes_reading(big_catalogue), 5)
    assert wait_until(lambda: not copy_sessions(spare_database), 5)
    assert kits_in_registry(spare_database) == kits_before
