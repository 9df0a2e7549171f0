"""Rule files: the shipped defaults load; every mistake is refused naming the file, the line and the field."""

from datetime import timedelta
from pathlib import Path
from textwrap import dedent

import pytest

from monitor.alerts.rules import Rule, load_rules, parse_duration, read_rule_file, rules_json_schema
from monitor.errors import ConfigError, DataError

ROOT = Path(__file__).resolve().parents[1]
GOOD = """\
rules:
  - id: {id}
    select: {{status: [behind]}}
    severity: warning
    summary: "{{region_name}}低于序时进度"
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(dedent(text), encoding="utf-8")
    return path


def refused(path: Path) -> DataError:
    with pytest.raises(DataError) as error:
        load_rules(path)
    return error.value


def test_the_shipped_default_rules_load():
    rules = load_rules(ROOT / "rules")
    assert [r.id for r in rules] == [
        "behind-pace", "off-track", "projected-miss", "milestone-missed", "no-data", "binding-near-pace",
        "binding-behind", "final-review",
    ]
    assert all(r.description and r.labels["category"] for r in rules)


def test_a_rule_reads_every_field(tmp_path):
    write(tmp_path, "a.yaml", """\
        rules:
          - id: rd-watch
            description: 研发经费专项关注
            select:
              plans: [chengkou-14th-sti]
              regions: [城口县, "500241"]
              indicators: [rd_intensity]
              kinds: [level]
              binding: [binding, unstated]
              status: [behind, off_track]
            when:
              pace_below: 0.9
              shortfall_above: 0
              shortfall_ratio_above: 0.1
              projected_misses_milestone: true
              no_data: false
            severity: critical
            labels: {team: 规划科}
            summary: "{region_name}{indicator_name}完成序时进度的{pace:.0%}"
            group_by: [region, indicator]
            repeat_interval: 1d12h
        """)
    (rule,) = load_rules(tmp_path)
    assert rule.select.regions == ["城口县", "500241"]
    assert rule.when.pace_below == 0.9 and rule.when.projected_misses_milestone is True
    assert rule.repeat_interval == timedelta(days=1, hours=12)
    assert rule.model_dump(mode="json")["repeat_interval"] == "1d12h"
    assert rule.group_by == ["region", "indicator"] and rule.labels == {"team": "规划科"}


def test_duplicate_ids_across_two_files_are_refused_naming_both_files(tmp_path):
    write(tmp_path, "a.yaml", GOOD.format(id="behind"))
    write(tmp_path, "b.yaml", "# another team's rules\n" + GOOD.format(id="behind"))
    (problem,) = refused(tmp_path).problems
    assert problem.file == str(tmp_path / "b.yaml") and problem.row == 3 and problem.field == "rules[0].id"
    assert str(tmp_path / "a.yaml") in problem.message and "'behind'" in problem.message


def test_duplicate_ids_within_one_file_are_refused_with_the_first_line(tmp_path):
    path = write(tmp_path, "a.yaml", GOOD.format(id="x") + GOOD.format(id="x").removeprefix("rules:\n"))
    (problem,) = refused(tmp_path).problems
    assert (problem.file, problem.row, problem.field) == (str(path), 6, "rules[1].id")
    assert f"{path}, row 2" in problem.message


def test_a_bad_field_names_the_file_the_line_and_the_field_path(tmp_path):
    path = write(tmp_path, "default.yaml", GOOD.format(id="a") + """\
  - id: b
    select: {status: [behind]}
    when:
      pace_below: low
    severity: warning
    summary: x
""")
    (problem,) = refused(tmp_path).problems
    assert (problem.file, problem.row, problem.field) == (str(path), 9, "rules[1].when.pace_below")
    assert str(problem).startswith(f"{path}, row 9, rules[1].when.pace_below: ")
    assert "number" in problem.message and "'low'" in problem.message


@pytest.mark.parametrize(
    "extra,field,words",
    [
        ("    when: {pace_belo: 0.9}\n", "rules[0].when.pace_belo", "Extra inputs"),
        ("    select: {status: [late]}\n", "rules[0].select.status[0]", "on_track"),
        ("    select: {binding: [约束性]}\n", "rules[0].select.binding[0]", "binding"),
        ("    select: {regions: []}\n", "rules[0].select.regions", "at least 1"),
        ("    labels: {severity: high}\n", "rules[0].labels", "set by the monitor"),
        ("    repeat_interval: 7 days\n", "rules[0].repeat_interval", "not a duration"),
        ("    repeat_interval: 0m\n", "rules[0].repeat_interval", "longer than zero"),
        ("    group_by: [地区]\n", "rules[0].group_by[0]", "pattern"),
        ("    colour: red\n", "rules[0].colour", "Extra inputs"),
    ],
)
def test_each_kind_of_mistake_is_refused_at_its_own_line(tmp_path, extra, field, words):
    base = "rules:\n  - id: a\n    severity: warning\n    summary: x\n"
    text = base + ("    when: {no_data: true}\n" if "select" in extra else "    select: {status: [behind]}\n")
    write(tmp_path, "r.yaml", text + extra)
    problems = refused(tmp_path).problems
    assert [p.field for p in problems] == [field]
    assert problems[0].row == len((text + extra).splitlines())
    assert words in problems[0].message


def test_an_unknown_summary_placeholder_is_refused_when_the_file_is_loaded(tmp_path):
    write(tmp_path, "r.yaml", GOOD.format(id="a").replace("{region_name}", "{county}"))
    (problem,) = refused(tmp_path).problems
    assert problem.field == "rules[0].summary" and problem.row == 5
    assert "unknown placeholder {county}" in problem.message


@pytest.mark.parametrize("summary", ["{pace.real}", "{region_name[0]}", "{0}", "{}", "进度{", "{pace:.{actual}f}"])
def test_placeholders_that_reach_into_values_or_are_malformed_are_refused(summary):
    with pytest.raises(ValueError):
        Rule.model_validate({"id": "a", "select": {"status": ["behind"]}, "severity": "warning", "summary": summary})


def test_format_specs_and_literal_braces_are_allowed_in_a_summary():
    rule = Rule.model_validate({"id": "a", "select": {"status": ["behind"]}, "severity": "warning",
                                "summary": "{{注}} {pace:.0%} {status_label} {target_year}"})
    assert rule.summary.startswith("{{注}}")


def test_a_rule_without_any_condition_is_refused_because_it_would_fire_for_everything(tmp_path):
    write(tmp_path, "r.yaml", "rules:\n  - id: all\n    severity: warning\n    summary: x\n")
    (problem,) = refused(tmp_path).problems
    assert problem.field == "rules[0]" and problem.row == 2 and "at least one condition" in problem.message


def test_a_missing_required_field_names_the_rule_line(tmp_path):
    write(tmp_path, "r.yaml", "rules:\n  - id: a\n    select: {status: [behind]}\n    summary: x\n")
    (problem,) = refused(tmp_path).problems
    assert (problem.row, problem.field, problem.message) == (2, "rules[0].severity", "Field required")


def test_a_key_written_twice_is_refused_instead_of_the_last_one_silently_winning(tmp_path):
    write(tmp_path, "r.yaml", GOOD.format(id="a") + "    severity: critical\n")
    problems = refused(tmp_path).problems
    assert [(p.row, p.field) for p in problems] == [(6, "rules[0].severity")]
    assert "first on row 4" in problems[0].message


def test_problems_of_every_file_are_reported_together(tmp_path):
    write(tmp_path, "a.yaml", GOOD.format(id="a").replace("warning", "urgent"))
    write(tmp_path, "b.yaml", GOOD.format(id="b").replace("behind", "late"))
    files = {Path(p.file).name for p in refused(tmp_path).problems}
    assert files == {"a.yaml", "b.yaml"}


def test_yaml_that_does_not_parse_is_refused_with_its_line(tmp_path):
    write(tmp_path, "r.yaml", "rules:\n  - id: a\n    summary: [unclosed\n")
    (problem,) = refused(tmp_path).problems
    assert problem.row is not None and problem.row >= 3 and "not valid YAML" in problem.message


@pytest.mark.parametrize("text", ["", "- id: a\n", "rules: 3\n", "rule: []\n"])
def test_a_file_without_a_rules_list_is_refused(tmp_path, text):
    write(tmp_path, "r.yaml", text)
    assert refused(tmp_path).problems


def test_a_missing_folder_is_a_config_error_naming_it(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_rules(tmp_path / "nowhere")


def test_a_folder_without_rule_files_is_a_config_error(tmp_path):
    (tmp_path / "notes.txt").write_text("not rules", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"no rule files \(\*\.yaml\)"):
        load_rules(tmp_path)


def test_files_are_read_in_name_order_and_yml_counts_too(tmp_path):
    write(tmp_path, "b.yml", GOOD.format(id="second"))
    write(tmp_path, "a.yaml", GOOD.format(id="first"))
    assert [r.id for r in load_rules(tmp_path)] == ["first", "second"]
    assert [r.id for r in read_rule_file(tmp_path / "b.yml")] == ["second"]


@pytest.mark.parametrize(
    "text,expected",
    [("7d", timedelta(days=7)), ("12h", timedelta(hours=12)), ("30m", timedelta(minutes=30)),
     ("1d12h", timedelta(days=1, hours=12)), ("2w", timedelta(weeks=2)), ("90s", timedelta(seconds=90)),
     (" 1h30m ", timedelta(hours=1, minutes=30))],
)
def test_durations_are_read_as_alertmanager_writes_them(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "7", "d", "7 d", "1.5h", "12h1d", "-1h", "7days"])
def test_anything_else_is_not_a_duration(text):
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_the_json_schema_describes_a_file_of_strict_rules():
    schema = rules_json_schema()
    assert schema["required"] == ["rules"] and schema["title"] == "Alert rules file"
    rule = schema["$defs"]["Rule"]
    assert rule["additionalProperties"] is False
    assert set(rule["required"]) == {"id", "severity", "summary"}
    assert schema["$defs"]["When"]["properties"]["pace_below"]["description"]
    assert rule["properties"]["repeat_interval"]["anyOf"][0]["pattern"].startswith("^")
