"""The submission template (`monitor actuals template`): for every county and every period of the bundled plans, a
template filled in with openpyxl as a clerk would (only the 数值 column) imports back unchanged, by hand and through
the inbox, on SQLite and PostgreSQL; an unfilled one imports nothing and says so."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from monitor import service
from monitor.actuals.template import FIRST_ROW, GUIDE, HEADER, SHEET, VALUE_COLUMN, template_for
from monitor.errors import DataError
from monitor.plans.loader import plan_files_in, read_plan_files
from monitor.reminders.expected import spans
from monitor.storage import actual_store
from tests.cli_runner import monitor_on
from tests.conftest import PLANS_DIR
from tests.inbox_helpers import START, Clock, Inbox, recorded

TODAY = date(2026, 7, 15)  # the demo's date: the 十四五 2025 figures are due, the 十五五 plan has begun
PLANS = [f.plan for f in read_plan_files(plan_files_in(PLANS_DIR))]


def every_period() -> list[tuple[str, str]]:
    """(region code, period label) of every figure the bundled plans ask for, in every year they ask for."""
    found = {(s.plan.region.code, p.label) for s in spans(PLANS, TODAY) for p in s.periods()}
    return sorted(found)


def fill(path: Path, target: Path, values: dict[int, object]) -> Path:
    """Type ``values`` (sheet row → value) into the 数值 column, save under ``target``: what a clerk does."""
    book = load_workbook(path)
    sheet = book[SHEET]
    for row, value in values.items():
        sheet.cell(row=row, column=VALUE_COLUMN, value=value)
    book.save(target)
    return target


def values_for(rows: int, seed: int) -> dict[int, float]:
    """A distinct, plausible value for each row (below 100, so rates and reductions are possible)."""
    return {FIRST_ROW + i: round(1.25 + (i * 7 + seed) % 90 + i / 16, 4) for i in range(rows)}


def current(engine, region: str) -> dict[tuple[str, str], float]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        frame = actual_store.current_values(conn, [region])
    return {(r.indicator_id, r.period): r.value for r in frame.itertuples()}


@pytest.fixture
def loaded(engine):  # type: ignore[no-untyped-def]
    service.load_plans(engine, plan_files_in(PLANS_DIR), START)
    return engine


def test_the_bundled_plans_ask_for_several_periods_of_both_counties():
    regions = {code for code, _ in every_period()}
    assert regions == {"500229", "500241"}
    assert len(every_period()) > 10


def test_every_template_of_every_county_and_period_imports_back_unchanged(loaded, tmp_path):
    for seed, (code, period) in enumerate(every_period()):
        made = service.write_template(loaded, code, TODAY, tmp_path / "blank.xlsx", period=period)
        assert made.rows and {row.period for row in made.rows} == {period}
        filled = values_for(len(made.rows), seed)
        path = fill(tmp_path / "blank.xlsx", tmp_path / f"{code}-{period}.xlsx", filled)
        report = service.import_actuals(loaded, path, START)
        assert report.result.rows == len(made.rows) and report.blank == ()
        stored = current(loaded, code)
        for row, value in zip(made.rows, filled.values(), strict=True):
            assert stored[(row.indicator_id, row.period)] == value, (code, period, row)


def test_a_partly_filled_template_imports_the_filled_rows_and_skips_the_rest(loaded, tmp_path):
    made = service.write_template(loaded, "城口县", TODAY, tmp_path / "blank.xlsx", period="2024年")
    path = fill(tmp_path / "blank.xlsx", tmp_path / "partly.xlsx", {FIRST_ROW: 0.2, FIRST_ROW + 2: "3.5"})
    report = service.import_actuals(loaded, path, START)
    assert report.result.new == 2
    assert len(report.blank) == len(made.rows) - 2 and FIRST_ROW + 1 in report.blank
    assert current(loaded, "500229") == {(made.rows[0].indicator_id, "2024"): 0.2,
                                         (made.rows[2].indicator_id, "2024"): 3.5}


def test_an_unfilled_template_imports_nothing_and_says_so(loaded, tmp_path):
    made = service.write_template(loaded, "秀山县", TODAY, tmp_path / "秀山县.xlsx", period="2023")
    with pytest.raises(DataError) as refused:
        service.import_actuals(loaded, tmp_path / "秀山县.xlsx", START)
    assert refused.value.summary == "秀山县.xlsx：没有填写任何数值，未导入任何数据"
    [problem] = refused.value.problems
    assert problem.message.startswith(f"{len(made.rows)} 行都没有填写数值")
    assert current(loaded, "500241") == {}


def test_a_filled_template_dropped_into_the_inbox_is_imported_and_an_unfilled_one_refused(loaded, tmp_path):
    folder = tmp_path / "报送"
    folder.mkdir()
    inbox = Inbox(loaded, folder, Clock())
    made = service.write_template(loaded, "500229", TODAY, tmp_path / "blank.xlsx", period="2025")
    filled = values_for(len(made.rows), 3)
    fill(tmp_path / "blank.xlsx", folder / "城口县_2025年.xlsx", filled)
    (folder / "秀山县_空表.xlsx").write_bytes((tmp_path / "blank.xlsx").read_bytes())
    service.write_template(loaded, "500241", TODAY, folder / "秀山县_空表.xlsx", period="2025")
    for name in ("城口县_2025年.xlsx", "秀山县_空表.xlsx"):
        inbox.set_mtime(folder / name, 60)
    assert inbox.scan_settled() == "处理 2 个文件：导入 1 个，退回 1 个"
    assert recorded(loaded) == [("城口县_2025年.xlsx", "imported"), ("秀山县_空表.xlsx", "rejected")]
    stored = current(loaded, "500229")
    assert [stored[(row.indicator_id, "2025")] for row in made.rows] == list(filled.values())
    [notice] = inbox.outbox_rows()  # 秀山县 is told, by the region its file's name names
    assert notice["title"] == "【报送文件未导入】秀山土家族苗族自治县 秀山县_空表.xlsx"
    report = (folder / "rejected" / "秀山县_空表.xlsx.errors.txt").read_text(encoding="utf-8-sig")
    assert "没有填写数值" in report


def test_the_template_is_prefilled_validated_protected_and_explained(loaded, tmp_path):
    made = service.write_template(loaded, "城口", TODAY, tmp_path / "t.xlsx", period="2025",
                                  return_to="县发展改革委规划科")
    book = load_workbook(tmp_path / "t.xlsx")
    assert book.sheetnames == [SHEET, GUIDE]
    sheet = book[SHEET]
    assert [c.value for c in sheet[FIRST_ROW - 1]] == list(HEADER)
    first = [c.value for c in sheet[FIRST_ROW]]
    assert first[:5] == ["城口县", made.rows[0].indicator_name, made.rows[0].unit, "2025年", None]
    assert made.rows[0].indicator_name == "全社会研究与试验发展经费支出"  # as printed, not rd_expenditure
    assert sheet.max_row == FIRST_ROW + len(made.rows) - 1
    [check] = sheet.data_validations.dataValidation
    assert check.type == "decimal" and str(check.sqref) == f"E{FIRST_ROW}:E{sheet.max_row}"
    assert sheet.protection.sheet and not sheet.cell(FIRST_ROW, VALUE_COLUMN).protection.locked
    assert sheet.cell(FIRST_ROW, 2).protection.locked
    guide = "\n".join(str(c.value) for c in book[GUIDE]["A"])
    assert "县发展改革委规划科" in guide and "数值" in guide and "不要改动" in guide


def test_the_default_period_is_the_latest_one_due():
    assert template_for(PLANS, "500229", date(2026, 7, 1)).period == "2025"  # 2025 was due on 2026-06-30
    assert template_for(PLANS, "500229", date(2026, 6, 30)).period == "2025"
    assert template_for(PLANS, "500229", date(2026, 6, 29)).period == "2024"


def test_the_template_command_writes_the_file_and_the_filled_file_imports(capsys, monkeypatch, database_url,
                                                                          tmp_path):
    monitor = monitor_on(capsys, monkeypatch, database_url, tmp_path)
    assert monitor("init").code == 0
    result = monitor("actuals", "template", "--region", "秀山", "--period", "2024年", "--output", "秀山.xlsx")
    assert result.code == 0 and "秀山土家族苗族自治县2024年规划指标数据报送表" in result.out
    book = load_workbook(tmp_path / "秀山.xlsx")
    rows = book[SHEET].max_row - FIRST_ROW + 1
    fill(tmp_path / "秀山.xlsx", tmp_path / "秀山-填好.xlsx", values_for(rows, 1))
    result = monitor("actuals", "import", "秀山-填好.xlsx")
    assert result.code == 0 and f"已导入新数值 {rows} 个" in result.out
    blank = monitor("actuals", "import", "秀山.xlsx")
    assert blank.code == 3 and "没有填写任何数值" in blank.err
    wrong = monitor("actuals", "template", "--region", "秀山镇", "--output", "x.xlsx")
    assert wrong.code == 3 and "是否指：秀山土家族苗族自治县（500241）" in wrong.err
