"""How big a submitted file may be. Every limit is far above what a county, a city or even a province submits, so
only a broken, mistaken or hostile file reaches one; such a file is refused whole, with a Chinese message naming the
file (and the row and column where there is one), before it can take the server's memory or minutes of its time.

Sizes of real files, for scale. A county sends a few dozen rows (20 indicators × a few years); a province's file
of 40 counties × 40 indicators × 12 months has about 20,000 rows, a CSV of about 2 MB or an .xlsx of about 0.6 MB that
unpacks to about 8 MB (Excel and WPS compress sheet XML about 15:1). A cell holds a name, a number or a note of a
sentence or two.

The checks, in order: the file's size (read no further than the limit); for .xlsx, the zip directory before
openpyxl parses anything (total unpacked size, and each large member's compression ratio, which no real workbook
comes near while a "decompression bomb" is at 1,000:1); then while reading, row by row, the number of data rows,
the columns of each row and the length of each cell, so reading stops at the first row over a limit. zipfile never
returns more bytes than the directory declares for a member (a member that expands further fails its CRC check),
so the directory's sizes bound what is unpacked. A number too large for a float (10^309 and more) is refused by
monitor.actuals.normalise.parse_number; the cell limit keeps every number text short.

docs/inbox.md ("Limits") lists them for people.
"""

from __future__ import annotations

MB = 1024 * 1024

MAX_FILE_BYTES = 20 * MB  # the file as submitted: 10× a province's 20,000-row CSV
MAX_UNPACKED_BYTES = 50 * MB  # an .xlsx's members unpacked, together: 6× a province's 20,000-row workbook
MAX_RATIO = 100  # unpacked ÷ packed size of one member; real sheets are 10–20
RATIO_FLOOR_BYTES = 1 * MB  # members smaller than this unpacked are harmless whatever their ratio
MAX_ROWS = 50_000  # non-empty rows under the header: 2.5× a province's 40 counties × 40 indicators × 12 months
MAX_COLUMNS = 256  # columns of a row (to its last cell; in a CSV, its last non-empty cell); a table has 4 to 10
MAX_CELL_CHARS = 1_000  # characters in one cell: a long note is a few hundred
EXCEL_MAX_ROW = 1_048_576  # the last row of an Excel sheet: a sheet that numbers a row beyond it is not Excel's


def megabytes(size: int) -> str:
    """A size in MB for people: 1 decimal below 10 MB, else whole."""
    value = size / MB
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"
