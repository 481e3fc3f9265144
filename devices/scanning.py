"""Codes read from a photo of a label (the fallback where a camera cannot be used in the page).

A photo is untrusted input: its bytes are capped before it is read (``PhotoUploadHandler``
keeps it in memory and refuses more), its pixel count is checked from the header before any
decoding (no decompression bombs), and it is decoded in memory, never written to disk or kept.
"""

import io

from django.conf import settings
from django.core.files.uploadhandler import MemoryFileUploadHandler, StopUpload
from django.utils.translation import gettext_lazy as _

from devices import codes


class PhotoError(Exception):
    def __init__(self, reason, message):
        super().__init__(str(message))
        self.reason = reason
        self.message = message


TOO_LARGE = _("The photo is too large. Please send a smaller picture of the label.")
NOT_A_PHOTO = _("This file is not a photo we can read (JPEG, PNG, WebP or HEIC).")
NOT_OURS = _(
    "The barcode in the photo is not one of our codes. Take a photo of the label with our code "
    "(on the box, in the holder's cap or on the charger's side)."
)
NO_CODE = _(
    "No code could be read from the photo. Take it closer, straight on and in good light, "
    "or type the code."
)
FORMATS = {"JPEG", "PNG", "HEIF", "WEBP"}


class PhotoUploadHandler(MemoryFileUploadHandler):
    """Uploads in memory only, whatever their size, and never more than the cap."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.activated = True
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.SCAN_PHOTO_MAX_BYTES:
            raise StopUpload(connection_reset=False)
        return super().receive_data_chunk(raw_data, start)


def _open(data):
    from PIL import Image, UnidentifiedImageError
    from pillow_heif import register_heif_opener

    register_heif_opener()
    try:
        image = Image.open(io.BytesIO(data))  # reads the header only
    except Image.DecompressionBombError:  # Pillow's own ceiling, far above ours
        raise PhotoError("too_large", TOO_LARGE) from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise PhotoError("not_image", NOT_A_PHOTO) from None
    if image.format not in FORMATS:
        raise PhotoError("not_image", NOT_A_PHOTO)
    width, height = image.size
    if width * height > settings.SCAN_PHOTO_MAX_PIXELS:
        raise PhotoError("too_large", TOO_LARGE)
    return image


def codes_in_photo(data):
    """The canonical codes (``("box", code)`` or ``("unit", code)``) on the labels in a photo,
    in the order found, each once."""
    import zxingcpp
    from PIL import Image

    if len(data) > settings.SCAN_PHOTO_MAX_BYTES:
        raise PhotoError("too_large", TOO_LARGE)
    image = _open(data)
    try:
        image.draft("L", (2400, 2400))  # JPEG: decode at a reduced size straight away
        image = image.convert("L")
        image.thumbnail((2400, 2400), Image.Resampling.LANCZOS)
    except (OSError, ValueError, Image.DecompressionBombError):
        raise PhotoError("not_image", NOT_A_PHOTO) from None
    found, results = [], zxingcpp.read_barcodes(image)
    for result in results:
        parsed = parse_label_text(result.text)
        if parsed is not None and parsed not in found:
            found.append(parsed)
    if not found:
        raise PhotoError("not_ours", NOT_OURS) if results else PhotoError("no_code", NO_CODE)
    return found


def parse_label_text(text):
    """A label's payload (docs/labels.md) as ``("box", code)`` or ``("unit", code)``, or None
    for anything else (another product's barcode, a URL)."""
    for kind, parse in (("box", codes.parse_box_code), ("unit", codes.parse_unit_code)):
        try:
            return kind, parse(text)
        except codes.CodeError:
            continue
    return None
