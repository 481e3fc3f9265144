import re
from html.parser import HTMLParser

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def comparable(response, *, hide=()):
    """The page's text without what differs between any two requests (CSRF tokens) and
    without the given strings (what the user typed)."""
    text = _CSRF.sub("", response.text)
    for value in hide:
        text = text.replace(value, "")
    return text


class _TableText(HTMLParser):
    """The text of each row of one table (found by its id, or the first in an element with
    that id), cell by cell."""

    def __init__(self, table_id):
        super().__init__()
        self.table_id, self.depth, self.rows, self.cell = table_id, 0, [], None

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += tag not in VOID_TAGS
            if tag == "tr":
                self.rows.append([])
            elif tag in ("td", "th") and self.rows:
                self.cell = []
        elif dict(attrs).get("id") == self.table_id:
            self.depth = 1

    def handle_endtag(self, tag):
        if not self.depth:
            return
        self.depth -= 1
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


VOID_TAGS = {"input", "br", "img", "hr", "meta", "link", "col", "wbr", "source"}


def table_rows(response, table_id="result_list"):
    """The body rows of a table as lists of cell texts (a changelist's rows by default)."""
    parser = _TableText(table_id)
    parser.feed(response.content.decode())
    return [row for row in parser.rows[1:] if row]  # the first row is the header
