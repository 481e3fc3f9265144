"""Scannable labels (docs/labels.md): each code as Code 128 of exactly its characters — a box
code's 12 digits, a unit's letter and 12 digits — and a QR code with the same text.

Barcodes are drawn here as SVG with presentation attributes only (no ``style``), so they can be
inlined in pages served under the strict Content Security Policy; ``label_image`` draws the
same bars with Pillow for photos and camera frames in tests and for raster output.
"""

import segno
from barcode import Code128
from django.utils.html import format_html, format_html_join

QUIET_MODULES = 10  # white space either side of the bars, which scanners need


def code128_modules(text):
    """The bars of ``text`` in Code 128 as a string of 1 (bar) and 0 (space) modules."""
    return Code128(text).build()[0]


def bars(modules):
    """(start, width) of each run of bar modules."""
    runs, start = [], None
    for index, module in enumerate(modules + "0"):
        if module == "1" and start is None:
            start = index
        elif module == "0" and start is not None:
            runs.append((start, index - start))
            start = None
    return runs


def code128_svg(text, *, height=40, label=""):
    """An inline SVG of ``text`` in Code 128 (``label``: its accessible name)."""
    modules = code128_modules(text)
    width = len(modules) + 2 * QUIET_MODULES
    path = "".join(
        f"M{QUIET_MODULES + start} 0h{run}v{height}h-{run}z" for start, run in bars(modules)
    )
    return format_html(
        '<svg class="barcode" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" '
        'preserveAspectRatio="none" role="img" aria-label="{}">'
        '<rect width="100%" height="100%" fill="#fff"/><path d="{}" fill="#000"/></svg>',
        width,
        height,
        label or text,
        path,
    )


def qr_matrix(text):
    return [list(row) for row in segno.make_qr(text, error="m").matrix]


def qr_svg(text, *, label=""):
    matrix = qr_matrix(text)
    size = len(matrix) + 8  # four modules of quiet zone each side
    cells = format_html_join(
        "",
        "M{} {}h1v1h-1z",
        ((x + 4, y + 4) for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark),
    )
    return format_html(
        '<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" '
        'aria-label="{}"><rect width="100%" height="100%" fill="#fff"/>'
        '<path d="{}" fill="#000"/></svg>',
        size,
        size,
        label or text,
        cells,
    )


def label_image(text, *, module=3, height=90, caption=True):
    """A Pillow image of a label (the Code 128 bars, the text under them): what a camera or a
    photo of a printed label shows."""
    from PIL import Image, ImageDraw

    modules = code128_modules(text)
    width = (len(modules) + 2 * QUIET_MODULES) * module
    image = Image.new("L", (width, height + (30 if caption else 0) + 20), 255)
    draw = ImageDraw.Draw(image)
    for start, run in bars(modules):
        x = (QUIET_MODULES + start) * module
        draw.rectangle([x, 10, x + run * module - 1, 10 + height], fill=0)
    if caption:
        draw.text((QUIET_MODULES * module, height + 16), text, fill=0)
    return image
