"""`monitor init`, `actuals import` and `check` end to end on SQLite and PostgreSQL, through the real entry point."""

import csv
import json
import re
from pathlib import Path

import pytest

from monitor.core.status import STATUS_LABEL
from monitor.plans.loader import plan_files_in, read_plan_files
from monitor.report.check import OUTPUT_COLUMNS
from tests.cli_runner import monitor_on
from tests.conftest import PLANS_DIR, ROOT, SAMPLES_DIR

# the target form of each row (docs/method.md, "Target forms")
FORM_FIELDS = {
    "form", "target_text", "band_low", "band_high", "exceeded", "reference_id", "reference_name", "reference_value",
    "annual_year", "annual_target", "annual_status", "years_met", "years_judged", "stated_baseline",
}
JSON_FIELDS = {
    "plan_id", "region_code", "region_name", "indicator_id", "indicator_name", "unit", "direction", "phase", "period",
    "t", "baseline", "target", "target_year", "expected", "actual", "gap", "pace", "progress", "projected",
    "required_rate", "status", "severity", "note", "judgement", "final_period", "final_year", "final_target",
    "final_value", "final_status", "attainment", "final_shortfall", "due_period", "due_date", "last_period",
    "last_value", "last_pace", "last_status", "succeeded_by", *FORM_FIELDS,
}
README = (ROOT / "README.md").read_text(encoding="utf-8")
PHASES = {"not_started", "in_progress", "awaiting_final", "final", "continuing"}
SERIES = sum(len(f.plan.indicators) for f in read_plan_files(plan_files_in(PLANS_DIR)))
STATUSES = {"achieved", "on_track", "behind", "off_track", "regressing", "missed", "no_data", "not_assessable"}


@pytest.fixture
def monitor(capsys, monkeypatch, database_url, tmp_path):
    return monitor_on(capsys, monkeypatch, database_url, tmp_path)


@pytest.fixture
def loaded(monitor):
    assert monitor("init").code == 0
    for sample in sorted(SAMPLES_DIR.glob("*.csv")):
        result = monitor("actuals", "import", str(sample))
        assert result.code == 0, result.err
    return monitor


def test_the_sample_data_shows_every_status_with_all_json_fields(loaded):
    result = loaded("check", "--as-of", "2025-07-01", "--format", "json", "--fail-on", "never")
    assert result.code == 0
    rows = json.loads(result.out)
    assert len(rows) == SERIES
    assert all(JSON_FIELDS <= row.keys() for row in rows)
    keys = list(rows[0])
    assert keys == OUTPUT_COLUMNS and keys[keys.index("note") + 1] == "judgement"  # the sentence follows the note
    assert {row["status"] for row in rows} == STATUSES
    by_key = {(row["region_code"], row["indicator_id"]): row for row in rows}
    rd = by_key[("500229", "rd_expenditure")]
    # 2,000 万元 reported, converted to 0.2 亿元; compound path 0.1 → 0.3: E(2025.0) = 0.1·3^0.8
    assert rd["actual"] == 0.2 and rd["period"] == "2024" and rd["t"] == 2025.0
    assert rd["expected"] == pytest.approx(0.1 * 3 ** 0.8, abs=1e-9)
    assert rd["status"] == "behind" and rd["severity"] == "warning"
    assert rd["form"] == "path" and rd["judgement"] is None  # a plain path: its figures say it all
    zone = by_key[("500241", "municipal_high_tech_zone")]
    assert zone["status"] == "missed" and zone["target_year"] == 2024
    assert by_key[("500241", "sti_progress_rank")]["direction"] == "lower"


def test_after_the_plan_every_row_has_a_phase_and_ended_rows_carry_their_final_verdict(loaded):
    rows = json.loads(loaded("check", "--as-of", "2026-12-01", "--format", "json", "--fail-on", "never").out)
    assert len(rows) == SERIES and {row["phase"] for row in rows} <= PHASES
    fourteenth = [row for row in rows if row["plan_id"].endswith("14th-sti")]
    assert {row["phase"] for row in fourteenth} <= {"final", "continuing"}
    for row in fourteenth:
        assert row["final_status"] in ("achieved", "missed", "no_data") and row["final_period"] == "2025"
        assert row["pace"] is None or row["phase"] == "continuing"
        if row["phase"] == "final":
            assert row["status"] == row["final_status"] and row["required_rate"] is None
        if row["final_status"] == "no_data":
            assert row["status"] == "no_data" and row["due_period"] == "2025" and row["due_date"] == "2026-06-30"
        else:
            assert row["final_value"] is not None and row["attainment"] is not None
    by_key = {(row["plan_id"], row["indicator_id"]): row for row in rows}
    intensity = by_key[("chengkou-14th-sti", "rd_intensity")]
    # 0.42 reported for 2025 against 0.8: 完成率 52.5 %; the 2035 goal is the successor's now
    assert intensity["final_value"] == 0.42 and intensity["final_status"] == "missed"
    assert intensity["attainment"] == pytest.approx(0.525) and intensity["final_shortfall"] == pytest.approx(0.38)
    successor = [row for row in rows if row["plan_id"] == "chengkou-15th-sti-example"]
    assert successor and {row["phase"] for row in successor} == {"not_started"}
    assert {(row["status"], row["severity"]) for row in successor} == {("not_assessable", "ok")}
    shared = {row["indicator_id"] for row in successor}
    for row in fourteenth:
        if row["region_code"] == "500229":
            assert row["succeeded_by"] == ("chengkou-15th-sti-example" if row["indicator_id"] in shared else None)
            assert row["phase"] == "final" or row["indicator_id"] not in shared
    late = [row for row in fourteenth if row["status"] == "no_data" and row["last_period"]]
    assert late and all(row["last_status"] and "逾期未报" in row["note"] for row in late)


def test_exit_code_follows_the_worst_severity_and_fail_on(loaded):
    assert loaded("check", "--as-of", "2025-07-01", "--format", "json").code == 2
    assert loaded("check", "--as-of", "2025-07-01", "--region", "城口", "--indicator", "rd_expenditure",
                  "--format", "json").code == 1
    assert loaded("check", "--as-of", "2025-07-01", "--region", "500229", "--indicator", "tech_enterprises",
                  "--format", "json").code == 0
    assert loaded("check", "--as-of", "2025-07-01", "--region", "城口", "--indicator", "rd_expenditure",
                  "--fail-on", "critical", "--format", "json").code == 0
    assert loaded("check", "--as-of", "2025-07-01", "--fail-on", "never", "--format", "json").code == 0


def test_every_json_field_is_listed_in_the_readme():
    section = README.split("### JSON and CSV output", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in OUTPUT_COLUMNS if not re.search(rf"[`\s,]{name}[`,\s]", section)]
    assert not missing, f"README.md, JSON and CSV output, does not name {missing}"


def test_csv_raw_has_the_same_columns_and_values_as_json(loaded):
    as_json = json.loads(loaded("check", "--as-of", "2025-07-01", "--format", "json", "--fail-on", "never").out)
    out = loaded("check", "--as-of", "2025-07-01", "--format", "csv-raw", "--fail-on", "never").out
    assert not out.startswith("\ufeff")  # scripts read it as before
    as_csv = list(csv.DictReader(out.splitlines()))
    assert list(as_csv[0].keys()) == list(as_json[0].keys())
    assert [r["status"] for r in as_csv] == [r["status"] for r in as_json]
    assert [r["judgement"] or None for r in as_csv] == [r["judgement"] for r in as_json]
    assert [float(r["expected"]) if r["expected"] else None for r in as_csv] == [r["expected"] for r in as_json]


def test_the_csv_is_a_planners_csv_with_a_bom_chinese_headers_and_labels(loaded):
    as_json = json.loads(loaded("check", "--as-of", "2025-07-01", "--format", "json", "--fail-on", "never").out)
    out = loaded("check", "--as-of", "2025-07-01", "--format", "csv", "--fail-on", "never").out
    assert out.startswith("\ufeff")  # Excel on Chinese Windows then reads UTF-8
    as_csv = list(csv.DictReader(out[1:].splitlines()))
    assert list(as_csv[0])[:5] == ["地区代码", "地区", "规划", "指标代码", "统计指标"]
    assert [r["指标代码"] for r in as_csv] == [r["indicator_id"] for r in as_json]
    for row, data in zip(as_csv, as_json):
        final = data["status"] == data["final_status"] and data["period"] == data["final_period"]
        assert row["状态"].startswith("终期") if final else row["状态"] == STATUS_LABEL[data["status"]]
        assert "status" not in row and data["status"] not in row.values()  # no English status left


def test_the_table_uses_chinese_labels(loaded):
    result = loaded("check", "--as-of", "2025-07-01", "--plan", "chengkou-14th-sti", "--fail-on", "never")
    for label in ("统计指标", "期望值", "实际值", "时间进度", "完成进度", "序时完成率", "落后/领先", "状态", "城口县",
                  "明显滞后"):
        assert label in result.out


def test_selecting_by_plan_region_and_indicator(loaded):
    rows = json.loads(loaded("check", "--as-of", "2025-07-01", "--plan", "xiushan-14th-sti", "--format", "json",
                             "--fail-on", "never").out)
    assert {r["plan_id"] for r in rows} == {"xiushan-14th-sti"}
    rows = json.loads(loaded("check", "--as-of", "2025-07-01", "--region", "秀山县", "--indicator", "rd_intensity",
                             "--format", "json", "--fail-on", "never").out)
    assert [(r["region_code"], r["indicator_id"]) for r in rows] == [("500241", "rd_intensity")]


def test_an_unknown_region_is_a_usage_error_with_one_line(loaded):
    result = loaded("check", "--region", "重庆市", "--format", "json")
    assert result.code == 3
    assert result.err.count("\n") == 1 and "重庆市" in result.err


def test_a_bad_option_is_exit_code_3(monitor):
    assert monitor("check", "--format", "xml").code == 3
    assert monitor("check", "--as-of", "2025-13-01").code == 3


def test_check_before_init_says_to_run_init(monitor):
    result = monitor("check")
    assert result.code == 3 and "monitor init" in result.err


def test_a_file_with_one_bad_row_is_refused_whole_and_names_that_row(loaded, tmp_path: Path):
    bad = tmp_path / "城口2026.csv"
    bad.write_text(
        "地区,指标,期间,数值,单位\n"
        "城口县,rd_intensity,2026,0.51,%\n"
        "城口县,tech_enterprises,2026,一百,家\n"
        "城口县,sti_projects,2026,6,项\n",
        encoding="utf-8",
    )
    result = loaded("actuals", "import", str(bad))
    assert result.code == 3
    assert "城口2026.csv" in result.err and "第 3 行，「数值」列" in result.err
    listed = loaded("actuals", "list", "--region", "城口县", "--period", "2026")
    assert "rd_intensity" not in listed.out  # the good rows were not stored either


def test_importing_the_same_file_again_changes_nothing_and_an_edit_is_a_revision(loaded, tmp_path: Path):
    sample = SAMPLES_DIR / "chengkou-sample-actuals.csv"
    again = loaded("actuals", "import", str(sample))
    assert again.code == 0 and "没有新数据" in again.out  # import messages are in Chinese (issue 13)
    edited = tmp_path / "revised.csv"
    edited.write_text("地区,指标,期间,数值,单位\n城口县,rd_intensity,2024,0.31,%\n", encoding="utf-8")
    assert "修订 1 个" in loaded("actuals", "import", str(edited), "--submitted-by", "县统计局").out
    history = loaded("actuals", "history", "--region", "城口县", "--indicator", "rd_intensity", "--period", "2024")
    assert "0.3" in history.out and "0.31" in history.out and "revised.csv" in history.out
    rows = json.loads(loaded("check", "--as-of", "2025-07-01", "--region", "城口县", "--indicator", "rd_intensity",
                             "--format", "json", "--fail-on", "never").out)
    assert rows[0]["actual"] == 0.31


def test_a_dry_run_reports_and_stores_nothing(loaded, tmp_path: Path):
    edited = tmp_path / "dry.csv"
    edited.write_text("地区,指标,期间,数值\n城口县,rd_intensity,2024,0.5\n", encoding="utf-8")
    dry = loaded("actuals", "import", str(edited), "--dry-run").out
    assert "将导入新数值 0 个、修订 1 个" in dry and "未保存" in dry
    rows = json.loads(loaded("check", "--as-of", "2025-07-01", "--region", "城口县", "--indicator", "rd_intensity",
                             "--format", "json", "--fail-on", "never").out)
    assert rows[0]["actual"] == 0.3
