"""`--format csv` is a planner's CSV that Excel opens correctly (BOM, Chinese headers and labels, figures as the
table shows them); `--format csv-raw` keeps the machine-readable CSV that scripts read."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from monitor.cli.output import emit
from monitor.core.assess import assess
from monitor.core.status import STATUS_LABEL
from monitor.report.check import CSV_HEADERS, OUTPUT_COLUMNS, to_csv, to_csv_raw, to_json
from monitor.report.table import to_table
from tests.cli_runner import loaded_monitor
from tests.frames import frames, observations, series

AFTER_THE_PLAN = "2026-07-15"


def assessed():
    items = [series("money", name="科技经费投入", baseline=1000, milestones={2025: 1500}, unit="万元"),
             series("rank", name="创新能力位次", baseline=36, milestones={2025: 30}, direction="lower", unit="位"),
             series("rd", name="研发投入强度", baseline=0.19, milestones={2025: 0.8}, unit="%")]
    s, m = frames(*items)
    values = [("money", "2024", 1346.52168), ("rank", "2024", 35), ("rd", "2024", 0.3)]
    return assess(s, m, observations(*values), date(2025, 7, 1))


def planner_rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def test_the_planners_csv_starts_with_a_bom_and_has_chinese_headers_and_excel_line_ends():
    text = to_csv(assessed())
    assert text.startswith("\ufeff地区代码,")
    assert text.count("\r\n") == 4 and "\n" not in text.replace("\r\n", "")
    assert list(planner_rows(text)[0]) == CSV_HEADERS
    assert not any(ch.isascii() and ch.isalpha() for ch in "".join(CSV_HEADERS))


def test_the_planners_csv_says_statuses_and_figures_as_the_table_does():
    by_name = {row["统计指标"]: row for row in planner_rows(to_csv(assessed()))}
    money, rank, rd = by_name["科技经费投入"], by_name["创新能力位次"], by_name["研发投入强度"]
    assert money["实际值"] == "1346.52"  # the plan's precision, no thousands separator: Excel reads a number
    assert money["时间进度"] == "80.0%" and money["目标"] == "1500" and money["目标年份"] == "2025"
    assert rd["落后/领先"] == "落后0.38个百分点" and rd["今后还需"] == "每年提高0.5个百分点"
    assert rank["落后/领先"] == "落后4位" and rank["今后还需"] == "每年前移5位"
    assert {row["状态"] for row in by_name.values()} <= set(STATUS_LABEL.values())
    assert rd["状态"] == "明显滞后" and rd["序时完成率"] == "22.5%"


def test_the_raw_csv_keeps_the_english_fields_of_the_json_without_a_bom():
    text = to_csv_raw(assessed())
    assert not text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == OUTPUT_COLUMNS
    assert [row["status"] for row in rows] == ["behind", "off_track", "off_track"]
    assert float(rows[0]["actual"]) == pytest.approx(1346.52168)  # full precision for programs


def test_the_csv_goes_out_as_utf8_bytes_whatever_the_console_encoding(capsysbinary):
    frame = assessed()
    emit("csv", frame, "", to_json=to_json, to_csv=to_csv, to_table=to_table, to_csv_raw=to_csv_raw)
    out = capsysbinary.readouterr().out
    assert out.startswith(b"\xef\xbb\xbf") and "研发投入强度".encode() in out
    emit("csv-raw", frame, "", to_json=to_json, to_csv=to_csv, to_table=to_table, to_csv_raw=to_csv_raw)
    assert capsysbinary.readouterr().out.startswith(b"plan_id,")


@pytest.fixture
def monitor(capsys, monkeypatch, database_url, tmp_path):
    return loaded_monitor(capsys, monkeypatch, database_url, tmp_path)


def test_the_review_csv_is_for_planners_and_csv_raw_for_scripts(monitor):
    planner = monitor("review", "--all", "--as-of", AFTER_THE_PLAN, "--format", "csv")
    assert planner.code == 0, planner.err
    rows = planner_rows(planner.out)
    assert list(rows[0])[:5] == ["地区代码", "地区", "规划", "指标代码", "统计指标"]
    assert {row["完成情况"] for row in rows} <= {"已完成", "超额完成", "未完成", "终期值未报送"}
    assert {row["指标属性"] for row in rows} <= {"约束性", "预期性", ""}
    assert all(row["落后/领先"].startswith(("落后", "领先", "持平")) or not row["落后/领先"] for row in rows)
    raw = monitor("review", "--all", "--as-of", AFTER_THE_PLAN, "--format", "csv-raw")
    assert raw.code == 0 and raw.out.startswith("region_code,")
    assert len(list(csv.DictReader(io.StringIO(raw.out)))) == len(rows)


def test_an_empty_review_csv_still_has_its_header(monitor):
    result = monitor("review", "--all", "--as-of", "2025-07-01", "--format", "csv")
    assert result.code == 0 and "尚无已结束" in result.err
    assert result.out.startswith("\ufeff地区代码,")
