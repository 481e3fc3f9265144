"""Labels to the spec of docs/labels.md: Code 128 and QR of exactly the canonical code, drawn
as CSP-safe SVG (no style attributes), readable by a real decoder; print_labels writes sheets."""

import re

import pytest
import zxingcpp
from django.core.management import CommandError, call_command

from devices import codes, labels
from tests.factories import KitFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text", ["100000000017", "H100000000017", "C999999999993"])
def test_a_drawn_label_reads_back_as_exactly_its_code(text):
    (result,) = zxingcpp.read_barcodes(labels.label_image(text))
    assert (result.text, result.format.name) == (text, "Code128")


def test_the_svg_barcodes_carry_no_inline_style_and_name_their_code():
    svg = labels.code128_svg("H100000000017") + labels.qr_svg("H100000000017")
    assert "style" not in svg
    assert svg.count('aria-label="H100000000017"') == 2


def test_print_labels_writes_one_sheet_per_seven_kits(tmp_path):
    kits = KitFactory.create_batch(8)
    out = tmp_path / "labels.svg"
    call_command("print_labels", *[kit.box_code for kit in kits], output=str(out))
    first, second = out.read_text(), (tmp_path / "labels-2.svg").read_text()
    assert first.startswith("<?xml") and 'width="210mm"' in first
    for kit in kits[:7]:
        assert kit.formatted_code in first
        for unit in kit.units.all():
            assert f'aria-label="{unit.production_code}"' in first
    assert kits[7].formatted_code in second and kits[7].formatted_code not in first
    assert len(re.findall(r'class="barcode"', first)) == 21


def test_print_labels_refuses_what_is_not_in_the_catalogue(tmp_path):
    with pytest.raises(CommandError, match="Not in the catalogue"):
        call_command("print_labels", codes.make_box_code(77), output=str(tmp_path / "x.svg"))
    with pytest.raises(CommandError, match="mistyped"):
        call_command("print_labels", "1000 0000 0018", output=str(tmp_path / "x.svg"))
