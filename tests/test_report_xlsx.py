"""`monitor report --format xlsx` and `monitor check --format xlsx` on SQLite and PostgreSQL with the bundled plans
and samples: the sheets, columns, fills by status, one native chart per indicator with its series, and the errors."""

import json
import re

import openpyxl
import pytest

from monitor.report.sheet import INDICATOR_HEADERS, REVIEW_HEADERS, SUMMARY_HEADERS
from monitor.report.xlsx import DATA_SHEET, SUMMARY_SHEET, sheet_name
from tests.report_helpers import DEMO_AS_OF, MID_PLAN, monitor  # noqa: F401 - the fixture

FILL_OF_SEVERITY = {"ok": "C6EFCE", "warning": "FFEB9C", "critical": "FFC7CE"}


def assessed(run, as_of, region=None):
    args = ["check", "--as-of", as_of, "--format", "json", "--fail-on", "never"]
    outcome = run(*args, *(["--region", region] if region else []))
    assert outcome.code == 0, outcome.err
    return json.loads(outcome.out)


def header_rows(ws, headers):
    """The row numbers where a table with ``headers`` starts."""
    return [row[0].row for row in ws.iter_rows() if [cell.value for cell in row[:len(headers)]] == headers]


def table_below(ws, header_row, width):
    """The rows of the table under ``header_row``, up to the first empty row."""
    out = []
    for row in ws.iter_rows(min_row=header_row + 1):
        if row[0].value is None:
            break
        out.append(row[:width])
    return out


def series_points(book, series):
    """(title, [(x, y)]) of an Excel chart series, read from the cells it refers to."""
    def cells(ref):
        sheet, cells = re.match(r"'?(.+?)'?!(.+)", ref).group(1, 2)
        return [cell.value for row in book[sheet][cells.replace("$", "")] for cell in row]
    xs = cells(series.xVal.numRef.f)
    ys = cells(series.yVal.numRef.f)
    return series.tx.v, list(zip(xs, ys))


def test_the_workbook_has_a_summary_a_sheet_per_region_and_the_chart_data(monitor, tmp_path):
    out = tmp_path / "report.xlsx"
    result = monitor("report", "--as-of", MID_PLAN, "--format", "xlsx", "--output", str(out))
    assert result.code == 0, result.err
    assert "已写入" in result.err and result.out == ""
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [SUMMARY_SHEET, "城口县", "秀山土家族苗族自治县", DATA_SHEET]
    summary = book[SUMMARY_SHEET]
    [start] = header_rows(summary, SUMMARY_HEADERS)
    rows = {(r[0].value, r[1].value): [cell.value for cell in r] for r in table_below(summary, start,
                                                                                      len(SUMMARY_HEADERS))}
    expected = assessed(monitor, MID_PLAN)
    for (region, plan), values in rows.items():
        mine = [r for r in expected if r["region_name"] == region and r["plan_id"] == plan]
        assert values[2] == len(mine)
        good = sum(r["status"] in ("achieved", "on_track") for r in mine)
        judged = sum(r["status"] not in ("no_data", "not_assessable") for r in mine)
        rate = values[SUMMARY_HEADERS.index("指标完成率")]
        assert rate == (pytest.approx(good / judged, abs=1e-4) if judged else None)
        assert sum(values[3:3 + 8]) == len(mine)  # every indicator is counted under one status
    assert len(rows) == len({(r["region_name"], r["plan_id"]) for r in expected})


def test_each_region_sheet_lists_every_indicator_with_its_status_filled_by_severity(monitor, tmp_path):
    out = tmp_path / "report.xlsx"
    assert monitor("report", "--as-of", MID_PLAN, "--format", "xlsx", "-o", str(out)).code == 0
    book = openpyxl.load_workbook(out)
    expected = assessed(monitor, MID_PLAN)
    status_col = INDICATOR_HEADERS.index("状态")
    for region in ("城口县", "秀山土家族苗族自治县"):
        ws = book[region]
        starts = header_rows(ws, INDICATOR_HEADERS)
        rows = [r for start in starts for r in table_below(ws, start, len(INDICATOR_HEADERS))]
        mine = [r for r in expected if r["region_name"] == region]
        assert [r[0].value for r in rows] == [r["indicator_name"] for r in mine]  # the names as printed
        seen = set()
        for cells, record in zip(rows, mine):
            fill = cells[status_col].fill.fgColor.rgb
            if record["status"] == "not_assessable":
                assert fill in (None, "00000000")
            else:
                assert fill[-6:] == FILL_OF_SEVERITY[record["severity"]], record["indicator_name"]
                seen.add(record["severity"])
        assert seen == {"ok", "warning", "critical"}


def test_figures_are_rounded_and_a_percentage_s_gap_is_in_percentage_points(monitor, tmp_path):
    out = tmp_path / "report.xlsx"
    assert monitor("report", "--as-of", MID_PLAN, "--region", "城口县", "--format", "xlsx", "-o", str(out)).code == 0
    ws = openpyxl.load_workbook(out)["城口县"]
    [start, *_] = header_rows(ws, INDICATOR_HEADERS)
    rows = {r[0].value: r for r in table_below(ws, start, len(INDICATOR_HEADERS))}
    intensity = rows["全社会研究与试验发展经费支出占地区生产总值比重"]
    gap = intensity[INDICATOR_HEADERS.index("差距")]
    assert gap.value == pytest.approx(-0.38) and "个百分点" in gap.number_format and "落后" in gap.number_format
    assert intensity[INDICATOR_HEADERS.index("时间进度")].number_format == "0.0%"
    assert intensity[INDICATOR_HEADERS.index("时间进度")].value == pytest.approx(0.8)
    for cells in rows.values():
        for cell in cells:
            if isinstance(cell.value, float):
                assert cell.value == round(cell.value, 4)


def test_every_indicator_has_a_native_chart_with_its_path_reported_values_and_projection(monitor, tmp_path):
    out = tmp_path / "report.xlsx"
    assert monitor("report", "--as-of", MID_PLAN, "--format", "xlsx", "-o", str(out)).code == 0
    book = openpyxl.load_workbook(out)
    expected = assessed(monitor, MID_PLAN)
    for region in ("城口县", "秀山土家族苗族自治县"):
        assert len(book[region]._charts) == sum(r["region_name"] == region for r in expected)
    titles = [("".join(r.t for p in chart.title.tx.rich.p for r in (p.r or [])), chart)
              for chart in book["城口县"]._charts]
    intensity = [chart for title, chart in titles if title == "全社会研究与试验发展经费支出占地区生产总值比重"]
    assert len(intensity) == 2  # in the 十四五 plan, then in the 十五五 one (not started: its path only)
    assert [s.tx.v for s in intensity[1].series] == ["规划路径"]  # nothing reported since its baseline year
    series = dict(series_points(book, s) for s in intensity[0].series)
    assert list(series) == ["规划路径", "实际值", "预计"]
    assert series["实际值"] == [(2021, 0.22), (2022, 0.25), (2023, 0.27), (2024, 0.3)]  # the sample's figures
    assert series["规划路径"][0] == (2020, 0.19) and (2025, 0.8) in series["规划路径"]
    [record] = [r for r in expected if r["indicator_id"] == "rd_intensity" and r["plan_id"] == "chengkou-14th-sti"]
    assert series["预计"] == [(2024, 0.3), (2025, pytest.approx(record["projected"], abs=1e-6))]


def test_the_final_review_of_ended_plans_is_in_the_region_sheet(monitor, tmp_path):
    out = tmp_path / "report.xlsx"
    assert monitor("report", "--as-of", DEMO_AS_OF, "--format", "xlsx", "-o", str(out)).code == 0
    book = openpyxl.load_workbook(out)
    ws = book["城口县"]
    [start] = header_rows(ws, REVIEW_HEADERS)
    rows = table_below(ws, start, len(REVIEW_HEADERS))
    review = json.loads(monitor("review", "城口县", "--as-of", DEMO_AS_OF, "--format", "json").out)
    assert [r[0].value.removesuffix("（约束性）") for r in rows] == [
        i["indicator_name"] for i in review[0]["indicators"]]
    assert [r[4].value for r in rows] == [i["verdict"] for i in review[0]["indicators"]]
    texts = [row[0].value for row in ws.iter_rows() if isinstance(row[0].value, str)]
    assert any(t.startswith("共 ") and "指标完成率" in t for t in texts)
    assert any("终期评估" in (row[0].value or "") for row in book[SUMMARY_SHEET].iter_rows())


def test_check_format_xlsx_writes_the_workbook_and_keeps_its_exit_code(monitor, tmp_path):
    out = tmp_path / "check.xlsx"
    result = monitor("check", "--as-of", MID_PLAN, "--region", "秀山县", "--format", "xlsx", "--output", str(out))
    assert result.code == 2 and result.out == ""  # something is critical, as with the table
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [SUMMARY_SHEET, "秀山土家族苗族自治县", DATA_SHEET]
    default = monitor("check", "--as-of", MID_PLAN, "--format", "xlsx", "--fail-on", "never")
    assert default.code == 0
    assert openpyxl.load_workbook(tmp_path / f"monitor-check-{MID_PLAN}.xlsx").sheetnames[0] == SUMMARY_SHEET


@pytest.mark.parametrize("args,words", [
    (["report", "--format", "xlsx"], "--output"),
    (["report", "--format", "xlsx", "--output", "missing-folder/r.xlsx"], "无法写入"),
    (["report", "--format", "html", "--output", "."], "无法写入"),
    (["check", "--format", "csv", "--output", "x.xlsx"], "--output"),
    (["check", "--format", "xlsx", "--output", "missing-folder/c.xlsx"], "无法写入"),
    (["report", "--format", "xlsx", "--output", "r.xlsx", "--region", "无此县"], "无此县"),
])
def test_report_errors_are_one_line_and_exit_3(monitor, tmp_path, args, words):
    result = monitor(*args)
    assert result.code == 3
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and words in lines[0]
    assert not list(tmp_path.glob("**/*.xlsx")) and not list(tmp_path.glob("**/*.tmp"))


@pytest.mark.parametrize("name,taken,expected", [
    ("城口县", set(), "城口县"),
    ("a/b:c*d?e[f]g\\h", set(), "a_b_c_d_e_f_g_h"),
    ("很" * 40, set(), "很" * 31),
    ("城口县", {"城口县"}, "城口县（2）"),
    ("很" * 40, {"很" * 31}, "很" * 28 + "（2）"),
    ("汇总", {"汇总", "汇总（2）"}, "汇总（3）"),
])
def test_sheet_names_are_valid_and_unique(name, taken, expected):
    got = sheet_name(name, taken)
    assert got == expected and len(got) <= 31 and not re.search(r"[\[\]:*?/\\]", got)


def test_check_keeps_the_machine_readable_csv_beside_the_workbook(monitor):
    raw = monitor("check", "--as-of", MID_PLAN, "--region", "城口县", "--format", "csv-raw", "--fail-on", "never")
    assert raw.code == 0
    header = raw.out.splitlines()[0].lstrip("\ufeff").split(",")
    assert header[:5] == ["plan_id", "region_code", "region_name", "indicator_id", "indicator_name"]
    assert len(raw.out.splitlines()) - 1 == len(assessed(monitor, MID_PLAN, "城口县"))


@pytest.mark.parametrize("as_of", [MID_PLAN, DEMO_AS_OF])
def test_the_report_judges_exactly_what_check_judges(monitor, database_url, as_of):
    from datetime import date

    import pandas as pd

    from monitor import service
    from monitor.report.inputs import read_inputs
    from monitor.storage.db import make_engine

    engine = make_engine(database_url)
    try:
        day = date.fromisoformat(as_of)
        for region, indicator in ((None, None), ("秀山县", None), ("城口县", "rd_intensity")):
            checked = service.run_check(engine, day, region=region, indicator_id=indicator)
            reported = read_inputs(engine, day, region=region, indicator_id=indicator).assessment
            pd.testing.assert_frame_equal(reported.reset_index(drop=True), checked.reset_index(drop=True))
    finally:
        engine.dispose()


def test_a_report_file_gets_the_permissions_of_any_file_the_user_writes(tmp_path):
    import os
    import stat

    from monitor.report.files import write_file

    old = os.umask(0o022)
    try:
        write_file(tmp_path / "报告.html", b"<html></html>")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "报告.html").stat().st_mode) == 0o644  # not mkstemp's private 0600
