"""Benchmark the catalogue import: generate N kits as CSV, import them into a fresh database.

    python bench/import_catalogue.py [--kits 1000000]

Runs `manage.py import_catalogue` in a child process against a throw-away database
(`bench_import` on the same server) and reports wall time, rows/s and the child's peak memory.
"""

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from common import BENCH_DB, FIRST_SERIAL, database_environment, owner_connection  # noqa: E402
from django.conf import settings  # noqa: E402

from devices import catalogue  # noqa: E402


def recreate_database(name):
    connection = owner_connection(settings.DATABASES["default"]["NAME"])
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        cursor.execute(f"CREATE DATABASE {name}")
    connection.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kits", type=int, default=1_000_000)
    args = parser.parse_args()

    path = BASE_DIR / "var" / "bench" / f"catalogue-{args.kits}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        started = time.monotonic()
        with open(path, "w", newline="") as stream:
            catalogue.write_csv(
                stream,
                catalogue.generate_rows(
                    args.kits,
                    first_serial=FIRST_SERIAL,
                    models=["Bench kit, black", "Bench kit, white"],
                ),
            )
        print(
            f"generated {path} ({path.stat().st_size / 1e6:.0f} MB) "
            f"in {time.monotonic() - started:.1f} s"
        )

    recreate_database(BENCH_DB)
    env = {**os.environ, **database_environment(BENCH_DB)}
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], env=env, check=True)

    started = time.monotonic()
    subprocess.run(
        [*manage, "import_catalogue", "--no-progress", "-v2", str(path)], env=env, check=True
    )
    elapsed = time.monotonic() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"import of {args.kits:,} kits ({2 * args.kits:,} units): {elapsed:.1f} s, "
        f"{args.kits / elapsed:,.0f} kits/s, {2 * args.kits / elapsed:,.0f} units/s, "
        f"peak memory of the import process {peak_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
