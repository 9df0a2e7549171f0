"""Inhibition: a critical alert hides the warning of the same series, and nothing else."""

import pytest
from pydantic import ValidationError

from monitor.alerts.inhibit import DEFAULT_INHIBIT_RULES, InhibitRule, inhibit
from monitor.alerts.model import Alert, fingerprint


def alert(rule: str, severity: str, *, indicator: str = "rd_intensity", region_code: str = "500229",
          plan: str = "chengkou-14th-sti", **extra: str) -> Alert:
    labels = {"plan": plan, "region": "城口县", "region_code": region_code, "indicator": indicator,
              "kind": "level", "binding": "", "status": "behind", "severity": severity, "rule": rule, **extra}
    return Alert(fingerprint(plan, region_code, indicator, rule), rule, severity, f"{rule} {indicator}", labels)


def ids(alerts):
    return [(a.rule_id, a.indicator_id, a.region_code, a.plan_id) for a in alerts]


def test_a_critical_alert_hides_the_warning_of_the_same_series():
    warning, critical = alert("behind-pace", "warning"), alert("binding-behind", "critical")
    kept, inhibited = inhibit([warning, critical], DEFAULT_INHIBIT_RULES)
    assert kept == [critical] and inhibited == [warning]


@pytest.mark.parametrize("other", [{"indicator": "rd_expenditure"}, {"region_code": "500241"}, {"plan": "other"}])
def test_a_critical_alert_leaves_the_warnings_of_other_series_alone(other):
    warning, critical = alert("behind-pace", "warning", **other), alert("off-track", "critical")
    kept, inhibited = inhibit([warning, critical], DEFAULT_INHIBIT_RULES)
    assert kept == [warning, critical] and inhibited == []


def test_a_warning_never_hides_a_critical_alert_and_two_warnings_do_not_hide_each_other():
    alerts = [alert("no-data", "warning"), alert("projected-miss", "warning"), alert("off-track", "critical",
                                                                                     indicator="other")]
    kept, inhibited = inhibit(alerts, DEFAULT_INHIBIT_RULES)
    assert kept == alerts and inhibited == []


def test_kept_and_inhibited_split_the_alerts_in_their_original_order():
    alerts = [alert("a", "warning", indicator="x"), alert("b", "critical", indicator="y"),
              alert("c", "warning", indicator="y"), alert("d", "warning", indicator="z"),
              alert("e", "critical", indicator="x")]
    kept, inhibited = inhibit(alerts, DEFAULT_INHIBIT_RULES)
    assert ids(kept) == ids([alerts[1], alerts[3], alerts[4]])
    assert ids(inhibited) == ids([alerts[0], alerts[2]])


def test_a_rule_from_configuration_accepts_both_matcher_spellings():
    rule = InhibitRule.model_validate({"source_matchers": {"category": "milestone"},
                                       "target_matchers": ["category=~pace|projection"], "equal": ["region_code"]})
    missed = alert("milestone-missed", "critical", category="milestone", indicator="a")
    behind = alert("behind-pace", "warning", category="pace", indicator="b")
    elsewhere = alert("behind-pace", "warning", category="pace", region_code="500241")
    kept, inhibited = inhibit([missed, behind, elsewhere], [rule])
    assert inhibited == [behind] and kept == [missed, elsewhere]


def test_an_equal_label_missing_on_both_sides_counts_as_equal_and_on_one_side_as_different():
    rule = InhibitRule(source_matchers=["severity=critical"], target_matchers=["severity=warning"], equal=["team"])
    assert inhibit([alert("w", "warning"), alert("c", "critical")], [rule])[1] == [alert("w", "warning")]
    with_team = alert("w", "warning", team="科技局")
    assert inhibit([with_team, alert("c", "critical")], [rule])[1] == []


def test_an_alert_matching_both_sides_cannot_be_hidden_by_another_that_does_too():
    rule = InhibitRule(source_matchers=["rule=~.+"], target_matchers=["rule=~.+"], equal=["indicator"])
    pair = [alert("a", "warning"), alert("b", "warning")]
    assert inhibit(pair, [rule]) == (pair, [])
    only_source = InhibitRule(source_matchers=["rule=c"], target_matchers=["rule=~.+"], equal=["indicator"])
    kept, inhibited = inhibit([*pair, alert("c", "critical")], [rule, only_source])
    assert ids(kept) == ids([alert("c", "critical")]) and ids(inhibited) == ids(pair)


def test_an_inhibited_alert_still_inhibits_others():
    chain = [
        InhibitRule(source_matchers=["rule=top"], target_matchers=["rule=middle"]),
        InhibitRule(source_matchers=["rule=middle"], target_matchers=["rule=bottom"]),
    ]
    top, middle, bottom = alert("top", "critical"), alert("middle", "critical"), alert("bottom", "warning")
    kept, inhibited = inhibit([top, middle, bottom], chain)
    assert kept == [top] and inhibited == [middle, bottom]


def test_no_rules_or_no_alerts_inhibit_nothing():
    alerts = [alert("w", "warning"), alert("c", "critical")]
    assert inhibit(alerts, []) == (alerts, [])
    assert inhibit([], DEFAULT_INHIBIT_RULES) == ([], [])


@pytest.mark.parametrize(
    "data",
    [
        {"source_matchers": ["severity=critical"], "target_matchers": ["severity=warning"], "equals": ["plan"]},
        {"source_matchers": ["severity~critical"], "target_matchers": ["severity=warning"]},
        {"source_matchers": ["severity=critical"], "target_matchers": ["severity=warning"], "equal": ["地区"]},
    ],
)
def test_a_misspelt_inhibition_rule_is_refused(data):
    with pytest.raises(ValidationError):
        InhibitRule.model_validate(data)


def test_the_default_rule_is_critical_over_warning_for_the_same_plan_region_and_indicator():
    (rule,) = DEFAULT_INHIBIT_RULES
    assert rule.model_dump(mode="json") == {"source_matchers": ["severity=critical"],
                                            "target_matchers": ["severity=warning"],
                                            "equal": ["plan", "region_code", "indicator"]}
