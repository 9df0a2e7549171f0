"""`monitor review`: the aggregation of final verdicts on hand-built frames, then the command on SQLite and
PostgreSQL with the bundled plans and samples."""

import csv
import json
import math

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from monitor.core import columns as c
from monitor.report.review import review_records, settled, summaries, to_csv, to_csv_raw, to_table
from tests.cli_runner import loaded_monitor

AFTER_THE_PLAN = "2026-12-01"  # the 2025 figures are due by 2026-06-30


def row(indicator: str, phase: str = "final", final_status: str | None = "achieved", *, target: float = 10.0,
        value: float | None = 10.0, direction: str = "higher", binding: str | None = None, region: str = "500229",
        plan: str = "p14") -> dict:
    """An assessment row with the contract's columns, as the core gives it for a settled milestone."""
    out = dict.fromkeys(c.ASSESSMENT_COLUMNS)
    d = -1.0 if direction == "lower" else 1.0
    attainment = np.nan
    if value is not None and final_status in ("achieved", "missed"):
        attainment = value / target if d > 0 else target / value
    settled_ = phase in ("final", "continuing")
    out |= {
        c.PLAN_ID: plan, c.REGION_CODE: region, c.REGION_NAME: {"500229": "城口县"}.get(region, "秀山县"),
        c.INDICATOR_ID: indicator, c.INDICATOR_NAME: f"指标{indicator}", c.UNIT: "个", c.DIRECTION: direction,
        c.BINDING: binding, c.PHASE: phase, c.STATUS: final_status if settled_ else "on_track", c.SEVERITY: "ok",
        c.FINAL_PERIOD: "2025" if settled_ else None, c.FINAL_YEAR: 2025 if settled_ else None,
        c.FINAL_TARGET: target if settled_ else np.nan,
        c.FINAL_VALUE: value if settled_ and value is not None else np.nan,
        c.FINAL_STATUS: final_status if settled_ else None, c.ATTAINMENT: attainment if settled_ else np.nan,
        c.FINAL_SHORTFALL: d * (target - value) if settled_ and value is not None else np.nan,
        c.EXCEEDED: bool(settled_ and final_status == "achieved" and value is not None and d * (value - target) > 0),
    }
    return out


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=c.ASSESSMENT_COLUMNS)


def test_counts_judge_achieved_against_achieved_plus_missed_and_keep_unreported_apart():
    rows = settled(frame(
        row("a", value=12.0), row("b", value=10.0), row("c", value=8.0, final_status="missed"),
        row("d", value=None, final_status="no_data"), row("e", phase="in_progress"),
    ))
    assert list(rows["indicator_id"]) == ["a", "b", "c", "d"]  # a plan in progress is not reviewed
    assert list(rows["verdict"]) == ["超额完成", "已完成", "未完成", "终期值未报送"]
    s = summaries(rows).iloc[0]
    assert (s.total, s.achieved, s.exceeded, s.missed, s.no_data, s.judged) == (4, 2, 1, 1, 1, 3)
    assert s.completion_rate == pytest.approx(2 / 3)


def test_binding_indicators_are_counted_apart():
    rows = settled(frame(
        row("a", binding="binding"), row("b", binding="binding", value=11.0), row("c", binding="expected",
                                                                                 final_status="missed", value=9.0),
    ))
    s = summaries(rows).iloc[0]
    assert (s.binding_total, s.binding_achieved, s.binding_missed, s.binding_judged) == (2, 2, 0, 2)
    assert s.binding_completion_rate == 1.0
    assert s.completion_rate == pytest.approx(2 / 3)
    record = review_records(frame(row("a", binding="binding"), row("b", binding="binding", value=11.0)))[0]
    assert record["binding"]["total"] == 2


def test_lower_is_better_attainment_is_target_over_value_and_beating_it_is_exceeded():
    rows = settled(frame(row("rank", direction="lower", target=30.0, value=28.0)))
    assert rows.iloc[0]["attainment"] == pytest.approx(30 / 28)
    assert rows.iloc[0]["verdict"] == "超额完成"


def test_continuing_rows_are_reviewed_and_the_regions_and_plans_are_kept_apart():
    records = review_records(frame(
        row("a", plan="p14"), row("b", plan="p14", phase="continuing", final_status="missed", value=5.0),
        row("a", region="500241", plan="x14", final_status="no_data", value=None),
        row("n", plan="p15", phase="not_started", final_status=None),
    ))
    assert [(r["region_code"], r["plan_id"]) for r in records] == [("500229", "p14"), ("500241", "x14")]
    first, second = records
    assert (first["achieved"], first["missed"], first["no_data"], first["judged"]) == (1, 1, 0, 2)
    assert first["completion_rate"] == 0.5 and first["final_period"] == "2025"
    assert [i["indicator_id"] for i in first["indicators"]] == ["a", "b"]
    b = first["indicators"][1]
    assert b["verdict"] == "未完成" and b["final_shortfall"] == 5.0 and b["attainment"] == 0.5
    assert b["phase"] == "continuing" and b["exceeded"] is False
    # nothing judged: the rate is not 0 %, it does not exist
    assert second["judged"] == 0 and second["completion_rate"] is None and second["no_data"] == 1


def test_nothing_settled_gives_no_records_and_an_empty_csv_with_its_header():
    empty = frame(row("e", phase="in_progress"), row("f", phase="awaiting_final", final_status=None))
    assert review_records(empty) == []
    assert to_csv(empty).splitlines() == ["\ufeff" + ",".join(
        ["地区代码", "地区", "规划", "指标代码", "统计指标", "单位", "指标属性", "终期", "目标", "终期值", "完成情况",
         "完成率", "落后/领先", "接续规划"])]
    assert to_csv_raw(empty).splitlines() == [",".join(
        ["region_code", "region_name", "plan_id", "indicator_id", "indicator_name", "unit", "binding", "phase",
         "final_period", "final_target", "final_value", "final_status", "verdict", "exceeded", "attainment",
         "final_shortfall", "succeeded_by"])]


def test_the_table_prints_verdicts_percents_and_the_two_sentences():
    console = Console(width=200, color_system=None, record=True)
    to_table(frame(row("a", binding="binding", value=12.0), row("b", binding="binding"),
                   row("c", final_status="missed", value=8.0), row("d", final_status="no_data", value=None)), console)
    text = console.export_text()
    for expected in ("终期评估（2025 年）", "指标a（约束性）", "超额完成", "120.0%", "未完成", "终期值未报送",
                     "完成 2 项（其中超额完成 1 项） / 未完成 1 项 / 未报送 1 项", "指标完成率 66.7%",
                     "已评判 = 完成 + 未完成", "约束性指标 2 项全部完成"):
        assert expected in text, expected


# ---- the command, on the bundled plans and samples ----

@pytest.fixture
def monitor(capsys, monkeypatch, database_url, tmp_path):
    return loaded_monitor(capsys, monkeypatch, database_url, tmp_path)


def checked(monitor, *args: str) -> list[dict]:
    result = monitor("check", "--as-of", AFTER_THE_PLAN, "--format", "json", "--fail-on", "never", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def expected_counts(rows: list[dict]) -> dict[tuple, dict]:
    """What the review should say, counted by hand from `monitor check` of the same date."""
    out: dict[tuple, dict] = {}
    for r in rows:
        if r["phase"] not in ("final", "continuing"):
            continue
        counts = out.setdefault((r["region_code"], r["plan_id"]), {"total": 0, "achieved": 0, "missed": 0,
                                                                    "no_data": 0, "binding_total": 0})
        counts["total"] += 1
        counts[r["final_status"]] += 1
        counts["binding_total"] += r["binding"] == "binding"
    return out


def test_json_review_of_all_regions_agrees_with_the_check_of_the_same_date(monitor):
    expected = expected_counts(checked(monitor))
    assert expected, "the sample plans end in 2025 and should be settled by " + AFTER_THE_PLAN
    result = monitor("review", "--all", "--as-of", AFTER_THE_PLAN, "--format", "json")
    assert result.code == 0, result.err
    records = json.loads(result.out)
    assert {(r["region_code"], r["plan_id"]) for r in records} == set(expected)
    for r in records:
        want = expected[(r["region_code"], r["plan_id"])]
        assert {k: r[k] for k in ("total", "achieved", "missed", "no_data")} == {k: want[k] for k in (
            "total", "achieved", "missed", "no_data")}
        assert r["binding"]["total"] == want["binding_total"]
        assert r["judged"] == r["achieved"] + r["missed"]
        rate = r["achieved"] / r["judged"] if r["judged"] else None
        assert r["completion_rate"] == (pytest.approx(rate) if rate is not None else None)
        assert len(r["indicators"]) == r["total"] and r["final_period"] == "2025"
        for item in r["indicators"]:
            assert item["verdict"] in ("已完成", "超额完成", "未完成", "终期值未报送")
            assert (item["verdict"] == "终期值未报送") == (item["final_status"] == "no_data")
            if item["final_status"] == "no_data":
                assert item["final_value"] is None


def test_table_review_of_one_region_prints_its_counts(monitor):
    rows = [r for r in checked(monitor, "--region", "城口县")]
    counts = expected_counts(rows)[("500229", "chengkou-14th-sti")]
    result = monitor("review", "城口", "--as-of", AFTER_THE_PLAN)
    assert result.code == 0, result.err
    assert "城口县（500229）" in result.out and "秀山" not in result.out
    for header in ("统计指标", "目标", "终期值", "完成情况", "完成率", "落后/领先"):
        assert header in result.out
    assert f"共 {counts['total']} 项：完成 {counts['achieved']} 项" in result.out
    assert f"/ 未完成 {counts['missed']} 项 / 未报送 {counts['no_data']} 项" in result.out
    assert "指标完成率" in result.out


def test_csv_has_one_row_per_reviewed_indicator(monitor):
    rows = checked(monitor, "--plan", "xiushan-14th-sti")
    settled_ids = sorted(r["indicator_id"] for r in rows if r["phase"] in ("final", "continuing"))
    result = monitor("review", "--all", "--plan", "xiushan-14th-sti", "--as-of", AFTER_THE_PLAN, "--format",
                     "csv-raw")
    assert not result.out.startswith("\ufeff")
    assert result.code == 0, result.err
    table = list(csv.DictReader(result.out.splitlines()))
    assert sorted(r["indicator_id"] for r in table) == settled_ids
    assert {r["plan_id"] for r in table} == {"xiushan-14th-sti"} and {r["region_code"] for r in table} == {"500241"}
    by_id = {r["indicator_id"]: r for r in rows}
    for r in table:
        attainment = by_id[r["indicator_id"]]["attainment"]
        assert (float(r["attainment"]) if r["attainment"] else None) == (
            pytest.approx(attainment) if attainment is not None and not math.isnan(attainment) else None)


def test_before_any_plan_has_ended_a_message_and_exit_code_0(monitor):
    result = monitor("review", "城口县", "--as-of", "2025-07-01")
    assert result.code == 0
    assert "尚无已结束" in result.out and "统计指标" not in result.out
    as_json = monitor("review", "--all", "--as-of", "2025-07-01", "--format", "json")
    assert as_json.code == 0 and json.loads(as_json.out) == [] and "尚无已结束" in as_json.err


def test_an_unknown_region_or_a_missing_choice_is_a_usage_error(monitor):
    unknown = monitor("review", "不存在县", "--as-of", AFTER_THE_PLAN)
    assert unknown.code == 3 and "不存在县" in unknown.err
    assert monitor("review", "--as-of", AFTER_THE_PLAN).code == 3
    assert monitor("review", "城口县", "--all").code == 3
