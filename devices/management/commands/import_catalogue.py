"""Load a manufacturing batch of kits and units from CSV; all rows or none."""

import signal
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from devices.catalogue import MAX_REPORTED_ERRORS, CatalogueFormatError, import_catalogue

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
# No tqdm monitor thread: the import forks its validation workers, and forking a process
# with threads can deadlock the children.
tqdm.monitor_interval = 0


class Interrupted(Exception):
    """SIGTERM (a service manager, ``kill``) or SIGINT (Ctrl-C) during the import."""

    by = None


def _interrupt(signum, frame):
    # Remembered too: raised inside COPY's read, it comes back as the driver's own error.
    Interrupted.by = signal.Signals(signum).name
    raise Interrupted(Interrupted.by)


class Command(BaseCommand):
    help = (
        "Import a catalogue batch: CSV with the columns box_code,holder_code,charger_code,model "
        "(header row; more columns are ignored; an empty box code and one unit code is loose "
        "stock). Any bad row and nothing is loaded; every bad row is reported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file to import")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate the whole file, load nothing"
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="never show the progress bar"
        )

    def handle(self, *args, **options):
        path = options["file"]
        try:
            stream = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
        except OSError as error:
            raise CommandError(f"cannot open {path}: {error.strerror}") from None
        show_progress = not options["no_progress"] and sys.stderr.isatty()
        started = time.monotonic()
        with (
            stream,
            tqdm(
                total=_size(stream),
                unit="B",
                unit_scale=True,
                desc="reading",
                disable=not show_progress,
            ) as bar,
        ):

            def progress():
                bar.update(stream.buffer.tell() - bar.n)

            # Stopped, the import rolls back and says so (its workers stop with it).
            Interrupted.by = None
            handlers = {sig: signal.signal(sig, _interrupt) for sig in STOP_SIGNALS}
            try:
                report = import_catalogue(
                    stream, source_name=path, dry_run=options["dry_run"], progress=progress
                )
            except Exception as error:
                if Interrupted.by is not None:
                    raise CommandError(f"{path}: interrupted; nothing was loaded") from None
                if isinstance(error, CatalogueFormatError):
                    raise CommandError(f"{path}: {error}") from None
                if isinstance(error, UnicodeDecodeError):
                    raise CommandError(f"{path}: the file is not UTF-8 text") from None
                raise
            finally:
                for sig, handler in handlers.items():
                    signal.signal(sig, handler)
            bar.update(bar.total - bar.n if bar.total else 0)
        elapsed = time.monotonic() - started

        if not report.ok:
            for line, message in report.errors:
                self.stderr.write(f"line {line}: {message}")
            more = report.bad_lines - len(report.errors)
            if more > 0:
                self.stderr.write(
                    f"... and {more} more bad lines (first {MAX_REPORTED_ERRORS} shown)"
                )
            bad = "1 bad line" if report.bad_lines == 1 else f"{report.bad_lines} bad lines"
            raise CommandError(f"{bad} in {report.rows} rows read: nothing was imported")
        if options["dry_run"]:
            self.stdout.write(f"{report.rows} rows are valid (dry run: nothing was imported)")
            return
        if options["verbosity"] >= 2:
            for phase, seconds in report.timings.items():
                self.stdout.write(f"  {phase}: {seconds:.1f} s")
        rate = report.units / elapsed if elapsed else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {report.kits} kits and {report.units} units from {report.rows} rows "
                f"in {elapsed:.1f} s ({rate:,.0f} units/s)"
            )
        )


def _size(stream):
    try:
        return stream.buffer.raw.seek(0, 2) or None
    finally:
        stream.buffer.raw.seek(0)
