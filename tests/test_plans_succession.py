"""`succeeds:` between plans: the pure check, the loader, `monitor plans load`/`init`, and a plan's phase on a date."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import yaml

from monitor import service
from monitor.errors import DataError
from monitor.plans.loader import read_plan_file, read_plan_files
from monitor.plans.model import Period, Region
from monitor.plans.phase import ENDED, NOT_STARTED, RUNNING, SUCCEEDED, plan_phase
from monitor.plans.succession import Candidate, succession_problems, successor_of
from tests.cli_runner import monitor_on
from tests.conftest import PLANS_DIR

OLD_FILE = PLANS_DIR / "chengkou-14th-sti.yaml"
NEW_FILE = PLANS_DIR / "chengkou-15th-sti-example.yaml"
XIUSHAN_FILE = PLANS_DIR / "xiushan-14th-sti.yaml"
OLD = read_plan_file(OLD_FILE).plan
NEW = read_plan_file(NEW_FILE).plan
XIUSHAN = read_plan_file(XIUSHAN_FILE).plan
NOW = datetime(2026, 7, 15, tzinfo=timezone.utc)


def _messages(problems) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{p.file}|{p.field}|{p.message}" for p in problems]


# ---- the pure check ----

def test_the_example_plan_succeeds_the_14th_plan_without_problems():
    assert NEW.succeeds == OLD.id
    assert succession_problems([Candidate(NEW, "new.yaml")], [OLD]) == []
    assert succession_problems([Candidate(OLD, "old.yaml"), Candidate(NEW, "new.yaml")], []) == []


def test_an_unknown_predecessor_is_an_error_naming_the_file_and_field():
    problems = succession_problems([Candidate(NEW, "new.yaml", 23)], [XIUSHAN])
    assert len(problems) == 1
    p = problems[0]
    assert (p.file, p.row, p.field) == ("new.yaml", 23, "succeeds")
    assert "接续的规划 chengkou-14th-sti 不存在" in p.message


def test_without_a_database_an_absent_predecessor_is_not_judged():
    assert succession_problems([Candidate(NEW, "new.yaml")], None) == []


def test_a_predecessor_of_another_region_is_refused():
    elsewhere = OLD.model_copy(update={"region": Region(name="秀山土家族苗族自治县", code="500241")})
    [problem] = succession_problems([Candidate(NEW, "new.yaml")], [elsewhere])
    assert problem.field == "succeeds"
    assert "属于秀山土家族苗族自治县（500241）" in problem.message and "只能接续同一地区的规划" in problem.message


def test_a_predecessor_whose_period_has_not_ended_before_the_start_is_refused():
    overlapping = OLD.model_copy(update={"period": Period(start=2021, end=2026)})
    [problem] = succession_problems([Candidate(NEW, "new.yaml")], [overlapping])
    assert "规划期2021–2026年未在本规划期开始（2026年）之前结束" in problem.message


def test_reloading_the_predecessor_with_a_longer_period_names_the_stored_successor():
    longer = OLD.model_copy(update={"period": Period(start=2021, end=2027)})
    [problem] = succession_problems([Candidate(longer, "old.yaml")], [OLD, NEW])
    assert problem.file == "已存储的规划 chengkou-15th-sti-example"
    assert "2021–2027" in problem.message


def test_a_file_replaces_the_stored_plan_of_the_same_id():
    moved = OLD.model_copy(update={"region": Region(name="秀山土家族苗族自治县", code="500241")})
    assert succession_problems([Candidate(OLD, "old.yaml")], [moved, NEW]) == []


def test_two_successors_of_one_plan_are_refused():
    twin = NEW.model_copy(update={"id": "chengkou-15th-twin"})
    problems = succession_problems([Candidate(twin, "twin.yaml")], [OLD, NEW])
    assert _messages(problems) == [
        "twin.yaml|succeeds|规划 chengkou-14th-sti 只能由一个规划接续，现有 chengkou-15th-sti-example、"
        "chengkou-15th-twin 都声明接续它"
    ]


def test_successor_of_finds_the_plan_that_names_it():
    assert successor_of(OLD, [OLD, NEW, XIUSHAN]) == NEW
    assert successor_of(NEW, [OLD, NEW, XIUSHAN]) is None
    assert successor_of(XIUSHAN, [OLD, NEW, XIUSHAN]) is None


# ---- the phase of a plan ----

@pytest.mark.parametrize("day,old_phase,new_phase", [
    (date(2020, 12, 31), NOT_STARTED, NOT_STARTED),
    (date(2021, 1, 1), RUNNING, NOT_STARTED),
    (date(2025, 12, 31), RUNNING, NOT_STARTED),
    (date(2026, 1, 1), SUCCEEDED, RUNNING),
    (date(2030, 12, 31), SUCCEEDED, RUNNING),
    (date(2031, 1, 1), SUCCEEDED, ENDED),
])
def test_the_phase_of_each_plan_on_a_date(day, old_phase, new_phase):
    plans = [OLD, NEW, XIUSHAN]
    assert plan_phase(OLD, plans, day).code == old_phase
    assert plan_phase(NEW, plans, day).code == new_phase


def test_phase_labels_are_what_a_planner_reads():
    plans = [OLD, NEW, XIUSHAN]
    assert plan_phase(NEW, plans, date(2025, 7, 1)).label == "尚未开始"
    assert plan_phase(XIUSHAN, plans, date(2025, 7, 1)).label == "执行中"
    assert plan_phase(XIUSHAN, plans, date(2026, 1, 1)).label == "已结束"
    succeeded = plan_phase(OLD, plans, date(2026, 1, 1))
    assert succeeded.label == "已由 chengkou-15th-sti-example 接续"
    assert succeeded.successor_id == NEW.id
    # without its successor the ended plan is simply over
    assert plan_phase(OLD, [OLD, XIUSHAN], date(2026, 1, 1)).label == "已结束"


# ---- files, the database and the command line ----

def _write(tmp_path: Path, name: str, **changes) -> Path:  # type: ignore[no-untyped-def]
    doc = yaml.safe_load(NEW_FILE.read_text(encoding="utf-8"))
    doc.update(changes)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_read_plan_files_checks_succession_among_the_files_and_gives_the_line(tmp_path: Path):
    wrong = _write(tmp_path, "wrong.yaml", period={"start": 2025, "end": 2029}, baseline_year=2024)
    with pytest.raises(DataError) as caught:
        read_plan_files([OLD_FILE, wrong])
    [problem] = caught.value.problems
    assert problem.file == str(wrong) and problem.field == "succeeds"
    lines = wrong.read_text(encoding="utf-8").splitlines()
    assert lines[problem.row - 1].startswith("succeeds:")
    assert [f.plan.id for f in read_plan_files([OLD_FILE, NEW_FILE])] == [OLD.id, NEW.id]


def test_loading_a_successor_needs_its_predecessor_stored_or_loaded_with_it(engine):
    with pytest.raises(DataError) as caught:
        service.load_plans(engine, [NEW_FILE], NOW)
    assert "接续的规划 chengkou-14th-sti 不存在" in caught.value.report()
    assert service.stored_plans(engine) == []  # nothing stored
    service.load_plans(engine, [OLD_FILE], NOW)
    service.load_plans(engine, [NEW_FILE], NOW)
    assert [p.id for p in service.stored_plans(engine)] == [OLD.id, NEW.id]


def test_a_successor_of_another_region_is_refused_against_the_stored_plans(engine, tmp_path: Path):
    service.load_plans(engine, [XIUSHAN_FILE], NOW)
    wrong = _write(tmp_path, "wrong.yaml", succeeds="xiushan-14th-sti")
    with pytest.raises(DataError) as caught:
        service.load_plans(engine, [wrong], NOW)
    assert "wrong.yaml" in caught.value.report() and "succeeds" in caught.value.report()
    assert "只能接续同一地区的规划" in caught.value.report()


@pytest.fixture
def monitor(capsys, monkeypatch, database_url, tmp_path):
    return monitor_on(capsys, monkeypatch, database_url, tmp_path)


def test_plans_load_refuses_a_successor_in_chinese_naming_file_and_field(monitor, monkeypatch, tmp_path: Path):
    empty = tmp_path / "plans"
    empty.mkdir()
    monkeypatch.setenv("MONITOR_PLANS_DIR", str(empty))
    assert monitor("init").code == 0
    result = monitor("plans", "load", str(NEW_FILE))
    assert result.code == 3
    assert "chengkou-15th-sti-example.yaml" in result.err and "succeeds" in result.err
    assert "接续的规划 chengkou-14th-sti 不存在" in result.err
    assert monitor("plans", "load", str(OLD_FILE), str(NEW_FILE)).code == 0


def test_plans_list_shows_each_plans_phase_on_a_date(monitor):
    assert monitor("init").code == 0
    before = monitor("plans", "list", "--as-of", "2025-07-01").out
    rows = {line.split("│")[1].strip(): line for line in before.splitlines() if "│" in line}
    assert "执行中" in rows["chengkou-14th-sti"] and "尚未开始" in rows["chengkou-15th-sti-example"]
    after = monitor("plans", "list", "--as-of", "2026-07-15").out
    rows = {line.split("│")[1].strip(): line for line in after.splitlines() if "│" in line}
    assert "已由 chengkou-15th-sti-example 接续" in rows["chengkou-14th-sti"]
    assert "执行中" in rows["chengkou-15th-sti-example"]
    assert "已结束" in rows["xiushan-14th-sti"]
    assert "阶段（2026-07-15）" in after
