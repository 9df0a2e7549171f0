"""Read a submitted CSV or XLSX file into text cells keyed by header, with the row numbers people see."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import NoReturn

from monitor.actuals.normalise import fold, header_role
from monitor.errors import DataError, Problem

CSV_SUFFIXES = (".csv",)
XLSX_SUFFIXES = (".xlsx", ".xlsm")
SHEET_NAMES = ("数据", "data")  # a sheet with one of these names is read instead of the first sheet
_DELIMITERS = ",\t;"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls) and other legacy Office files


@dataclass(frozen=True)
class RawRow:
    """One non-empty data row: its number as shown in Excel or an editor, and its cells by header."""

    number: int
    cells: dict[str, str]
    extra: tuple[str, ...] = ()  # non-empty cells under no header (e.g. a CSV number split at its comma)


@dataclass(frozen=True)
class RawTable:
    """A submitted file as text: header as written, rows with their true numbers, and the SHA-256 of its bytes."""

    file: str
    sha256: str
    header: list[str]
    rows: list[RawRow]
    header_row: int = 1


def read_table(path: Path) -> RawTable:
    """Read a .csv, .xlsx or .xlsm file; raise DataError for a file that cannot be read as a table."""
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    if suffix == ".xls":
        _refuse(name, "Excel 97-2003 (.xls) files are not read", "the file saved as .xlsx (Excel Workbook)")
    if suffix not in CSV_SUFFIXES + XLSX_SUFFIXES:
        _refuse(name, f"unknown file type {path.suffix or '(no extension)'!r}", "a .csv, .xlsx or .xlsm file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        _refuse(name, f"cannot read the file: {exc.strerror or exc}")
    if not data.strip():
        _refuse(name, "the file is empty", "a header row and data rows")
    if data.startswith(_OLE_MAGIC):
        _refuse(name, "this is an Excel 97-2003 (.xls) file whatever its name", "the file saved as .xlsx")
    if suffix in CSV_SUFFIXES:
        if data.startswith(_ZIP_MAGIC):
            _refuse(name, "this is an Excel workbook, not CSV text", "the file named .xlsx, or saved as CSV")
        lines = _csv_lines(name, data)
    else:
        lines = _xlsx_lines(name, data)
    return _table(name, hashlib.sha256(data).hexdigest(), lines)


def _refuse(name: str, message: str, expected: str | None = None, row: int | None = None) -> NoReturn:
    raise DataError(f"{name}: {message}", [Problem(name, row, None, message, expected)])


def _table(name: str, sha256: str, lines: Iterable[tuple[int, list[str]]]) -> RawTable:
    """Header from the first non-empty line; each later non-empty line becomes a RawRow."""
    rows: list[RawRow] = []
    header: list[str] | None = None
    header_row = 1
    positions: list[tuple[int, str]] = []
    named: set[int] = set()
    for number, cells in lines:
        if not any(cells):
            continue
        if header is None:
            header_row = number
            positions = [(i, text) for i, text in enumerate(cells) if text]
            header = [text for _, text in positions]
            named = {i for i, _ in positions}
            _check_header(name, header, number)
            continue
        values = {text: (cells[i] if i < len(cells) else "") for i, text in positions}
        extra = tuple(text for i, text in enumerate(cells) if text and i not in named)
        rows.append(RawRow(number, values, extra))
    if header is None:
        _refuse(name, "the file has no header row", "a first row naming the columns, e.g. 地区,指标,期间,数值")
    return RawTable(name, sha256, header, rows, header_row)


def _check_header(name: str, header: list[str], number: int) -> None:
    seen: set[str] = set()
    for text in header:
        if text in seen:
            _refuse(name, f"the header names the column {text!r} twice", "each column name once", row=number)
        seen.add(text)


# CSV ------------------------------------------------------------------------------------------------------------


def _csv_lines(name: str, data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode(name, data)
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=_delimiter(text))
    start = 1
    try:
        for record in reader:
            yield start, [cell.strip() for cell in record]
            start = reader.line_num + 1  # a quoted cell may span lines; a row is numbered by its first line
    except csv.Error as exc:
        _refuse(name, f"not readable as CSV near line {reader.line_num}: {exc}", row=reader.line_num)


def _decode(name: str, data: bytes) -> str:
    """UTF-16 with a byte-order mark, else UTF-8 (with or without BOM), else GB18030 as Chinese Excel writes."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    _refuse(name, "the text is neither UTF-8 nor GB18030", "the file saved as 'CSV UTF-8' or as .xlsx")


def _delimiter(text: str) -> str:
    """Comma, tab or semicolon as csv.Sniffer judges from the first lines; comma when it cannot tell."""
    lines = [line for line in text.splitlines()[:50] if line.strip()][:20]
    if not lines:
        return ","
    try:
        delimiter = csv.Sniffer().sniff("\n".join(lines), delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return ","
    return delimiter if delimiter in lines[0] else ","  # the header must contain the delimiter it is split by


# XLSX -----------------------------------------------------------------------------------------------------------


def _xlsx_lines(name: str, data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # imported here: only XLSX imports need it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        message = f"not a readable Excel workbook ({type(exc).__name__})"
        _refuse(name, message, "an .xlsx file saved by Excel or WPS")
    try:
        sheets = book.worksheets
        wanted = {fold(s) for s in SHEET_NAMES}
        sheet = next((s for s in sheets if fold(s.title) in wanted), sheets[0] if sheets else None)
        if sheet is None:
            _refuse(name, "the workbook has no worksheet")
        sheet.reset_dimensions()  # some writers record a wrong used range; read every row instead
        lines: list[tuple[int, list[str]]] = []
        period_columns: set[int] | None = None  # known once the header row is read
        for number, row in enumerate(sheet.iter_rows(), start=1):
            in_period = period_columns or set()
            texts = [_text(cell, i in in_period) for i, cell in enumerate(row)]
            if period_columns is None and any(texts):
                period_columns = {i for i, text in enumerate(texts) if header_role(text) == "period"}
            lines.append((number, texts))
        return lines
    finally:
        book.close()


def _text(cell: object, period_column: bool) -> str:
    """A cell as the text a person sees: numbers without float noise, percent-formatted numbers with '%'."""
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        if _percent_format(getattr(cell, "number_format", None)):  # Excel stores 2.5% as 0.025
            return _number_text(value, scale=100) + "%"
        return _number_text(value)
    if isinstance(value, dt.datetime):
        if period_column:
            return f"{value.year:04d}-{value.month:02d}"
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}" if period_column else value.isoformat()
    return str(value).strip()


def _percent_format(number_format: object) -> bool:
    """True when a number format scales by 100: a % outside quotes and not escaped (0.0% but not 0.0"%")."""
    unquoted = re.sub(r'"[^"]*"|\\.', "", str(number_format or ""))
    return "%" in unquoted


def _number_text(value: int | float, scale: int = 1) -> str:
    """Plain decimal text with at most 15 significant digits, as Excel shows it: 0.16, 100, 1085."""
    if isinstance(value, int):
        return str(value * scale)
    number = Decimal(format(value, ".15g")) * scale
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
