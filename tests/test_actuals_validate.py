"""The catalogue of what a row may name, and validation of whole submitted files."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from monitor.actuals.catalogue import Catalogue, IndicatorRef
from monitor.actuals.reader import read_table
from monitor.actuals.validate import COLUMNS, validate
from monitor.errors import DataError
from monitor.plans.model import Plan

HEADER = ["地区", "指标", "期间", "数值", "单位", "数据来源", "备注"]


def indicator(id: str, name: str, unit: str, *, aliases: list[str] = (), row: int = 1) -> dict:
    return {"id": id, "name": name, "unit": unit, "aliases": list(aliases), "baseline": 1.0,
            "milestones": {2025: 2.0}, "source": {"table": "表1", "row": row}}


def plan(plan_id: str = "chengkou-sci-14th", indicators: list[dict] | None = None, **region) -> Plan:
    return Plan.model_validate({
        "id": plan_id,
        "title": "城口县科技创新“十四五”规划",
        "region": {"name": "城口县", "code": "500229", "aliases": ["城口"], **region},
        "period": {"start": 2021, "end": 2025},
        "baseline_year": 2020,
        "source": {"title": "城口县科技创新“十四五”规划"},
        "indicators": indicators or [
            indicator("rd_expenditure", "全社会研究与试验发展（R&D）经费支出", "亿元",
                      aliases=["全社会研究与试验发展经费支出", "R&D经费"]),
            indicator("rd_intensity", "全社会研究与试验发展经费支出占地区生产总值比重", "%", aliases=["研发投入强度"],
                      row=2),
            indicator("high_tech", "国家高新技术企业数", "家", row=3),
            indicator("specialised", "“专精特新”中小企业数", "家", row=4),
        ],
    })


@pytest.fixture
def catalogue() -> Catalogue:
    return Catalogue.from_plans([plan()])


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    text = "\n".join(",".join(f'"{cell}"' if "," in cell else cell for cell in row) for row in rows)
    path.write_bytes((text + "\n").encode(encoding))
    return path


def refusal(table, catalogue) -> DataError:
    with pytest.raises(DataError) as refused:
        validate(table, catalogue)
    return refused.value


def good_rows() -> list[list[str]]:
    return [
        HEADER,
        ["城口县", "全社会研究与试验发展（R&D）经费支出", "2023", "1085", "万元", "县统计局", ""],
        ["500229", "rd_intensity", "2023", "1.25%", "", "", "快报数"],
        ["城口", '"专精特新"中小企业数', "2023Q2", "１２", "家", "", ""],
    ]


# catalogue ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["500229", "城口县", "城口", " 城口县\u3000"])
def test_a_region_is_found_by_code_name_or_alias(catalogue, label):
    assert catalogue.region(label).code == "500229"


@pytest.mark.parametrize(
    "label",
    ["rd_expenditure", "RD_Expenditure", "全社会研究与试验发展（R&D）经费支出", "全社会研究与试验发展(R&D)经费支出 ",
     "全社会研究与试验发展经费支出", "R&D 经费"],
)
def test_an_indicator_is_found_by_id_name_or_alias_however_bracketed_or_spaced(catalogue, label):
    assert catalogue.indicator("500229", label) == IndicatorRef(
        "500229", "城口县", "rd_expenditure", "全社会研究与试验发展（R&D）经费支出", "亿元")


@pytest.mark.parametrize("label", ["“专精特新”中小企业数", '"专精特新"中小企业数', "专精特新中小企业数", "「专精特新」中小企业数"])
def test_an_indicator_is_found_whatever_quote_style_its_name_is_written_with(catalogue, label):
    assert catalogue.indicator("500229", label).indicator_id == "specialised"


def test_an_indicator_of_another_region_or_an_unknown_label_is_not_found(catalogue):
    assert catalogue.indicator("500230", "rd_expenditure") is None
    assert catalogue.indicator("500229", "地区生产总值") is None


def test_suggestions_offer_up_to_three_close_labels(catalogue):
    hints = catalogue.suggestions("500229", "全社会研发经费支出")
    assert 1 <= len(hints) <= 3
    assert catalogue.indicator("500229", hints[0]).indicator_id == "rd_expenditure"
    assert catalogue.suggestions("500229", "完全无关的词语") == []


def test_plans_of_one_region_must_agree_on_an_indicators_unit():
    other = plan("chengkou-economy", [indicator("rd_expenditure", "研发经费", "万元")])
    with pytest.raises(ValueError) as refused:
        Catalogue.from_plans([plan(), other])
    assert "chengkou-sci-14th" in str(refused.value) and "chengkou-economy" in str(refused.value)


def test_plans_of_one_region_may_share_an_indicator_with_the_same_unit():
    other = plan("chengkou-economy", [indicator("rd_expenditure", "研发经费支出", "亿元")])
    catalogue = Catalogue.from_plans([plan(), other])
    assert catalogue.indicator("500229", "研发经费支出").name == "全社会研究与试验发展（R&D）经费支出"


def test_a_label_naming_two_indicators_of_one_region_is_refused():
    other = plan("chengkou-economy", [indicator("gdp", "国家高新技术企业数", "亿元")])
    with pytest.raises(ValueError, match="high_tech"):
        Catalogue.from_plans([plan(), other])


def test_a_region_alias_naming_two_regions_is_refused():
    other = plan("xiushan", name="秀山土家族苗族自治县", code="500241", aliases=["城口"])
    with pytest.raises(ValueError, match="500241"):
        Catalogue.from_plans([plan(), other])


# a clean file ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_clean_file_becomes_rows_in_the_plan_units(tmp_path, catalogue, encoding):
    table = read_table(write_csv(tmp_path / "sample.csv", good_rows(), encoding))
    frame = validate(table, catalogue, submitted_by="县科技局")
    assert list(frame.columns) == COLUMNS
    assert frame["region_code"].tolist() == ["500229"] * 3
    assert frame["indicator_id"].tolist() == ["rd_expenditure", "rd_intensity", "specialised"]
    assert frame["period"].tolist() == ["2023", "2023", "2023Q2"]
    assert frame["freq"].tolist() == ["Y", "Y", "Q"]
    assert frame["period_end"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-01"),
                                            pd.Timestamp("2023-07-01")]
    assert frame["value"].tolist() == [0.1085, 1.25, 12.0]
    assert frame["unit"].tolist() == ["亿元", "%", "家"]
    assert frame["original_value"].tolist() == ["1085", "1.25%", "１２"]
    assert frame["original_unit"].tolist() == ["万元", "%", "家"]
    assert frame["source"].tolist() == ["县统计局", None, None]
    assert frame["note"].tolist() == [None, "快报数", None]
    assert frame["submitted_by"].tolist() == ["县科技局"] * 3
    assert frame["row"].tolist() == [2, 3, 4]


def test_ten_thousand_yuan_become_hundred_million_yuan_exactly(tmp_path, catalogue):
    rows = [HEADER, ["城口县", "rd_expenditure", "2023", "1,085", "万元", "", ""]]
    frame = validate(read_table(write_csv(tmp_path / "a.csv", rows)), catalogue)
    assert frame["value"].iloc[0] == float("0.1085")


def test_values_without_a_unit_are_in_the_indicator_unit(tmp_path, catalogue):
    rows = [["地区", "指标", "年份", "实际值"], ["城口县", "rd_intensity", "2023", "1.25"],
            ["城口县", "high_tech", "2023", "１，２３４"]]
    frame = validate(read_table(write_csv(tmp_path / "a.csv", rows)), catalogue)
    assert frame["value"].tolist() == [1.25, 1234.0]
    assert frame["original_unit"].tolist() == [None, None]


def test_per_mille_converts_to_percent(tmp_path, catalogue):
    rows = [["地区", "指标", "期间", "数值"], ["城口县", "rd_intensity", "2023", "12.5‰"]]
    frame = validate(read_table(write_csv(tmp_path / "a.csv", rows)), catalogue)
    assert frame["value"].iloc[0] == 1.25
    assert frame["original_unit"].iloc[0] == "‰"


def test_a_row_that_names_who_submitted_it_overrides_the_argument(tmp_path, catalogue):
    rows = [["region_code", "indicator_id", "period", "value", "submitted_by"],
            ["500229", "high_tech", "2023", "5", "张三"], ["500229", "high_tech", "2024", "6", ""]]
    frame = validate(read_table(write_csv(tmp_path / "a.csv", rows)), catalogue, submitted_by="县科技局")
    assert frame["submitted_by"].tolist() == ["张三", "县科技局"]


def test_an_xlsx_with_number_cells_validates_to_exact_values(tmp_path, catalogue):
    book = Workbook()
    sheet = book.active
    sheet.append(["行政区划代码", "统计指标", "报告期", "完成值", "单位"])
    sheet.append([500229, "rd_expenditure", 2023, 1085, "万元"])
    sheet.append([500229, "rd_intensity", 2023, 0.16, None])
    sheet.append([500229, "high_tech", 2023, 100.0, None])
    sheet.append([500229, "rd_intensity", 2024, 0.0125, None])
    sheet["D5"].number_format = "0.00%"
    book.save(tmp_path / "城口县.xlsx")
    frame = validate(read_table(tmp_path / "城口县.xlsx"), catalogue)
    assert frame["value"].tolist() == [0.1085, 0.16, 100.0, 1.25]
    assert frame["original_value"].tolist() == ["1085", "0.16", "100", "1.25%"]


def test_an_xlsx_date_in_the_period_column_is_a_month(tmp_path, catalogue):
    book = Workbook()
    book.active.append(["地区", "指标", "报告期", "数值"])
    book.active.append(["城口", "high_tech", dt.date(2023, 6, 1), 5])
    book.save(tmp_path / "a.xlsx")
    frame = validate(read_table(tmp_path / "a.xlsx"), catalogue)
    assert (frame["period"].iloc[0], frame["freq"].iloc[0]) == ("2023-06", "M")
    assert frame["period_end"].iloc[0] == pd.Timestamp("2023-07-01")


# refused files --------------------------------------------------------------------------------------------------


def test_one_bad_row_among_good_ones_refuses_the_whole_file(tmp_path, catalogue):
    rows = good_rows()
    rows.insert(3, ["城口县", "high_tech", "2023", "约100", "", "", ""])
    error = refusal(read_table(write_csv(tmp_path / "sample.csv", rows)), catalogue)
    assert error.summary == "sample.csv：4 行数据中有 1 行有错，整个文件未导入"
    [problem] = error.problems
    assert (problem.file, problem.row, problem.field) == ("sample.csv", 4, "数值")
    assert "“约100”不是数值" in problem.message
    assert "sample.csv 第 4 行，「数值」列：“约100”不是数值" in error.report()


def test_every_bad_row_is_listed(tmp_path, catalogue):
    rows = [
        HEADER,
        ["城口县", "high_tech", "2023", "N/A", "", "", ""],
        ["城口县", "high_tech", "2024", "5", "", "", ""],
        ["巫溪县", "high_tech", "2023", "5", "", "", ""],
        ["城口县", "high_tech", "二〇二三", "5", "", "", ""],
        ["城口县", "地区生产总值", "2023", "5", "", "", ""],
    ]
    error = refusal(read_table(write_csv(tmp_path / "sample.csv", rows)), catalogue)
    assert error.summary == "sample.csv：5 行数据中有 4 行有错，整个文件未导入"
    assert [(p.row, p.field) for p in error.problems] == [(2, "数值"), (4, "地区"), (5, "期间"), (6, "指标")]


def test_an_unknown_region_is_refused_naming_the_regions_that_have_plans(tmp_path, catalogue):
    rows = [HEADER, ["巫溪县", "high_tech", "2023", "5", "", "", ""]]
    [problem] = refusal(read_table(write_csv(tmp_path / "a.csv", rows)), catalogue).problems
    assert (problem.row, problem.field) == (2, "地区")
    assert "“巫溪县”" in problem.message
    assert "城口县（500229）" in problem.expected


def test_an_unknown_indicator_is_refused_with_suggestions(tmp_path, catalogue):
    rows = [HEADER, ["城口县", "高新技术企业数", "2023", "5", "", "", ""]]
    [problem] = refusal(read_table(write_csv(tmp_path / "a.csv", rows)), catalogue).problems
    assert (problem.row, problem.field) == (2, "指标")
    assert problem.message == "城口县的规划中没有指标“高新技术企业数”"
    assert "是否指：“国家高新技术企业数”" in problem.expected


@pytest.mark.parametrize("period", ["2023年第五季度", "2023Q5", "23", "", "2023年上半年"])
def test_an_unreadable_period_is_refused_with_the_forms_expected(tmp_path, catalogue, period):
    rows = [HEADER, ["城口县", "high_tech", period, "5", "", "", ""]]
    [problem] = refusal(read_table(write_csv(tmp_path / "a.csv", rows)), catalogue).problems
    assert (problem.row, problem.field) == (2, "期间")
    assert "2023Q2" in problem.expected and "2023-06" in problem.expected


def test_a_month_written_as_year_dot_one_is_refused_as_ambiguous(tmp_path, catalogue):
    rows = [HEADER, ["城口县", "high_tech", "2023.1", "5", "", "", ""],
            ["城口县", "high_tech", "2023.10", "5", "", "", ""]]
    [problem] = refusal(read_table(write_csv(tmp_path / "a.csv", rows)), catalogue).problems
    assert (problem.row, problem.field) == (2, "期间")
    assert "2023 年 1 月" in problem.message and "10 月" in problem.message


def test_a_period_out_of_range_says_why(tmp_path, catalogue):
    rows = [HEADER, ["城口县", "high_tech", "2023-13", "5", "", "", ""]]
    [problem] = refusal(read_table(write_csv(tmp_path / "a.csv", rows)), catalogue).problems
    assert "月份 13 超出范围" in problem.message


def test_a_unit_that_does_not_convert_is_refused_naming_both_units(tmp_path, catalogue):
    rows = [HEADER, ["城口县", "high_tech", "2023", "5", "个", "", ""]]
    [problem] = refusal(read_table(write_csv(tmp_path / "a.csv", rows)), catalogue).problems
    assert (problem.row, problem.field) == (2, "单位")
    assert "“个”" in problem.message and "“家”" in problem.message


def test_a_percent_sign_on_a_value_that_is_not_a_percentage_is_refused(tmp_path, catalogue):
    rows = [HEADER, ["城口县", "rd_expenditure", "2023", "5%", "", "", ""]]
    [problem] = refusal(read_table(write_csv(tmp_path / "a.csv", rows)), catalogue).problems
    assert (problem.row, problem.field) == (2, "数值")
    assert "%" in problem.message and "亿元" in problem.message


def test_a_percent_sign_that_contradicts_the_unit_column_is_refused(tmp_path, catalogue):
    rows = [HEADER, ["城口县", "rd_intensity", "2023", "5%", "‰", "", ""]]
    [problem] = refusal(read_table(write_csv(tmp_path / "a.csv", rows)), catalogue).problems
    assert problem.field == "数值" and "‰" in problem.message


def test_the_same_region_indicator_and_period_twice_is_refused_naming_the_other_row(tmp_path, catalogue):
    rows = [HEADER,
            ["城口县", "high_tech", "2023", "5", "", "", ""],
            ["城口县", "high_tech", "2024", "6", "", "", ""],
            ["500229", "国家高新技术企业数", "2023", "5", "", "", ""]]
    error = refusal(read_table(write_csv(tmp_path / "a.csv", rows)), catalogue)
    [problem] = error.problems
    assert problem.row == 4
    assert problem.message == "城口县 国家高新技术企业数 2023年已在第 2 行填写过"
    assert error.summary.startswith("a.csv：3 行数据中有 1 行有错")


def test_a_number_split_by_an_unquoted_thousands_separator_is_refused(tmp_path, catalogue):
    path = tmp_path / "a.csv"
    path.write_text("地区,指标,期间,数值\n城口县,high_tech,2023,1,234\n", encoding="utf-8")
    [problem] = refusal(read_table(path), catalogue).problems
    assert problem.row == 2 and "“234”" in problem.message


def test_a_missing_column_is_named_with_the_headers_found(tmp_path, catalogue):
    rows = [["地区", "指标", "数量"], ["城口县", "high_tech", "5"]]
    error = refusal(read_table(write_csv(tmp_path / "a.csv", rows)), catalogue)
    assert {p.message.split("”")[0] for p in error.problems} == {"缺少“期间", "缺少“数值"}
    for problem in error.problems:
        assert "地区、指标、数量" in problem.message
        assert problem.file == "a.csv" and problem.row == 1


def test_two_value_columns_are_refused_as_ambiguous(tmp_path, catalogue):
    rows = [["地区", "指标", "期间", "数值", "实际值"], ["城口县", "high_tech", "2023", "5", "6"]]
    error = refusal(read_table(write_csv(tmp_path / "a.csv", rows)), catalogue)
    [problem] = error.problems
    assert (problem.row, problem.field) == (1, "实际值")
    assert "“数值”" in problem.message and "“实际值”" in problem.message
    assert "列名行不可用" in error.summary


def test_a_region_name_and_code_side_by_side_are_accepted_when_they_agree(tmp_path, catalogue):
    rows = [["区县", "行政区划代码", "指标名称", "indicator_id", "期间", "数值"],
            ["城口县", "500229", "国家高新技术企业数", "high_tech", "2023", "5"],
            ["", "500229", "", "high_tech", "2024", "6"]]
    frame = validate(read_table(write_csv(tmp_path / "a.csv", rows)), catalogue)
    assert frame["region_code"].tolist() == ["500229", "500229"]
    assert frame["indicator_id"].tolist() == ["high_tech", "high_tech"]


def test_region_or_indicator_columns_that_disagree_are_refused(tmp_path):
    other = plan("xiushan", name="秀山土家族苗族自治县", code="500241", aliases=["秀山"])
    catalogue = Catalogue.from_plans([plan(), other])
    rows = [["区县", "行政区划代码", "指标名称", "indicator_id", "期间", "数值"],
            ["城口县", "500241", "国家高新技术企业数", "high_tech", "2023", "5"],
            ["城口县", "500229", "国家高新技术企业数", "rd_expenditure", "2023", "5"]]
    error = refusal(read_table(write_csv(tmp_path / "a.csv", rows)), catalogue)
    assert [(p.row, p.field) for p in error.problems] == [(2, "区县 / 行政区划代码"), (3, "指标名称 / indicator_id")]
    assert "“城口县”" in error.problems[0].message and "“500241”" in error.problems[0].message


def test_a_file_with_only_a_header_has_no_data_rows(tmp_path, catalogue):
    error = refusal(read_table(write_csv(tmp_path / "a.csv", [HEADER])), catalogue)
    assert "没有数据行" in error.summary


def test_every_value_in_a_clean_frame_is_finite_and_in_the_indicator_unit(tmp_path, catalogue):
    frame = validate(read_table(write_csv(tmp_path / "a.csv", good_rows())), catalogue)
    assert all(math.isfinite(v) for v in frame["value"])
    assert frame["value"].dtype == float and frame["row"].dtype == "int64"
