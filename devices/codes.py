"""Box codes and unit production codes: normalise, validate, format, generate.

The one place that knows the formats (see DESIGN.md, "Codes"):

- box code: 12 digits, the 12th the Damm check digit of the first 11;
- unit production code: ``H`` (holder) or ``C`` (charger), 11 digits, then the Damm check
  digit of those 11 digits.

Input is normalised first: upper-case, whitespace and dashes removed, and in digit positions
the look-alike letters read as the digits people meant (O/Q→0, I/L→1, Z→2, S→5, B→8). Damm
catches every single wrong digit and every swap of neighbouring digits, so a typo is refused
before any lookup and never lands on someone else's device.
"""

import re
import unicodedata

from django.utils.translation import gettext_lazy as _
from stdnum import damm

HOLDER = "holder"
CHARGER = "charger"
KIND_LETTERS = {"H": HOLDER, "C": CHARGER}
LETTER_FOR_KIND = {kind: letter for letter, kind in KIND_LETTERS.items()}

BOX_CODE_LENGTH = 12
UNIT_CODE_LENGTH = 13
SERIAL_LENGTH = 11

_LOOKALIKE_DIGITS = str.maketrans("OQILZSB", "0011258")
# Spaces of any kind (zero-width ones too) and every dash-like character people paste from
# documents.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u200b-\u200d\u2060\ufeff]+")
# Already canonical input (catalogue files, scanners) skips normalising: same result, faster.
_CANONICAL_BOX = re.compile(r"[0-9]{12}")
_CANONICAL_UNIT = re.compile(r"[HC][0-9]{12}")


class CodeError(ValueError):
    """A code that cannot be a valid box or production code; ``reason`` is machine-readable."""

    def __init__(self, reason, message, *, kind=None):
        super().__init__(str(message))
        self.reason = reason
        self.message = message
        self.kind = kind  # the kind the code looks like, for "wrong field" answers


def normalise(raw):
    """Upper-case, strip separators; NFKC turns full-width digits into ASCII ones."""
    text = unicodedata.normalize("NFKC", str(raw or ""))
    return _SEPARATORS.sub("", text).upper()


def _digits(text):
    return text.translate(_LOOKALIKE_DIGITS)


def parse_box_code(raw):
    """Return the canonical 12-digit box code or raise CodeError."""
    if isinstance(raw, str) and _CANONICAL_BOX.fullmatch(raw) and damm.is_valid(raw):
        return raw
    code = _digits(normalise(raw))
    if not code:
        raise CodeError("empty", _("Enter the twelve-digit box code."))
    if code[0] in KIND_LETTERS and len(code) == UNIT_CODE_LENGTH:
        raise CodeError(
            "unit_code",
            _("This is a production code of a single unit, not a box code."),
            kind=KIND_LETTERS[code[0]],
        )
    if not code.isdigit() or not code.isascii():
        raise CodeError("characters", _("A box code contains digits only."))
    if len(code) != BOX_CODE_LENGTH:
        raise CodeError(
            "length",
            _("A box code has 12 digits; this one has %(count)d.") % {"count": len(code)},
        )
    if not damm.is_valid(code):
        raise CodeError("check_digit", _("One character looks mistyped: please check the code."))
    return code


def parse_unit_code(raw, expected_kind=None):
    """Return the canonical production code (``H…``/``C…``) or raise CodeError.

    With ``expected_kind``, a valid code of the other kind is refused with reason ``kind``.
    """
    if (
        isinstance(raw, str)
        and _CANONICAL_UNIT.fullmatch(raw)
        and damm.is_valid(raw[1:])
        and (expected_kind is None or KIND_LETTERS[raw[0]] == expected_kind)
    ):
        return raw
    text = normalise(raw)
    if not text:
        raise CodeError("empty", _("Enter the production code."))
    letter, rest = text[0], _digits(text[1:])
    if letter not in KIND_LETTERS:
        if _digits(text).isdigit() and len(text) == BOX_CODE_LENGTH:
            raise CodeError("box_code", _("This is a box code, not the code of a single unit."))
        raise CodeError("prefix", _("A production code starts with H (holder) or C (charger)."))
    code = letter + rest
    if not rest.isdigit() or not rest.isascii():
        raise CodeError(
            "characters", _("After the letter H or C, a production code contains digits only.")
        )
    if len(code) != UNIT_CODE_LENGTH:
        raise CodeError(
            "length",
            _("A production code has 13 characters; this one has %(count)d.")
            % {"count": len(code)},
        )
    if not damm.is_valid(rest):
        raise CodeError("check_digit", _("One character looks mistyped: please check the code."))
    kind = KIND_LETTERS[letter]
    if expected_kind and kind != expected_kind:
        message = (
            _("This looks like a charger code; enter it in the charger field.")
            if kind == CHARGER
            else _("This looks like a holder code; enter it in the holder field.")
        )
        raise CodeError("kind", message, kind=kind)
    return code


def kind_of(code):
    """Kind of a canonical production code."""
    return KIND_LETTERS[code[0]]


def format_box_code(code):
    """Group a canonical box code for people: ``1234 5678 9012``."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def format_unit_code(code):
    """Group a canonical production code for people: ``H 1234 5678 9012``."""
    return f"{code[0]} {format_box_code(code[1:])}"


def make_box_code(serial):
    """The box code for an 11-digit serial number (catalogue generation, tests, demo data)."""
    digits = f"{serial:0{SERIAL_LENGTH}d}"
    if len(digits) != SERIAL_LENGTH:
        raise ValueError("serial out of range")
    return digits + damm.calc_check_digit(digits)


def make_unit_code(kind, serial):
    """The production code for a kind and an 11-digit serial number."""
    return LETTER_FOR_KIND[kind] + make_box_code(serial)
