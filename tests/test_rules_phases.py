"""Alert rules follow the phases of a plan (issue 9): hand-built assessment frames with the contract columns."""

from pathlib import Path

import pytest

from monitor.alerts.evaluate import evaluate
from monitor.alerts.inhibit import DEFAULT_INHIBIT_RULES, inhibit
from monitor.alerts.rules import Rule, load_rules
from monitor.alerts.summaries import format_summary
from monitor.core import columns as c
from monitor.report.check import records
from tests.phase_frames import (
    XIUSHAN, awaiting_final, continuing, continuing_on, final, frame, in_progress, late, not_started,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULTS = load_rules(ROOT / "rules")


def fired(*rows, rules=DEFAULTS) -> list[str]:
    return [a.rule_id for a in evaluate(rules, frame(*rows))]


def rule(**fields) -> Rule:
    return Rule.model_validate({"id": "r", "severity": "warning", "summary": "{indicator_id}", **fields})


def test_a_running_plan_raises_its_pace_alert():
    assert fired(in_progress()) == ["behind-pace"]


def test_a_plan_not_yet_begun_raises_nothing_even_if_a_rule_selects_its_status():
    assert fired(not_started()) == []
    assert fired(not_started(), rules=[rule(select={"status": ["not_assessable"]})]) == []


def test_awaiting_the_final_figure_is_still_judged_by_pace():
    assert fired(awaiting_final()) == ["off-track"]


@pytest.mark.parametrize("verdict", ["missed", "achieved", "no_data"])
def test_an_ended_plan_raises_only_the_final_review_whatever_its_verdict(verdict):
    assert fired(final(verdict)) == ["final-review"]


def test_a_missed_final_milestone_is_not_also_a_milestone_missed_alert():
    # milestone-missed, no-data and every pace rule would select status missed / no_data if phases did not count
    assert "milestone-missed" not in fired(final("missed"), continuing("missed"))
    assert "no-data" not in fired(final("no_data"), continuing("no_data"))


def test_a_continuing_row_showing_its_2025_verdict_raises_only_the_final_review():
    assert fired(continuing("missed")) == ["final-review"]


def test_a_continuing_row_judged_on_the_2035_segment_raises_pace_alerts_and_keeps_its_verdict():
    assert sorted(fired(continuing_on("behind"))) == ["behind-pace", "final-review"]


def test_a_continuing_row_whose_2026_figure_is_late_raises_the_no_data_alert():
    row = continuing_on("no_data", **{c.PERIOD: "2025", c.ACTUAL: 0.42, c.PACE: None, c.DUE_PERIOD: "2026",
                                      c.DUE_DATE: "2027-06-30"})
    assert sorted(fired(row)) == ["final-review", "no-data"]


def test_a_succeeded_indicator_raises_nothing_but_its_final_verdict():
    taken = {c.SUCCEEDED_BY: "chengkou-15th-sti-example"}
    assert fired(final("missed", **taken)) == ["final-review"]
    # even a row that still looked judged would stay quiet: the successor's row judges it
    assert fired(in_progress(**taken)) == []
    assert fired(continuing_on("off_track", **taken)) == ["final-review"]


def test_shared_ids_of_a_succeeded_plan_alert_only_under_the_successor():
    old = final("missed", **{c.SUCCEEDED_BY: "chengkou-15th-sti-example"})
    new = in_progress(**{c.PLAN_ID: "chengkou-15th-sti-example", c.TARGET_YEAR: 2030, c.PERIOD: "2026"})
    alerts = evaluate(DEFAULTS, frame(old, new))
    assert {(a.plan_id, a.rule_id) for a in alerts} == {("chengkou-14th-sti", "final-review"),
                                                        ("chengkou-15th-sti-example", "behind-pace")}


def test_select_phase_lets_a_rule_watch_one_phase_only():
    strict = rule(select={"phase": ["awaiting_final"], "status": ["behind", "off_track"]}, severity="critical")
    assert fired(in_progress(), awaiting_final(), rules=[strict]) == ["r"]
    assert evaluate([strict], frame(in_progress(), awaiting_final()))[0].labels["phase"] == "awaiting_final"


def test_select_final_status_picks_verdicts_for_an_announcement():
    missed_only = rule(announce="final", select={"final_status": ["missed", "no_data"]})
    assert len(evaluate([missed_only], frame(final("missed"), final("achieved", **{c.INDICATOR_ID: "x"}),
                                             final("no_data", **{c.INDICATOR_ID: "y"})))) == 2


@pytest.mark.parametrize("fields, words", [
    ({"select": {"phase": ["final"]}}, "raise no alerts"),
    ({"select": {"phase": ["not_started", "in_progress"]}}, "raise no alerts"),
    ({"announce": "final", "repeat_interval": "30d"}, "never repeated"),
    ({"announce": "final", "select": {"phase": ["in_progress"]}}, "final and continuing"),
])
def test_rules_that_contradict_the_phases_are_refused_when_loaded(fields, words):
    with pytest.raises(ValueError, match=words):
        rule(**fields)


def test_an_announcement_alone_is_a_valid_rule():
    assert rule(announce="final").announce == "final"


def test_the_identity_of_an_announcement_follows_its_verdict():
    late_one, reported = (evaluate(DEFAULTS, frame(final(v)))[0] for v in ("no_data", "achieved"))
    assert late_one.fingerprint != reported.fingerprint
    assert late_one.labels["announce"] == "final" and late_one.labels["rule"] == "final-review"
    again = evaluate(DEFAULTS, frame(final("no_data")))[0]
    assert again.fingerprint == late_one.fingerprint


def test_a_critical_alert_does_not_inhibit_the_final_verdict_of_the_same_series():
    alerts = evaluate(DEFAULTS, frame(continuing_on("off_track", **{c.SEVERITY: "critical"})))
    assert sorted(a.rule_id for a in alerts) == ["final-review", "off-track"]
    kept, hidden = inhibit(alerts, DEFAULT_INHIBIT_RULES)
    assert hidden == [] and len(kept) == 2


def test_summaries_can_use_the_contract_fields_and_their_labels():
    text = ("{final_label}：终期值{final_value}{unit}，目标{final_target}{unit}，完成率{attainment:.1%}，"
            "{phase_label}")
    record = records(frame(final("missed")))[0]
    assert format_summary(text, record) == "未完成：终期值0.42%，目标0.8%，完成率52.5%，已结束"
    assert format_summary("{final_label}", records(frame(final("achieved")))[0]) == "超额完成"
    late_text = "{due_period}年数据逾期未报（应于{due_date}前报送）；最近一次（{last_period}年）{last_status_label}"
    assert format_summary(late_text, records(frame(late()))[0]) == \
        "2025年数据逾期未报（应于2026-06-30前报送）；最近一次（2024年）基本达到，需加快"
    assert rule(announce="final", summary=text + late_text).summary  # every placeholder is accepted when the file is loaded


def test_the_default_summaries_of_the_final_review_and_a_late_figure():
    final_alert = evaluate(DEFAULTS, frame(final("missed")))[0]
    assert final_alert.summary == "城口县“研究与试验发展经费投入强度”未完成：目标0.8%，终期值0.42%，完成率52.5%"
    late_alert = evaluate(DEFAULTS, frame(late(**XIUSHAN)))[0]
    assert late_alert.summary == "秀山土家族苗族自治县“研究与试验发展经费投入强度”2025年数据逾期未报（应于2026-06-30前报送）"


def test_a_frame_without_phases_still_alerts_as_before():
    row = in_progress(**{c.PHASE: None})
    assert fired(row) == ["behind-pace"]
