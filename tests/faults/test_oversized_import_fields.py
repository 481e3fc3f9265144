"""A catalogue file with a giant field (10 MB in one cell, plain or quoted, or a whole file
that is one field): a clear message with the line number, nothing loaded, no traceback."""

import io

import pytest
from django.core.management import CommandError, call_command

from devices import catalogue
from devices.models import Kit

pytestmark = pytest.mark.django_db


def generated(kits, first_serial=30_000_000_000):
    return list(catalogue.generate_rows(kits, first_serial=first_serial, models=["Aurora kit"]))


def failing_import(path):
    err = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_catalogue", str(path), stdout=io.StringIO(), stderr=err)
    return str(error.value), err.getvalue()


@pytest.mark.parametrize("quoted", [False, True])
def test_a_ten_megabyte_field_is_a_bad_line_not_a_traceback(tmp_path, quoted):
    giant = "x" * 10_000_000
    good, bad = generated(1)[0], generated(1, first_serial=31_000_000_000)[0]
    codes_of = "{box_code},{holder_code},{charger_code}".format
    path = tmp_path / "giant.csv"
    path.write_text(
        "box_code,holder_code,charger_code,model\n"
        f"{codes_of(**good)},{good['model']}\n"
        f"{codes_of(**bad)}," + (f'"{giant}"' if quoted else giant) + "\n"
    )
    message, errors = failing_import(path)
    assert "line 3: a field is longer than 131,072 characters" in errors
    assert "nothing was imported" in message
    assert not Kit.objects.exists()


def test_a_file_that_is_one_giant_field_is_refused_at_its_first_line(tmp_path):
    path = tmp_path / "giant.csv"
    path.write_text("x" * 10_000_000)
    message, _errors = failing_import(path)
    assert message.endswith("giant.csv: line 1: a field is longer than 131,072 characters")
