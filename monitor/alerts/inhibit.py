"""Inhibition: a firing alert hides others that say less about the same thing (Alertmanager's inhibit_rules).

A target alert is inhibited when another firing alert matches ``source_matchers``, the target matches
``target_matchers``, and both have the same value for every label in ``equal`` (a missing label counts as the
empty string on both sides). Every alert given is a possible source, including silenced ones: silencing a
critical alert should not bring its warning back. As in Alertmanager, an alert that matches both sides cannot be
inhibited by another alert that also matches both sides, so two alerts never hide each other. A final-verdict
announcement (终期评估) is neither a source nor a target: it is a record of the plan, not a degree of alarm.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict, Field

from monitor.alerts import model as m
from monitor.alerts.matchers import Matcher, Matchers, matches, parse_matchers
from monitor.alerts.model import Alert
from monitor.alerts.rules import LabelName


class InhibitRule(BaseModel):
    """One inhibition rule, as it may appear in a configuration file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source_matchers: Matchers = Field(description="The alert that hides others, e.g. [\"severity=critical\"].")
    target_matchers: Matchers = Field(description="The alerts it may hide, e.g. [\"severity=warning\"].")
    equal: list[LabelName] = Field(
        default_factory=list, description="Labels both must share, e.g. [plan, region_code, indicator]."
    )


DEFAULT_INHIBIT_RULES: tuple[InhibitRule, ...] = (
    # a critical alert hides the warnings for the same series (plan × region × indicator)
    InhibitRule(
        source_matchers=parse_matchers([f"{m.LABEL_SEVERITY}=critical"]),
        target_matchers=parse_matchers([f"{m.LABEL_SEVERITY}=warning"]),
        equal=[m.LABEL_PLAN, m.LABEL_REGION_CODE, m.LABEL_INDICATOR],
    ),
)


def inhibit(alerts: Sequence[Alert], rules: Iterable[InhibitRule]) -> tuple[list[Alert], list[Alert]]:
    """Split alerts into (kept, inhibited), each in the order given.

    One pass per rule over the alerts, with the sources indexed by their ``equal`` labels, so a national run
    (tens of thousands of alerts) does not compare every pair.
    """
    hidden = [False] * len(alerts)
    eligible = [not a.announcement for a in alerts]  # an announcement is never a source nor a target
    for rule in rules:
        is_source = _hits(rule.source_matchers, alerts, eligible)
        is_target = _hits(rule.target_matchers, alerts, eligible)
        # per equal-key: how many sources match only the source side, and how many match both sides
        plain: dict[tuple[str, ...], int] = {}
        both: dict[tuple[str, ...], int] = {}
        for alert, source, target in zip(alerts, is_source, is_target):
            if source:
                counts = both if target else plain
                key = _key(alert, rule.equal)
                counts[key] = counts.get(key, 0) + 1
        for position, (alert, source, target) in enumerate(zip(alerts, is_source, is_target)):
            if not target or hidden[position]:
                continue
            key = _key(alert, rule.equal)
            if plain.get(key, 0) or (not source and both.get(key, 0)):
                hidden[position] = True
    kept = [a for a, h in zip(alerts, hidden) if not h]
    inhibited = [a for a, h in zip(alerts, hidden) if h]
    return kept, inhibited


def _hits(matchers: Sequence[Matcher], alerts: Sequence[Alert], eligible: list[bool]) -> list[bool]:
    """``matches(matchers, alert.labels)`` for every eligible alert (False for the others), decided once for
    each combination of the labels the matchers name (a matcher reads nothing else): a national run has tens of
    thousands of alerts and a handful of combinations."""
    names = sorted({m.name for m in matchers})
    decided: dict[tuple[str, ...], bool] = {}
    out = []
    for alert, ok in zip(alerts, eligible):
        if not ok:
            out.append(False)
            continue
        labels = alert.labels
        key = tuple([labels.get(name, "") for name in names])
        hit = decided.get(key)
        if hit is None:
            hit = decided[key] = matches(matchers, labels)
        out.append(hit)
    return out


def _key(alert: Alert, names: list[str]) -> tuple[str, ...]:
    return tuple(alert.labels.get(name, "") for name in names)
