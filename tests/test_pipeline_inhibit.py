"""Inhibition decides each matcher once per combination of the labels it reads: the alerts it keeps and hides are
those that comparing every pair of alerts keeps and hides, whatever the operators and missing labels."""

import random

from monitor.alerts.inhibit import InhibitRule, inhibit
from monitor.alerts.matchers import matches, parse_matchers
from monitor.alerts.model import ANNOUNCE_FINAL, LABEL_ANNOUNCE, Alert, fingerprint


def pairwise(alerts: list[Alert], rules: list[InhibitRule]) -> list[Alert]:
    """The definition: a target is hidden by another alert that is a source sharing the ``equal`` labels, except
    that two alerts that are both source and target do not hide each other; an announcement is neither."""
    def source(a: Alert, rule: InhibitRule) -> bool:
        return not a.announcement and matches(rule.source_matchers, a.labels)

    def target(a: Alert, rule: InhibitRule) -> bool:
        return not a.announcement and matches(rule.target_matchers, a.labels)

    hidden = []
    for alert in alerts:
        for rule in rules:
            if not target(alert, rule):
                continue
            if any(other is not alert and source(other, rule)
                   and not (target(other, rule) and source(alert, rule))
                   and all(other.labels.get(n, "") == alert.labels.get(n, "") for n in rule.equal)
                   for other in alerts):
                hidden.append(alert)
                break
    return hidden


def random_alerts(rng: random.Random, n: int) -> list[Alert]:
    out = []
    for i in range(n):
        labels = {"plan": rng.choice(["p1", "p2"]), "region_code": rng.choice(["500229", "500241", "510001"]),
                  "indicator": rng.choice(["rd", "pat", "gdp"]), "severity": rng.choice(["warning", "critical"]),
                  "status": rng.choice(["behind", "off_track", "no_data"])}
        if rng.random() < 0.3:
            labels["team"] = rng.choice(["a", "b", ""])  # sometimes missing: reads as ""
        if rng.random() < 0.05:
            labels[LABEL_ANNOUNCE] = ANNOUNCE_FINAL
        out.append(Alert(fingerprint(labels["plan"], labels["region_code"], labels["indicator"], str(i)), f"r{i}",
                         labels["severity"], "", labels))
    return out


RULES = [
    InhibitRule(source_matchers=parse_matchers(["severity=critical"]),
                target_matchers=parse_matchers(["severity=warning"]), equal=["plan", "region_code", "indicator"]),
    InhibitRule(source_matchers=parse_matchers(["status=~off_.*", "team!="]),
                target_matchers=parse_matchers(["status!~off_.*", "team=~a|"]), equal=["region_code"]),
    InhibitRule(source_matchers=parse_matchers(["team=b"]), target_matchers=parse_matchers(["severity!=critical"]),
                equal=[]),
]


def test_inhibition_hides_exactly_what_comparing_every_pair_hides():
    rng = random.Random(11)
    for size in (0, 1, 2, 3, 5, 8, 40, 120):
        for rules in ([RULES[0]], RULES[:2], RULES, []):
            alerts = random_alerts(rng, size)
            kept, inhibited = inhibit(alerts, rules)
            expected = pairwise(alerts, rules)
            assert inhibited == expected
            assert kept == [a for a in alerts if all(a is not h for h in expected)]
            if size >= 40 and rules:
                assert inhibited and kept  # the cases are not trivial
