"""The life of a plan through storage, on SQLite and PostgreSQL: plan files loaded with `succeeds`, figures
imported from CSV, `service.run_check` on dates across the plan's life (docs/method.md, Part 2)."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from monitor import service
from monitor.alerts.receivers import log_only
from monitor.alerts.rules import load_rules
from monitor.messages.render import Renderer
from monitor.notify import AlertConfig, evaluate_alerts

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)

HEADER = """id: {id}
title: 测试县“{name}”规划
region: {{name: 测试县, code: "500299"}}
period: {{start: {start}, end: {end}}}
baseline_year: {base}
{succeeds}source: {{title: 测试规划}}
indicators:
"""
INDICATOR = """  - id: {id}
    name: {name}
    unit: "{unit}"
    kind: {kind}
    baseline: {baseline}
    milestones: {milestones}
    source: {{table: 表1}}
"""

FOURTEENTH = [  # id, printed name, unit, kind, baseline, milestones
    ("enterprises", "科技型企业数", "家", "level", 68, "{2025: 100, 2035: 200}"),
    ("intensity", "研发投入强度", "%", "level", 0.19, "{2025: 0.8, 2035: 2}"),
    ("projects", "开展科技项目", "项", "cumulative", 0, "{2025: 30}"),
    ("platforms", "孵化平台数", "个", "level", 1, "{2025: 2}"),
]
FIFTEENTH = [("enterprises", "科技型企业数", "家", "level", "null", "{2030: 150, 2035: 200}")]

FIGURES = """地区,指标,期间,数值
测试县,科技型企业数,2021,75
测试县,科技型企业数,2024,90
测试县,科技型企业数,2025,95
测试县,研发投入强度,2024,0.35
测试县,研发投入强度,2025,0.42
测试县,开展科技项目,2021,5
测试县,开展科技项目,2022,6
测试县,开展科技项目,2023,7
测试县,开展科技项目,2024,6
测试县,开展科技项目,2025,8
测试县,孵化平台数,2023,1
测试县,孵化平台数,2024,2
"""
LATER = """地区,指标,期间,数值
测试县,科技型企业数,2026,110
测试县,研发投入强度,2026,0.5
测试县,开展科技项目,2026,9
测试县,孵化平台数,2025,1
"""


def plan_file(folder: Path, plan_id: str, name: str, start: int, end: int, rows, succeeds: str | None = None) -> Path:
    text = HEADER.format(id=plan_id, name=name, start=start, end=end, base=start - 1,
                         succeeds=f"succeeds: {succeeds}\n" if succeeds else "")
    for ind_id, printed, unit, kind, baseline, milestones in rows:
        text += INDICATOR.format(id=ind_id, name=printed, unit=unit, kind=kind, baseline=baseline,
                                 milestones=milestones)
    path = folder / f"{plan_id}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load(engine, tmp_path: Path, *, successor: bool) -> None:
    paths = [plan_file(tmp_path, "t14", "十四五", 2021, 2025, FOURTEENTH)]
    if successor:
        paths.append(plan_file(tmp_path, "t15", "十五五", 2026, 2030, FIFTEENTH, succeeds="t14"))
    service.load_plans(engine, paths, NOW)
    csv = tmp_path / "figures.csv"
    csv.write_text(FIGURES, encoding="utf-8")
    service.import_actuals(engine, csv, NOW)


def add_later_figures(engine, tmp_path: Path) -> None:
    csv = tmp_path / "later.csv"
    csv.write_text(LATER, encoding="utf-8")
    service.import_actuals(engine, csv, NOW)


def rows_at(engine, day: date) -> dict[tuple[str, str], dict]:
    frame = service.run_check(engine, day)
    return {(r["plan_id"], r["indicator_id"]): r for r in frame.to_dict("records")}


def test_each_phase_of_a_plan_from_before_its_start_to_after_its_final_figures(engine, tmp_path):
    load(engine, tmp_path, successor=False)
    expected = {
        date(2021, 6, 1): "not_started", date(2024, 7, 1): "in_progress", date(2026, 3, 1): "awaiting_final",
        date(2026, 7, 1): "final",
    }
    for day, phase in expected.items():
        row = rows_at(engine, day)[("t14", "platforms")]
        assert row["phase"] == phase, day
    early = rows_at(engine, date(2021, 6, 1))[("t14", "enterprises")]
    assert (early["status"], early["severity"], early["note"]) == ("not_assessable", "ok", "尚无规划期内数据")
    waiting = rows_at(engine, date(2026, 3, 1))[("t14", "platforms")]
    assert "应于2026-06-30前报送" in waiting["note"] and waiting["status"] == "achieved"
    # an indicator with a 2035 goal and no successor goes on after the plan
    assert rows_at(engine, date(2026, 7, 1))[("t14", "enterprises")]["phase"] == "continuing"


def test_a_final_verdict_is_frozen_against_later_values_in_numbers_and_message(engine, tmp_path):
    load(engine, tmp_path, successor=False)
    config = AlertConfig(load_rules(ROOT / "rules"), log_only(), Renderer())
    before = service.run_check(engine, date(2027, 7, 1))
    message_before = final_messages(engine, config, before)
    add_later_figures(engine, tmp_path)  # 2026 values, and nothing for 2025 of the indicators that had one
    after = service.run_check(engine, date(2027, 7, 1))
    b = before.set_index("indicator_id").loc["intensity"]
    a = after.set_index("indicator_id").loc["intensity"]
    for name in ("final_value", "final_target", "final_status", "attainment", "final_shortfall", "final_period"):
        assert a[name] == b[name], name
    assert (a["final_value"], a["final_status"]) == (0.42, "missed") and a["attainment"] == pytest.approx(0.525)
    # the same in the message, but for the one verdict the late 2025 figure changed (孵化平台数: now reported)
    same = [line for line in message_before if not any(word in line for word in ("孵化平台数", "目标 2个", "项"))]
    assert "　目标 0.8%，终期值 0.42%，完成率 52.5%" in same and "研发投入强度（2025）" in same
    assert same and all(line in final_messages(engine, config, after) for line in same)


def final_messages(engine, config, frame) -> list[str]:
    run = evaluate_alerts(engine, config, frame, NOW, fresh=True)
    texts = [message.text for planned, message in run.messages if planned.kind == "final"]
    assert len(texts) == 1
    # the lines of the message, without the running numbers of its lists (a changed verdict renumbers them)
    return [re.sub(r"^\W*\d+\. ", "", line) for line in texts[0].splitlines() if line.strip() and "生成于" not in line]


def test_a_cumulative_total_stops_at_the_plan_end(engine, tmp_path):
    load(engine, tmp_path, successor=False)
    add_later_figures(engine, tmp_path)
    row = rows_at(engine, date(2027, 7, 1))[("t14", "projects")]
    assert row["phase"] == "final" and row["final_value"] == 5 + 6 + 7 + 6 + 8  # not + 9 for 2026
    assert row["status"] == "achieved" and row["attainment"] == pytest.approx(32 / 30)


def test_the_2035_segment_runs_from_the_value_reported_for_2025(engine, tmp_path):
    load(engine, tmp_path, successor=False)
    add_later_figures(engine, tmp_path)
    waiting = rows_at(engine, date(2026, 12, 1))[("t14", "intensity")]
    assert (waiting["phase"], waiting["status"], waiting["target_year"]) == ("continuing", "missed", 2035)
    assert "2035年目标路径自2025年实际值起算" in waiting["note"]
    row = rows_at(engine, date(2027, 7, 1))[("t14", "intensity")]
    # from 0.42 at 2026.0 to 2 at 2036.0: E(2027.0) = 0.42 + 1.58 / 10
    assert row["expected"] == pytest.approx(0.42 + 0.158) and row["period"] == "2026"
    assert row["pace"] == pytest.approx((0.5 - 0.42) / 0.158) and row["status"] == "off_track"  # 0.506
    assert row["final_status"] == "missed"


def test_a_successor_takes_over_the_shared_indicator_and_its_open_baseline_is_the_2025_value(engine, tmp_path):
    load(engine, tmp_path, successor=True)
    before = rows_at(engine, date(2026, 3, 1))
    assert before[("t14", "enterprises")]["succeeded_by"] == "t15"  # the successor's period has begun
    new = before[("t15", "enterprises")]
    assert (new["phase"], new["status"], new["severity"]) == ("not_started", "not_assessable", "ok")
    assert new["baseline"] == 95 and new["baseline_estimated"]  # the 2025 value, not the 75 of 2021
    add_later_figures(engine, tmp_path)
    rows = rows_at(engine, date(2027, 7, 1))
    old = rows[("t14", "enterprises")]
    assert (old["phase"], old["status"], old["succeeded_by"]) == ("final", "missed", "t15")
    assert old["final_value"] == 95 and math.isnan(old["pace"])
    new = rows[("t15", "enterprises")]
    # 95 → 150 over 2026–2030: E(2026) = 95 + 55 / 5 = 106; 110 reported
    assert new["phase"] == "in_progress" and new["expected"] == pytest.approx(106)
    assert new["pace"] == pytest.approx(15 / 11) and new["status"] == "on_track"
    # the indicator the successor does not share keeps its 2035 segment under the old plan
    assert rows[("t14", "intensity")]["phase"] == "continuing"


def test_a_missing_due_figure_is_no_data_with_the_latest_values_own_judgement(engine, tmp_path):
    load(engine, tmp_path, successor=False)
    row = rows_at(engine, date(2026, 12, 1))[("t14", "platforms")]
    assert (row["status"], row["final_status"], row["due_period"], row["due_date"]) == (
        "no_data", "no_data", "2025", "2026-06-30")
    assert (row["last_period"], row["last_value"], row["last_status"]) == ("2024", 2, "achieved")
    assert row["note"] == "2025年数据逾期未报（应于2026-06-30前报送）；最近一次（2024年）已完成"
    inside = rows_at(engine, date(2025, 12, 1))[("t14", "intensity")]  # 2024 reported, nothing earlier missing
    assert inside["status"] != "no_data"
    late = rows_at(engine, date(2025, 12, 1))[("t14", "enterprises")]  # 2022–2024: only 2024 is the latest due
    assert late["period"] == "2024" and late["status"] != "no_data"
