"""Routes: which receivers get an alert, how alerts are grouped into messages, how often they repeat.

The tree works like Prometheus Alertmanager's: an alert enters at the root and descends into the child routes
whose matchers it satisfies; the first matching child takes it unless that child says ``continue: true``, in which
case the following siblings are tried too. One difference: when no matching child took the alert (none matched,
or every one that matched said ``continue``), the route's own receiver gets it as well. So a county route with
``continue: true`` sends that county's alerts to its own group *and* to the municipal default, which is what
the shipped example means. Children inherit the receiver, ``group_by`` and ``repeat_interval`` they do not set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from monitor.alerts.matchers import Matchers, matches
from monitor.alerts.rules import parse_duration

DEFAULT_GROUP_BY = ("region",)
DEFAULT_REPEAT = timedelta(days=7)


class Route(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    receiver: str | None = Field(None, description="Receiver name; inherited from the parent when omitted.")
    matchers: Matchers | None = Field(
        None, description="Label matchers: {label: value} or ['label=value', 'label=~re', …]; none matches all.")
    group_by: list[str] | None = Field(None, description="Labels whose values make one message group.")
    repeat_interval: str | None = Field(None, description="How long before a still-firing group is sent again.")
    continue_: bool = Field(False, alias="continue", description="Keep trying later sibling routes after this.")
    routes: list[Route] = Field(default_factory=list)

    @field_validator("repeat_interval")
    @classmethod
    def _valid_interval(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value


@dataclass(frozen=True)
class Destination:
    """Where one alert goes: the receiver, the labels that group it, and its repeat interval."""

    receiver: str
    group_by: tuple[str, ...]
    repeat_interval: timedelta

    def group_key(self, labels: dict[str, str]) -> str:
        return self.receiver + ":{" + ",".join(f"{k}={labels.get(k, '')}" for k in self.group_by) + "}"

    def group_labels(self, labels: dict[str, str]) -> dict[str, str]:
        return {k: labels.get(k, "") for k in self.group_by}


def destinations(route: Route, labels: dict[str, str]) -> list[Destination]:
    """Every receiver the alert with ``labels`` goes to (the root always matches)."""
    found = _walk(route, labels, None, DEFAULT_GROUP_BY, DEFAULT_REPEAT)
    unique: dict[str, Destination] = {}
    for item in found:
        unique.setdefault(item.receiver, item)
    return list(unique.values())


def _walk(route: Route, labels: dict[str, str], receiver: str | None, group_by: tuple[str, ...],
          repeat: timedelta) -> list[Destination]:
    receiver = route.receiver or receiver
    group_by = tuple(route.group_by) if route.group_by is not None else group_by
    repeat = parse_duration(route.repeat_interval) if route.repeat_interval else repeat
    found: list[Destination] = []
    taken = False  # a matching child without `continue` takes the alert away from the routes after it
    for child in route.routes:
        if child.matchers is not None and not matches(child.matchers, labels):
            continue
        found.extend(_walk(child, labels, receiver, group_by, repeat))
        if not child.continue_:
            taken = True
            break
    if not taken and receiver:
        found.append(Destination(receiver, group_by, repeat))
    return found


def receivers_named(route: Route) -> set[str]:
    names = {route.receiver} if route.receiver else set()
    for child in route.routes:
        names |= receivers_named(child)
    return names
