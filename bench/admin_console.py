"""Support-centre pages at registry scale: server time, queries and EXPLAIN plans.

    make bench-import BENCH_KITS=5000000   # 10 million units in the `bench_import` database
    python bench/admin_console.py

Requests go through Django's test client in this process (server time: URL → middleware →
view → SQL → template), signed in as a support agent.
"""

import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

django.setup()

from common import BENCH_DB, FIRST_SERIAL, analyze, database_url  # noqa: E402


def main():
    # Re-point the default connection at the benchmark database.
    import dj_database_url

    settings.DATABASES["default"].update(dj_database_url.parse(database_url(BENCH_DB)))
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import User
    from devices import codes
    from devices.models import Unit

    analyze(BENCH_DB)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'devices_unit'")
        units = cursor.fetchone()[0]
    agent = User.objects.find_by_email("bench-agent@example.com") or User.objects.create_user(
        "bench-agent@example.com", None, is_staff=True
    )
    agent.groups.add(Group.objects.get(name="Support agents"))
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(user=agent, name="bench", confirmed=True)
    client = Client()
    client.force_login(agent)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    middle_serial = FIRST_SERIAL + units // 4
    code = codes.make_unit_code(codes.CHARGER, middle_serial)
    typed = codes.format_unit_code(code).lower().replace(" ", "-")
    unit = Unit.objects.get(production_code=code)
    pages = [
        ("unit search by exact code", reverse("admin:devices_unit_changelist") + f"?q={typed}"),
        (
            "kit search by box code",
            reverse("admin:devices_kit_changelist") + f"?q={codes.make_box_code(middle_serial)}",
        ),
        ("unit changelist", reverse("admin:devices_unit_changelist")),
        (
            "unit changelist, chargers",
            reverse("admin:devices_unit_changelist") + "?kind__exact=charger",
        ),
        (
            "unit changelist, returned",
            reverse("admin:devices_unit_changelist") + "?status__exact=returned_defective",
        ),
        ("unit changelist, page 50", reverse("admin:devices_unit_changelist") + "?p=50"),
        ("unit page", reverse("admin:devices_unit_change", args=[unit.pk])),
    ]
    print(f"registry: ~{units:,} units; times are server time per request, median of 10\n")
    print("| page | median ms | max ms | queries |\n| --- | ---: | ---: | ---: |")
    for name, url in pages:
        for _ in range(2):
            assert client.get(url).status_code == 200, url
        times = []
        for _ in range(10):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        print(
            f"| {name} | {statistics.median(times):.1f} | {max(times):.1f} | "
            f"{len(queries.captured_queries)} |"
        )

    print("\nEXPLAIN of the registry queries behind the unit search and changelist:\n")
    from support.admin.registry import UnitAdmin  # noqa: F401

    plans = {
        "exact code search": f"SELECT * FROM devices_unit WHERE production_code = '{code}'",
        "changelist page (select_related, newest first)": (
            "SELECT u.*, p.*, k.* FROM devices_unit u"
            " JOIN devices_productmodel p ON p.id = u.product_model_id"
            " LEFT JOIN devices_kit k ON k.id = u.kit_id ORDER BY u.id DESC LIMIT 100"
        ),
        "capped count for a filter": (
            "SELECT count(*) FROM (SELECT 1 FROM devices_unit WHERE kind = 'charger' LIMIT 10001) s"
        ),
        "estimated count for the whole table": (
            "SELECT reltuples::bigint FROM pg_class WHERE oid = 'devices_unit'::regclass"
        ),
    }
    with connection.cursor() as cursor:
        for name, sql in plans.items():
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING ON) " + sql)
            print(f"{name}:\n```")
            print("\n".join(row[0] for row in cursor.fetchall()))
            print("```")


if __name__ == "__main__":
    main()
