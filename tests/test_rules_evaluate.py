"""Evaluating rules over assessment frames: selections, thresholds at their cut-offs, NaN, labels, order, defaults."""

import ast
import itertools
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitor import service
from monitor.alerts import model as m
from monitor.alerts.evaluate import aliases_from_plans, evaluate
from monitor.alerts.inhibit import DEFAULT_INHIBIT_RULES, inhibit
from monitor.alerts.rules import Rule, load_rules
from monitor.alerts.summaries import format_summary, plain_number
from monitor.core import columns as c
from monitor.core.assess import assess
from monitor.core.status import SEVERITY_OF, STATUSES
from monitor.report.check import records
from monitor.storage.db import make_engine, upgrade
from tests.conftest import PLANS_DIR, SAMPLES_DIR
from tests.frames import frames, observations, series

ROOT = Path(__file__).resolve().parents[1]
DEFAULTS = load_rules(ROOT / "rules")


def rule(**fields) -> Rule:
    return Rule.model_validate({"id": "r", "severity": "warning", "summary": "{indicator_id}", **fields})


def assessed(n: int = 1, **overrides) -> pd.DataFrame:
    """n real assessment rows (城口县 R&D at half pace, off track), indicators i0…, with columns overridden."""
    items = [series(f"i{k}", baseline=0.1, milestones={2025: 0.3}) for k in range(n)]
    s, ms = frames(*items)
    obs = observations(*[(f"i{k}", "2023", 0.16) for k in range(n)])
    frame = assess(s, ms, obs, date(2024, 7, 1))
    for name, values in overrides.items():
        frame[name] = pd.Series(values, dtype=frame[name].dtype if name != c.BINDING else object)
    return frame


def fired(rule_or_rules, frame: pd.DataFrame, **kw) -> list[str]:
    rules = rule_or_rules if isinstance(rule_or_rules, list) else [rule_or_rules]
    return [a.indicator_id for a in evaluate(rules, frame, **kw)]


def test_the_assessment_helper_really_is_off_track_at_half_pace():
    row = assessed().iloc[0]
    assert row.status == "off_track" and row.pace == pytest.approx(0.5)


def test_pace_below_is_strict_and_meets_the_cut_off_as_the_status_ladder_does():
    frame = assessed(5, pace=[0.95, 0.9500000000004, 0.9499999999996, 0.9499, np.nan])
    # 0.95 ± 4e-13 is 0.95 after rounding to 9 decimals, as in the status ladder
    assert fired(rule(when={"pace_below": 0.95}), frame) == ["i3"]


def test_shortfall_above_zero_does_not_fire_on_the_trajectory_or_for_float_noise():
    frame = assessed(5, shortfall=[0.0, 1e-12, -0.5, 0.01, np.nan])
    assert fired(rule(when={"shortfall_above": 0}), frame) == ["i3"]


def test_shortfall_ratio_is_relative_to_the_planned_change_and_a_zero_change_never_fires():
    # planned change |0.3 − 0.1| = 0.2; shortfall 0.02 is exactly 10 %
    frame = assessed(4, shortfall=[0.02, 0.0200001, 0.06, 0.06], target=[0.3, 0.3, 0.3, 0.1])
    assert fired(rule(when={"shortfall_ratio_above": 0.1}), frame) == ["i1", "i2"]


def test_projected_miss_follows_the_direction_of_the_indicator():
    frame = assessed(
        5,
        direction=["higher", "higher", "lower", "lower", "higher"],
        projected=[0.29, 0.30, 0.31, 0.30, np.nan],
        target=[0.3, 0.3, 0.3, 0.3, 0.3],
    )
    assert fired(rule(when={"projected_misses_milestone": True}), frame) == ["i0", "i2"]
    assert fired(rule(when={"projected_misses_milestone": False}), frame) == ["i1", "i3"]


def test_no_data_is_about_whether_a_value_counts_yet():
    frame = assessed(2, actual=[np.nan, 0.16])
    assert fired(rule(when={"no_data": True}), frame) == ["i0"]
    assert fired(rule(when={"no_data": False}), frame) == ["i1"]


@pytest.mark.parametrize(
    "when",
    [{"pace_below": 10.0}, {"shortfall_above": -10.0}, {"shortfall_ratio_above": -10.0},
     {"projected_misses_milestone": True}, {"projected_misses_milestone": False}],
)
def test_a_missing_number_never_fires_even_for_a_threshold_every_number_meets(when):
    nan = [np.nan, np.nan]
    assert fired(rule(when=when), assessed(2, pace=nan, shortfall=nan, projected=nan)) == []
    control = assessed(2, projected=[0.2, 0.4])  # target 0.3: one projection misses, one reaches it
    assert fired(rule(when=when), control)


def test_every_threshold_given_must_hold():
    frame = assessed(3, pace=[0.5, 0.9, 0.5], shortfall=[0.06, 0.01, 0.0])
    assert fired(rule(when={"pace_below": 0.8, "shortfall_above": 0.05}), frame) == ["i0"]


def test_select_lists_pick_plans_indicators_kinds_and_statuses():
    frame = assessed(4, plan_id=["p", "q", "p", "p"], kind=["level", "level", "cumulative", "level"],
                     status=["behind", "behind", "behind", "missed"])
    assert fired(rule(select={"plans": ["p"]}), frame) == ["i0", "i2", "i3"]
    assert fired(rule(select={"indicators": ["i1", "i3", "nope"]}), frame) == ["i3", "i1"]  # plan p first
    assert fired(rule(select={"kinds": ["cumulative"]}), frame) == ["i2"]
    assert fired(rule(select={"status": ["missed", "no_data"]}), frame) == ["i3"]
    assert fired(rule(select={"plans": ["p"], "status": ["behind"]}), frame) == ["i0", "i2"]


def test_binding_selects_binding_expected_or_unstated_indicators():
    frame = assessed(4, binding=["binding", "expected", None, ""])
    assert fired(rule(select={"binding": ["binding"]}), frame) == ["i0"]
    assert fired(rule(select={"binding": ["expected"]}), frame) == ["i1"]
    assert fired(rule(select={"binding": ["unstated"]}), frame) == ["i2", "i3"]


def test_regions_match_by_official_name_code_or_alias():
    frame = assessed(2, region_code=["500229", "500241"], region_name=["城口县", "秀山土家族苗族自治县"])
    aliases = {"秀山县": "500241", "城口": "城口县"}
    assert fired(rule(select={"regions": ["城口县"]}), frame) == ["i0"]
    assert fired(rule(select={"regions": ["500241"]}), frame) == ["i1"]
    assert fired(rule(select={"regions": ["秀山县"]}), frame, region_aliases=aliases) == ["i1"]
    assert fired(rule(select={"regions": ["城口"]}), frame, region_aliases=aliases) == ["i0"]
    assert fired(rule(select={"regions": ["秀山县"]}), frame) == []  # an alias nobody declared
    assert fired(rule(select={"regions": ["黔江区"]}), frame, region_aliases=aliases) == []


def test_aliases_come_from_the_plans():
    from monitor.plans.loader import plan_files_in, read_plan_files

    plans = [f.plan for f in read_plan_files(plan_files_in(PLANS_DIR))]
    aliases = aliases_from_plans(plans)
    assert aliases["城口"] == "500229" and aliases["秀山县"] == "500241"


def test_an_alert_carries_every_label_the_fingerprint_and_the_json_record():
    frame = assessed(1, binding=[None])
    (alert,) = evaluate([rule(id="late", severity="critical", labels={"team": "规划科"},
                              select={"status": ["off_track"]})], frame)
    assert alert.labels == {
        "plan": "p", "region": "城口县", "region_code": "500229", "indicator": "i0", "kind": "level",
        "binding": "", "status": "off_track", "severity": "critical", "rule": "late", "team": "规划科",
        "phase": "in_progress",
    }
    assert set(alert.labels) >= {getattr(m, name) for name in dir(m) if name.startswith("LABEL_")} - {
        m.LABEL_ANNOUNCE}  # only announcements carry it
    assert alert.fingerprint == m.fingerprint("p", "500229", "i0", "late")
    assert alert.rule_id == "late" and alert.severity == "critical"
    assert alert.assessment == records(frame)[0]


def test_the_summary_is_formatted_from_the_record_and_a_missing_value_shows_a_dash():
    frame = assessed(2, pace=[0.5, np.nan])
    summaries = [a.summary for a in evaluate(
        [rule(select={"status": ["off_track"]}, summary="{region_name}{indicator_id}{status_label}，进度{pace:.0%}")],
        frame)]
    assert summaries == ["城口县i0明显滞后，进度50%", "城口县i1明显滞后，进度—"]


@pytest.mark.parametrize("value,text", [(60000.0, "60000"), (1464.1, "1464.1"), (0.237841, "0.2378"),
                                        (0.00012, "0.00012"), (-0.5, "-0.5"), (2025.0, "2025"), (0.0, "0")])
def test_a_number_without_a_format_spec_reads_plainly_in_a_sentence(value, text):
    assert plain_number(value) == text
    assert format_summary("{actual}", {"actual": value}) == text


def test_a_format_spec_that_does_not_suit_the_value_falls_back_to_the_plain_value():
    assert format_summary("{region_name:.0%}", {"region_name": "城口县"}) == "城口县"


def test_alerts_come_in_plan_region_indicator_and_rule_order_whatever_the_frame_order():
    frame = assessed(3, plan_id=["q", "p", "p"], region_code=["500229", "500241", "500229"])
    rules = [rule(id="b", select={"status": ["off_track"]}), rule(id="a", when={"pace_below": 1})]
    expected = [("p", "500229", "i2", "b"), ("p", "500229", "i2", "a"), ("p", "500241", "i1", "b"),
                ("p", "500241", "i1", "a"), ("q", "500229", "i0", "b"), ("q", "500229", "i0", "a")]
    for shuffled in (frame, frame.iloc[::-1], frame.iloc[[1, 0, 2]].set_axis([7, 3, 5])):
        got = [(a.plan_id, a.region_code, a.indicator_id, a.rule_id) for a in evaluate(rules, shuffled)]
        assert got == expected


def test_evaluating_leaves_the_frame_untouched():
    frame = assessed(3, binding=["binding", None, "expected"])
    before = frame.copy()
    evaluate(DEFAULTS, frame)
    pd.testing.assert_frame_equal(frame, before)


def test_an_empty_frame_or_no_rules_give_no_alerts():
    assert evaluate(DEFAULTS, assessed().iloc[0:0]) == []
    assert evaluate([], assessed()) == []


def test_a_frame_without_the_assessment_columns_is_refused_naming_them():
    with pytest.raises(ValueError, match="pace"):
        evaluate(DEFAULTS, assessed().drop(columns=[c.PACE]))


# ---- the shipped defaults ----

def default_alerts(frame: pd.DataFrame) -> list[m.Alert]:
    return inhibit(evaluate(DEFAULTS, frame), DEFAULT_INHIBIT_RULES)[0]


def test_binding_indicators_get_stricter_cut_offs():
    frame = assessed(
        4,
        binding=["binding", "expected", "binding", "expected"],
        status=["on_track", "on_track", "behind", "behind"],
        pace=[0.97, 0.97, 0.9, 0.9],
        projected=[0.3, 0.3, 0.3, 0.3],
    )
    got = {(a.indicator_id, a.rule_id, a.severity) for a in default_alerts(frame)}
    assert got == {("i0", "binding-near-pace", "warning"), ("i2", "binding-behind", "critical"),
                   ("i3", "behind-pace", "warning")}


def test_a_binding_indicator_at_exactly_98_percent_of_pace_is_not_warned():
    frame = assessed(2, binding=["binding", "binding"], status=["on_track", "on_track"], pace=[0.98, 0.979999],
                     projected=[0.3, 0.3])
    assert [a.indicator_id for a in default_alerts(frame)] == ["i1"]


def grid() -> pd.DataFrame:
    """Every status × binding × pace band × projection, so the defaults meet every combination."""
    combos = list(itertools.product(STATUSES, ["binding", "expected", None], [np.nan, -0.2, 0.3, 0.7, 0.96, 0.99,
                                                                           1.2], [np.nan, 0.2, 0.3, 0.4]))
    status, binding, pace, projected = (list(x) for x in zip(*combos))
    return assessed(len(combos), status=status, binding=binding, pace=pace, projected=projected,
                    severity=[SEVERITY_OF[s] for s in status], actual=[np.nan if s == "no_data" else 0.16
                                                                       for s in status])


def test_after_inhibition_no_series_gets_two_default_alerts_about_the_same_thing():
    alerts = default_alerts(grid())
    keys = [(a.plan_id, a.region_code, a.indicator_id, a.labels["category"]) for a in alerts]
    assert len(alerts) > 100
    assert len(keys) == len(set(keys))


def test_every_warning_or_critical_status_raises_an_alert_of_that_severity_or_worse():
    frame = grid()
    alerts = evaluate(DEFAULTS, frame)
    worst: dict[str, int] = {}
    for a in alerts:
        worst[a.indicator_id] = max(worst.get(a.indicator_id, 0), m.SEVERITY_RANK[a.severity])
    for indicator, severity in zip(frame[c.INDICATOR_ID], frame[c.SEVERITY]):
        assert worst.get(indicator, 0) >= m.SEVERITY_RANK[severity], indicator
    ok_statuses = {s for s in STATUSES if SEVERITY_OF[s] == "ok"}
    assert all(a.rule_id in ("projected-miss", "binding-near-pace") for a in alerts if a.labels["status"] in
               ok_statuses)


@pytest.fixture(scope="module")
def sample_assessment(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'monitor.db'}")
    upgrade(engine)
    now = datetime(2025, 7, 1, tzinfo=timezone.utc)
    service.load_plans(engine, sorted(PLANS_DIR.glob("*.yaml")), now)
    for sample in sorted(SAMPLES_DIR.glob("*.csv")):
        service.import_actuals(engine, sample, now)
    frame = service.run_check(engine, date(2025, 7, 1))
    plans = service.stored_plans(engine)
    engine.dispose()
    return frame, plans


def test_the_default_rules_on_the_sample_data_alert_exactly_the_series_that_need_attention(sample_assessment):
    frame, plans = sample_assessment
    alerts = evaluate(DEFAULTS, frame, region_aliases=aliases_from_plans(plans))
    kept, inhibited = inhibit(alerts, DEFAULT_INHIBIT_RULES)
    needing = frame.loc[frame[c.SEVERITY] != "ok", [c.REGION_CODE, c.INDICATOR_ID]]
    assert {(a.region_code, a.indicator_id) for a in kept} == set(map(tuple, needing.to_numpy().tolist()))
    by_series = {(a.region_code, a.indicator_id): a for a in kept}
    rd = by_series[("500229", "rd_expenditure")]
    assert rd.rule_id == "behind-pace" and rd.severity == "warning"
    assert rd.summary == "城口县“全社会研究与试验发展经费支出”低于序时进度（完成序时进度的79%），需加快"
    zone = by_series[("500241", "municipal_high_tech_zone")]
    # the 2024 value settles the interim 2024 milestone: its verdict stands until the 2025 figure counts or is due
    assert zone.rule_id == "milestone-missed"
    assert zone.summary == "秀山土家族苗族自治县“重庆市高新技术开发区”未完成2024年目标（目标1个，实际0个）"
    assert all(a.summary and "None" not in a.summary for a in alerts)
    assert inhibited == []


FORBIDDEN = {"sqlalchemy", "requests", "smtplib", "jinja2", "apscheduler"}


@pytest.mark.parametrize("module", ["matchers", "rules", "evaluate", "build", "summaries", "inhibit", "silences"])
def test_the_alert_rule_core_imports_no_database_network_mail_template_or_scheduler_library(module):
    tree = ast.parse((ROOT / "monitor" / "alerts" / f"{module}.py").read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert "__future__" in imported  # the walk really found the imports
    assert not imported & FORBIDDEN


def test_importing_the_alert_rule_core_loads_none_of_those_libraries_indirectly_either():
    modules = ", ".join(f"monitor.alerts.{name}"
                        for name in ("matchers", "rules", "evaluate", "build", "summaries", "inhibit", "silences"))
    code = f"import sys, {modules}; print(sorted(set(sys.modules) & set({sorted(FORBIDDEN)!r})))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "[]"
