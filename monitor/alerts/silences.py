"""Silences, the pure part: which alerts a silence mutes at a given moment. Storage and commands live elsewhere.

A silence is active from ``starts_at`` (inclusive) until ``ends_at`` (exclusive): at exactly ``ends_at`` it has
expired, as in Alertmanager. Times must carry a time zone; ``now`` is always an argument.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from monitor.alerts.matchers import Matcher, matches, parse_matchers
from monitor.alerts.model import Alert

State = Literal["pending", "active", "expired"]


@dataclass(frozen=True)
class Silence:
    """Mute the alerts whose labels match every matcher, from starts_at until ends_at.

    ``matchers`` accepts anything :func:`~monitor.alerts.matchers.parse_matchers` does and is stored as a tuple
    of :class:`Matcher`. Constructing a Silence only parses the matchers and requires time zones, so stored
    silences always load (one expired before it started simply ends before it starts and is never active); call
    :meth:`check` before storing a new one.
    """

    id: int | str
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime
    author: str
    comment: str
    created_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "matchers", parse_matchers(self.matchers))
        for name in ("starts_at", "ends_at", "created_at"):
            _require_aware(getattr(self, name), name)

    def check(self) -> None:
        """Refuse a new silence that could not work or mutes every alert; ValueError says why.

        It must end after it starts, have an author and a comment, and at least one matcher that does not match
        an empty or missing label (as in Alertmanager), so it can never mute everything by accident.
        """
        if self.ends_at <= self.starts_at:
            raise ValueError("a silence must end after it starts")
        if all(m.matches({}) for m in self.matchers):
            raise ValueError("a silence needs at least one matcher that does not match an empty or missing label, "
                             "e.g. region=城口县, so it can never mute every alert (as in Alertmanager)")
        if not self.author.strip():
            raise ValueError("a silence needs an author")
        if not self.comment.strip():
            raise ValueError("a silence needs a comment saying why")

    def state(self, now: datetime) -> State:
        """pending before starts_at, active from starts_at (inclusive), expired from ends_at (inclusive)."""
        _require_aware(now, "now")
        if now >= self.ends_at:
            return "expired"
        return "pending" if now < self.starts_at else "active"

    def is_active(self, now: datetime) -> bool:
        return self.state(now) == "active"

    def mutes(self, labels: Mapping[str, str]) -> bool:
        """True when the labels match every matcher (whatever the time)."""
        return matches(self.matchers, labels)


def active_silences(silences: Iterable[Silence], now: datetime) -> list[Silence]:
    """The silences in force at ``now``, in the order given."""
    return [s for s in silences if s.is_active(now)]


def silenced_by(alert: Alert | Mapping[str, str], silences: Iterable[Silence], now: datetime) -> Silence | None:
    """The active silence that mutes the alert (the one that ends last, if several do), or None."""
    labels: Mapping[str, Any] = alert.labels if isinstance(alert, Alert) else alert
    best: Silence | None = None
    for silence in active_silences(silences, now):
        if silence.mutes(labels) and (best is None or silence.ends_at > best.ends_at):
            best = silence
    return best


class SilenceIndex:
    """:func:`silenced_by` for many alerts at one moment: the silences active then, each indexed by one of its
    equality matchers (``region=城口县``), so an alert is only tested against the silences that can mute it: a
    national run with a silence per county does not test every alert against every silence. The answer is the
    one :func:`silenced_by` gives."""

    def __init__(self, silences: Iterable[Silence], now: datetime) -> None:
        self.active = active_silences(silences, now)
        usage: dict[str, int] = {}
        for silence in self.active:
            for name in {m.name for m in silence.matchers if m.op == "="}:
                usage[name] = usage.get(name, 0) + 1
        self.index: dict[str, dict[str, list[int]]] = {}
        self.scan: list[int] = []  # silences without an equality: tested against every alert
        for position, silence in enumerate(self.active):
            equalities = [m for m in silence.matchers if m.op == "="]
            if not equalities:
                self.scan.append(position)
                continue
            key = max(equalities, key=lambda m: usage[m.name])
            self.index.setdefault(key.name, {}).setdefault(key.value, []).append(position)

    def silenced_by(self, alert: Alert | Mapping[str, str]) -> Silence | None:
        """The active silence that mutes the alert (the one that ends last, if several do), or None."""
        if not self.active:
            return None
        labels: Mapping[str, Any] = alert.labels if isinstance(alert, Alert) else alert
        try:
            candidates = list(self.scan)
            for name, table in self.index.items():
                candidates.extend(table.get(labels.get(name, ""), ()))
            candidates.sort()  # in the order the silences were given
        except TypeError:  # a label value that cannot be looked up: test them all
            candidates = list(range(len(self.active)))
        best: Silence | None = None
        for position in candidates:
            silence = self.active[position]
            if silence.mutes(labels) and (best is None or silence.ends_at > best.ends_at):
                best = silence
        return best


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a datetime with a time zone, not {value!r}")
