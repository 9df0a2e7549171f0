"""Restated cumulative figures (口径 累计) and the rate indicators (yearly_rate, reduction) on the import side.

A submitted file may carry a 口径 column: empty, 当年 or 本年 for the period's own figure, 累计 for an officially
restated cumulative figure since the plan start ("2021–2023 累计下降6.2%" is period 2023, value 6.2, 口径 累计).
Validation refuses what cannot be right, naming file, row and field in Chinese; storage keeps the flag in
``observations.cumulative``, and the assessment read reports it as ``restated``.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from monitor import service
from monitor.actuals.catalogue import Catalogue
from monitor.actuals.reader import read_table
from monitor.actuals.validate import CUMULATIVE, validate
from monitor.core import columns as c
from monitor.errors import DataError
from monitor.plans.loader import read_plan_files
from monitor.storage import assessment_reads
from monitor.storage.tables import observations

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)

# 十五五: a cumulative reduction, a yearly growth rate, and a level in % (which takes no 累计)
FIFTEENTH = """id: t15
title: 测试县“十五五”规划
region: {name: 测试县, code: "500299"}
period: {start: 2026, end: 2030}
baseline_year: 2025
succeeds: t14
source: {title: 测试规划}
indicators:
  - id: energy_intensity
    name: 单位地区生产总值能耗降低
    aliases: [能耗强度降低]
    unit: "%"
    kind: reduction
    baseline: null
    milestones: {2030: 17}
    source: {table: 表1, row: 1}
  - id: gdp_growth
    name: 地区生产总值增长
    unit: "%"
    kind: yearly_rate
    baseline: null
    annual_growth: {percent: 7, source: {table: 表1, row: 2}}
    source: {table: 表1, row: 2}
  - id: rd_intensity
    name: 研发投入强度
    unit: "%"
    baseline: 0.5
    milestones: {2030: 1.2}
    source: {table: 表1, row: 3}
"""
# 十四五: the same id energy_intensity as a level (a different kind in the earlier plan)
FOURTEENTH = """id: t14
title: 测试县“十四五”规划
region: {name: 测试县, code: "500299"}
period: {start: 2021, end: 2025}
baseline_year: 2020
source: {title: 测试规划}
indicators:
  - id: energy_intensity
    name: 单位地区生产总值能耗
    unit: "%"
    baseline: 3
    milestones: {2025: 2}
    source: {table: 表1, row: 1}
"""

HEADER = ["地区", "指标", "期间", "数值", "单位", "口径"]


def plan_paths(folder: Path) -> list[Path]:
    paths = []
    for name, text in (("t14.yaml", FOURTEENTH), ("t15.yaml", FIFTEENTH)):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture
def catalogue(tmp_path) -> Catalogue:
    return Catalogue.from_plans([f.plan for f in read_plan_files(plan_paths(tmp_path))])


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    path.write_text("\n".join(",".join(row) for row in [header, *rows]) + "\n", encoding="utf-8")
    return path


def write_xlsx(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def refusal(path: Path, catalogue: Catalogue) -> DataError:
    with pytest.raises(DataError) as refused:
        validate(read_table(path), catalogue)
    return refused.value


def only_problem(error: DataError):  # type: ignore[no-untyped-def]
    assert len(error.problems) == 1, error.report()
    return error.problems[0]


# the 口径 column -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["口径", "数据口径", "basis", "Basis", "口 径"])
@pytest.mark.parametrize(("cell", "flag"), [("", False), ("当年", False), ("本年", False), ("累计", True),
                                            (" 累计 ", True)])
def test_the_basis_column_is_read_under_any_of_its_names(tmp_path, catalogue, header, cell, flag):
    path = write_csv(tmp_path / "f.csv", [["测试县", "能耗强度降低", "2027", "6.2", "%", cell]],
                     header=["地区", "指标", "期间", "数值", "单位", header])
    frame = validate(read_table(path), catalogue)
    assert frame[CUMULATIVE].tolist() == [flag]
    assert frame[CUMULATIVE].dtype == bool


def test_a_file_without_a_basis_column_gives_each_periods_own_figure(tmp_path, catalogue):
    path = write_csv(tmp_path / "f.csv", [["测试县", "地区生产总值增长", "2026", "8.1"]], header=HEADER[:4])
    frame = validate(read_table(path), catalogue)
    assert frame[CUMULATIVE].tolist() == [False] and frame[c.VALUE].tolist() == [8.1]


def test_an_unknown_basis_value_is_refused_listing_the_accepted_ones(tmp_path, catalogue):
    path = write_csv(tmp_path / "bad.csv", [["测试县", "能耗强度降低", "2027", "6.2", "%", "当期累计"]])
    error = refusal(path, catalogue)
    problem = only_problem(error)
    assert (problem.file, problem.row, problem.field) == ("bad.csv", 2, "口径")
    assert "口径 '当期累计' 无法识别" in problem.message
    assert all(word in problem.expected for word in ("留空", "当年", "本年", "累计"))
    assert "bad.csv 第 2 行，「口径」列：" in error.report() and "整个文件未导入" in error.summary


@pytest.mark.parametrize(("label", "words"), [("研发投入强度", "水平值指标"), ("地区生产总值增长", "各年增长率指标")])
def test_a_cumulative_figure_of_an_indicator_that_is_not_a_reduction_is_refused(tmp_path, catalogue, label, words):
    path = write_csv(tmp_path / "bad.csv", [["测试县", "能耗强度降低", "2027", "6.2", "%", "累计"],
                                            ["测试县", label, "2027", "1", "%", "累计"]])
    problem = only_problem(refusal(path, catalogue))
    assert (problem.file, problem.row, problem.field) == ("bad.csv", 3, "口径")
    assert problem.message.startswith(f"口径为累计，但{label}是{words}（kind: ")
    assert problem.message.endswith("，不接受累计口径")
    # which kind accepts it, and why
    assert "只有累计降低指标（kind: reduction）接受累计" in problem.expected
    assert "规划期初以来的累计降低率" in problem.expected


def test_the_kind_follows_the_plan_in_force_for_the_period(tmp_path, catalogue):
    """energy_intensity is a level in 十四五 and a reduction in 十五五: the period's plan decides."""
    fine = write_csv(tmp_path / "fine.csv", [["测试县", "energy_intensity", "2026", "3.1", "%", "累计"]])
    assert validate(read_table(fine), catalogue)[CUMULATIVE].tolist() == [True]
    early = write_csv(tmp_path / "early.csv", [["测试县", "energy_intensity", "2024", "3.1", "%", "累计"]])
    problem = only_problem(refusal(early, catalogue))
    assert (problem.row, problem.field) == (2, "口径")
    # the name printed by the plan in force (十四五 calls it 单位地区生产总值能耗), never the id, and the year
    assert "energy_intensity" not in problem.message
    assert problem.message.startswith("口径为累计，但单位地区生产总值能耗在 2024 年适用的规划中是水平值指标")
    # a level of the earlier plan may fall as much as it likes
    level = write_csv(tmp_path / "level.csv", [["测试县", "energy_intensity", "2024Q2", "120", "%", ""]])
    assert validate(read_table(level), catalogue)[c.VALUE].tolist() == [120.0]


def test_a_cumulative_figure_for_a_quarter_or_month_is_refused(tmp_path, catalogue):
    path = write_csv(tmp_path / "bad.csv", [["测试县", "研发投入强度", "2027Q2", "0.7", "%", "累计"]])
    problems = refusal(path, catalogue).problems
    quarter = [p for p in problems if p.field == "期间 / 口径"]
    assert len(quarter) == 1 and quarter[0].row == 2 and quarter[0].file == "bad.csv"
    assert quarter[0].message == "口径为累计，但期间 2027Q2 不是年度"
    assert "累计区间的最后一年" in quarter[0].expected and "期间2023" in quarter[0].expected


def test_a_cumulative_reduction_for_a_quarter_is_refused_once_for_its_period(tmp_path, catalogue):
    path = write_csv(tmp_path / "bad.csv", [["测试县", "能耗强度降低", "2027-06", "3", "%", "累计"]])
    problem = only_problem(refusal(path, catalogue))
    assert (problem.file, problem.row, problem.field) == ("bad.csv", 2, "期间")
    assert problem.message == "单位地区生产总值能耗降低按年报送各年降低率，期间 2027-06 不是年度"


@pytest.mark.parametrize("period", ["2027Q1", "2027-03", "2027年第一季度"])
def test_a_rate_indicator_is_reported_per_year(tmp_path, catalogue, period):
    path = write_csv(tmp_path / "bad.csv", [["测试县", "地区生产总值增长", period, "6.5", "%", ""]])
    problem = only_problem(refusal(path, catalogue))
    assert (problem.file, problem.row, problem.field) == ("bad.csv", 2, "期间")
    assert problem.message.startswith("地区生产总值增长按年报送各年增长率，期间 ")
    assert problem.message.endswith(" 不是年度") and problem.expected == "年度期间，如 2023"


@pytest.mark.parametrize("value", ["-100", "-100%", "-120.5", "−100"])
def test_a_growth_rate_of_minus_100_percent_or_less_is_refused(tmp_path, catalogue, value):
    path = write_csv(tmp_path / "bad.csv", [["测试县", "地区生产总值增长", "2026", value, "", ""]])
    problem = only_problem(refusal(path, catalogue))
    assert (problem.file, problem.row, problem.field) == ("bad.csv", 2, "数值")
    assert problem.message == f"地区生产总值增长的增长率 {value!r} 不可能：增长率须大于 -100%（下降100%即降为零）"


@pytest.mark.parametrize(("value", "basis"), [("100", ""), ("100.5", "当年"), ("130", "累计")])
def test_a_decline_of_100_percent_or_more_is_refused(tmp_path, catalogue, value, basis):
    path = write_csv(tmp_path / "bad.csv", [["测试县", "能耗强度降低", "2027", value, "%", basis]])
    problem = only_problem(refusal(path, catalogue))
    assert (problem.file, problem.row, problem.field) == ("bad.csv", 2, "数值")
    assert problem.message == f"单位地区生产总值能耗降低的降低率 {value!r} 不可能：下降100%或更多即降到零或以下"


def test_rates_just_inside_the_limits_and_a_rise_of_a_reduction_indicator_pass(tmp_path, catalogue):
    path = write_csv(tmp_path / "fine.csv", [["测试县", "地区生产总值增长", "2026", "-99.9", "%", ""],
                                             ["测试县", "能耗强度降低", "2026", "99.9", "%", ""],
                                             ["测试县", "能耗强度降低", "2027", "-1.2", "%", ""]])
    assert validate(read_table(path), catalogue)[c.VALUE].tolist() == [-99.9, 99.9, -1.2]


@pytest.mark.parametrize(("label", "unit", "what"), [
    ("地区生产总值增长", "个百分点", "各年增长率"), ("能耗强度降低", "百分点", "各年降低率"),
    ("地区生产总值增长", "‰", "各年增长率"), ("能耗强度降低", "亿元", "各年降低率"),
])
def test_a_rate_in_another_unit_than_percent_is_refused(tmp_path, catalogue, label, unit, what):
    path = write_csv(tmp_path / "bad.csv", [["测试县", label, "2026", "3.1", unit, ""]])
    problem = only_problem(refusal(path, catalogue))
    assert (problem.file, problem.row, problem.field) == ("bad.csv", 2, "单位")
    name = {"地区生产总值增长": "地区生产总值增长", "能耗强度降低": "单位地区生产总值能耗降低"}[label]
    assert problem.message.startswith(f"{name}报送{what}，单位须为%，不能是“{unit}”")
    assert ("个百分点是两个百分比之差" in problem.message) == ("百分点" in unit)


def test_a_rate_written_with_a_permille_sign_is_refused_on_the_value(tmp_path, catalogue):
    path = write_csv(tmp_path / "bad.csv", [["测试县", "地区生产总值增长", "2026", "81‰", "", ""]])
    problem = only_problem(refusal(path, catalogue))
    assert (problem.row, problem.field) == (2, "数值") and "单位须为%，不能是“‰”" in problem.message


@pytest.mark.parametrize("unit", ["%", "％", "百分比", "（%）", ""])
def test_a_rate_in_percent_however_written_passes(tmp_path, catalogue, unit):
    path = write_csv(tmp_path / "fine.csv", [["测试县", "地区生产总值增长", "2026", "8.1", unit, "本年"]])
    assert validate(read_table(path), catalogue)[c.VALUE].tolist() == [8.1]


def test_every_bad_row_is_listed_and_nothing_is_kept(tmp_path, catalogue):
    path = write_csv(tmp_path / "bad.csv", [["测试县", "能耗强度降低", "2026", "3.1", "%", ""],
                                            ["测试县", "研发投入强度", "2026", "0.6", "%", "累计"],
                                            ["测试县", "地区生产总值增长", "2026", "-100", "%", ""],
                                            ["测试县", "能耗强度降低", "2027", "2.9", "%", "上年"]])
    error = refusal(path, catalogue)
    assert [(p.row, p.field) for p in error.problems] == [(3, "口径"), (4, "数值"), (5, "口径")]
    assert error.summary == "bad.csv：4 行数据中有 3 行有错，整个文件未导入"


# storage and the assessment read ---------------------------------------------------------------------------------


def load_plans(engine, tmp_path: Path) -> None:
    service.load_plans(engine, plan_paths(tmp_path), NOW)


def stored(engine) -> list[tuple]:
    o = observations
    with engine.connect() as conn:
        rows = conn.execute(select(o.c.indicator_id, o.c.period, o.c.value, o.c.revision, o.c.is_current,
                                   o.c.cumulative).order_by(o.c.indicator_id, o.c.period, o.c.revision)).all()
    return [tuple(row) for row in rows]


FIGURES = [  # 2026 and 2027 each year's decline, then 2028 restated: 2026–2028 累计下降6.2%
    ["测试县", "能耗强度降低", "2026", "2.0", "%", "当年"],
    ["测试县", "能耗强度降低", "2027", "2.1", "%", ""],
    ["测试县", "能耗强度降低", "2028", "6.2", "%", "累计"],
    ["测试县", "地区生产总值增长", "2026", "8.1", "%", "本年"],
]
STORED = [
    ("energy_intensity", "2026", 2.0, 1, True, False),
    ("energy_intensity", "2027", 2.1, 1, True, False),
    ("energy_intensity", "2028", 6.2, 1, True, True),
    ("gdp_growth", "2026", 8.1, 1, True, False),
]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_file_with_a_basis_column_stores_the_flag(engine, tmp_path, kind):
    load_plans(engine, tmp_path)
    if kind == "csv":
        path = write_csv(tmp_path / "figures.csv", FIGURES)
    else:  # numbers as numbers, as Excel keeps them
        path = write_xlsx(tmp_path / "figures.xlsx", [[*row[:2], int(row[2]), float(row[3]), *row[4:]]
                                                      for row in FIGURES])
    report = service.import_actuals(engine, path, NOW)
    assert (report.result.new, report.result.revised, report.result.unchanged) == (4, 0, 0)
    assert stored(engine) == STORED
    again = service.import_actuals(engine, path, NOW)  # the same file again changes nothing
    assert not again.result.changed and again.result.unchanged == 4
    assert stored(engine) == STORED


def test_a_change_of_only_the_flag_is_a_new_revision(engine, tmp_path):
    load_plans(engine, tmp_path)
    first = write_csv(tmp_path / "first.csv", [["测试县", "能耗强度降低", "2027", "4.1", "%", ""]])
    service.import_actuals(engine, first, NOW)
    restated = write_csv(tmp_path / "restated.csv", [["测试县", "能耗强度降低", "2027", "4.1", "%", "累计"]])
    result = service.import_actuals(engine, restated, NOW).result
    assert (result.new, result.revised, result.unchanged) == (0, 1, 0)
    back = write_csv(tmp_path / "back.csv", [["测试县", "能耗强度降低", "2027", "4.1", "%", "当年"]])
    result = service.import_actuals(engine, back, NOW).result
    assert (result.new, result.revised, result.unchanged) == (0, 1, 0)
    assert stored(engine) == [("energy_intensity", "2027", 4.1, 1, False, False),
                              ("energy_intensity", "2027", 4.1, 2, False, True),
                              ("energy_intensity", "2027", 4.1, 3, True, False)]
    # and a dry run sees the same
    dry = service.import_actuals(engine, restated, NOW, dry_run=True).result
    assert (dry.revised, dry.unchanged) == (1, 0) and len(stored(engine)) == 3


def test_a_refused_file_stores_nothing(engine, tmp_path):
    load_plans(engine, tmp_path)
    path = write_csv(tmp_path / "bad.csv", [["测试县", "能耗强度降低", "2026", "2.0", "%", ""],
                                            ["测试县", "研发投入强度", "2026", "0.6", "%", "累计"]])
    with pytest.raises(DataError) as refused:
        service.import_actuals(engine, path, NOW)
    assert [(p.file, p.row, p.field) for p in refused.value.problems] == [("bad.csv", 3, "口径")]
    assert stored(engine) == []


def test_the_assessment_read_marks_exactly_the_restated_row(engine, tmp_path):
    load_plans(engine, tmp_path)
    service.import_actuals(engine, write_csv(tmp_path / "figures.csv", FIGURES), NOW)
    with engine.connect() as conn:
        frame = assessment_reads.observations_for_assessment(conn, date(2029, 12, 31), None, None,
                                                         ["energy_intensity"])
    rows = {(str(r[c.INDICATOR_ID]), r[c.PERIOD]): r[c.RESTATED] for r in frame.to_dict("records")}
    assert rows == {("energy_intensity", "2026"): False, ("energy_intensity", "2027"): False,
                    ("energy_intensity", "2028"): True, ("gdp_growth", "2026"): False}


# the other ways in: `monitor actuals import` and the inbox pass the flag through --------------------------------


def test_the_import_command_stores_the_flag(engine, database_url, tmp_path, capsys, monkeypatch):
    from tests.cli_runner import monitor_on

    plans = tmp_path / "plans"
    plans.mkdir()
    plan_paths(plans)
    (tmp_path / "work").mkdir()
    run = monitor_on(capsys, monkeypatch, database_url, tmp_path / "work", plans_dir=plans)
    assert run("init").code == 0
    path = write_csv(tmp_path / "figures.csv", FIGURES)
    out = run("actuals", "import", str(path))
    assert out.code == 0 and "已导入新数值 4 个" in out.out
    assert stored(engine) == STORED
    bad = write_csv(tmp_path / "bad.csv", [["测试县", "地区生产总值增长", "2026", "8.1", "%", "累计"]])
    refused = run("actuals", "import", str(bad))
    assert refused.code != 0 and "bad.csv 第 2 行，「口径」列：口径为累计，但地区生产总值增长是" in refused.out + refused.err
    assert stored(engine) == STORED


def test_the_inbox_stores_the_flag(engine, tmp_path):
    from tests.inbox_helpers import Clock, Inbox

    load_plans(engine, tmp_path)
    folder = tmp_path / "inbox"
    folder.mkdir()
    inbox = Inbox(engine, folder, Clock())
    inbox.drop("figures.csv", write_csv(tmp_path / "figures.csv", FIGURES).read_text(encoding="utf-8"))
    assert inbox.scan_settled().startswith("处理 1 个文件：导入 1 个")
    assert stored(engine) == STORED
