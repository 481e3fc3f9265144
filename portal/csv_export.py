"""CSV downloads streamed row by row, so an export of any size never sits in memory."""

import csv

from django.http import StreamingHttpResponse


class _Echo:
    """A file-like object whose write() hands the formatted line back to the generator."""

    def write(self, value):
        return value


# A cell a spreadsheet would run as a formula (=HYPERLINK(…), +, -, @, or after a tab or
# carriage return). Staff notes and names are typed by people: they are kept as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def streamed_csv(header, rows, filename):
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([neutralise(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
