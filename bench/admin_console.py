"""Support-centre pages at registry scale: fill a registry-sized database, then time the real
admin pages with their rows rendered, and EXPLAIN the queries they run.

    make bench-console                                   # fill (once) and measure
    .venv/bin/python bench/admin_console.py --fill-only  # fill, or finish an interrupted fill
    .venv/bin/python bench/admin_console.py --measure-only   # measure again, no fill

The fill (`bench/console_fill.py`) reuses the `bench_import` database of
`bench/import_catalogue.py --kits 5000000` (10 million units through the real import; run
when fewer than 9.9 million units are there) and adds, with plain SQL as the owner role,
3 million accounts, 7 million registrations, 30 million audit events, cases, transfer
requests and support changes. Stages already done are skipped.

The measurement goes through Django's test client in this process (server time: URL →
middleware → view → SQL → template), signed in as a support agent with a second factor,
checks that each page shows the rows it should, and writes `bench/RESULTS-admin.md`.
"""

import argparse
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import console_fill  # noqa: E402
from common import BENCH_DB  # noqa: E402


def migrate(database):
    """Bring a filled database to this checkout's schema (new indexes are built
    concurrently, so this is minutes on 30 million rows, not a rebuild)."""
    import subprocess

    from common import database_environment

    env = {**os.environ, **database_environment(database)}
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], env=env, check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fill-only", action="store_true")
    parser.add_argument("--measure-only", action="store_true")
    parser.add_argument("--database", default=BENCH_DB, help="another filled database (a try)")
    parser.add_argument("--runs", type=int, default=10, help="timed requests per page")
    parser.add_argument("--no-write", action="store_true", help="print only, keep RESULTS-admin.md")
    args = parser.parse_args()
    if not args.measure_only:
        started = time.monotonic()
        console_fill.fill(args.database)
        print(f"fill finished in {time.monotonic() - started:.0f} s", flush=True)
    if not args.fill_only:
        import measure_console

        migrate(args.database)  # the pages measured are this checkout's, indexes included
        measure_console.run(args.database, runs=args.runs, write=not args.no_write)


if __name__ == "__main__":
    main()
