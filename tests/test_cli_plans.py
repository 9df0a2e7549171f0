"""`monitor plans …` and `monitor config show` through the real entry point."""

import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.cli_runner import monitor_on
from tests.conftest import PLANS_DIR

CHENGKOU = PLANS_DIR / "chengkou-14th-sti.yaml"
XIUSHAN = PLANS_DIR / "xiushan-14th-sti.yaml"
EXAMPLE = PLANS_DIR / "chengkou-15th-sti-example.yaml"


@pytest.fixture
def monitor(capsys, monkeypatch, sqlite_url, tmp_path):
    return monitor_on(capsys, monkeypatch, sqlite_url, tmp_path)


def test_the_shipped_plans_validate(monitor):
    result = monitor("plans", "validate", str(CHENGKOU), str(XIUSHAN), str(EXAMPLE))
    assert result.code == 0
    assert "chengkou-14th-sti, 21 indicators" in result.out and "xiushan-14th-sti, 47 indicators" in result.out
    assert "chengkou-15th-sti-example, 5 indicators" in result.out


def test_the_example_15th_plan_is_marked_as_an_example_and_carries_the_14th_plans_2035_goals():
    old = yaml.safe_load(CHENGKOU.read_text(encoding="utf-8"))
    new = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert "示例" in new["title"] and "示例" in new["source"]["title"] and "非正式" in new["title"]
    assert "示例" in new["notes"][0] and "ILLUSTRATIVE EXAMPLE, NOT AN OFFICIAL PLAN" in EXAMPLE.read_text("utf-8")
    assert (new["succeeds"], new["baseline_year"]) == ("chengkou-14th-sti", 2025)
    assert new["period"] == {"start": 2026, "end": 2030}
    before = {i["id"]: i for i in old["indicators"]}
    assert len(new["indicators"]) == 5 and {i["id"] for i in new["indicators"]} <= before.keys()
    assert sum(i["baseline"] is None for i in new["indicators"]) >= 2
    for ind in new["indicators"]:
        mine = before[ind["id"]]
        assert (ind["name"], ind["unit"], ind["aliases"]) == (mine["name"], mine["unit"], mine["aliases"])
        assert 2030 in ind["milestones"] and "示例" in ind["note"]
        assert ind["source"]["document"] == "城口县“十四五”科技创新规划"
        if 2035 in mine["milestones"]:
            assert ind["milestones"][2035] == mine["milestones"][2035]


def test_a_broken_plan_names_the_file_line_and_field(monitor, tmp_path: Path):
    doc = yaml.safe_load(CHENGKOU.read_text(encoding="utf-8"))
    doc["indicators"][2]["milestones"] = {2025: "一件"}
    doc["region"]["code"] = "50022"
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = monitor("plans", "validate", str(broken))
    assert result.code == 3
    assert "broken.yaml" in result.err
    assert "region.code" in result.err and "indicators[2].milestones[2025]" in result.err
    assert "row " in result.err  # the YAML line is given


def test_a_citation_url_that_is_not_a_web_address_names_the_file_line_and_field(monitor, tmp_path: Path):
    doc = yaml.safe_load(CHENGKOU.read_text(encoding="utf-8"))
    doc["indicators"][0]["baseline_source"] = {"document": "城口县2020年统计公报", "section": "一", "url": "www.cq.gov"}
    doc["indicators"][1]["target_source"] = {"table": "表2", "row": 3, "url": "ftp://files.example/plan.pdf"}
    broken = tmp_path / "urls.yaml"
    broken.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = monitor("plans", "validate", str(broken))
    assert result.code == 3
    assert "indicators[0].baseline_source.url" in result.err and "indicators[1].target_source.url" in result.err
    assert "url 须为以 http:// 或 https:// 开头" in result.err and "'ftp://files.example/plan.pdf'" in result.err
    doc["indicators"][0]["baseline_source"]["url"] = "https://www.cqck.gov.cn/zwgk/example.html"
    doc["indicators"][1]["target_source"]["url"] = "http://www.cqck.gov.cn/example.pdf"
    broken.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert monitor("plans", "validate", str(broken)).code == 0


def test_loading_twice_changes_nothing_and_an_edit_prints_what_changed(monitor, tmp_path: Path):
    assert monitor("init").code == 0
    assert "plan chengkou-14th-sti: unchanged" in monitor("plans", "load", str(CHENGKOU)).out
    edited = tmp_path / "chengkou.yaml"
    text = CHENGKOU.read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    rd = next(i for i in doc["indicators"] if i["id"] == "rd_intensity")
    rd["milestones"][2025] = 0.9
    edited.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = monitor("plans", "load", str(edited))
    assert "plan chengkou-14th-sti: changed" in result.out
    assert "indicator rd_intensity milestones.2025: 0.8 → 0.9" in result.out
    shown = json.loads(monitor("plans", "show", "chengkou-14th-sti", "--format", "json").out)
    assert next(i for i in shown["indicators"] if i["id"] == "rd_intensity")["milestones"]["2025"] == 0.9


def test_plans_list_and_show(monitor):
    monitor("init")
    listed = monitor("plans", "list")
    assert "城口县" in listed.out and "500241" in listed.out and "县级" in listed.out and "层级" in listed.out
    shown = monitor("plans", "show", "xiushan-14th-sti")
    assert "科技进步综合水平位次" in shown.out and "越低越好" in shown.out
    assert monitor("plans", "show", "nope").code == 3


def test_plans_check_reports_what_a_planner_should_know(monitor):
    result = monitor("plans", "check", str(CHENGKOU), str(XIUSHAN))
    assert result.code == 1  # there are warnings
    assert "需年均增长约24.6%" in result.out and "0.2488亿元" in result.out  # 城口 R&D 0.1 → 0.3 vs 年均增长20%
    assert "规划表为0.1亿元" in result.out and "0.1085亿元" in result.out  # 1085 万元 elsewhere
    assert "采用3%，第四章（四）1为2%" in result.out  # 秀山 R&D intensity
    assert "采用100家，第三章（四）2为60家" in result.out
    assert "规划表为30个，第二章（六）3为18个" in result.out


def test_plans_schema_is_a_json_schema_the_shipped_files_follow(monitor):
    schema = json.loads(monitor("plans", "schema").out)
    assert schema["type"] == "object"
    assert {"id", "region", "indicators", "baseline_year"} <= set(schema["required"])
    assert "succeeds" in schema["properties"]
    indicator = schema["$defs"]["Indicator"]["properties"]
    assert {"direction", "kind", "trajectory", "milestones", "baseline", "binding"} <= set(indicator)
    assert {"baseline_source", "target_source"} <= set(indicator)
    assert {"$ref": "#/$defs/Citation"} in indicator["target_source"]["anyOf"]
    assert {"baseline_source", "target_source"}.isdisjoint(schema["$defs"]["Indicator"]["required"])
    url = schema["$defs"]["Citation"]["properties"]["url"]
    assert url["format"] == "uri" and url["pattern"].startswith("^https?://")
    region = schema["$defs"]["Region"]
    assert "level" in region["properties"] and "level" not in region["required"]
    assert schema["$defs"]["Level"]["enum"] == ["national", "provincial", "municipal", "county"]


def test_init_refuses_a_missing_plans_folder(monitor, monkeypatch, tmp_path):
    monkeypatch.setenv("MONITOR_PLANS_DIR", str(tmp_path / "missing"))
    result = monitor("init")
    assert result.code == 3 and "MONITOR_PLANS_DIR" in result.err


def test_init_loads_a_plan_folder_whole_or_not_at_all(monitor, monkeypatch, tmp_path):
    folder = tmp_path / "plans"
    folder.mkdir()
    shutil.copy(CHENGKOU, folder)
    (folder / "bad.yaml").write_text("id: bad\n", encoding="utf-8")
    monkeypatch.setenv("MONITOR_PLANS_DIR", str(folder))
    assert monitor("init").code == 3
    monkeypatch.setenv("MONITOR_PLANS_DIR", str(PLANS_DIR))
    assert "没有" not in monitor("plans", "list").out
    assert "城口县" not in monitor("plans", "list").out


def test_config_show_masks_the_database_password(monitor, monkeypatch):
    monkeypatch.setenv("MONITOR_DATABASE_URL", "postgresql+psycopg://monitor:s3cret@db.example:5432/monitor")
    result = monitor("config", "show")
    assert "s3cret" not in result.out
    assert "MONITOR_DATABASE_URL=postgresql+psycopg://monitor:***@db.example:5432/monitor" in result.out
    assert "MONITOR_TIMEZONE=Asia/Shanghai" in result.out


def test_config_show_lists_the_daemon_settings_too(monitor, monkeypatch, tmp_path):
    monkeypatch.setenv("MONITOR_DAEMON__HEARTBEAT_SECONDS", "2")
    (tmp_path / ".env").write_text("MONITOR_DAEMON__STALE_SECONDS=45\n", encoding="utf-8")
    lines = monitor("config", "show").out.splitlines()
    assert lines[-3:] == ["MONITOR_DAEMON__HEARTBEAT_SECONDS=2.0", "MONITOR_DAEMON__STALE_SECONDS=45.0",
                          "MONITOR_DAEMON__POLL_SECONDS=5.0"]


def test_a_bad_daemon_setting_is_one_line_naming_it(monitor, monkeypatch):
    monkeypatch.setenv("MONITOR_DAEMON__STALE_SECONDS", "6")
    result = monitor("config", "show")
    assert result.code == 3 and "MONITOR_DAEMON__STALE_SECONDS" in result.err and "Traceback" not in result.err


def test_settings_come_from_a_dotenv_file(monitor, tmp_path):
    (tmp_path / ".env").write_text("MONITOR_TIMEZONE=Asia/Urumqi\n", encoding="utf-8")
    assert "MONITOR_TIMEZONE=Asia/Urumqi" in monitor("config", "show").out


def test_an_unknown_timezone_is_a_configuration_error(monitor, monkeypatch):
    monkeypatch.setenv("MONITOR_TIMEZONE", "Mars/Olympus")
    result = monitor("check")
    assert result.code == 3 and "MONITOR_TIMEZONE" in result.err
