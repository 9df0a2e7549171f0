"""Routes: which receivers get an alert, how alerts are grouped into messages, how often they repeat.

The tree works like Prometheus Alertmanager's: an alert enters at the root and descends into the child routes
whose matchers it satisfies; the first matching child takes it unless that child says ``continue: true``, in which
case the following siblings are tried too. One difference: when no matching child took the alert (none matched,
or every one that matched said ``continue``), the route's own receiver gets it as well. So a county route with
``continue: true`` sends that county's alerts to its own group *and* to the municipal default, which is what
the shipped example means. Children inherit the receiver, ``group_by`` and ``repeat_interval`` they do not set.

At national scale a route has thousands of children (one per county), so trying each child in turn for each of
tens of thousands of alerts grows with the square of the number of regions. :class:`Router` compiles the tree
once: the children of each route are indexed by one equality matcher each (``region_code=500229``,
``region=城口县``), so an alert only tries the children whose indexed label has its value, plus those that cannot
be indexed (no equality matcher: regex, negative or no matchers), in their order in the file; and the answer is
remembered per combination of the label values the tree looks at. The order in which matching children are tried,
``continue`` and the fallback to the route's own receiver are exactly those of the linear walk
(:func:`destinations_linear`, kept as the reference).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from monitor.alerts.matchers import Matcher, Matchers, matches
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
        return self.receiver + ":{" + ",".join([f"{k}={labels.get(k, '')}" for k in self.group_by]) + "}"

    def group_labels(self, labels: dict[str, str]) -> dict[str, str]:
        return {k: labels.get(k, "") for k in self.group_by}


def destinations(route: Route, labels: dict[str, str]) -> list[Destination]:
    """Every receiver the alert with ``labels`` goes to (the root always matches).

    Uses the route's compiled :class:`Router` (built on the first call and kept while the route lives; a route
    tree is configuration and is not changed once loaded)."""
    return router_for(route).destinations(labels)


def destinations_linear(route: Route, labels: dict[str, str]) -> list[Destination]:
    """The same as :func:`destinations` by walking the whole tree and trying every child: the reference."""
    found = _walk(route, labels, None, DEFAULT_GROUP_BY, DEFAULT_REPEAT)
    return _unique(found)


def _unique(found: list[Destination]) -> list[Destination]:
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


class _Node:
    """One route, compiled: its inherited settings resolved, its children indexed by one equality each."""

    __slots__ = ("matchers", "continue_", "own", "children", "index", "scan", "single")

    def __init__(self, route: Route, receiver: str | None, group_by: tuple[str, ...], repeat: timedelta) -> None:
        receiver = route.receiver or receiver
        group_by = tuple(route.group_by) if route.group_by is not None else group_by
        repeat = parse_duration(route.repeat_interval) if route.repeat_interval else repeat
        self.matchers: tuple[Matcher, ...] = tuple(route.matchers or ())
        self.continue_ = route.continue_
        self.own = Destination(receiver, group_by, repeat) if receiver else None
        self.children = tuple(_Node(child, receiver, group_by, repeat) for child in route.routes)
        # label → value → positions of the children whose indexed equality is label=value, in file order
        self.index: dict[str, dict[str, list[int]]] = {}
        scan: list[int] = []  # children without an equality matcher: tried for every alert
        usage: dict[str, int] = {}
        for child in self.children:
            for name in {m.name for m in child.matchers if m.op == "="}:
                usage[name] = usage.get(name, 0) + 1
        for position, child in enumerate(self.children):
            equalities = [m for m in child.matchers if m.op == "="]
            if not equalities:
                scan.append(position)
                continue
            # the label most siblings use, so that an alert looks in as few tables as possible
            key = max(equalities, key=lambda m: usage[m.name])
            self.index.setdefault(key.name, {}).setdefault(key.value, []).append(position)
        self.scan = tuple(scan)
        # the common case, every child indexed on the same label: its table gives the candidates in order
        self.single = next(iter(self.index)) if len(self.index) == 1 and not self.scan else None

    def candidates(self, labels: dict[str, str]) -> list[int] | tuple[int, ...]:
        """Positions of the children that may match ``labels`` (a superset of those that do), in file order."""
        if self.single is not None:
            return self.index[self.single].get(labels.get(self.single, ""), ())
        if not self.index:
            return self.scan
        found = list(self.scan)
        for name, table in self.index.items():
            found.extend(table.get(labels.get(name, ""), ()))
        found.sort()
        return found

    def walk(self, labels: dict[str, str], found: list[Destination]) -> None:
        taken = False
        for position in self.candidates(labels):
            child = self.children[position]
            if child.matchers and not matches(child.matchers, labels):
                continue
            child.walk(labels, found)
            if not child.continue_:
                taken = True
                break
        if not taken and self.own is not None:
            found.append(self.own)


class Router:
    """A route tree compiled for many alerts: the same answers as :func:`destinations_linear`, in about the same
    time whatever the number of sibling routes (see the module docstring)."""

    MEMO_LIMIT = 200_000  # remembered label combinations; the memo starts again when it is full

    def __init__(self, route: Route) -> None:
        self.root = _Node(route, None, DEFAULT_GROUP_BY, DEFAULT_REPEAT)
        names: set[str] = set()
        grouping: set[str] = set()
        stack = [self.root]
        while stack:
            node = stack.pop()
            names.update(m.name for m in node.matchers)
            if node.own is not None:
                grouping.update(node.own.group_by)
            stack.extend(node.children)
        self.names = tuple(sorted(names))  # every label some matcher looks at: they alone decide the answer
        self.group_names = tuple(sorted(grouping))  # every label some destination groups by
        self._memo: dict[tuple[str, ...], tuple[Destination, ...]] = {}

    def key(self, labels: dict[str, str]) -> tuple:
        """The values of the labels some matcher looks at: alerts with the same key go to the same places."""
        return tuple([labels.get(name, "") for name in self.names])

    def destinations(self, labels: dict[str, str]) -> list[Destination]:
        key = self.key(labels)
        try:
            return list(self._memo[key])
        except (KeyError, TypeError):  # TypeError: a label value that cannot be hashed
            pass
        found: list[Destination] = []
        self.root.walk(labels, found)
        result = _unique(found)
        try:
            if len(self._memo) >= self.MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = tuple(result)
        except TypeError:
            pass
        return result


_ROUTERS: dict[int, tuple[weakref.ref, Router]] = {}


def router_for(route: Route) -> Router:
    """The compiled :class:`Router` of ``route``, built once per route object."""
    key = id(route)
    entry = _ROUTERS.get(key)
    if entry is not None and entry[0]() is route:
        return entry[1]
    router = Router(route)
    _ROUTERS[key] = (weakref.ref(route, lambda _ref, key=key: _ROUTERS.pop(key, None)), router)
    return router


def receivers_named(route: Route) -> set[str]:
    names = {route.receiver} if route.receiver else set()
    for child in route.routes:
        names |= receivers_named(child)
    return names
