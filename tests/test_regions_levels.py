"""Plans of every level of government: 全国 (000000), provinces, cities and counties; their submitted figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from monitor.actuals.catalogue import Catalogue
from monitor.plans.model import Level, Plan, Region, level_of_code
from tests.cli_runner import monitor_on, run_monitor

NATIONAL = """\
id: national-15th-test
title: 全国测试规划（测试用，非正式文本）
region: {name: 全国, code: "000000"}
period: {start: 2026, end: 2030}
baseline_year: 2025
source: {title: 测试用规划}
indicators:
  - id: grain_capacity
    name: 粮食综合生产能力
    unit: 亿吨
    baseline: 6.9
    milestones: {2030: 7.0}
    source: {table: 表1, row: 17}
    baseline_source:
      document: 中华人民共和国2025年国民经济和社会发展统计公报
      section: 一、综合
      url: https://www.stats.gov.cn/sj/zxfb/example.html
    target_source: {table: 表1, row: 17, url: "https://www.gov.cn/zhengce/example.htm"}
  - id: energy_consumption
    name: 能源消费总量
    unit: 亿吨标准煤
    baseline: 57
    milestones: {2030: 60}
    source: {section: 第十二章}
  - id: unemployment_change
    name: 城镇调查失业率变化
    unit: 个百分点
    direction: lower
    baseline: 0
    milestones: {2030: -0.2}
    source: {section: 第一章}
"""

CHONGQING = """\
id: chongqing-15th-test
title: 重庆市测试规划（测试用，非正式文本）
region: {name: 重庆市, code: "500000", level: provincial}
period: {start: 2026, end: 2030}
baseline_year: 2025
source: {title: 测试用规划}
indicators:
  - id: grain_output
    name: 粮食产量
    unit: 万吨
    baseline: 1080
    milestones: {2030: 1100}
    source: {table: 表1, row: 5}
"""


# levels from codes -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "level"),
    [("000000", Level.national), ("500000", Level.provincial), ("110000", Level.provincial),
     ("500100", Level.municipal), ("420100", Level.municipal), ("500229", Level.county), ("500241", Level.county),
     ("429004", Level.county)],
)
def test_the_level_is_inferred_from_the_code(code, level):
    assert level_of_code(code) is level
    assert Region(name="某地", code=code).level is level
    assert Region(name="某地", code=code, level=level.value).level is level


@pytest.mark.parametrize(
    ("code", "level", "words"),
    [("500229", "provincial", "region.level 为 provincial（省级），但代码 500229 是县级代码（county）"),
     ("500000", "county", "region.level 为 county（县级），但代码 500000 是省级代码（provincial）"),
     ("000000", "provincial", "region.level 为 provincial（省级），但代码 000000 是全国代码（national）"),
     ("500100", "national", "代码 500100 是地市级代码（municipal）")],
)
def test_a_level_that_does_not_fit_the_code_is_refused_in_chinese_naming_the_field(code, level, words):
    with pytest.raises(ValidationError) as refused:
        Region(name="某地", code=code, level=level)
    [error] = refused.value.errors()
    assert error["loc"] == ("level",)
    assert words in error["msg"]


@pytest.mark.parametrize("code", ["001234", "000100", "5002291", "50022", "全国"])
def test_codes_that_are_not_administrative_division_codes_are_refused(code):
    with pytest.raises(ValidationError) as refused:
        Region(name="某地", code=code)
    assert [e["loc"] for e in refused.value.errors()] == [("code",)]


def test_an_unknown_level_is_refused():
    with pytest.raises(ValidationError) as refused:
        Region(name="某地", code="500000", level="state")
    assert refused.value.errors()[0]["loc"] == ("level",)


def test_a_wrong_level_in_a_plan_file_names_the_file_line_and_field(capsys, monkeypatch, tmp_path: Path):
    bad = tmp_path / "chongqing.yaml"
    bad.write_text(CHONGQING.replace("level: provincial", "level: county"), encoding="utf-8")
    result = run_monitor(capsys, monkeypatch, "plans", "validate", str(bad))
    assert result.code == 3
    assert "chongqing.yaml" in result.err and "row 3" in result.err and "region.level" in result.err
    assert "但代码 500000 是省级代码" in result.err


# the catalogue -----------------------------------------------------------------------------------------------------


def _plan(text: str, **region: object) -> Plan:
    import yaml

    data = yaml.safe_load(text)
    data["region"].update(region)
    return Plan.model_validate(data)


@pytest.mark.parametrize("label", ["全国", "中国", "中华人民共和国", "000000", " 全 国 "])
def test_a_national_plan_is_named_by_全国_中国_or_000000(label):
    catalogue = Catalogue.from_plans([_plan(NATIONAL), _plan(CHONGQING)])
    assert catalogue.region(label).code == "000000"


def test_without_a_national_plan_中国_names_nothing():
    catalogue = Catalogue.from_plans([_plan(CHONGQING)])
    assert catalogue.region("中国") is None and catalogue.region("000000") is None
    assert catalogue.region("重庆市").code == catalogue.region("500000").code == "500000"


def test_a_label_a_plan_gives_another_region_wins_over_the_national_labels():
    chongqing = _plan(CHONGQING, aliases=["中国"])  # absurd, but the plan's word counts
    catalogue = Catalogue.from_plans([_plan(NATIONAL), chongqing])
    assert catalogue.region("中国").code == "500000"
    assert catalogue.region("全国").code == "000000"


# through the command line, on SQLite and PostgreSQL ---------------------------------------------------------------


@pytest.fixture
def monitor(capsys, monkeypatch, database_url, tmp_path):
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "national.yaml").write_text(NATIONAL, encoding="utf-8")
    (tmp_path / "plans" / "chongqing.yaml").write_text(CHONGQING, encoding="utf-8")
    run = monitor_on(capsys, monkeypatch, database_url, tmp_path, tmp_path / "plans")
    assert run("init").code == 0
    return run


def _csv(tmp_path: Path, name: str, *rows: str) -> str:
    path = tmp_path / name
    path.write_text("\n".join(["地区,指标,期间,数值,单位", *rows]) + "\n", encoding="utf-8")
    return str(path)


def _listed(table: str) -> set[tuple[str, ...]]:
    """(indicator, period, value, unit) of each row `monitor actuals list` prints."""
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in table.splitlines() if "│" in line]
    return {tuple(cells[1:5]) for cells in rows if cells and cells[0].isdigit()}


def test_figures_for_全国_and_重庆市_import_by_name_code_or_中国_in_national_units(monitor, tmp_path):
    rows = _csv(tmp_path, "figures.csv",
                "全国,粮食综合生产能力,2026,14000,亿斤",
                "中国,energy_consumption,2026,590000,万吨标准煤",
                "000000,能源消费总量,2027,59.5,",
                "中华人民共和国,grain_capacity,2027,70500,万吨",
                "全国,城镇调查失业率变化,2026,-0.1,个百分点",
                "重庆市,粮食产量,2026,216,亿斤",
                "500000,grain_output,2027,1090,万吨")
    result = monitor("actuals", "import", rows)
    assert result.code == 0, result.err
    assert "已导入新数值 7 个" in result.out
    lines = _listed(monitor("actuals", "list", "--region", "000000").out)
    assert ("grain_capacity", "2026", "7", "亿吨") in lines
    assert ("grain_capacity", "2027", "7.05", "亿吨") in lines
    assert ("energy_consumption", "2026", "59", "亿吨标准煤") in lines
    assert ("energy_consumption", "2027", "59.5", "亿吨标准煤") in lines
    assert ("unemployment_change", "2026", "-0.1", "个百分点") in lines
    assert _listed(monitor("actuals", "list", "--region", "重庆市").out) == {
        ("grain_output", "2026", "1080", "万吨"), ("grain_output", "2027", "1090", "万吨")}
    # the commands that select a region know 中国 as 全国 too
    assert _listed(monitor("actuals", "list", "--region", "中国").out) == lines


@pytest.mark.parametrize(
    ("row", "words"),
    [("全国,能源消费总量,2028,60000,万吨", "单位“万吨”不能换算为“亿吨标准煤”"),
     ("全国,城镇调查失业率变化,2028,-0.1,%", "单位“%”不能换算为“个百分点”"),
     ("全国,城镇调查失业率变化,2028,-0.1%,", "数值“-0.1%”带有 % 号，但城镇调查失业率变化的单位是“个百分点”"),
     ("重庆,粮食产量,2028,1100,万吨", "不认识的地区“重庆”")],
)
def test_a_row_that_does_not_fit_is_refused_and_nothing_is_stored(monitor, tmp_path, row, words):
    result = monitor("actuals", "import", _csv(tmp_path, "bad.csv", "全国,粮食综合生产能力,2028,7,亿吨", row))
    assert result.code == 3
    assert words in result.err
    assert "2028" not in monitor("actuals", "list", "--region", "全国").out


def test_plans_show_gives_the_level_and_the_separate_sources_with_their_links(monitor):
    shown = monitor("plans", "show", "national-15th-test").out
    assert "全国 000000 全国" in shown
    assert "基期值：《中华人民共和国2025年国民经济和社会发展统计公报》 一、综合" in shown
    assert "目标值：表1 第17行" in shown
    assert "grain_capacity 基期值：https://www.stats.gov.cn/sj/zxfb/example.html" in shown
    assert "grain_capacity 目标值：https://www.gov.cn/zhengce/example.htm" in shown
    assert "重庆市 500000 省级" in monitor("plans", "show", "chongqing-15th-test").out
    dumped = monitor("plans", "show", "national-15th-test", "--format", "json").out
    assert '"level": "national"' in dumped and '"url": "https://www.gov.cn/zhengce/example.htm"' in dumped


def test_a_national_code_typed_into_excel_as_a_number_still_names_全国(monitor, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["地区", "指标", "期间", "数值", "单位"])
    sheet.append([0, "粮食综合生产能力", 2026, 14000, "亿斤"])  # 000000 typed as a number: Excel keeps 0
    path = tmp_path / "national.xlsx"
    book.save(path)
    result = monitor("actuals", "import", str(path))
    assert result.code == 0, result.out + result.err
    assert ("grain_capacity", "2026", "7", "亿吨") in _listed(monitor("actuals", "list", "--region", "全国").out)
    book2 = Workbook()
    book2.active.append(["地区", "指标", "期间", "数值"])
    book2.active.append([12, "粮食综合生产能力", 2026, 7])  # not a shortened code of any plan's region
    path2 = tmp_path / "unknown.xlsx"
    book2.save(path2)
    assert monitor("actuals", "import", str(path2)).code != 0
