"""CSV exports that a spreadsheet opens safely."""
import csv

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
