"""`manage.py import_catalogue`: a good batch loads completely, a bad one loads nothing."""

import io

import pytest
from django.core.management import CommandError, call_command

from devices import catalogue, codes
from devices.models import AuditEvent, Kit, ProductModel, Unit

pytestmark = pytest.mark.django_db

HEADER = "box_code,holder_code,charger_code,model\n"


def batch_file(tmp_path, rows, name="batch.csv"):
    path = tmp_path / name
    stream = io.StringIO()
    catalogue.write_csv(stream, rows)
    path.write_text(stream.getvalue())
    return path


def generated(kits, first_serial=30_000_000_000, loose=0):
    return list(
        catalogue.generate_rows(
            kits,
            first_serial=first_serial,
            models=["Aurora kit, jade green", "Nova kit, grey"],
            loose_per_kind=loose,
        )
    )


def run_import(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_catalogue", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failing_import(path):
    err = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_catalogue", str(path), stdout=io.StringIO(), stderr=err)
    return str(error.value), err.getvalue()


def test_a_good_file_loads_completely(tmp_path):
    path = batch_file(tmp_path, generated(25, loose=3))
    out, _ = run_import(path)
    assert "Imported 25 kits and 56 units from 31 rows" in out
    assert Kit.objects.count() == 25
    assert Unit.objects.filter(kit__isnull=False).count() == 50
    assert Unit.objects.filter(kit__isnull=True).count() == 6  # loose replacement stock
    kit = Kit.objects.get(box_code=codes.make_box_code(30_000_000_000))
    assert {u.production_code for u in kit.units.all()} == {
        codes.make_unit_code(codes.HOLDER, 30_000_000_000),
        codes.make_unit_code(codes.CHARGER, 30_000_000_000),
    }
    assert set(ProductModel.objects.values_list("name", flat=True)) == {
        "Aurora kit, jade green",
        "Nova kit, grey",
    }
    assert all(u.status == "in_service" and u.warranty_start is None for u in Unit.objects.all())
    assert AuditEvent.objects.filter(action="imported").count() == 1


def test_codes_are_normalised_on_import(tmp_path):
    serial = 30_000_000_123
    box, holder = codes.make_box_code(serial), codes.make_unit_code(codes.HOLDER, serial)
    charger = codes.make_unit_code(codes.CHARGER, serial)
    path = tmp_path / "typed.csv"
    path.write_text(
        HEADER.replace("\n", ",batch\n")
        + f"{codes.format_box_code(box)},{holder.lower()},{codes.format_unit_code(charger)},"
        "Nova kit,B-7\n"
    )
    run_import(path)
    assert Kit.objects.get().box_code == box
    assert set(Unit.objects.values_list("production_code", flat=True)) == {holder, charger}


def test_a_file_with_bad_rows_loads_nothing_and_names_each_bad_line(tmp_path):
    rows = generated(6)
    rows[1]["box_code"] = rows[1]["box_code"][:-1] + str((int(rows[1]["box_code"][-1]) + 1) % 10)
    rows[2]["holder_code"], rows[2]["charger_code"] = (
        rows[2]["charger_code"],
        rows[2]["holder_code"],
    )
    rows[3]["model"] = ""
    rows[4]["charger_code"] = rows[0]["charger_code"]
    rows.append({"box_code": "", "holder_code": "", "charger_code": "", "model": "x"})
    message, err = failing_import(batch_file(tmp_path, rows))
    assert "5 bad lines in 7 rows read: nothing was imported" in message
    lines = err.splitlines()
    assert lines[0].startswith("line 3: box_code") and "mistyped" in lines[0]
    assert lines[1].startswith("line 4: holder_code") and "charger code" in lines[1]
    assert lines[2] == "line 5: model is empty"
    assert lines[3] == (f"line 6: charger code {rows[0]['charger_code']} repeats line 2")
    assert lines[4] == "line 8: loose stock (no box code) needs exactly one unit code"
    assert Kit.objects.count() == 0
    assert Unit.objects.count() == 0
    assert ProductModel.objects.count() == 0


def test_reimporting_the_same_file_is_refused_cleanly(tmp_path):
    path = batch_file(tmp_path, generated(3))
    run_import(path)
    message, err = failing_import(path)
    assert "3 bad lines in 3 rows read: nothing was imported" in message
    assert (
        f"line 2: box code {codes.make_box_code(30_000_000_000)} is already in the catalogue" in err
    )
    assert "holder code" in err and "charger code" in err
    assert Kit.objects.count() == 3


def test_only_the_first_fifty_bad_lines_are_listed_then_a_count(tmp_path):
    rows = generated(80)
    for row in rows:
        row["model"] = ""
    message, err = failing_import(batch_file(tmp_path, rows))
    assert len([line for line in err.splitlines() if line.startswith("line ")]) == 50
    assert "... and 30 more bad lines" in err
    assert "80 bad lines" in message


def test_a_missing_column_is_refused_before_reading_rows(tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("box,holder\n1,2\n")
    message, _ = failing_import(path)
    assert "missing: box_code,holder_code,charger_code,model" in message


def test_a_missing_file_is_a_clear_error(tmp_path):
    message, _ = failing_import(tmp_path / "nope.csv")
    assert "cannot open" in message


def test_dry_run_validates_and_loads_nothing(tmp_path):
    out, _ = run_import(batch_file(tmp_path, generated(4)), "--dry-run")
    assert "4 rows are valid" in out
    assert Kit.objects.count() == 0


def test_model_names_that_cannot_be_stored_are_bad_lines(tmp_path):
    rows = generated(3)
    rows[0]["model"] = "x" * 201
    rows[1]["model"] = "Nova\x00kit"
    message, err = failing_import(batch_file(tmp_path, rows))
    assert "2 bad lines in 3 rows read" in message
    assert "line 2: model is longer than 200 characters" in err
    assert "line 3: model contains a NUL character" in err


def test_a_large_file_is_validated_in_chunks_by_worker_processes(tmp_path, monkeypatch):
    """Chunks of three lines: line numbers, order, quoted line breaks and COPY's special
    characters all survive the trip through the worker processes."""
    monkeypatch.setattr(catalogue, "CHUNK_ROWS", 3)
    rows = generated(10)
    rows[2]["model"] = "Aurora\nkit, two lines"  # a quoted field across a chunk boundary
    rows[4]["model"] = "Tab\there, back\\slash, \\N"
    path = batch_file(tmp_path, rows)
    out, _ = run_import(path)
    assert "Imported 10 kits and 20 units from 10 rows" in out
    assert set(ProductModel.objects.values_list("name", flat=True)) == {
        "Aurora kit, jade green",
        "Nova kit, grey",
        "Aurora\nkit, two lines",
        "Tab\there, back\\slash, \\N",
    }
    kit = Kit.objects.get(box_code=rows[4]["box_code"])
    assert {u.product_model.name for u in kit.units.all()} == {"Tab\there, back\\slash, \\N"}


def test_bad_lines_in_many_chunks_are_reported_in_order_with_their_line_numbers(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(catalogue, "CHUNK_ROWS", 2)
    rows = generated(9)
    rows[1]["model"] = "two\nlines"  # line 3 and 4 of the file: later rows move down one
    for index in (0, 4, 8):
        rows[index]["model"] = ""
    rows[6]["charger_code"] = rows[3]["charger_code"]
    message, err = failing_import(batch_file(tmp_path, rows))
    assert "4 bad lines in 9 rows read: nothing was imported" in message
    assert err.splitlines() == [
        "line 2: model is empty",
        "line 7: model is empty",
        f"line 9: charger code {rows[3]['charger_code']} repeats line 6",
        "line 11: model is empty",
    ]
    assert Kit.objects.count() == 0


@pytest.mark.parametrize("chunk_rows", [10_000, 2])
def test_a_file_that_is_not_utf8_is_refused_and_loads_nothing(tmp_path, monkeypatch, chunk_rows):
    """Also when the bad byte is met while worker processes validate earlier chunks."""
    monkeypatch.setattr(catalogue, "CHUNK_ROWS", chunk_rows)
    path = batch_file(tmp_path, generated(6))
    path.write_bytes(path.read_bytes() + "7,H1,C1,Kit \xe9\n".encode("latin-1"))
    message, _ = failing_import(path)
    assert "not UTF-8 text" in message
    assert Kit.objects.count() == 0
