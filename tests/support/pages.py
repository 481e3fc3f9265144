import re

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def comparable(response, *, hide=()):
    """The page's text without what differs between any two requests (CSRF tokens) and
    without the given strings (what the user typed)."""
    text = _CSRF.sub("", response.text)
    for value in hide:
        text = text.replace(value, "")
    return text
