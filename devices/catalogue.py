"""Catalogue import: manufacturing batches of kits and units, at database-copy speed.

A batch is CSV with the columns ``box_code,holder_code,charger_code,model`` (more columns
are allowed and ignored). A row with an empty box code and one unit code is loose
replacement stock. The whole batch loads or nothing does:

1. rows are read in chunks, every code is validated in Python (``devices.codes``; a large
   file's chunks in worker processes, one per core, in order), and valid rows stream into a
   temporary staging table through ``COPY`` (memory stays bounded);
2. duplicates within the file and against the registry are found in SQL on the staging table;
3. if any row is bad, the transaction is rolled back and the bad rows are reported with
   their line numbers; otherwise kits and units are inserted from the staging table.
"""

import contextlib
import csv
import ctypes
import io
import itertools
import os
import signal
import sys
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context

from django.db import connection, transaction

from devices import codes
from devices.models import AuditEvent, ProductModel
from devices.services import record_event

REQUIRED_COLUMNS = ("box_code", "holder_code", "charger_code", "model")
MAX_REPORTED_ERRORS = 50
MODEL_NAME_MAX_LENGTH = ProductModel._meta.get_field("name").max_length
CHUNK_ROWS = 10_000
# Validation (the Damm checks) is most of the import's Python time: a large file is checked
# by worker processes while this one feeds COPY.
VALIDATION_PROCESSES = min(os.cpu_count() or 1, 4)
_TEMPORARY_TABLES = (
    "pg_temp.catalogue_staging, pg_temp.catalogue_problems, pg_temp.catalogue_models"
)


class CatalogueFormatError(Exception):
    """The file as a whole cannot be read as a catalogue batch (header, encoding)."""


@dataclass
class ImportReport:
    kits: int = 0
    units: int = 0
    rows: int = 0
    bad_lines: int = 0
    errors: list = field(default_factory=list)  # [(line, message)], the first few by line
    timings: dict = field(default_factory=dict)  # seconds per phase, for benchmarks

    @property
    def ok(self):
        return self.bad_lines == 0


def _parse_row(row, positions):
    """Canonical (box, holder, charger, model) of one CSV row, or raise CodeError/ValueError."""
    box_raw, holder_raw, charger_raw, model = (
        (row[i] if i < len(row) else "").strip() for i in positions
    )
    if not model:
        raise ValueError("model is empty")
    if len(model) > MODEL_NAME_MAX_LENGTH:
        raise ValueError(f"model is longer than {MODEL_NAME_MAX_LENGTH} characters")
    if "\x00" in model:
        raise ValueError("model contains a NUL character")
    if box_raw:
        if not holder_raw or not charger_raw:
            raise ValueError("a kit needs both a holder code and a charger code")
        box = _checked(codes.parse_box_code, box_raw, "box_code")
    else:
        if bool(holder_raw) == bool(charger_raw):
            raise ValueError("loose stock (no box code) needs exactly one unit code")
        box = None
    holder = _checked(codes.parse_unit_code, holder_raw, "holder_code", codes.HOLDER)
    charger = _checked(codes.parse_unit_code, charger_raw, "charger_code", codes.CHARGER)
    return box, holder, charger, model


def _checked(parse, raw, column, *args):
    if not raw:
        return None
    try:
        return parse(raw, *args)
    except codes.CodeError as error:
        raise ValueError(f"{column} {raw!r}: {error.message}") from None


class _CopySource(io.RawIOBase):
    """A file-like object that ``COPY FROM STDIN`` reads, filled lazily from a line iterator."""

    def __init__(self, lines):
        self._lines = lines
        self._buffer = b""

    def readable(self):
        return True

    def read(self, size=-1):
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._lines, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            size = len(self._buffer)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def _copy_text(value):
    """``value`` escaped for COPY's text format."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def _text_chunks(stream, first_line, size):
    """(number of its first line, text) of about ``size`` lines of the file each, cut only
    between records: a line end after an even number of quote characters is outside any
    quoted field (a doubled quote inside a field keeps the count even)."""
    lines, quotes, start = [], 0, first_line
    for line in stream:
        lines.append(line)
        quotes += line.count('"')
        if len(lines) >= size and quotes % 2 == 0:
            yield start, "".join(lines)
            start += len(lines)
            lines, quotes = [], 0
    if lines:
        yield start, "".join(lines)


def _validate_chunk(first_line, text, positions):
    """(COPY text of the valid rows, the model names they use, [(line, message)] of the bad
    rows, the number of rows) of one chunk. Runs in a worker process for large files."""
    reader = csv.reader(io.StringIO(text, newline=""))
    lines, errors, models, rows = [], [], {}, 0  # models: name -> name escaped for COPY
    for row in _rows_or_error(reader, first_line, errors):
        if row is None:
            rows += 1
            continue
        if not row:
            continue  # a blank line, as csv.DictReader would skip it
        rows += 1
        line = first_line + reader.line_num - 1
        try:
            box, holder, charger, model = _parse_row(row, positions)
        except ValueError as error:
            errors.append((line, str(error)))
            continue
        model_text = models.get(model) or models.setdefault(model, _copy_text(model))
        fields = (str(line), box or r"\N", holder or r"\N", charger or r"\N", model_text)
        lines.append("\t".join(fields) + "\n")
    return "".join(lines).encode(), models, errors, rows


def _rows_or_error(reader, first_line, errors):
    """The reader's rows; a row CSV cannot read (a field over the csv module's limit, a
    quote left open) ends the chunk with an error for its line (nothing will be loaded)."""
    try:
        yield from reader
    except csv.Error as error:
        errors.append((first_line + reader.line_num - 1, _unreadable(error)))
        yield None  # counted as a row


def _unreadable(error):
    if "field larger than field limit" in str(error):
        return f"a field is longer than {csv.field_size_limit():,} characters"
    return f"not readable as CSV ({error})"


def _worker_started():
    """In each validation worker: die with the import (a killed import must not leave
    workers behind), and let go of the database connection inherited from it, so that
    PostgreSQL ends the import's session as soon as the import is gone."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # the import died before the line above ran
            os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the import to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if connection.connection is not None:
        with contextlib.suppress(OSError):
            os.close(connection.connection.fileno())


PR_SET_PDEATHSIG = 1


def _validated_chunks(chunks, positions):
    """``_validate_chunk`` of every chunk, in order: in this process when there is only one,
    otherwise in worker processes with a bounded number of chunks in flight."""
    first = next(chunks, None)
    second = next(chunks, None)
    if second is None:
        if first is not None:
            yield _validate_chunk(*first, positions)
        return
    # fork: the workers inherit configured settings (error messages are translated strings)
    # and never touch the parent's database connection.
    with ProcessPoolExecutor(
        VALIDATION_PROCESSES, mp_context=get_context("fork"), initializer=_worker_started
    ) as pool:
        pending = deque()
        for chunk in itertools.chain((first, second), chunks):
            if len(pending) >= 2 * VALIDATION_PROCESSES:
                yield pending.popleft().result()
            pending.append(pool.submit(_validate_chunk, *chunk, positions))
        while pending:
            yield pending.popleft().result()


def _staging_lines(stream, first_line, positions, report, models, progress):
    """COPY text of the valid rows, chunk by chunk; bad rows and model names go to
    ``report`` and ``models``."""
    chunks = _text_chunks(stream, first_line, CHUNK_ROWS)
    for copy_text, chunk_models, errors, rows in _validated_chunks(chunks, positions):
        report.rows += rows
        models.update(chunk_models)
        for line, message in errors:
            _add_error(report, line, message)
        if progress is not None:
            progress()
        if copy_text:
            yield copy_text


def _add_error(report, line, message):
    report.bad_lines += 1
    if len(report.errors) < MAX_REPORTED_ERRORS:
        report.errors.append((line, message))


# Duplicates within the batch and against the registry, one row per problem, by line.
_DUPLICATES_SQL = """
CREATE TEMPORARY TABLE catalogue_problems ON COMMIT DROP AS
WITH codes AS (
    SELECT line, box_code AS code, 'box code' AS what FROM catalogue_staging
        WHERE box_code IS NOT NULL
    UNION ALL
    SELECT line, holder_code, 'holder code' FROM catalogue_staging WHERE holder_code IS NOT NULL
    UNION ALL
    SELECT line, charger_code, 'charger code' FROM catalogue_staging
        WHERE charger_code IS NOT NULL
), repeated AS (
    SELECT line, what, code, min(line) OVER (PARTITION BY code) AS first_line,
           count(*) OVER (PARTITION BY code) AS copies
    FROM codes
), problems AS (
    SELECT line, what || ' ' || code || ' repeats line ' || first_line AS message
        FROM repeated WHERE copies > 1 AND line > first_line
    UNION ALL
    SELECT s.line, 'box code ' || s.box_code || ' is already in the catalogue'
        FROM catalogue_staging s JOIN devices_kit k ON k.box_code = s.box_code
    UNION ALL
    SELECT c.line, c.what || ' ' || c.code || ' is already in the catalogue'
        FROM codes c JOIN devices_unit u ON u.production_code = c.code
        WHERE c.what <> 'box code'
)
SELECT line, message FROM problems
"""


def import_catalogue(stream, *, actor=None, source_name="", dry_run=False, progress=None):
    """Load one batch from a text stream; return an ImportReport. Loads all or nothing."""
    reader = csv.reader(stream)
    try:
        header = [name.strip() for name in next(reader, [])]
    except csv.Error as error:
        raise CatalogueFormatError(f"line 1: {_unreadable(error)}") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise CatalogueFormatError(
            f"the header row must name the columns {','.join(REQUIRED_COLUMNS)}"
            f" (missing: {','.join(missing)})"
        )
    report = ImportReport()
    models = set()
    clock = time.monotonic()

    def lap(phase):
        nonlocal clock
        now = time.monotonic()
        report.timings[phase] = now - clock
        clock = now

    with transaction.atomic(), connection.cursor() as cursor:
        # A batch of millions takes minutes: no statement timeout a deployment sets on the
        # application role for web requests applies to it (this transaction only).
        cursor.execute("SELECT set_config('statement_timeout', '0', true)")
        # ON COMMIT DROP does not fire inside a caller's transaction (tests): drop first.
        cursor.execute(f"DROP TABLE IF EXISTS {_TEMPORARY_TABLES}")
        # The kit ids are drawn from the kits' sequence as rows arrive. Named once: a default
        # that looks the sequence up per row costs 2.5 s per million rows.
        cursor.execute("SELECT pg_get_serial_sequence('devices_kit', 'id')")
        (kit_sequence,) = cursor.fetchone()
        cursor.execute(
            "CREATE TEMPORARY TABLE catalogue_staging ("
            " line integer NOT NULL, box_code text, holder_code text, charger_code text,"
            " model text NOT NULL,"
            " kit_id bigint NOT NULL DEFAULT nextval(%s::regclass)) ON COMMIT DROP",
            [kit_sequence],
        )
        positions = [header.index(column) for column in REQUIRED_COLUMNS]
        # The header was read through csv; the rows go to the validation as text.
        source = _CopySource(
            _staging_lines(stream, reader.line_num + 1, positions, report, models, progress)
        )
        cursor.cursor.copy_expert(
            "COPY catalogue_staging (line, box_code, holder_code, charger_code, model) FROM STDIN",
            source,
            size=1 << 16,
        )
        lap("validate and copy")
        _find_duplicates(cursor, report)
        lap("duplicate checks")
        if not report.ok or dry_run:
            transaction.set_rollback(True)
            return report
        _insert_from_staging(cursor, report, sorted(models))
        lap("insert")
        record_event(
            action=AuditEvent.Action.IMPORTED,
            actor=actor,
            note=f"{source_name}: {report.kits} kits, {report.units} units".strip(": "),
        )
        cursor.execute(f"DROP TABLE {_TEMPORARY_TABLES}")
    lap("commit (deferred foreign-key checks)")
    return report


def _find_duplicates(cursor, report):
    cursor.execute("ANALYZE catalogue_staging")
    cursor.execute(_DUPLICATES_SQL)
    cursor.execute("SELECT count(DISTINCT line) FROM catalogue_problems")
    (bad_lines,) = cursor.fetchone()
    if not bad_lines:
        return
    report.bad_lines += bad_lines
    cursor.execute(
        "SELECT line, message FROM catalogue_problems ORDER BY line, message LIMIT %s",
        [MAX_REPORTED_ERRORS],
    )
    report.errors = sorted(report.errors + cursor.fetchall())[:MAX_REPORTED_ERRORS]


def _insert_from_staging(cursor, report, model_names):
    cursor.execute(
        "INSERT INTO devices_productmodel (name) SELECT unnest(%s::text[])"
        " ON CONFLICT (name) DO NOTHING",
        [model_names],
    )
    cursor.execute(
        "CREATE TEMPORARY TABLE catalogue_models ON COMMIT DROP AS"
        " SELECT name, id AS product_model_id FROM devices_productmodel"
        " WHERE name = ANY(%s::text[])",
        [model_names],
    )
    cursor.execute(
        "INSERT INTO devices_kit (id, box_code, imported_at)"
        " SELECT kit_id, box_code, now() FROM catalogue_staging WHERE box_code IS NOT NULL"
    )
    report.kits = cursor.rowcount
    cursor.execute(
        "INSERT INTO devices_unit"
        " (kind, production_code, kit_id, product_model_id, status, lost_or_stolen)"
        " SELECT u.kind, u.code, CASE WHEN s.box_code IS NULL THEN NULL ELSE s.kit_id END,"
        "        m.product_model_id, 'in_service', false"
        " FROM catalogue_staging s"
        " JOIN catalogue_models m ON m.name = s.model"
        " CROSS JOIN LATERAL (VALUES ('holder', s.holder_code), ('charger', s.charger_code))"
        "      AS u(kind, code)"
        " WHERE u.code IS NOT NULL"
    )
    report.units = cursor.rowcount


def generate_rows(kits, *, first_serial, models, loose_per_kind=0):
    """Rows of a synthetic batch (demo data, benchmarks): ``kits`` kits, then loose stock."""
    for i in range(kits):
        serial = first_serial + i
        yield {
            "box_code": codes.make_box_code(serial),
            "holder_code": codes.make_unit_code(codes.HOLDER, serial),
            "charger_code": codes.make_unit_code(codes.CHARGER, serial),
            "model": models[i % len(models)],
        }
    for i in range(loose_per_kind):
        serial = first_serial + kits + i
        for kind in (codes.HOLDER, codes.CHARGER):
            yield {
                "box_code": "",
                "holder_code": codes.make_unit_code(kind, serial) if kind == codes.HOLDER else "",
                "charger_code": codes.make_unit_code(kind, serial) if kind == codes.CHARGER else "",
                "model": models[i % len(models)],
            }


def write_csv(stream, rows):
    writer = csv.DictWriter(stream, fieldnames=REQUIRED_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
