"""CSV exports that a spreadsheet opens safely: every CSV the registry serves is written by
:class:`SafeCsvWriter` and sent by :func:`csv_response`."""
import csv
import io

from flask import Response

CSV_TYPE = "text/csv; charset=utf-8"  # the one Content-Type of every CSV download
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A cell a spreadsheet never runs as a formula: one starting with = + - @ tab or CR
    gets a leading apostrophe (CSV injection). Non-text values pass through."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeCsvWriter:
    """csv.writer whose every cell goes through :func:`csv_cell`."""

    def __init__(self, buf, **kwargs):
        self._writer = csv.writer(buf, **kwargs)

    def writerow(self, row):
        self._writer.writerow([csv_cell(v) for v in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_text(rows) -> str:
    """The CSV text of ``rows`` (an iterable of sequences), every cell made safe."""
    buf = io.StringIO()
    SafeCsvWriter(buf).writerows(rows)
    return buf.getvalue()


def csv_response(content, filename) -> Response:
    """A CSV download: ``content`` is CSV text or an iterable of rows. UTF-8 with a byte
    order mark, so spreadsheets read Indonesian names right."""
    text = content if isinstance(content, str) else csv_text(content)
    return Response("\ufeff" + text, content_type=CSV_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
