"""Inhibition: a firing alert hides others that say less about the same thing (Alertmanager's inhibit_rules).

A target alert is inhibited when another firing alert matches ``source_matchers``, the target matches
``target_matchers``, and both have the same value for every label in ``equal`` (a missing label counts as the
empty string on both sides). Every alert given is a possible source, including silenced ones: silencing a
critical alert should not bring its warning back. As in Alertmanager, an alert that matches both sides cannot be
inhibited by another alert that also matches both sides, so two alerts never hide each other. A final-verdict
announcement (终期评估) is neither a source nor a target: it is a record of the plan, not a degree of alarm.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import compress
from operator import itemgetter

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
    (tens of thousands of alerts) does not compare every pair; the labels are read once, as columns.
    """
    labels = [a.labels for a in alerts]
    columns = _Columns(labels)
    hidden = [False] * len(alerts)
    # an announcement (Alert.announcement) is never a source nor a target
    eligible = [label.get(m.LABEL_ANNOUNCE) != m.ANNOUNCE_FINAL for label in labels]
    for rule in rules:
        is_source = _hits(rule.source_matchers, labels, columns, eligible)
        is_target = _hits(rule.target_matchers, labels, columns, eligible)
        keys = columns.keys(rule.equal)
        # per equal-key: how many sources match only the source side, and how many match both sides
        plain = Counter(compress(keys, [source and not target for source, target in zip(is_source, is_target)]))
        both = Counter(compress(keys, [source and target for source, target in zip(is_source, is_target)]))
        for position in compress(range(len(alerts)), is_target):
            if hidden[position]:
                continue
            key = keys[position]
            if plain.get(key, 0) or (not is_source[position] and both.get(key, 0)):
                hidden[position] = True
    kept = [a for a, h in zip(alerts, hidden) if not h]
    inhibited = [a for a, h in zip(alerts, hidden) if h]
    return kept, inhibited


class _Columns:
    """The values of named labels for every alert (a missing label is the empty string), read once per name."""

    def __init__(self, labels: list[dict[str, str]]) -> None:
        self.labels = labels
        self.read: dict[str, list[str]] = {}

    def column(self, name: str) -> list[str]:
        values = self.read.get(name)
        if values is None:
            try:  # the common case, every alert has the label: read by C code
                values = list(map(itemgetter(name), self.labels))
            except KeyError:
                values = [label.get(name, "") for label in self.labels]
            self.read[name] = values
        return values

    def keys(self, names: Sequence[str]) -> list[tuple[str, ...]]:
        """The tuple of the named labels' values for every alert."""
        if not names:
            return [()] * len(self.labels)
        return list(zip(*[self.column(name) for name in names]))


def _hits(matchers: Sequence[Matcher], labels: list[dict[str, str]], columns: _Columns,
          eligible: list[bool]) -> list[bool]:
    """``matches(matchers, labels)`` for every eligible alert (False for the others), decided once for each
    combination of the labels the matchers name (a matcher reads nothing else): a national run has tens of
    thousands of alerts and a handful of combinations."""
    keys = columns.keys(sorted({m.name for m in matchers}))
    first = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1)))  # each combination → its first alert
    decided = {key: matches(matchers, labels[position]) for key, position in first.items()}
    return [ok and hit for ok, hit in zip(eligible, map(decided.__getitem__, keys))]
