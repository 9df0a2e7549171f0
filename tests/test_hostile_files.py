"""Broken, mistaken and hostile files: every one is refused whole with a DataError that names the file (and the row
and column where there is one), `monitor actuals import` exits 3 (never 4) and stores nothing, and reading one
stays within the limits of monitor.actuals.limits in memory and time.

The files are built here (no binary fixtures): workbooks are written part by part with zipfile, and the big ones
(decompression bombs that unpack to hundreds of MB) are streamed from generators, so the test itself stays small.
"""

from __future__ import annotations

import io
import math
import os
import random
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from monitor.actuals import limits, reader
from monitor.actuals.catalogue import Catalogue
from monitor.actuals.reader import read_table
from monitor.actuals.validate import MAX_HINTED_LABELS, validate
from monitor.errors import DataError
from monitor.plans.loader import plan_files_in, read_plan_files
from monitor.storage.db import make_engine
from monitor.storage.tables import observations
from tests.cli_runner import monitor_on
from tests.conftest import PLANS_DIR, ROOT

MB = limits.MB
HEADER = ["地区", "指标", "期间", "数值", "单位"]
GOOD_ROW = ["城口县", "rd_expenditure", "2023", "1700", "万元"]


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.from_plans([f.plan for f in read_plan_files(plan_files_in(PLANS_DIR))])


# Workbooks, part by part ------------------------------------------------------------------------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
OOXML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
TYPES = "[Content_Types].xml"
WORKBOOK_TYPE = f"{OOXML}.sheet.main+xml"


def content_types(workbook_type: str = WORKBOOK_TYPE) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{workbook_type}"/>'
            f'<Override PartName="/{SHEET}" ContentType="{OOXML}.worksheet+xml"/>'
            f'<Override PartName="/{STRINGS}" ContentType="{OOXML}.sharedStrings+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{OOXML}.styles+xml"/></Types>')


def cell(ref: str, value: object) -> str:
    """A cell as Excel writes it: a number as <v>, text inline."""
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def row_xml(number: int, values: Iterable[object]) -> str:
    return f'<row r="{number}">' + "".join(cell(f"{chr(65 + i)}{number}", v) for i, v in enumerate(values)) + "</row>"


def sheet_xml(*rows: str) -> str:
    body = "".join(rows)
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>{body}</sheetData></worksheet>'


def _openpyxl_styles() -> bytes:
    """The stylesheet openpyxl writes for a new workbook."""
    buffer = io.BytesIO()
    Workbook().save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return archive.read("xl/styles.xml")


GOOD_SHEET = sheet_xml(row_xml(1, HEADER), row_xml(2, ["城口县", "rd_expenditure", "2023", 1700, "万元"]))
PARTS: dict[str, str | bytes] = {
    TYPES: content_types(),
    "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" '
                   f'Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{DOC}"><sheets>'
                       '<sheet name="数据" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
                                  f'<Relationship Id="rId1" Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
                                  f'<Relationship Id="rId2" Type="{DOC}/sharedStrings" Target="sharedStrings.xml"/>'
                                  f'<Relationship Id="rId3" Type="{DOC}/styles" Target="styles.xml"/>'
                                  '</Relationships>',
    "xl/styles.xml": _openpyxl_styles(),
    STRINGS: f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>城口县</t>'
             '</si></sst>',
    SHEET: GOOD_SHEET,
}

Part = str | bytes | Callable[[], Iterator[bytes]]


def write_parts(path: Path, parts: dict[str, Part]) -> Path:
    """A zip of ``parts``; a callable part is streamed chunk by chunk, so hundreds of MB never sit in memory."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, part in parts.items():
            if callable(part):
                with archive.open(name, "w", force_zip64=True) as stream:
                    for chunk in part():
                        stream.write(chunk)
            else:
                archive.writestr(name, part.encode() if isinstance(part, str) else part)
    return path


def xlsx(path: Path, drop: Iterable[str] = (), **parts: Part) -> Path:
    """write_parts with some of PARTS replaced: xlsx(p, sheet=…, strings=…, types=…)."""
    names = {"sheet": SHEET, "strings": STRINGS, "types": TYPES}
    return write_parts(path, {**{k: v for k, v in PARTS.items() if k not in set(drop)},
                              **{names[key]: value for key, value in parts.items()}})


def repeated(head: str, body: bytes, total: int, tail: str) -> Callable[[], Iterator[bytes]]:
    """A part of ``total`` bytes or so: head, then body again and again, then tail; streamed in 1 MB chunks."""
    def chunks() -> Iterator[bytes]:
        yield head.encode()
        block = body * max(1, MB // len(body))
        for _ in range(max(1, total // len(block))):
            yield block
        yield tail.encode()
    return chunks


def sheet_bomb(total: int) -> Callable[[], Iterator[bytes]]:
    """One row written again and again (without row numbers, which openpyxl counts itself)."""
    body = b'<row><c t="inlineStr"><is><t>' + b"A" * 200 + b"</t></is></c></row>"
    return repeated(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'
                    + row_xml(1, HEADER), body, total, "</sheetData></worksheet>")


def string_bomb(total: int) -> Callable[[], Iterator[bytes]]:
    """One shared string of ``total`` bytes, used by a cell of the sheet."""
    return repeated(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>',
                    b"A" * 4096, total, "</t></si></sst>")


NOISE = random.Random(1).randbytes(MB // 2).hex()  # a 1 MB cell that does not compress like a bomb
SHARED_CELL_SHEET = sheet_xml(row_xml(1, HEADER), '<row r="2"><c r="A2" t="s"><v>0</v></c></row>')


def lying_directory(path: Path) -> Path:
    """A sheet of 20 MB whose zip directory (and local header) claim it unpacks to 2,000 bytes."""
    write_parts(path, {**PARTS, SHEET: sheet_bomb(20 * MB)})
    data = bytearray(path.read_bytes())
    name = SHEET.encode()
    local = data.index(b"PK\x03\x04")
    while data[local + 30:local + 30 + len(name)] != name:
        local = data.index(b"PK\x03\x04", local + 4)
    central = data.index(b"PK\x01\x02")
    while data[central + 46:central + 46 + len(name)] != name:
        central = data.index(b"PK\x01\x02", central + 4)
    claimed = (2000).to_bytes(4, "little")
    if data[local + 22:local + 26] != b"\xff\xff\xff\xff":  # zip64: sizes in the extra field; leave those
        data[local + 22:local + 26] = claimed
    data[central + 24:central + 28] = claimed
    extra_length = int.from_bytes(data[central + 30:central + 32], "little")
    assert not data[central + 46 + len(name):][:extra_length].startswith(b"\x01\x00")  # no zip64 sizes to patch
    path.write_bytes(bytes(data))
    return path


def damaged_deflate(path: Path) -> Path:
    """A workbook whose sheet's compressed bytes are overwritten in the middle (a disk or transfer error)."""
    rows = [row_xml(n, ["城口县", "rd_expenditure", str(1900 + n), n, "万元"]) for n in range(2, 3000)]
    write_parts(path, {**PARTS, SHEET: sheet_xml(row_xml(1, HEADER), *rows)})
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(SHEET)
    start = info.header_offset + 30 + len(SHEET.encode())
    middle = start + info.compress_size // 2
    data[middle:middle + 64] = bytes(range(64))
    path.write_bytes(bytes(data))
    return path


def good_xlsx_bytes(folder: Path) -> bytes:
    return xlsx(folder / "good.xlsx").read_bytes()


def value_sheet(value_cell: str) -> str:
    """The good sheet with the value cell (D2) written as given."""
    cells = "".join(cell(f"{c}2", v) for c, v in zip("ABC", GOOD_ROW, strict=False)) + value_cell + cell("E2", "万元")
    return sheet_xml(row_xml(1, HEADER), f'<row r="2">{cells}</row>')


def xlsx_rows(count: int) -> Callable[[], Iterator[bytes]]:
    def chunks() -> Iterator[bytes]:
        yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'.encode()
        yield row_xml(1, HEADER).encode()
        for n in range(2, count + 2):
            yield row_xml(n, ["城口县", "rd_expenditure", "2023", n, "万元"]).encode()
        yield b"</sheetData></worksheet>"
    return chunks


# CSV --------------------------------------------------------------------------------------------------------------


def write_lines(path: Path, *lines: list[str]) -> Path:
    path.write_text("".join(",".join(line) + "\n" for line in lines), encoding="utf-8")
    return path


def write_csv(path: Path, *rows: list[str]) -> Path:
    return write_lines(path, HEADER, *rows)


def with_value(value: str, unit: str = "万元") -> list[str]:
    return [*GOOD_ROW[:3], value, unit]


def big_csv(path: Path, size: int) -> Path:
    line = ",".join(GOOD_ROW).encode() + b"\n"
    with open(path, "wb") as handle:
        handle.write(",".join(HEADER).encode() + b"\n")
        block = line * (MB // len(line))
        for _ in range(size // len(block) + 1):
            handle.write(block)
    return path


def many_rows_csv(path: Path, rows: int) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(",".join(HEADER) + "\n")
        handle.writelines(f"城口县,rd_expenditure,{1900 + n % 300}-{n % 12 + 1:02d},{n},万元\n" for n in range(rows))
    return path


# Every hostile file: name → (builder, what the refusal must say, its row, its field) ----------------------------

Builder = Callable[[Path], Path]
TRUNCATED = [30, 200, 1000, -200, -30, -10]


def _truncated(cut: int) -> Builder:
    def build(path: Path) -> Path:
        data = good_xlsx_bytes(path.parent)
        path.write_bytes(data[:cut])
        return path
    return build


def _parts(drop: Iterable[str] = (), **parts: Part) -> Builder:
    return lambda path: xlsx(path, drop, **parts)


HOSTILE: dict[str, tuple[Builder, str | None, int | None, str | None]] = {
    **{f"truncated-at-{cut}.xlsx": (_truncated(cut), None, None, None) for cut in TRUNCATED},
    "no-sheet-xml.xlsx": (_parts(drop=[SHEET]), None, None, None),
    "no-workbook-xml.xlsx": (_parts(drop=["xl/workbook.xml"]), None, None, None),
    "no-content-types.xlsx": (_parts(drop=[TYPES]), None, None, None),
    "garbage-sheet.xlsx": (_parts(sheet=b"\x00\x01garbage<<<"), None, None, None),
    "not-xml-sheet.xlsx": (_parts(sheet="<a><b></a>"), None, None, None),
    "empty-sheet-xml.xlsx": (_parts(sheet=""), None, None, None),
    "garbage-workbook.xlsx": (lambda p: write_parts(p, {**PARTS, "xl/workbook.xml": "<<<"}), None, None, None),
    "garbage-rels.xlsx": (lambda p: write_parts(p, {**PARTS, "xl/_rels/workbook.xml.rels": "\x00"}), None, None,
                          None),
    "garbage-styles.xlsx": (lambda p: write_parts(p, {**PARTS, "xl/styles.xml": "<styleSheet"}), None, None, None),
    "garbage-strings.xlsx": (_parts(strings="<sst><si><t>x</si>"), None, None, None),
    "garbage-content-types.xlsx": (_parts(types="<Types"), None, None, None),
    "content-type-word.xlsx": (_parts(types=content_types(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")), None, None, None),
    "content-type-text.xlsx": (_parts(types=content_types("text/plain")), None, None, None),
    "sheet-row-beyond-excel.xlsx": (_parts(sheet=sheet_xml(row_xml(1, HEADER), row_xml(5_000_000, GOOD_ROW))),
                                    "行号超出", 1_048_577, None),
    "cell-nan.xlsx": (_parts(sheet=value_sheet('<c r="D2"><v>nan</v></c>')), None, 2, None),
    "cell-5000-digits.xlsx": (_parts(sheet=value_sheet(f'<c r="D2"><v>{"1" * 5000}</v></c>')), None, 2, None),
    "cell-400-digits.xlsx": (_parts(sheet=value_sheet(f'<c r="D2"><v>{"1" * 400}</v></c>')), "超出了能计算的范围", 2,
                             "数值"),
    "cell-1e400.xlsx": (_parts(sheet=value_sheet('<c r="D2"><v>1e400</v></c>')), None, 2, "数值"),
    "cell-bad-date.xlsx": (_parts(sheet=value_sheet('<c r="D2" t="d"><v>zzz</v></c>')), None, 2, None),
    "cell-bad-reference.xlsx": (_parts(sheet=value_sheet('<c r="!!"><v>1</v></c>')), None, 2, None),
    "cell-bad-style.xlsx": (_parts(sheet=value_sheet('<c r="D2" s="999"><v>1700</v></c>')), None, 2, None),
    "cell-bad-shared-string.xlsx": (_parts(sheet=value_sheet('<c r="D2" t="s"><v>abc</v></c>')), None, 2, None),
    "cell-1mb-inline.xlsx": (_parts(sheet=value_sheet(cell("D2", NOISE))), "单元格有", 2, "数值"),
    "cell-1mb-shared.xlsx": (_parts(strings=f'<sst xmlns="{MAIN}"><si><t>{NOISE}</t></si></sst>',
                                    sheet=SHARED_CELL_SHEET), "单元格有", 2, "地区"),
    "wide-row-xfd.xlsx": (_parts(sheet=sheet_xml(row_xml(1, HEADER), *(
        f'<row r="{n}"><c r="A{n}"><v>1</v></c><c r="XFD{n}"><v>1</v></c></row>' for n in range(2, 2000)))),
        "第 16384 列", 2, None),
    "damaged-deflate.xlsx": (damaged_deflate, None, None, None),
    "lying-zip-directory.xlsx": (lying_directory, None, None, None),
    "bomb-sheet.xlsx": (lambda p: xlsx(p, sheet=sheet_bomb(300 * MB)), "解压后", None, None),
    "bomb-shared-string.xlsx": (lambda p: xlsx(p, strings=string_bomb(300 * MB), sheet=SHARED_CELL_SHEET), "解压后",
                                None, None),
    "bomb-under-the-size-limit.xlsx": (lambda p: xlsx(p, sheet=sheet_bomb(40 * MB)), "压缩比", None, None),
    "too-big.csv": (lambda p: big_csv(p, limits.MAX_FILE_BYTES + 1), "超过上限", None, None),
    "too-many-rows.csv": (lambda p: many_rows_csv(p, limits.MAX_ROWS + 1), "数据超过", limits.MAX_ROWS + 2, None),
    "wide-header.csv": (lambda p: write_lines(p, HEADER + [f"列{i}" for i in range(300)]), "上限 256 列", 1, None),
    "wide-row.csv": (lambda p: write_csv(p, GOOD_ROW + [""] * 100_000 + ["x"]), "上限 256 列", 2, None),
    "cell-5000-chars.csv": (lambda p: write_csv(p, [*GOOD_ROW[:4], "万" * 5000]), "单元格有 5000 个字符", 2, "单位"),
    "cell-1mb.csv": (lambda p: write_csv(p, [*GOOD_ROW[:4], "万" * MB]), "单元格超过", 2, None),
    "value-400-digits.csv": (lambda p: write_csv(p, with_value("1" * 400)), "超出了能计算的范围", 2, "数值"),
    "value-1e400.csv": (lambda p: write_csv(p, with_value("1e400")), "不是数值", 2, "数值"),
    "value-inf.csv": (lambda p: write_csv(p, with_value("inf")), "不是数值", 2, "数值"),
    "value-minus-infinity.csv": (lambda p: write_csv(p, with_value("-Infinity")), "不是数值", 2, "数值"),
    "value-nan.csv": (lambda p: write_csv(p, with_value("nan")), "不是数值", 2, "数值"),
    "value-overflows-when-converted.csv": (lambda p: write_csv(p, with_value("1" + "0" * 305, "万亿元")),
                                           "换算为 亿元 后超出了能计算的范围", 2, "数值"),
}
SMALL = [name for name in HOSTILE if not name.startswith(("bomb-", "too-big", "too-many", "lying", "wide-row-xfd"))]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("hostile")
    return {name: build(folder / name) for name, (build, *_) in HOSTILE.items()}


def refusal(path: Path, catalogue: Catalogue) -> DataError:
    with pytest.raises(DataError) as refused:
        validate(read_table(path), catalogue)
    return refused.value


@pytest.mark.parametrize("name", list(HOSTILE))
def test_every_hostile_file_is_refused_naming_the_file_row_and_column(hostile, catalogue, name):
    _, says, row, field = HOSTILE[name]
    error = refusal(hostile[name], catalogue)
    assert error.summary.startswith(name)
    assert error.problems and all(p.file == name for p in error.problems)
    assert len(error.report()) < 20_000  # a 1 MB cell or a 400-digit number is not echoed whole
    first = error.problems[0]
    if says is not None:
        assert says in first.message, error.report()
    if row is not None:
        assert first.row == row, error.report()
    if field is not None:
        assert first.field == field, error.report()


def test_the_hand_written_workbook_is_read(tmp_path, catalogue):
    """The hostile workbooks are this one with one thing broken."""
    frame = validate(read_table(xlsx(tmp_path / "good.xlsx")), catalogue)
    assert frame["value"].tolist() == [0.17]
    shared = xlsx(tmp_path / "shared.xlsx", sheet=sheet_xml(row_xml(1, HEADER), '<row r="2"><c r="A2" t="s"><v>0</v>'
                                                         '</c>' + "".join(cell(f"{c}2", v) for c, v in zip(
                                                             "BCDE", ["rd_expenditure", "2023", 1700, "万元"],
                                                             strict=True)) + "</row>"))
    assert read_table(shared).rows[0].cells["地区"] == "城口县"


def test_minus_zero_is_stored_as_zero(tmp_path, catalogue):
    """-0 is a zero typed with a sign (the XLSX reader already shows a -0.0 cell as 0); it is stored as 0.0, which
    prints as 0, not -0."""
    frame = validate(read_table(write_csv(tmp_path / "zero.csv", with_value("-0"))), catalogue)
    assert frame["value"].tolist() == [0.0]
    assert math.copysign(1.0, frame["value"].iloc[0]) == 1.0


def test_empty_cells_at_the_end_of_a_csv_row_do_not_count_as_columns(tmp_path):
    """Excel writes a CSV row as wide as the sheet's used range; only cells with something in them count."""
    path = write_lines(tmp_path / "wide.csv", HEADER + [""] * 400, GOOD_ROW + [""] * 400)
    assert read_table(path).rows[0].cells == dict(zip(HEADER, GOOD_ROW, strict=True))


def test_a_file_at_the_row_limit_is_read_and_one_row_more_is_refused(tmp_path):
    assert len(read_table(many_rows_csv(tmp_path / "at.csv", limits.MAX_ROWS)).rows) == limits.MAX_ROWS
    with pytest.raises(DataError, match="数据超过"):
        read_table(many_rows_csv(tmp_path / "over.csv", limits.MAX_ROWS + 1))


def test_a_workbook_over_the_row_limit_is_refused_at_the_first_row_over(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "MAX_ROWS", 100)
    path = write_parts(tmp_path / "rows.xlsx", {**PARTS, SHEET: xlsx_rows(150)})
    with pytest.raises(DataError, match="数据超过 100 行") as refused:
        read_table(path)
    assert refused.value.problems[0].row == 102


def test_hints_are_worked_out_for_a_bounded_number_of_labels(tmp_path, catalogue, monkeypatch):
    """A file of many different wrong indicator labels once took two minutes: one fuzzy match per row."""
    calls = []
    suggestions = Catalogue.suggestions
    monkeypatch.setattr(Catalogue, "suggestions", lambda self, *a: calls.append(a) or suggestions(self, *a))
    rows = [["城口县", f"rd_expenditur{n}", "2023", "1", "万元"] for n in range(MAX_HINTED_LABELS + 500)]
    error = refusal(write_csv(tmp_path / "labels.csv", *rows, *rows[:10]), catalogue)
    assert len(calls) == MAX_HINTED_LABELS  # the repeated labels were not matched again
    assert "是否指：“全社会研究与试验发展经费支出”" in error.problems[0].expected  # the first rows still get their hint
    assert len([p for p in error.problems if "的规划中没有指标" in p.message]) == MAX_HINTED_LABELS + 510


# Memory and time, measured in a fresh process ---------------------------------------------------------------------

_MEASURE = """
import sys, time
from monitor.actuals.reader import read_table
from monitor.errors import DataError
start = time.perf_counter()
try:
    read_table(sys.argv[1])
    outcome = "read"
except DataError as error:
    outcome = "refused: " + error.summary[:200]
status = open("/proc/self/status").read()
peak = int(status.split("VmHWM:")[1].split()[0]) // 1024
print(outcome, "|", peak, "|", round(time.perf_counter() - start, 2))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory is read from /proc")
@pytest.mark.parametrize("name", ["bomb-sheet.xlsx", "bomb-shared-string.xlsx", "bomb-under-the-size-limit.xlsx",
                                  "lying-zip-directory.xlsx", "wide-row-xfd.xlsx", "cell-1mb-shared.xlsx",
                                  "too-big.csv", "too-many-rows.csv"])
def test_reading_a_hostile_file_keeps_memory_bounded(hostile, name):
    """The 1 MB workbook that unpacks to 300 MB once took 1.14 GB of memory; every refusal stays within 300 MB
    (the interpreter, openpyxl and the file itself take about 60)."""
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(hostile[name])], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    outcome, peak, _ = (part.strip() for part in done.stdout.rsplit("|", 2))
    assert outcome.startswith(f"refused: {name}"), done.stdout + done.stderr
    assert int(peak) < 300, done.stdout


# `monitor actuals import`: exit 3, the file named, nothing stored ---------------------------------------------------


def stored(database_url: str) -> list[tuple[str, float]]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return [(r.period, r.value) for r in conn.execute(select(observations.c.period, observations.c.value))]
    finally:
        engine.dispose()


def test_the_import_command_refuses_every_hostile_file_with_exit_3(capsys, monkeypatch, database_url, tmp_path,
                                                                    hostile):
    monitor = monitor_on(capsys, monkeypatch, database_url, tmp_path)
    assert monitor("init").code == 0
    for name, path in hostile.items():
        result = monitor("actuals", "import", str(path))
        assert result.code == 3, f"{name}: {result.err}"
        assert name in result.err.splitlines()[0], result.err
        assert "internal error" not in result.err
    assert stored(database_url) == []


def test_a_number_too_large_for_a_float_never_replaces_a_stored_value(capsys, monkeypatch, database_url, tmp_path):
    monitor = monitor_on(capsys, monkeypatch, database_url, tmp_path)
    assert monitor("init").code == 0
    assert monitor("actuals", "import", str(write_csv(tmp_path / "good.csv", GOOD_ROW))).code == 0
    for value in ("9" * 309, "1" * 400):  # 10^309 and more: float() gives infinity
        result = monitor("actuals", "import", str(write_csv(tmp_path / "huge.csv", with_value(value))))
        assert result.code == 3 and "huge.csv 第 2 行，「数值」列" in result.err, result.err
    assert stored(database_url) == [("2023", 0.17)]
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(observations)).scalar() == 1
    engine.dispose()
