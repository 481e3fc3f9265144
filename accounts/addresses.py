"""E-mail addresses in one canonical form, for storing and for comparing.

A domain can be typed in many ways that look alike: ``ｅxample.com`` (full-width letters),
``ℯxample.com`` (a mathematical script letter), ``EXAMPLE.com``. Each domain is converted to
its IDNA ASCII form with the UTS-46 mapping (``example.com`` for all three; ``příklad.cz``
becomes ``xn--pklad-zsa96e.cz``), so they are one account and read back the same at the
counter. A label that mixes alphabets (Latin with a Cyrillic ``а``) is a different domain
that imitates a familiar one, and is refused. The part before the @ is kept as typed (Django
accepts only ASCII there); accounts compare it without regard to letter case.

Every place where an address enters calls this module, through ``accounts.forms
.EmailAddressField`` or ``User.objects.normalize_email`` / ``find_by_email``.
"""

import unicodedata

import idna
from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "invalid": _("Enter a valid e-mail address."),
    "mixed_scripts": _(
        "The domain of this address (after the @) mixes letters of different alphabets, for "
        "example Latin and Cyrillic, so it imitates another domain. Please type it again."
    ),
}

# Alphabets that are written together (Unicode's "highly restrictive" profile, UTS #39):
# Japanese mixes kanji, hiragana, katakana and Latin; Chinese and Korean their own sets.
ALLOWED_MIXES = [
    {"LATIN", "CJK", "HIRAGANA", "KATAKANA"},
    {"LATIN", "CJK", "BOPOMOFO"},
    {"LATIN", "CJK", "HANGUL"},
]


class AddressError(ValueError):
    """The address has no canonical form; ``message`` is fit for the user."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason
        self.message = MESSAGES[reason]


def _script(char):
    """The alphabet of a letter, by its Unicode name (LATIN SMALL LETTER A, CYRILLIC …);
    None for digits, hyphens and combining marks, which go with any alphabet."""
    if not unicodedata.category(char).startswith("L"):
        return None
    word = unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]
    return "KATAKANA" if word == "KATAKANA-HIRAGANA" else word


def _mixes_scripts(label):
    scripts = {script for script in map(_script, label) if script}
    return len(scripts) > 1 and not any(scripts <= allowed for allowed in ALLOWED_MIXES)


def normalise(address):
    """``jan@example.com`` for ``jan@ＥXAMPLE.com``; AddressError when there is no such form."""
    local, at, domain = address.strip().rpartition("@")
    if not local or not at or not domain:
        raise AddressError("invalid")
    try:
        ascii_domain = idna.encode(domain, uts46=True, transitional=False).decode("ascii")
        labels = idna.decode(ascii_domain).split(".")
    except (idna.IDNAError, UnicodeError):
        raise AddressError("invalid") from None
    if any(_mixes_scripts(label) for label in labels):
        raise AddressError("mixed_scripts")
    return f"{local}@{ascii_domain}"


def comparable(address):
    """A key under which look-alike spellings of one address are equal (letter case too)."""
    try:
        return normalise(address).upper()
    except AddressError:
        return address.strip().upper()


def same_address(first, second):
    return comparable(first) == comparable(second)


def masked(address):
    """j***@example.com: enough to recognise an address, not enough to contact it."""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"
