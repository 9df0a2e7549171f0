"""The input of message rendering: one notification for one receiver and one group of alerts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from monitor.alerts.model import Alert

Kind = Literal["firing", "resolved", "reminder", "digest", "submission", "final"]


@dataclass(frozen=True)
class AlertItem:
    """One alert as it appears in a message."""

    alert: Alert
    state: Literal["firing", "resolved"]
    starts_at: datetime  # when it started firing
    ends_at: datetime | None = None  # when it resolved
    new: bool = False  # first notification for this alert


@dataclass(frozen=True)
class Notification:
    """What one message to one receiver is about.

    kind: firing (new alerts or a severity rise in the group), reminder (still firing after the repeat
    interval), resolved (alerts that cleared), digest (a summary across regions; issue 4 fills ``extra``),
    final (终期评估: the final verdicts of one plan in one region, announced once).
    group_labels: the labels the route groups by, e.g. {"region": "城口县"}.
    items: the alerts of the group, in any order (the renderer puts the worst first).
    """

    kind: Kind
    receiver: str
    group_labels: dict[str, str]
    items: list[AlertItem]
    now: datetime
    extra: dict[str, Any] = field(default_factory=dict)
