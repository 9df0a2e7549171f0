"""What county staff send, read as they meant it: periods as people write them, title rows above the header, the
wide year-column layout of the plan tables, files without a region column, and every refusal in Chinese naming the
file, the row as the spreadsheet numbers it, the column and the indicator by its printed name."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from openpyxl import Workbook

from monitor.actuals.catalogue import Catalogue
from monitor.actuals.normalise import period_label
from monitor.actuals.reader import read_table
from monitor.actuals.validate import check, validate
from monitor.errors import DataError
from tests.test_actuals_validate import plan, write_csv


@pytest.fixture
def catalogue() -> Catalogue:
    other = plan("xiushan", name="秀山土家族苗族自治县", code="500241", aliases=["秀山"])
    return Catalogue.from_plans([plan(), other])


def workbook(path: Path, rows: list[list[object]], *, number_formats: dict[str, str] | None = None) -> Path:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for ref, number_format in (number_formats or {}).items():
        sheet[ref].number_format = number_format
    book.save(path)
    return path


def refusal(path: Path, catalogue: Catalogue, **kwargs) -> DataError:  # type: ignore[no-untyped-def]
    with pytest.raises(DataError) as refused:
        check(read_table(path), catalogue, **kwargs)
    return refused.value


def chinese_only(text: str) -> bool:
    """No English words in ``text`` besides what the file itself said (checked by the caller)."""
    return re.search(r"[A-Za-z]{3,}", text) is None


# periods ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "label"), [
    ("2025年", "2025"), ("2025年度", "2025"), ("２０２５年", "2025"), ("2025 年", "2025"),
    ("2025年第二季度", "2025Q2"), ("2025年二季度", "2025Q2"), ("2025年第2季度", "2025Q2"), ("2025年Q2", "2025Q2"),
    ("2025q2", "2025Q2"), ("2025年6月", "2025-06"), ("2025年06月", "2025-06"), ("2025/6", "2025-06"),
    ("2025-06-30", "2025-06"), ("202506", "2025-06"), ("Jan-25", "2025-01"), ("Jan-2025", "2025-01"),
    ("2025-Jan", "2025-01"), ("Sept 2025", "2025-09"),
])
def test_periods_are_read_as_people_write_them(written, label):
    assert period_label(written) == label


def test_every_written_period_is_imported_under_its_canonical_label(tmp_path, catalogue):
    periods = ["2023年", "2023年第二季度", "2023年三季度", "2023年Q4", "2023年6月", "Jan-24"]
    rows = [["地区", "指标", "期间", "数值"]] + [["城口县", "国家高新技术企业数", p, str(n)] for n, p in enumerate(periods)]
    frame = validate(read_table(write_csv(tmp_path / "a.csv", rows)), catalogue)
    assert frame["period"].tolist() == ["2023", "2023Q2", "2023Q3", "2023Q4", "2023-06", "2024-01"]


def test_excel_date_cells_in_the_period_column_are_months(tmp_path, catalogue):
    path = workbook(tmp_path / "a.xlsx", [["地区", "指标", "期间", "数值"],
                                         ["城口县", "high_tech", dt.date(2025, 1, 1), 5],
                                         ["城口县", "high_tech", dt.datetime(2025, 6, 30), 6]],
                    number_formats={"C2": "mmm-yy", "C3": "yyyy-mm-dd"})
    assert validate(read_table(path), catalogue)["period"].tolist() == ["2025-01", "2025-06"]


def test_a_period_that_is_no_period_is_refused_in_chinese(tmp_path, catalogue):
    rows = [["地区", "指标", "期间", "数值"], ["城口县", "high_tech", "2025年上半年", "5"]]
    [problem] = refusal(write_csv(tmp_path / "a.csv", rows), catalogue).problems
    assert (problem.row, problem.field) == (2, "期间")
    assert problem.message == "“2025年上半年”不是可识别的期间"
    assert "2023年第二季度" in problem.expected and chinese_only(problem.expected.replace("Q2", ""))


# title rows -------------------------------------------------------------------------------------------------------


def test_title_rows_above_the_header_are_skipped_and_rows_keep_their_sheet_numbers(tmp_path, catalogue):
    path = workbook(tmp_path / "a.xlsx", [["城口县2025年科技创新指标报送表"], [], ["填报单位：县科技局", None, "2026年3月"],
                                         ["地区", "指标", "期间", "数值"],
                                         ["城口县", "high_tech", "2025年", 12],
                                         ["城口县", "high_tech", "2024年", "很多"]])
    table = read_table(path)
    assert table.header_row == 4 and table.header == ["地区", "指标", "期间", "数值"]
    [problem] = refusal(path, catalogue).problems
    assert (problem.row, problem.field, problem.message) == (6, "数值", "“很多”不是数值")


def test_a_file_whose_header_is_not_found_in_the_first_rows_names_the_missing_columns(tmp_path, catalogue):
    rows = [[f"说明第{n}行"] for n in range(12)] + [["地区", "指标", "期间", "数值"], ["城口县", "high_tech", "2025", "1"]]
    error = refusal(write_csv(tmp_path / "a.csv", rows), catalogue)
    assert error.summary == "a.csv：列名行不可用，未导入任何数据"
    assert {p.row for p in error.problems} == {1}


# the wide layout --------------------------------------------------------------------------------------------------


def test_the_wide_layout_of_the_plan_tables_becomes_one_row_per_year_and_skips_blank_cells(tmp_path, catalogue):
    path = workbook(tmp_path / "a.xlsx", [["“十四五”主要指标完成情况"],
                                         ["序号", "地区", "指标", "单位", "2023年", "2024年", "2025年"],
                                         [1, "城口县", "全社会研究与试验发展经费支出", "万元", 1700, 2000, None],
                                         [2, "城口县", "研发投入强度", "%", 0.27, None, None],
                                         [3, "城口县", "国家高新技术企业数", "家", None, None, None]])
    checked = check(read_table(path), catalogue)
    frame = checked.rows
    assert list(zip(frame["indicator_id"], frame["period"], frame["value"], frame["row"], strict=True)) == [
        ("rd_expenditure", "2023", 0.17, 3), ("rd_expenditure", "2024", 0.2, 3), ("rd_intensity", "2023", 0.27, 4)]
    assert checked.blank == (5,)


def test_a_bad_cell_of_the_wide_layout_is_named_by_its_year_column(tmp_path, catalogue):
    path = write_csv(tmp_path / "a.csv", [["地区", "指标", "单位", "2023年", "2024年"],
                                          ["城口县", "国家高新技术企业数", "家", "8", "约10"]])
    [problem] = refusal(path, catalogue).problems
    assert (problem.row, problem.field, problem.message) == (2, "2024年", "“约10”不是数值")


# files without a region column ------------------------------------------------------------------------------------

NO_REGION = [["指标", "期间", "数值"], ["国家高新技术企业数", "2025年", "12"]]


@pytest.mark.parametrize("name", ["城口县_2025.xlsx", "500229-2025年报.xlsx", "城口2025年报送表.xlsx"])
def test_a_file_without_a_region_column_is_for_the_county_its_name_names(tmp_path, catalogue, name):
    frame = validate(read_table(workbook(tmp_path / name, NO_REGION)), catalogue)
    assert frame["region_code"].tolist() == ["500229"]


def test_the_region_given_by_the_caller_wins_over_a_name_that_says_nothing(tmp_path, catalogue):
    path = workbook(tmp_path / "报送表.xlsx", NO_REGION)
    xiushan = catalogue.region("秀山")
    assert validate(read_table(path), catalogue, region=xiushan)["region_code"].tolist() == ["500241"]


@pytest.mark.parametrize(("name", "says"), [("报送表.xlsx", "文件名中也没有地区名称"),
                                            ("城口县和秀山县.xlsx", "文件名中有多个地区（城口县、秀山土家族苗族自治县）"),
                                            ("20250229.xlsx", "文件名中也没有地区名称")])
def test_a_file_without_a_region_column_or_a_telling_name_is_refused_saying_how_to_fix_it(tmp_path, catalogue, name,
                                                                                            says):
    [problem] = refusal(workbook(tmp_path / name, NO_REGION), catalogue).problems
    assert says in problem.message and "--region" in problem.expected and "城口县_2025年.xlsx" in problem.expected


def test_a_row_of_another_region_than_the_one_given_is_refused(tmp_path, catalogue):
    rows = [["地区", "指标", "期间", "数值"], ["秀山", "high_tech", "2025", "3"]]
    [problem] = refusal(write_csv(tmp_path / "a.csv", rows), catalogue, region=catalogue.region("城口县")).problems
    assert problem.message == "地区“秀山”与指定的地区“城口县”不一致"


# messages ---------------------------------------------------------------------------------------------------------


def test_every_refusal_of_a_bad_file_is_in_chinese_and_names_indicators_as_printed(tmp_path, catalogue):
    rows = [["地区", "指标", "期间", "数值", "单位"],
            ["城口县", "rd_expenditure", "2023", "5%", ""],
            ["城口县", "high_tech", "2023", "5", "个"],
            ["巫溪县", "high_tech", "2023", "5", ""],
            ["城口县", "高新企业数", "2023", "5", ""],
            ["城口县", "high_tech", "", "5", ""],
            ["城口县", "high_tech", "2023.1", "5", ""],
            ["城口县", "high_tech", "2024", "5", "家"],
            ["城口县", "国家高新技术企业数", "2024", "6", ""]]
    error = refusal(write_csv(tmp_path / "bad.csv", rows), catalogue)
    assert [p.row for p in error.problems] == [2, 3, 4, 5, 6, 7, 9]
    assert all(p.file == "bad.csv" for p in error.problems)
    for problem in error.problems:
        text = f"{problem.message} {problem.expected}"
        assert chinese_only(text.replace("rd_expenditure", "").replace("Q2", "")), text
    assert "全社会研究与试验发展（R&D）经费支出的单位" in error.problems[0].message  # printed name, not the id
    assert "国家高新技术企业数的单位" in error.problems[1].message
    assert "是否指：“国家高新技术企业数”" in error.problems[3].expected
    assert error.problems[-1].message == "城口县 国家高新技术企业数 2024年已在第 8 行填写过"
    assert chinese_only(error.summary.replace("bad.csv", ""))
