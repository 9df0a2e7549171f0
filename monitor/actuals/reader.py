"""Read a submitted CSV or XLSX file into text cells keyed by header, with the row numbers people see."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import os
import re
import zipfile
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import NoReturn

from monitor.actuals.limits import (
    EXCEL_MAX_ROW,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_RATIO,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    RATIO_FLOOR_BYTES,
    megabytes,
)
from monitor.actuals.normalise import HEADER_SEARCH_ROWS, fold, header_role, looks_like_header
from monitor.errors import DataError, Problem

CSV_SUFFIXES = (".csv",)
XLSX_SUFFIXES = (".xlsx", ".xlsm")
SHEET_NAMES = ("数据", "data")  # a sheet with one of these names is read instead of the first sheet
_DELIMITERS = ",\t;"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls) and other legacy Office files
_SNIFF_CHARS = 64 * 1024  # the delimiter is judged from the first lines within this much text
_SPLIT = "不像是区县报送的数据表；请检查文件或分成多个文件报送"
_RESAVE = "用 Excel 或 WPS 重新保存的 .xlsx 文件"


@dataclass(frozen=True)
class RawRow:
    """One non-empty data row: its number as shown in Excel or an editor, and its cells by header."""

    number: int
    cells: dict[str, str]
    extra: tuple[str, ...] = ()  # non-empty cells under no header (e.g. a CSV number split at its comma)
    shown: dict[str, str] = field(default_factory=dict)  # a header the file does not have → the column it came
    # from (monitor.actuals.layout: the 期间 and 数值 of a wide row are its year column, e.g. 2024年)


@dataclass(frozen=True)
class RawTable:
    """A submitted file as text: header as written, rows with their true numbers, and the SHA-256 of its bytes."""

    file: str
    sha256: str
    header: list[str]
    rows: list[RawRow]
    header_row: int = 1


def read_table(path: Path, *, name: str | None = None) -> RawTable:
    """Read a .csv, .xlsx or .xlsm file; raise DataError for a file that cannot be read as a table. ``name`` is
    what messages call the file (default: its own name)."""
    path = Path(path)
    name = name or path.name
    suffix = path.suffix.lower()
    if suffix == ".xls":
        _refuse(name, "这是 Excel 97-2003 格式（.xls）的文件，系统不读取", "另存为 .xlsx（Excel 工作簿）后的文件")
    if suffix not in CSV_SUFFIXES + XLSX_SUFFIXES:
        _refuse(name, f"不认识的文件类型“{path.suffix or '（无扩展名）'}”", "扩展名为 .csv、.xlsx 或 .xlsm 的文件")
    data = _read_bytes(name, path)
    if not data.strip():
        _refuse(name, "文件是空的", "一行列名和若干数据行")
    if data.startswith(_OLE_MAGIC):
        _refuse(name, "文件实际是 Excel 97-2003 格式（.xls），与扩展名不符", "另存为 .xlsx（Excel 工作簿）后的文件")
    if suffix in CSV_SUFFIXES:
        if data.startswith(_ZIP_MAGIC):
            _refuse(name, "文件实际是 Excel 工作簿，不是 CSV 文本", "把扩展名改为 .xlsx，或在 Excel 中另存为 CSV")
        lines = _csv_lines(name, data)
    else:
        lines = _xlsx_lines(name, data)
    try:
        return _table(name, hashlib.sha256(data).hexdigest(), lines)
    finally:
        lines.close()  # an XLSX reader stopped at a refused row closes its workbook now


def _read_bytes(name: str, path: Path) -> bytes:
    """The file's bytes, refusing a file over MAX_FILE_BYTES before reading it (and reading no further than that
    from one that grows or is no regular file)."""
    data = b""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size <= MAX_FILE_BYTES:
                data = handle.read(MAX_FILE_BYTES + 1)
                size = max(size, len(data))
    except OSError as exc:
        _refuse(name, f"无法读取文件（{exc.strerror or type(exc).__name__}）")
    if size > MAX_FILE_BYTES:
        _refuse(name, f"文件有 {megabytes(size)} MB，超过上限 {megabytes(MAX_FILE_BYTES)} MB，{_SPLIT}",
                f"不超过 {megabytes(MAX_FILE_BYTES)} MB 的文件")
    return data


def _refuse(name: str, message: str, expected: str | None = None, row: int | None = None) -> NoReturn:
    raise DataError(f"{name}：{message}", [Problem(name, row, None, message, expected)], chinese=True)


def _table(name: str, sha256: str, lines: Iterable[tuple[int, list[str]]]) -> RawTable:
    """The header row, then each later non-empty line as a RawRow. The header is the first of the first
    HEADER_SEARCH_ROWS non-empty lines that looks like one (normalise.looks_like_header), so title rows above it
    are skipped; when none does, the first non-empty line (and the validator names the columns it lacks). Refuses
    the file at the first line over a limit (monitor.actuals.limits): too many rows, or a cell too long (the
    readers check the columns)."""
    table = _Builder(name)
    pending: list[tuple[int, list[str]]] = []  # non-empty lines before the header is found
    for number, cells in lines:
        if not any(cells):
            continue
        if max(map(len, cells)) > MAX_CELL_CHARS:
            _cell_too_long(name, number, cells, table.named())
        if table.header is not None:
            table.add(number, cells)
        elif looks_like_header(cells):
            table.start(number, cells)
        else:
            pending.append((number, cells))
            if len(pending) == HEADER_SEARCH_ROWS:
                table.start(*pending[0])
                for line in pending[1:]:
                    table.add(*line)
    if table.header is None and pending:
        table.start(*pending[0])
        for line in pending[1:]:
            table.add(*line)
    if table.header is None:
        _refuse(name, "文件没有列名行", "第一行写列名，如 地区,指标,期间,数值")
    return RawTable(name, sha256, table.header, table.rows, table.header_row)


class _Builder:
    """The header and rows of a table being read."""

    def __init__(self, name: str):
        self.name = name
        self.header: list[str] | None = None
        self.header_row = 1
        self.positions: list[tuple[int, str]] = []
        self.rows: list[RawRow] = []
        self._named: set[int] = set()

    def named(self) -> dict[int, str] | None:
        return dict(self.positions) if self.header is not None else None

    def start(self, number: int, cells: list[str]) -> None:
        self.header_row = number
        self.positions = [(i, text) for i, text in enumerate(cells) if text]
        self.header = [text for _, text in self.positions]
        self._named = {i for i, _ in self.positions}
        _check_header(self.name, self.header, number)

    def add(self, number: int, cells: list[str]) -> None:
        if len(self.rows) == MAX_ROWS:
            _refuse(self.name, f"数据超过 {MAX_ROWS} 行（上限 {MAX_ROWS} 行），{_SPLIT}",
                    f"不超过 {MAX_ROWS} 行数据的文件", row=number)
        values = {text: (cells[i] if i < len(cells) else "") for i, text in self.positions}
        extra = tuple(text for i, text in enumerate(cells) if text and i not in self._named)
        self.rows.append(RawRow(number, values, extra))


def _check_width(name: str, number: int, width: int) -> None:
    if width > MAX_COLUMNS:
        _refuse(name, f"这一行写到了第 {width} 列（上限 {MAX_COLUMNS} 列），不像是区县报送的数据表",
                f"不超过 {MAX_COLUMNS} 列；请删去表格右侧多余的列（含空白但设了格式的列）", row=number)


def _cell_too_long(name: str, number: int, cells: list[str], headers: dict[int, str] | None) -> NoReturn:
    column = next(i for i, text in enumerate(cells) if len(text) > MAX_CELL_CHARS)
    field = (headers or {}).get(column) or f"第 {column + 1} 列"
    message = f"单元格有 {len(cells[column])} 个字符（上限 {MAX_CELL_CHARS} 个），不像是报送的数值或说明"
    problem = Problem(name, number, field, message, f"不超过 {MAX_CELL_CHARS} 个字符的单元格")
    raise DataError(f"{name}：{message}", [problem], chinese=True)


def _check_header(name: str, header: list[str], number: int) -> None:
    seen: set[str] = set()
    for text in header:
        if text in seen:
            _refuse(name, f"列名“{text}”出现了两次", "每个列名只写一次", row=number)
        seen.add(text)


# CSV ------------------------------------------------------------------------------------------------------------


def _csv_lines(name: str, data: bytes) -> Generator[tuple[int, list[str]], None, None]:
    text = _decode(name, data)
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=_delimiter(text))
    start = 1
    try:
        for record in reader:
            while record and not record[-1].strip():  # trailing empty cells, as Excel writes its used range
                record.pop()
            _check_width(name, start, len(record))
            yield start, [cell.strip() for cell in record]
            start = reader.line_num + 1  # a quoted cell may span lines; a row is numbered by its first line
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):  # csv's own limit (128 KiB), far above ours
            message = f"单元格超过 {csv.field_size_limit()} 个字符（上限 {MAX_CELL_CHARS} 个），不像是报送的数值或说明"
            _refuse(name, message, f"不超过 {MAX_CELL_CHARS} 个字符的单元格；引号须成对", row=start)
        _refuse(name, f"第 {reader.line_num} 行附近无法按 CSV 读取，可能是引号不成对", "引号成对的 CSV 文本，或 .xlsx 文件",
                row=reader.line_num)


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
    _refuse(name, "文本既不是 UTF-8 也不是 GB18030 编码", "另存为“CSV UTF-8”或 .xlsx 的文件")


def _delimiter(text: str) -> str:
    """Comma, tab or semicolon as csv.Sniffer judges from the first lines; comma when it cannot tell."""
    lines = [line for line in text[:_SNIFF_CHARS].splitlines()[:50] if line.strip()][:20]
    if not lines:
        return ","
    try:
        delimiter = csv.Sniffer().sniff("\n".join(lines), delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return ","
    return delimiter if delimiter in lines[0] else ","  # the header must contain the delimiter it is split by


# XLSX -----------------------------------------------------------------------------------------------------------


def _xlsx_lines(name: str, data: bytes) -> Generator[tuple[int, list[str]], None, None]:
    """The rows of the sheet named 数据 (or data), else of the first sheet, read one at a time. Whatever openpyxl
    trips on in a damaged file becomes a refusal naming the file (and the row, once rows are read)."""
    _check_archive(name, data)
    from openpyxl import load_workbook  # imported here: only XLSX imports need it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of the parser on a submitted file is the file's
        _refuse(name, f"不是能读取的 Excel 工作簿（{type(exc).__name__}），文件可能已损坏", _RESAVE)
    try:
        sheets = book.worksheets
        wanted = {fold(s) for s in SHEET_NAMES}
        sheet = next((s for s in sheets if fold(s.title) in wanted), sheets[0] if sheets else None)
        if sheet is None:
            _refuse(name, "工作簿中没有工作表", _RESAVE)
        sheet.reset_dimensions()  # some writers record a wrong used range; read every row instead
        period_columns: set[int] | None = None  # known once a row that looks like the header is read
        for number, row in _parsed(name, sheet.iter_rows()):
            if number > EXCEL_MAX_ROW:
                _refuse(name, f"工作表的行号超出 Excel 的最后一行 {EXCEL_MAX_ROW}，文件已损坏或不是 Excel 保存的",
                        _RESAVE, row=number)
            _check_width(name, number, len(row))  # before a cell is converted: a row may reach column XFD
            in_period = period_columns or set()
            try:
                texts = [_text(cell, i in in_period) for i, cell in enumerate(row)]
            except MemoryError:
                raise
            except Exception as exc:  # noqa: BLE001 - a cell openpyxl cannot describe (a style it lacks, a huge int)
                _refuse(name, f"这一行有无法读取的单元格（{type(exc).__name__}），文件可能已损坏", _RESAVE, row=number)
            if period_columns is None and looks_like_header(texts):
                period_columns = {i for i, text in enumerate(texts) if header_role(text) == "period"}
            yield number, texts
    finally:
        book.close()


def _check_archive(name: str, data: bytes) -> None:
    """Refuse a workbook whose zip directory promises more than a real one unpacks to, before openpyxl reads it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged zip directory
        _refuse(name, f"不是能读取的 Excel 工作簿（{type(exc).__name__}），文件可能已损坏", _RESAVE)
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNPACKED_BYTES:
        _refuse(name, f"文件解压后有 {megabytes(unpacked)} MB，超过上限 {megabytes(MAX_UNPACKED_BYTES)} MB，{_SPLIT}",
                f"解压后不超过 {megabytes(MAX_UNPACKED_BYTES)} MB 的 .xlsx 文件")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FLOOR_BYTES and ratio > MAX_RATIO:
            _refuse(name, f"文件中的 {member.filename[:80]} 压缩比为 {ratio:.0f}:1（上限 {MAX_RATIO}:1），是异常压缩的文件"
                          f"（“解压炸弹”），不像是 Excel 或 WPS 保存的表格", _RESAVE)


def _parsed(name: str, rows: Iterable[tuple[object, ...]]) -> Iterator[tuple[int, tuple[object, ...]]]:
    """(row number, cells) of an openpyxl row iterator; a parser error (bad XML, a truncated member, a cell it
    cannot convert) refuses the file at the row it was reading."""
    iterator = iter(rows)
    number = 0
    while True:
        try:
            row = next(iterator)
        except StopIteration:
            return
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure of the parser on a submitted file is the file's
            _refuse(name, f"工作表在第 {number + 1} 行附近无法读取（{type(exc).__name__}），文件可能已损坏", _RESAVE,
                    row=number + 1)
        number += 1
        yield number, row


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
