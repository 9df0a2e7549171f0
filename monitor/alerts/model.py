"""The alert as every part of the alerting pipeline sees it (rules → lifecycle → routing → messages)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("warning", "critical")
SEVERITY_RANK = {"ok": 0, "warning": 1, "critical": 2}

# labels every alert carries, so routes, silences and inhibition can match on them
LABEL_PLAN = "plan"
LABEL_REGION = "region"  # the region's official name, e.g. 城口县
LABEL_REGION_CODE = "region_code"
LABEL_INDICATOR = "indicator"  # the indicator id
LABEL_KIND = "kind"  # level | cumulative | growth_rate
LABEL_BINDING = "binding"  # binding (约束性) | expected (预期性) | "" when the plan does not say
LABEL_STATUS = "status"  # the assessment status: behind, off_track, ...
LABEL_SEVERITY = "severity"  # warning | critical
LABEL_RULE = "rule"  # the rule id
LABEL_PHASE = "phase"  # the plan's phase for the series: in_progress, awaiting_final, final, continuing …
LABEL_ANNOUNCE = "announce"  # "final" on a final-verdict announcement (终期评估); absent on every other alert
ANNOUNCE_FINAL = "final"


def fingerprint(plan_id: str, region_code: str, indicator_id: str, rule_id: str) -> str:
    """The stable identity of an alert: the same plan, region, indicator and rule give the same fingerprint."""
    key = "\x1f".join((plan_id, region_code, indicator_id, rule_id))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def fingerprints(plan_ids: Iterable[str], region_codes: Iterable[str], indicator_ids: Iterable[str],
                 rule_ids: Iterable[str]) -> list[str]:
    """:func:`fingerprint` of each (plan, region, indicator, rule), for the tens of thousands of a national run."""
    sha256 = hashlib.sha256
    return [sha256(f"{plan}\x1f{region}\x1f{indicator}\x1f{rule}".encode()).hexdigest()[:16]
            for plan, region, indicator, rule in zip(plan_ids, region_codes, indicator_ids, rule_ids)]


@dataclass(frozen=True)
class Alert:
    """One rule firing for one series (plan × indicator) in one evaluation.

    ``labels`` holds at least the LABEL_* keys above plus the rule's own labels; ``assessment`` is the
    JSON-ready record of the assessed row (the fields of ``monitor check --format json``), which templates
    use for 期望值, 实际值, 序时进度 and the rest.
    """

    fingerprint: str
    rule_id: str
    severity: str
    summary: str
    labels: dict[str, str]
    assessment: dict[str, Any] = field(default_factory=dict)

    @property
    def plan_id(self) -> str:
        return self.labels[LABEL_PLAN]

    @property
    def region_code(self) -> str:
        return self.labels[LABEL_REGION_CODE]

    @property
    def indicator_id(self) -> str:
        return self.labels[LABEL_INDICATOR]

    @property
    def announcement(self) -> bool:
        """A final verdict announced once (终期评估), never repeated, never resolved (docs/rules.md)."""
        return self.labels.get(LABEL_ANNOUNCE) == ANNOUNCE_FINAL
