"""`make bench`: the registry at scale, measured side by side with a bare Django ceiling.

1. imports BENCH_KITS kits (default 1 million) into a fresh `bench_import` database through
   `import_catalogue`, then registers a few hundred thousand units to generated accounts;
2. starts the production server (gunicorn, as `make serve`) with the bare-ceiling page;
3. drives load with wrk from a separate process (loopback only, bounded in time) against the
   sign-in page, a signed-in "My devices", the add-device POST (successes and every kind of
   refusal), the counter sale and replacement POSTs and the same through the partner API, the
   admin unit search and the unit list;
4. prints one table (requests/s, p50, p99, errors, SQL queries per request, ratio to the
   ceiling) and writes bench/results.json and bench/RESULTS.md.
"""

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "bench"
VAR = BASE_DIR / "var" / "bench"
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BENCH_DIR))

from common import BENCH_DB, FIRST_SERIAL, analyze, database_environment  # noqa: E402

BENCH_USERS = 100_000
REGISTERED_KITS = 150_000  # 300,000 units registered to the generated accounts
SESSIONS = 2_000
ADDRESSES = 4_000
PORT = 8765
CSRF = "benchcsrftoken0123456789abcdefgh"  # a 32-character CSRF secret (cookie and header)


def environment(name):
    return {
        **os.environ,
        **database_environment(name),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_ENV": "production",
        "SECURE_HTTPS": "false",
        "SECRET_KEY": "bench-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "BENCHMARK_MODE": "true",
        # Refusals come from thousands of (header) addresses, so the per-address limit does
        # not turn them all into "try later"; the limiter still runs on every request.
        "TRUSTED_PROXY_COUNT": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        # One till key, and one clerk, send the whole load: their per-minute and per-hour
        # limits (requests, checks of whose a unit is) must not be what is measured.
        "API_REQUESTS_PER_KEY_PER_MINUTE": "100000000",
        "COUNTER_CUSTOMER_LOOKUPS_PER_HOUR": "100000000",
        "LOG_LEVEL": "WARNING",
    }


def run_import(kits):
    started = time.monotonic()
    output = subprocess.run(
        [sys.executable, str(BENCH_DIR / "import_catalogue.py"), "--kits", str(kits)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    print(output.strip())
    line = [x for x in output.splitlines() if x.startswith("import of")][-1]
    seconds = float(line.split(": ")[1].split(" s")[0])
    peak = int(line.rsplit("process ", 1)[1].split(" MB")[0])
    return {
        "kits": kits,
        "units": 2 * kits,
        "seconds": seconds,
        "kits_per_s": kits / seconds,
        "peak_memory_mb": peak,
        "wall_s": time.monotonic() - started,
    }


def prepare_data(users=BENCH_USERS, registered_kits=REGISTERED_KITS, sessions=SESSIONS):
    """Accounts, registrations, a store, support staff and sessions; returns the cast."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import Store, StoreMembership, User
    from api import keys

    password = make_password("bench-password")  # the fast hasher (BENCHMARK_MODE)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_user (password, is_superuser, email, full_name, language,"
            " time_zone, is_active, is_staff, email_verified_at, date_joined, terms_version,"
            " terms_accepted_at, adult_confirmed_at)"
            " SELECT %s, false, 'bench-' || g || '@example.com', '', 'en', %s, true, false,"
            " now(), now(), %s, now(), now() FROM generate_series(1, %s) g",
            [password, settings.TIME_ZONE, settings.TERMS_VERSION, users],
        )
        cursor.execute(
            "WITH u AS (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM accounts_user"
            "           WHERE email LIKE 'bench-%%'),"
            "     k AS (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM devices_kit"
            "           ORDER BY id LIMIT %s)"
            " INSERT INTO devices_registration (unit_id, account_id, source, started_at,"
            " end_reason, registered_by_id)"
            " SELECT unit.id, u.id, 'customer', now() - interval '30 days', '', u.id"
            " FROM k JOIN u ON u.rn = (k.rn - 1) %% %s + 1"
            " JOIN devices_unit unit ON unit.kit_id = k.id",
            [registered_kits, users],
        )
        cursor.execute(
            "UPDATE devices_unit SET warranty_start = current_date - 30 WHERE id IN"
            " (SELECT unit_id FROM devices_registration)"
        )
    store = Store.objects.create(name="Bench store")
    staff = User.objects.create_user("bench-staff@example.com", "bench-password")
    staff.accept_terms()
    staff.save()
    StoreMembership.objects.create(store=store, user=staff)
    agent = User.objects.create_user("bench-agent@example.com", "bench-password", is_staff=True)
    agent.groups.add(Group.objects.get(name="Support agents"))
    device = TOTPDevice.objects.create(user=agent, name="bench", confirmed=True)
    supervisor = User.objects.create_user("bench-supervisor@example.com", is_staff=True)
    supervisor.groups.add(Group.objects.get(name="Supervisors"))
    till = User.objects.create_user("bench-till@example.com")
    _key, api_token = keys.create_key(
        membership=StoreMembership.objects.create(store=store, user=till),
        name="bench till",
        agent=supervisor,
    )

    def session_for(user, **extra):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.update(extra)
        session.create()
        return session.session_key

    customers = list(
        User.objects.filter(email__startswith="bench-", is_staff=False)
        .exclude(pk=staff.pk)
        .order_by("pk")[:sessions]
    )
    return {
        "customers": [(user, session_for(user)) for user in customers],
        "registered_kits": registered_kits,
        "store": store,
        "staff_session": session_for(staff),
        "agent_session": session_for(agent, **{DEVICE_ID_SESSION_KEY: device.persistent_id}),
        "api_token": api_token,
    }


def cookie(session):
    return f"sessionid={session}; csrftoken={CSRF}"


def line(method, path, session="", forwarded="", body=None):
    return "\t".join(
        [
            method,
            path,
            cookie(session) if session else "",
            CSRF if method == "POST" else "",
            forwarded,
            urlencode(body) if body else "",
        ]
    )


def api_line(path, token, forwarded, body):
    """A partner API request: the key where the cookie goes, a JSON body (replay.lua)."""
    return "\t".join(["POST", path, f"Api-Key {token}", "", forwarded, json.dumps(body)])


def scenarios(cast):
    """name -> list of request lines (replayed round-robin by wrk)."""
    from devices import codes
    from devices.models import Registration

    rng = random.Random(7)
    customers = cast["customers"]
    addresses = [f"198.51.{n // 250}.{n % 250 + 1}" for n in range(ADDRESSES)]
    owned = {}
    for registration in Registration.objects.filter(
        account__in=[u for u, _ in customers], unit__kind="charger"
    ).select_related("unit__kit", "account"):
        owned.setdefault(registration.account_id, registration)
    first_free = FIRST_SERIAL + cast["registered_kits"] + 10
    free_serials = iter(range(first_free, FIRST_SERIAL + 10**9))

    def add_device(user, session, n):
        own = owned[user.pk].unit
        other = owned[customers[(n + 1) % len(customers)][0].pk].unit
        kind = n % 7
        if kind == 0:  # success: a free kit
            body = {"box_code": codes.make_box_code(next(free_serials))}
            path = "/devices/add/box/"
        elif kind == 1:  # malformed
            body, path = {"box_code": "12345"}, "/devices/add/box/"
        elif kind == 2:  # one character mistyped
            good = codes.make_box_code(next(free_serials))
            body = {"box_code": good[:-1] + str((int(good[-1]) + 1) % 10)}
            path = "/devices/add/box/"
        elif kind == 3:  # a charger code in the holder field
            body, path = {"holder_code": own.production_code}, "/devices/add/units/"
        elif kind == 4:  # valid but not in the catalogue
            body = {"box_code": codes.make_box_code(90_000_000_000 + n)}
            path = "/devices/add/box/"
        elif kind == 5:  # registered to another account
            body, path = {"charger_code": other.production_code}, "/devices/add/units/"
        else:  # already yours
            body, path = {"charger_code": own.production_code}, "/devices/add/units/"
        return line("POST", path, session, addresses[n % len(addresses)], body)

    store = cast["store"].pk
    replacements = []
    for n, (user, _session) in enumerate(customers):
        faulty = owned[user.pk].unit
        spare = codes.make_unit_code(codes.CHARGER, next(free_serials))
        replacements.append(
            line(
                "POST",
                f"/counter/{store}/replace/confirm/",
                cast["staff_session"],
                addresses[n % len(addresses)],
                {
                    "faulty_code": faulty.production_code,
                    "customer_email": user.email,
                    "replacement_code": spare,
                    "reason": "does_not_heat",
                    "note": "",
                },
            )
        )
    counter_sales = [
        line(
            "POST",
            f"/counter/{store}/sale/confirm/",
            cast["staff_session"],
            addresses[n % len(addresses)],
            {"box_code": codes.make_box_code(next(free_serials)), "customer_email": user.email},
        )
        for n, (user, _session) in enumerate(customers * 2)
    ]
    # The same sales and swaps through the partner API (JSON, an API key, no page to render).
    api_sales = [
        api_line(
            "/api/v1/sales/",
            cast["api_token"],
            addresses[n % len(addresses)],
            {"box_code": codes.make_box_code(next(free_serials)), "customer_email": user.email},
        )
        for n, (user, _session) in enumerate(customers * 2)
    ]
    # The API swaps the customers' holders (the counter's replacements take their chargers).
    holders = Registration.objects.filter(
        account__in=[u for u, _ in customers], unit__kind="holder", ended_at__isnull=True
    ).select_related("unit", "account")
    api_swaps = []
    for n, registration in enumerate(holders):
        faulty, user = registration.unit, registration.account
        api_swaps.append(
            api_line(
                "/api/v1/swaps/",
                cast["api_token"],
                addresses[n % len(addresses)],
                {
                    "faulty_code": faulty.production_code,
                    "customer_email": user.email,
                    "replacement_code": codes.make_unit_code(codes.HOLDER, next(free_serials)),
                    "reason": "does_not_heat",
                },
            )
        )
    searched = [owned[u.pk].unit.production_code for u, _ in customers]
    return {
        "bare ceiling": [
            line("GET", f"/bench/ceiling/?code={codes.make_box_code(FIRST_SERIAL + n)}")
            for n in range(1000)
        ],
        "sign-in page": [line("GET", "/account/sign-in/")],
        "signed-in empty page (floor)": [
            line("GET", "/bench/signed-in-floor/", s) for _u, s in customers
        ],
        "My devices (signed in)": [line("GET", "/devices/", s) for _u, s in customers],
        "add-device POST (mix)": [add_device(u, s, n) for n, (u, s) in enumerate(customers * 4)],
        "counter replacement POST": replacements,
        "counter sale POST": counter_sales,
        "API sale POST": api_sales,
        "API swap POST": api_swaps,
        "admin unit search (exact code)": [
            line(
                "GET",
                "/admin/devices/unit/?" + urlencode({"q": code.lower()}),
                cast["agent_session"],
            )
            for code in rng.sample(searched, min(500, len(searched)))
        ],
        "admin unit list": [line("GET", "/admin/devices/unit/", cast["agent_session"])],
    }


# Scenarios of one-time requests (each sells or swaps units nobody used before), and what
# each request should leave in the database: the benchmark checks that it did.
ONE_TIME = {
    "counter sale POST": "sale",
    "API sale POST": "sale",
    "counter replacement POST": "swap",
    "API swap POST": "swap",
}
WARM_UP = 600


def one_time_outcomes(name):
    """Kits sold, or units swapped, so far (0 for other scenarios)."""
    from claims.models import Claim
    from devices.models import Registration

    kind = ONE_TIME.get(name)
    if kind == "sale":
        return Registration.objects.filter(source=Registration.Source.STORE_SALE).count() // 2
    if kind == "swap":
        return Claim.objects.count()
    return 0


def start_server(env, workers):
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/", timeout=1)
            return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("the benchmark server did not start")


def wrk(requests, duration, connections, name="requests"):
    path = VAR / f"{name}.tsv"
    path.write_text("\n".join(requests) + "\n")
    result = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(BENCH_DIR / "replay.lua"),
            f"http://127.0.0.1:{PORT}",
        ],
        env={**os.environ, "REQUESTS_FILE": str(path)},
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 60,
    )
    data = json.loads(result.stdout.strip().splitlines()[-1])
    data["rps"] = data["requests"] / data["seconds"]
    return data


def replay(request_line, enforce_csrf_checks=False):
    """One request of a scenario, in this process (same settings and database), as wrk sends
    it; returns the response."""
    from django.test import Client

    method, path, cookies, csrf, forwarded, body = request_line.split("\t")
    headers = {"X-CSRFToken": csrf} if csrf else {}
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    if cookies.startswith("Api-Key "):
        headers["Authorization"], cookies = cookies, ""
    client = Client(enforce_csrf_checks=enforce_csrf_checks, headers=headers)
    for part in filter(None, cookies.split("; ")):
        name, value = part.split("=", 1)
        client.cookies[name] = value
    if method == "POST":
        json_body = body.startswith("{")
        kind = "application/json" if json_body else "application/x-www-form-urlencoded"
        return client.post(path, body, content_type=kind)
    return client.get(path)


def queries_per_request(request_lines):
    """SQL queries per request of a scenario, as "n" or "least–most" over ``request_lines``
    (the POST mix differs by kind). Each request runs in a transaction that is rolled back,
    so the load that follows still meets the successes the scenario plans; the savepoints
    that nesting adds are not counted."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    counts = set()
    for request_line in request_lines:
        # The log keeps 9,000 queries: once full, a capture would count none.
        connection.queries_log.clear()
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            replay(request_line)
            transaction.set_rollback(True)
        counts.add(
            sum(
                1
                for query in queries.captured_queries
                if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
            )
        )
    least, most = min(counts), max(counts)
    return str(least) if least == most else f"{least}–{most}"


def machine():
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        line.split()[1]
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": round(int(memory) / 1024**2, 1),
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kits", type=int, default=int(os.environ.get("BENCH_KITS", 1_000_000)))
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_SECONDS", 10)))
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", 4)))
    parser.add_argument(
        "--pages",
        default="",
        help="only pages whose name contains one of "
        "these comma-separated words (the ceiling always runs); no files written",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("make bench needs wrk (Debian: apt-get install wrk)")
    VAR.mkdir(parents=True, exist_ok=True)

    print(f"1. import {args.kits:,} kits")
    imported = run_import(args.kits)
    env = environment(BENCH_DB)
    os.environ.update({k: v for k, v in env.items() if k != "DJANGO_ENV"})
    import django

    django.setup()
    print(f"2. register {2 * REGISTERED_KITS:,} units to {BENCH_USERS:,} generated accounts")
    cast = prepare_data()
    analyze(BENCH_DB)
    plan = scenarios(cast)
    if args.pages:
        wanted = [word.strip().lower() for word in args.pages.split(",")]
        plan = {
            name: requests
            for name, requests in plan.items()
            if name == "bare ceiling" or any(word in name.lower() for word in wanted)
        }
    print(
        f"3. serve with gunicorn, {args.workers} workers; load with wrk, "
        f"{args.connections} connections, {args.duration} s per page"
    )
    # One round of each scenario (the add-device mix has seven kinds of request).
    queries = {name: queries_per_request(requests[:7]) for name, requests in plan.items()}
    server = start_server(env, args.workers)
    results = {}
    try:
        for name, requests in plan.items():
            # One-time requests (sales, swaps) warm up on lines of their own.
            warm, run = (
                (requests[-WARM_UP:], requests[:-WARM_UP])
                if name in ONE_TIME
                else (
                    requests,
                    requests,
                )
            )
            done_before = one_time_outcomes(name)
            warmed = wrk(warm, 2, args.connections)  # warm up this page
            results[name] = wrk(run, args.duration, args.connections)
            if name in ONE_TIME:
                sent = warmed["requests"] + results[name]["requests"]
                results[name]["done"] = one_time_outcomes(name) - done_before
                results[name]["sent"] = sent
                results[name]["connections"] = args.connections
            print(f"   {name}: {results[name]['rps']:.0f} requests/s")
    finally:
        server.terminate()
        server.wait(timeout=30)
    for name, count in queries.items():
        results[name]["queries"] = count
    ceiling = results["bare ceiling"]["rps"]
    for data in results.values():
        data["ratio_to_ceiling"] = data["rps"] / ceiling
    if not args.pages or "replica" in args.pages.lower():
        import replica_load

        duration = max(args.duration, 20)
        print(
            f"4. the support centre on a read replica while the primary takes sales, {duration} s"
        )
        figures, made_in = replica_load.measure(cast, env, args.workers, duration)
        print("\n" + replica_load.write_results(figures, made_in, duration, machine()))
    report(imported, results, args, write=not args.pages)


# (page, least share of the ceiling, p99 limit in ms or None): the targets.
PAGE_TARGETS = [
    ("My devices (signed in)", 0.60, 100),
    ("add-device POST (mix)", 0.40, None),
    ("counter replacement POST", 0.40, None),
]
IMPORT_TARGET_S, IMPORT_TARGET_MB = 30, 500
# Pages whose every request should succeed: a refusal there means the figure measures refusals.
ALL_SUCCEED = list(ONE_TIME)


def target_verdicts(imported, results):
    """One line per target: met or missed, with the figure."""

    def verdict(ok):
        return "met" if ok else "MISSED"

    lines = []
    for name, share, p99_limit in PAGE_TARGETS:
        data = results.get(name)
        if data is None:
            continue
        ratio = data["ratio_to_ceiling"]
        line = f"{name}: {100 * ratio:.0f} % of the ceiling (target {100 * share:.0f} %) "
        line += verdict(ratio >= share)
        if p99_limit is not None:
            ok = data["p99_ms"] < p99_limit
            line += f"; p99 {data['p99_ms']:.0f} ms (under {p99_limit}) {verdict(ok)}"
        line += f"; {data['status_5xx']} server errors {verdict(data['status_5xx'] == 0)}"
        lines.append(line)
    for name in ALL_SUCCEED:
        data = results.get(name)
        if data is not None:
            # wrk counts answered requests; up to one per connection is still being served
            # when it stops (in the warm-up and in the run), and completes.
            in_flight = data["done"] - data["sent"]
            ok = 0 <= in_flight <= 2 * data["connections"]
            lines.append(
                f"{name}: each of the {data['sent']:,} answered requests (warm-up included) "
                f"sold or swapped what it asked: {data['done']:,} in the database, "
                f"{in_flight} of them still in flight when wrk stopped {verdict(ok)}"
            )
    floor = results.get("signed-in empty page (floor)")
    if floor is not None:
        lines.append(
            f"For scale: a signed-in page with an empty content block (session, account, "
            f"layout) reaches {100 * floor['ratio_to_ceiling']:.0f} % of the ceiling, and the "
            f"sign-in page (no SQL at all) "
            f"{100 * results['sign-in page']['ratio_to_ceiling']:.0f} %."
            if "sign-in page" in results
            else f"For scale: a signed-in page with an empty content block reaches "
            f"{100 * floor['ratio_to_ceiling']:.0f} % of the ceiling."
        )
    lines.append(
        f"Import: {imported['seconds']:.1f} s (under {IMPORT_TARGET_S} s) "
        f"{verdict(imported['seconds'] < IMPORT_TARGET_S)}, {imported['peak_memory_mb']} MB "
        f"(under {IMPORT_TARGET_MB} MB) {verdict(imported['peak_memory_mb'] < IMPORT_TARGET_MB)}"
    )
    return lines


def report(imported, results, args, write=True):
    header = (
        "| page | requests/s | p50 ms | p99 ms | errors (5xx / socket) | SQL queries "
        "| share of ceiling |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    )
    rows = [
        f"| {name} | {d['rps']:.0f} | {d['p50_ms']:.1f} | {d['p99_ms']:.1f} | "
        f"{d['status_5xx']} / {d['socket_errors']} | {d['queries']} | "
        f"{100 * d['ratio_to_ceiling']:.0f} % |"
        for name, d in results.items()
    ]
    notes = [
        f"Import: {imported['kits']:,} kits ({imported['units']:,} units) in "
        f"{imported['seconds']:.1f} s ({imported['kits_per_s']:,.0f} kits/s), peak memory "
        f"{imported['peak_memory_mb']} MB.",
        f"Load: wrk, {args.connections} connections, {args.duration} s per page after a 2 s "
        f"warm-up; gunicorn with {args.workers} workers; server, PostgreSQL and wrk share the "
        "machine. Loopback only.",
        "Passwords use the fast (MD5) hasher in the benchmark, so it measures pages, not PBKDF2.",
        f"Refusals are spread over {SESSIONS:,} signed-in accounts and {ADDRESSES:,} client "
        "addresses (X-Forwarded-For behind one trusted proxy), so the rate limits rarely "
        'answer "try later"; the limiter\'s own queries are still in every request.',
        "4xx answers on the add-device POST page are the refusals the mix asks for, not "
        "errors; every sale and swap should succeed, and the benchmark counts in the database "
        "that each did (see below).",
    ]
    table = "\n".join([header, *rows])
    verdicts = target_verdicts(imported, results)
    print("\n" + table + "\n\n" + "\n".join(notes) + "\n\nTargets:\n" + "\n".join(verdicts))
    if not write:
        return
    info = machine()
    (BENCH_DIR / "results.json").write_text(
        json.dumps(
            {
                "machine": info,
                "import": imported,
                "pages": results,
                "settings": {
                    "connections": args.connections,
                    "duration_s": args.duration,
                    "workers": args.workers,
                },
            },
            indent=2,
        )
        + "\n"
    )
    (BENCH_DIR / "RESULTS.md").write_text(
        f"# `make bench` results\n\nMachine: {info['cpu']}, {info['cores']} cores, "
        f"{info['memory_gb']} GB, Python {info['python']}, {info['system']}.\n\n"
        f"{table}\n\n"
        + "\n".join(f"- {note}" for note in notes)
        + "\n\n## Against the targets\n\n"
        + "\n".join(f"- {verdict}" for verdict in verdicts)
        + "\n\n"
        + replica_section()
        + "\n"
        + admin_section()
    )


def replica_section():
    """The support centre on a read replica, as last measured (bench/replica_load.py)."""
    import replica_load

    if not replica_load.RESULTS.exists():
        return "Support centre on a read replica: run `make bench`.\n"
    body = replica_load.RESULTS.read_text().split("\n", 1)[1].lstrip("\n")  # without its title
    return (
        "## The support centre on a read replica (copied from `RESULTS-replica.md`)\n\n"
        + body.replace("\n## ", "\n### ")
    )


def admin_section():
    """The support centre at 10 million units, as last measured by bench/admin_console.py
    (it needs a 5-million-kit import, so it is not part of every run)."""
    path = BENCH_DIR / "RESULTS-admin.md"
    if not path.exists():
        return "Support centre at 10 million units: run `python bench/admin_console.py`.\n"
    body = path.read_text().split("\n", 1)[1].lstrip("\n")  # without its title
    return (
        "## Support centre with 10 million units (`bench/admin_console.py`, copied from "
        "`RESULTS-admin.md`)\n\n" + body.replace("\n# ", "\n### ").replace("\n## ", "\n### ")
    )


if __name__ == "__main__":
    main()
