"""Write printable sheets of labels (docs/labels.md) for kits: per kit the box label and the
holder's and charger's labels, each a Code 128 barcode, a QR code and the grouped code, on A4
SVG pages (print at 100 %). The demo's kits are the first of the catalogue:
``manage.py print_labels --first 14`` (then scan them from a second screen or paper)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.html import escape

from devices import codes, labels
from devices.models import Kit

PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 210, 297, 12  # mm
ROW_HEIGHT = 38
KITS_PER_PAGE = (PAGE_HEIGHT - 2 * MARGIN) // ROW_HEIGHT
BOX_WIDTH, UNIT_WIDTH, GAP = 64, 58, 3


def placed(svg, x, y, width, height):
    return svg.replace("<svg ", f'<svg x="{x}" y="{y}" width="{width}" height="{height}" ', 1)


def label(x, y, width, title, code, formatted):
    height = ROW_HEIGHT - GAP
    qr = height - 12
    return (
        f'<g transform="translate({x} {y})">'
        f'<rect width="{width}" height="{height}" rx="2" fill="#fff" stroke="#999" '
        'stroke-width="0.2"/>'
        f'<text x="3" y="5" font-family="sans-serif" font-size="3">{escape(title)}</text>'
        + placed(labels.code128_svg(code), 2, 7, width - qr - 6, 16)
        + placed(labels.qr_svg(code), width - qr - 2, 6, qr, qr)
        + f'<text x="3" y="{height - 4}" font-family="monospace" font-size="3.6" '
        f'font-weight="bold">{escape(formatted)}</text></g>'
    )


def page(kits):
    rows = []
    for row, kit in enumerate(kits):
        y = MARGIN + row * ROW_HEIGHT
        units = {unit.kind: unit for unit in kit.units.all()}
        rows.append(label(MARGIN, y, BOX_WIDTH, "Box", kit.box_code, kit.formatted_code))
        x = MARGIN + BOX_WIDTH + GAP
        for kind, title in ((codes.HOLDER, "Holder"), (codes.CHARGER, "Charger")):
            unit = units.get(kind)
            if unit is not None:
                rows.append(
                    label(x, y, UNIT_WIDTH, title, unit.production_code, unit.formatted_code)
                )
            x += UNIT_WIDTH + GAP
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{PAGE_WIDTH}mm" '
        f'height="{PAGE_HEIGHT}mm" viewBox="0 0 {PAGE_WIDTH} {PAGE_HEIGHT}">'
        f'<rect width="{PAGE_WIDTH}" height="{PAGE_HEIGHT}" fill="#fff"/>'
        + "".join(rows)
        + "</svg>\n"
    )


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument("box_codes", nargs="*", help="box codes, in any form")
        parser.add_argument("--first", type=int, default=0, help="the first N kits instead")
        parser.add_argument("--output", default="var/labels.svg", help="the first page's file")

    def handle(self, *args, box_codes, first, output, **options):
        try:
            wanted = [codes.parse_box_code(code) for code in box_codes]
        except codes.CodeError as error:
            raise CommandError(str(error.message)) from None
        kits = Kit.objects.prefetch_related("units").order_by("box_code")
        kits = list(kits[:first] if first else kits.filter(box_code__in=wanted))
        missing = set(wanted) - {kit.box_code for kit in kits}
        if missing:
            raise CommandError(f"Not in the catalogue: {', '.join(sorted(missing))}")
        if not kits:
            raise CommandError("No kits: give box codes, or --first N.")
        target = Path(output)
        target.parent.mkdir(parents=True, exist_ok=True)
        written = []
        for number, start in enumerate(range(0, len(kits), KITS_PER_PAGE), start=1):
            path = target if number == 1 else target.with_stem(f"{target.stem}-{number}")
            path.write_text(page(kits[start : start + KITS_PER_PAGE]), encoding="utf-8")
            written.append(str(path))
        self.stdout.write(f"Labels of {len(kits)} kits: {', '.join(written)}")
