"""Alert lifecycle and notification decisions: pure functions of the alerts now, what is stored, and ``now``.

For every receiver and group (see :mod:`monitor.alerts.routing`) one evaluation yields at most one message:

- ``firing`` when an alert of the group is new to that receiver or its severity rose since it was last told;
  the message lists every firing alert of the group, the new ones marked, plus any that cleared meanwhile;
- ``reminder`` when nothing is new but the group was last notified at least ``repeat_interval`` ago;
- ``resolved`` when the only news is alerts that cleared (and the receiver wants resolved messages).

Silenced and inhibited alerts are kept in the state (so a silence ending does not make them look new) but are
never sent. An alert that clears and fires again starts a new episode and is new again.

Final verdicts (announcements, ``announce: final``) go their own way: grouped by plan as well, they make a
``final`` message (终期评估) when one of them has never been told to the receiver, listing every verdict of the
group so the counts are whole; they are never reminded and never resolved, and the notice recorded for each makes
the next evaluation quiet about it for good.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cached_property
from operator import itemgetter

from monitor.alerts.model import ANNOUNCE_FINAL, LABEL_ANNOUNCE, LABEL_PLAN, LABEL_RULE, SEVERITY_RANK, Alert
from monitor.alerts.routing import Destination, Route, Router, router_for
from monitor.messages.model import AlertItem

FIRING, RESOLVED = "firing", "resolved"
FINAL_KIND = "final"  # the message kind of final-verdict announcements (终期评估)
FINAL_GROUP = ":final"  # appended to the group key of announcements, so they never share a pace group


@dataclass(frozen=True)
class StoredAlert:
    """An alert as the database remembers it."""

    alert: Alert
    state: str  # firing | resolved
    started_at: datetime
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class Notice:
    """What one receiver was last told about one alert."""

    first_notified_at: datetime
    last_notified_at: datetime
    notified_severity: str
    resolved_notified_at: datetime | None = None


@dataclass(frozen=True)
class Current:
    """An alert of this evaluation and whether something keeps it from being sent."""

    alert: Alert
    silenced_by: int | None = None
    inhibited: bool = False

    @property
    def sendable(self) -> bool:
        return self.silenced_by is None and not self.inhibited


@dataclass(frozen=True)
class PlannedMessage:
    receiver: str
    group_key: str
    group_labels: dict[str, str]
    kind: str  # firing | reminder | resolved | final
    items: list[AlertItem]


@dataclass
class Evaluation:
    """What an evaluation changes: the alerts' new states, the messages to send and the notices to record."""

    states: dict[str, StoredAlert] = field(default_factory=dict)
    messages: list[PlannedMessage] = field(default_factory=list)
    notices: dict[tuple[str, str], Notice] = field(default_factory=dict)


def next_states(current: list[Current], stored: dict[str, StoredAlert], in_scope: set[tuple[str, str, str]],
                now: datetime) -> dict[str, StoredAlert]:
    """New stored states: current alerts fire (keeping their start), stored firing alerts in scope resolve."""
    states: dict[str, StoredAlert] = {}
    for item in current:
        alert = item.alert
        before = stored.get(alert.fingerprint)
        started = before.started_at if before is not None and before.state == FIRING else now
        states[alert.fingerprint] = StoredAlert(alert, FIRING, started)
    for fp, before in stored.items():
        if fp in states or before.state != FIRING:
            continue
        if (before.alert.plan_id, before.alert.region_code, before.alert.indicator_id) in in_scope:
            states[fp] = replace(before, state=RESOLVED, resolved_at=now)
    return states


def plan_messages(
    current: list[Current],
    stored: dict[str, StoredAlert],
    notices: dict[tuple[str, str], Notice],
    routes: Routing,
    in_scope: set[tuple[str, str, str]],
    now: datetime,
) -> Evaluation:
    """Decide the new states, the messages and the notices of one evaluation."""
    states = next_states(current, stored, in_scope, now)
    result = Evaluation(states=states)
    sendable = {c.alert.fingerprint for c in current if c.sendable}
    groups: dict[tuple[str, str], tuple[Destination, list[StoredAlert]]] = {}
    for fp, state in states.items():
        firing = state.state == FIRING
        if firing and fp not in sendable:
            continue
        alert = state.alert
        announcement = alert.announcement
        if announcement and not firing:
            continue  # a verdict that changed or left the plan is never "resolved" to anyone
        labels, suffix = alert.labels, FINAL_GROUP if announcement else ""
        for dest, group_key in routes.placed(labels):
            key = (dest.receiver, group_key + suffix)
            group = groups.get(key)
            if group is None:
                group = groups[key] = (dest, [])
            group[1].append(state)
    for (receiver, group_key), (dest, members) in sorted(groups.items()):
        if group_key.endswith(FINAL_GROUP):
            _plan_announcement(result, receiver, group_key, dest, members, notices, now)
        else:
            _plan_group(result, receiver, group_key, dest, members, stored, notices, routes, now)
    return result


def _plan_announcement(result: Evaluation, receiver: str, group_key: str, dest: Destination,
                       members: list[StoredAlert], notices: dict[tuple[str, str], Notice], now: datetime) -> None:
    """One 终期评估 message when the receiver has not been told one of the group's verdicts; else nothing."""
    told = {s.alert.fingerprint for s in members if (s.alert.fingerprint, receiver) in notices}
    if len(told) == len(members):
        return
    items = [AlertItem(s.alert, "firing", s.started_at, None, s.alert.fingerprint not in told) for s in members]
    labels = dest.group_labels(members[0].alert.labels)
    result.messages.append(PlannedMessage(receiver, group_key, labels, FINAL_KIND, items))
    for state in members:
        key = (state.alert.fingerprint, receiver)
        old = notices.get(key)
        result.notices[key] = Notice(old.first_notified_at if old else now, now, state.alert.severity, None)


def _plan_group(result: Evaluation, receiver: str, group_key: str, dest: Destination, members: list[StoredAlert],
                stored: dict[str, StoredAlert], notices: dict[tuple[str, str], Notice], routes: Routing,
                now: datetime) -> None:
    firing_items, resolved_items, news, due = [], [], False, False
    for state in members:
        alert = state.alert
        notice = notices.get((alert.fingerprint, receiver))
        before = stored.get(alert.fingerprint)
        restarted = before is not None and before.state == RESOLVED
        if state.state == FIRING:
            is_new = notice is None or restarted or notice.resolved_notified_at is not None
            rose = (not is_new and SEVERITY_RANK[alert.severity] > SEVERITY_RANK[notice.notified_severity])
            news |= is_new or rose
            due |= not is_new and now - notice.last_notified_at >= dest.repeat_interval
            firing_items.append((state, is_new, notice))
        elif notice is not None and notice.resolved_notified_at is None and routes.send_resolved(receiver):
            resolved_items.append(state)
    kind = "firing" if news else "reminder" if due and firing_items else "resolved" if resolved_items else None
    if kind is None:
        return
    items = [] if kind == "resolved" else [
        AlertItem(s.alert, "firing", s.started_at, None, new) for s, new, _ in firing_items]
    items += [AlertItem(s.alert, "resolved", s.started_at, s.resolved_at) for s in resolved_items]
    labels = dest.group_labels(members[0].alert.labels)
    result.messages.append(PlannedMessage(receiver, group_key, labels, kind, items))
    if kind != "resolved":
        told = result.notices
        for state, is_new, old in firing_items:
            first = now if is_new or old is None else old.first_notified_at
            told[(state.alert.fingerprint, receiver)] = Notice(first, now, state.alert.severity, None)
    for state in resolved_items:
        key = (state.alert.fingerprint, receiver)
        result.notices[key] = replace(notices[key], resolved_notified_at=now)


@dataclass(frozen=True)
class Routing:
    """What plan_messages needs to know about receivers: where labels go, who wants resolved messages, and the
    rules that set their own grouping or repeat interval (keyed by rule id, applied over the route's)."""

    route: Route
    resolved_receivers: frozenset[str] = frozenset()
    rule_group_by: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rule_repeat: dict[str, timedelta] = field(default_factory=dict)

    # (rule, announcement, the labels the routes look at) → destinations: a national run asks 70,000 times
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    # ((rule, the labels the routes look at or group by), announcement) → destinations and their group keys
    _placed: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def destinations(self, labels: dict[str, str]) -> list[Destination]:
        return list(self.routed(labels))

    def placed(self, labels: dict[str, str]) -> tuple[tuple[Destination, str], ...]:
        """Each destination of :meth:`routed` with its group key (:meth:`Destination.group_key`), remembered
        for each combination of the labels that decide both."""
        try:  # every alert has the rule and the labels routes usually look at: read by C code
            values = self._placing_values(labels)
        except KeyError:
            values = tuple([labels.get(name, "") for name in (LABEL_RULE, *self._placing)])
        key = (values, labels.get(LABEL_ANNOUNCE) == ANNOUNCE_FINAL)
        try:
            return self._placed[key]
        except (KeyError, TypeError):
            pass
        found = tuple((dest, dest.group_key(labels)) for dest in self.routed(labels))
        try:
            if len(self._placed) >= Router.MEMO_LIMIT:
                self._placed.clear()
            self._placed[key] = found
        except TypeError:  # a label value that cannot be hashed: not remembered
            pass
        return found

    def routed(self, labels: dict[str, str]) -> tuple[Destination, ...]:
        """:meth:`destinations` as the tuple that is remembered (not to be changed)."""
        rule = labels.get(LABEL_RULE, "")
        final = labels.get(LABEL_ANNOUNCE) == ANNOUNCE_FINAL
        router = self._router
        key = (rule, final, *[labels.get(name, "") for name in router.names])  # router.key(labels), inline
        try:
            return self._memo[key]
        except (KeyError, TypeError):
            pass
        found = router.destinations(labels)
        if rule in self.rule_group_by:
            found = [replace(d, group_by=self.rule_group_by[rule]) for d in found]
        if rule in self.rule_repeat:
            found = [replace(d, repeat_interval=self.rule_repeat[rule]) for d in found]
        if final:  # one 终期评估 per plan, whatever the route groups by
            found = [d if LABEL_PLAN in d.group_by else replace(d, group_by=(*d.group_by, LABEL_PLAN)) for d in found]
        try:
            if len(self._memo) >= Router.MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = tuple(found)
        except TypeError:  # a label value that cannot be hashed: not remembered
            pass
        return tuple(found)

    @cached_property
    def _router(self) -> Router:
        return router_for(self.route)

    @cached_property
    def _placing(self) -> tuple[str, ...]:
        """The labels that decide where an alert goes and in which group: the routes' matchers, the routes' and
        the rules' group_by, and the plan (announcements are grouped by plan too)."""
        router = self._router
        names = {*router.names, *router.group_names, LABEL_PLAN}
        for group_by in self.rule_group_by.values():
            names.update(group_by)
        return tuple(sorted(names))

    @cached_property
    def _placing_values(self) -> Callable[[dict[str, str]], tuple[str, ...]]:
        """The rule and the :attr:`_placing` labels of an alert, as a tuple (KeyError when one is missing)."""
        return itemgetter(LABEL_RULE, *self._placing)  # two names at least: it always gives a tuple

    def send_resolved(self, receiver: str) -> bool:
        return receiver in self.resolved_receivers
