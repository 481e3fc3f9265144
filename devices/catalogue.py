"""Catalogue import: manufacturing batches of kits and units, at database-copy speed.

A batch is CSV with the columns ``box_code,holder_code,charger_code,model`` (more columns
are allowed and ignored). A row with an empty box code and one unit code is loose
replacement stock. The whole batch loads or nothing does:

1. rows are read one at a time, every code is validated in Python (``devices.codes``), and
   valid rows stream into a temporary staging table through ``COPY`` (memory stays bounded);
2. duplicates within the file and against the registry are found in SQL on the staging table;
3. if any row is bad, the transaction is rolled back and the bad rows are reported with
   their line numbers; otherwise kits and units are inserted from the staging table.
"""

import csv
import io
import time
from dataclasses import dataclass, field

from django.db import connection, transaction

from devices import codes
from devices.models import AuditEvent
from devices.services import record_event

REQUIRED_COLUMNS = ("box_code", "holder_code", "charger_code", "model")
MAX_REPORTED_ERRORS = 50
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


def _staging_lines(reader, positions, report, model_index, progress):
    """Validate rows; yield valid ones as COPY text lines (batched), record the bad ones."""
    batch = []
    for row in reader:
        if not row:
            continue  # a blank line, as csv.DictReader would skip it
        report.rows += 1
        line = reader.line_num
        if progress is not None and report.rows % 10_000 == 0:
            progress()
        try:
            box, holder, charger, model = _parse_row(row, positions)
        except ValueError as error:
            _add_error(report, line, str(error))
            continue
        model_id = model_index.setdefault(model, len(model_index))
        batch.append(f"{line}\t{box or r'\N'}\t{holder or r'\N'}\t{charger or r'\N'}\t{model_id}\n")
        if len(batch) >= 2000:
            yield "".join(batch).encode()
            batch.clear()
    if batch:
        yield "".join(batch).encode()


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
    header = [name.strip() for name in next(reader, [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise CatalogueFormatError(
            f"the header row must name the columns {','.join(REQUIRED_COLUMNS)}"
            f" (missing: {','.join(missing)})"
        )
    report = ImportReport()
    model_index = {}
    clock = time.monotonic()

    def lap(phase):
        nonlocal clock
        now = time.monotonic()
        report.timings[phase] = now - clock
        clock = now

    with transaction.atomic(), connection.cursor() as cursor:
        # ON COMMIT DROP does not fire inside a caller's transaction (tests): drop first.
        cursor.execute(f"DROP TABLE IF EXISTS {_TEMPORARY_TABLES}")
        cursor.execute(
            "CREATE TEMPORARY TABLE catalogue_staging ("
            " line integer NOT NULL, box_code text, holder_code text, charger_code text,"
            " model_index integer NOT NULL,"
            " kit_id bigint NOT NULL DEFAULT nextval(pg_get_serial_sequence('devices_kit',"
            " 'id'))) ON COMMIT DROP"
        )
        positions = [header.index(column) for column in REQUIRED_COLUMNS]
        source = _CopySource(_staging_lines(reader, positions, report, model_index, progress))
        cursor.cursor.copy_expert(
            "COPY catalogue_staging (line, box_code, holder_code, charger_code, model_index)"
            " FROM STDIN",
            source,
            size=1 << 16,
        )
        lap("validate and copy")
        _find_duplicates(cursor, report)
        lap("duplicate checks")
        if not report.ok or dry_run:
            transaction.set_rollback(True)
            return report
        _insert_from_staging(cursor, report, model_index)
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


def _insert_from_staging(cursor, report, model_index):
    names = list(model_index)
    cursor.execute(
        "INSERT INTO devices_productmodel (name) SELECT unnest(%s::text[])"
        " ON CONFLICT (name) DO NOTHING",
        [names],
    )
    cursor.execute(
        "CREATE TEMPORARY TABLE catalogue_models ON COMMIT DROP AS"
        " SELECT m.ordinality - 1 AS model_index, p.id AS product_model_id"
        " FROM unnest(%s::text[]) WITH ORDINALITY AS m(name, ordinality)"
        " JOIN devices_productmodel p ON p.name = m.name",
        [names],
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
        " JOIN catalogue_models m USING (model_index)"
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
