"""Reading submitted CSV and XLSX files into text cells with the row numbers people see."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from openpyxl import Workbook

from monitor.actuals.reader import read_table
from monitor.errors import DataError

HEADER = ["地区", "指标", "期间", "数值", "备注"]
ROWS = [
    ["城口县", "全社会研究与试验发展（R&D）经费支出", "2023", "1,234.5", "县统计局"],
    ["500229", "“专精特新”企业数", "2023Q2", "12", ""],
]


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8", delimiter: str = ",") -> Path:
    lines = [delimiter.join(_quoted(cell, delimiter) for cell in row) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def _quoted(cell: str, delimiter: str) -> str:
    return f'"{cell}"' if delimiter in cell or "\n" in cell else cell


def refusal(path: Path) -> DataError:
    with pytest.raises(DataError) as refused:
        read_table(path)
    return refused.value


# CSV ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_is_read_in_utf8_with_or_without_bom_and_in_gb18030(tmp_path, encoding):
    path = write_csv(tmp_path / "城口县2023年报.csv", [HEADER, *ROWS], encoding=encoding)
    table = read_table(path)
    assert table.file == "城口县2023年报.csv"
    assert table.header == HEADER
    assert [row.number for row in table.rows] == [2, 3]
    assert table.rows[0].cells == dict(zip(HEADER, ROWS[0]))
    assert table.rows[1].cells["指标"] == "“专精特新”企业数"


def test_csv_in_utf16_with_a_byte_order_mark_is_read(tmp_path):
    path = write_csv(tmp_path / "a.csv", [HEADER, *ROWS], encoding="utf-16", delimiter="\t")
    assert read_table(path).rows[0].cells == dict(zip(HEADER, ROWS[0]))


def test_gb18030_and_utf8_files_are_different_bytes_but_the_same_table(tmp_path):
    gbk = read_table(write_csv(tmp_path / "a.csv", [HEADER, *ROWS], encoding="gb18030"))
    utf8 = read_table(write_csv(tmp_path / "b.csv", [HEADER, *ROWS], encoding="utf-8"))
    assert gbk.sha256 != utf8.sha256
    assert (gbk.header, gbk.rows) == (utf8.header, utf8.rows)


def test_the_hash_is_of_the_file_bytes(tmp_path):
    path = write_csv(tmp_path / "a.csv", [HEADER, *ROWS], encoding="gb18030")
    assert read_table(path).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_comma_tab_and_semicolon_delimiters_are_recognised(tmp_path, delimiter):
    table = read_table(write_csv(tmp_path / "a.csv", [HEADER, *ROWS], delimiter=delimiter))
    assert table.header == HEADER
    assert table.rows[0].cells["数值"] == "1,234.5"
    assert table.rows[0].extra == ()


def test_a_single_column_file_is_read_with_the_comma_default(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("地区\n城口县\n", encoding="utf-8")
    table = read_table(path)
    assert table.header == ["地区"]
    assert table.rows[0].cells == {"地区": "城口县"}


def test_empty_lines_are_skipped_and_rows_keep_their_true_numbers(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("地区,指标,期间,数值\n\n城口县,x,2023,1\n,,,\n  \n城口县,y,2023,2\n", encoding="utf-8")
    assert [row.number for row in read_table(path).rows] == [3, 6]


def test_a_quoted_cell_over_two_lines_keeps_the_number_of_the_line_it_starts_on(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('地区,指标,期间,数值\n城口县,x,2023,1\n城口县,"第一行\n第二行",2023,2\n城口县,z,2023,3\n',
                    encoding="utf-8")
    rows = read_table(path).rows
    assert [row.number for row in rows] == [2, 3, 5]
    assert rows[1].cells["指标"] == "第一行\n第二行"


def test_cells_are_stripped_and_short_rows_are_padded_with_empty_text(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(" 地区 ,指标,期间,数值,备注\n  城口县\u3000,x, 2023 ,1\n", encoding="utf-8")
    table = read_table(path)
    assert table.header == HEADER
    assert table.rows[0].cells == {"地区": "城口县", "指标": "x", "期间": "2023", "数值": "1", "备注": ""}


def test_cells_beyond_the_header_are_kept_apart_so_a_split_number_is_noticed(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("地区,指标,期间,数值\n城口县,x,2023,1,234.5\n", encoding="utf-8")
    row = read_table(path).rows[0]
    assert row.cells["数值"] == "1"
    assert row.extra == ("234.5",)


# XLSX -----------------------------------------------------------------------------------------------------------


def write_xlsx(path: Path, rows: list[list[object]], *, title: str | None = None, before: list[str] = ()) -> Path:
    book = Workbook()
    first = book.active
    for name in before:  # sheets that come before the data sheet
        first.title = name
        first = book.create_sheet()
    sheet = first
    if title:
        sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_xlsx_number_cells_come_through_as_the_text_excel_shows(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [
        ["地区", "指标", "期间", "数值"],
        ["城口县", "a", 2023, 0.16],
        ["城口县", "b", 2023, 100.0],
        ["城口县", "c", 2023, 1085],
        ["城口县", "d", 2023, 0.1 + 0.06],
        ["城口县", "e", 2023, -2.5],
        ["城口县", "f", 2023, 123456789012.0],
        ["城口县", "g", 2023, 0.0000015],
    ])
    values = [row.cells["数值"] for row in read_table(path).rows]
    assert values == ["0.16", "100", "1085", "0.16", "-2.5", "123456789012", "0.0000015"]


def test_xlsx_text_cells_are_kept_as_written(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [["地区", "指标", "期间", "数值"],
                                            [" 城口 ", "“专精特新”企业数", "2023Q2", "1,234.5"]])
    assert read_table(path).rows[0].cells == {"地区": "城口", "指标": "“专精特新”企业数", "期间": "2023Q2",
                                              "数值": "1,234.5"}


def test_an_xlsx_percent_formatted_cell_reads_as_the_percent_shown(tmp_path):
    path = tmp_path / "a.xlsx"
    book = Workbook()
    book.active.append(["地区", "指标", "期间", "数值"])
    book.active.append(["城口县", "rd_intensity", 2023, 0.025])
    book.active["D2"].number_format = "0.0%"
    book.save(path)
    assert read_table(path).rows[0].cells["数值"] == "2.5%"


def test_an_xlsx_number_with_a_literal_percent_in_its_format_is_not_scaled(tmp_path):
    path = tmp_path / "a.xlsx"
    book = Workbook()
    book.active.append(["地区", "指标", "期间", "数值"])
    book.active.append(["城口县", "rd_intensity", 2023, 2.5])
    book.active["D2"].number_format = '0.0"%"'
    book.save(path)
    assert read_table(path).rows[0].cells["数值"] == "2.5"


def test_xlsx_dates_become_months_in_the_period_column_only(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [
        ["地区", "指标", "报告期", "数值", "备注"],
        ["城口县", "a", dt.datetime(2023, 6, 1), 1, dt.date(2024, 3, 15)],
        ["城口县", "a", 2023, 1, "2023-06"],
    ])
    rows = read_table(path).rows
    assert rows[0].cells["报告期"] == "2023-06"
    assert rows[0].cells["备注"] == "2024-03-15"
    assert rows[1].cells["报告期"] == "2023"


def test_xlsx_rows_keep_the_sheet_row_numbers(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [
        [], ["地区", "指标", "期间", "数值"], ["城口县", "a", 2023, 1], [], [None, None], ["城口县", "b", 2023, 2],
    ])
    table = read_table(path)
    assert table.header_row == 2
    assert [row.number for row in table.rows] == [3, 6]


@pytest.mark.parametrize("name", ["数据", "data", "Data"])
def test_a_sheet_named_data_is_read_instead_of_the_first(tmp_path, name):
    path = write_xlsx(tmp_path / "a.xlsm", [["地区", "指标", "期间", "数值"], ["城口县", "a", 2023, 1]],
                      title=name, before=["填报说明"])
    assert read_table(path).header == ["地区", "指标", "期间", "数值"]


def test_the_first_sheet_is_read_when_none_is_named_data(tmp_path):
    book = Workbook()
    book.active.title = "2023年"
    book.active.append(["地区", "数值"])
    book.create_sheet("其他").append(["x", "y"])
    book.save(tmp_path / "a.xlsx")
    assert read_table(tmp_path / "a.xlsx").header == ["地区", "数值"]


# refusals -------------------------------------------------------------------------------------------------------


def test_an_unknown_extension_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "城口.txt"
    path.write_text("地区,数值\n城口,1\n", encoding="utf-8")
    error = refusal(path)
    assert error.problems[0].file == "城口.txt"
    assert "“.txt”" in str(error.problems[0])


def test_an_xls_file_is_refused_with_the_advice_to_save_as_xlsx(tmp_path):
    path = tmp_path / "城口.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    error = refusal(path)
    assert error.summary.startswith("城口.xls：")
    assert "另存为" in str(error.problems[0]) and ".xlsx" in str(error.problems[0])


def test_an_xls_file_renamed_to_xlsx_is_refused_as_xls(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    assert ".xls" in str(refusal(path).problems[0])


@pytest.mark.parametrize("content", [b"", b"  \r\n\r\n"])
def test_an_empty_file_is_refused(tmp_path, content):
    path = tmp_path / "a.csv"
    path.write_bytes(content)
    assert "文件是空的" in refusal(path).summary


def test_a_file_with_only_empty_cells_has_no_header_and_is_refused(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(",,,\n , ,\n", encoding="utf-8")
    assert "没有列名行" in refusal(path).summary


def test_a_header_naming_a_column_twice_is_refused_with_the_name_and_row(tmp_path):
    path = write_csv(tmp_path / "a.csv", [["地区", "指标", "数值", "数值"], ["城口", "x", "1", "2"]])
    problem = refusal(path).problems[0]
    assert (problem.file, problem.row) == ("a.csv", 1)
    assert "“数值”" in problem.message


def test_bytes_that_are_neither_utf8_nor_gb18030_are_refused(tmp_path):
    data = "地区,数值\n".encode("utf-8") + b"\x81\x30\x81\xff,1\n"
    for encoding in ("utf-8", "gb18030"):
        with pytest.raises(UnicodeDecodeError):
            data.decode(encoding)
    path = tmp_path / "a.csv"
    path.write_bytes(data)
    assert "GB18030" in refusal(path).summary


def test_a_workbook_saved_with_a_csv_name_is_refused(tmp_path):
    write_xlsx(tmp_path / "a.xlsx", [["地区"]])
    path = tmp_path / "a.csv"
    path.write_bytes((tmp_path / "a.xlsx").read_bytes())
    assert "Excel 工作簿" in refusal(path).summary


def test_a_broken_xlsx_is_refused(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    assert refusal(path).problems[0].file == "a.xlsx"
