"""The alerts of each rule for the rows it selected, built column by column.

The selected rows are converted once (:func:`monitor.alerts.plain.plain_columns`, as
:func:`monitor.report.check.records` converts them), then each rule's labels, fingerprints, summaries
(:mod:`monitor.alerts.summaries`) and assessment records are made from plain lists, so a national run (tens of
thousands of alerts) never looks a field up row by row. An announcement (``announce: final``) shows the rows as
their final verdict reads (:func:`final_view`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import compress, repeat
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

from monitor.alerts import model as m
from monitor.alerts.model import Alert
from monitor.alerts.plain import plain_columns
from monitor.alerts.rules import Rule
from monitor.alerts.summaries import format_summaries, view_column
from monitor.core import columns as c


def build_alerts(rules: Sequence[Rule], frame: pd.DataFrame, rows: np.ndarray, positions: np.ndarray,
                 bindings: np.ndarray) -> list[Alert]:
    """The alerts of the pairs (row ``rows[i]`` of the assessment ``frame``, rule ``rules[positions[i]]``), in that
    order; ``bindings`` is each row's binding as the rules test it (:class:`monitor.alerts.evaluate.Facts`)."""
    # every selected row converted once, as records() converts it: as columns (for labels and summaries) and as
    # a record (the assessment of its alerts); each rule then takes its rows by position
    selected, inverse = np.unique(rows, return_inverse=True)
    columns = plain_columns(frame.iloc[selected], c.ASSESSMENT_COLUMNS)
    announces = np.array([rule.announce is not None for rule in rules])
    wanted = np.zeros(len(selected), dtype=bool)  # an announcement makes its own records (final_view)
    wanted[inverse[~announces[positions]]] = True
    records = _records(columns, None if wanted.all() else wanted)
    handed = [False] * len(selected) if len(selected) < len(rows) else None  # a row raises several alerts
    binding = bindings[selected].tolist()
    alerts: list[Alert] = [None] * len(rows)  # type: ignore[list-item]  # every place is filled below
    for position, rule in enumerate(rules):
        at = np.flatnonzero(positions == position)
        if not len(at):
            continue
        taken = inverse[at].tolist()
        take = _taker(taken)
        assessments = None if announces[position] else _handed(records, taken, handed)
        made = _alerts(rule, _Taken(columns, take), take(binding), assessments)
        for place, alert in zip(at.tolist(), made):
            alerts[place] = alert
    return alerts


def _records(columns: Mapping[str, list[Any]], wanted: np.ndarray | None = None) -> list[dict[str, Any] | None]:
    """The record (column → value) of each row (each wanted row, None for the others).

    Many of the assessment's columns belong to other phases, forms or frequencies and are empty in every row:
    when a quarter of them or more are, each record starts as a copy of one with every column None and only the
    other columns are set, since copying a whole record costs less than setting its fields one by one."""
    names = list(columns)
    count = len(columns[names[0]]) if names else 0
    filled = [name for name in names if columns[name].count(None) != count]
    sparse = len(filled) <= len(names) * 3 // 4
    read = filled if sparse else names
    rows: Iterator[tuple[Any, ...]] = zip(*[columns[name] for name in read]) if read else repeat((), count)
    if wanted is not None:
        rows = compress(rows, wanted.tolist())
    if sparse:
        copy = dict.fromkeys(names).copy  # the columns in their order, all None
        made = []
        for row in rows:
            record = copy()
            record.update(zip(filled, row))
            made.append(record)
    else:
        made = list(map(dict, map(zip, repeat(names), rows)))
    if wanted is None:
        return made  # type: ignore[return-value]
    given = iter(made)
    return [next(given) if want else None for want in wanted.tolist()]


def _handed(records: list[Any], positions: list[int], handed: list[bool] | None) -> list[dict[str, Any]]:
    """The records at ``positions``, each alert its own: a record already handed to an alert is copied."""
    if handed is None:  # every row raises one alert
        return [records[position] for position in positions]
    out = []
    for position in positions:
        record = records[position]
        if handed[position]:
            record = dict(record)
        handed[position] = True
        out.append(record)
    return out


def _taker(positions: list[int]) -> Callable[[list[Any]], list[Any]]:
    """A function that takes the values at ``positions`` from a list (itemgetter, which gives a bare value for a
    single position)."""
    if len(positions) == 1:
        only = positions[0]
        return lambda values: [values[only]]
    pick = itemgetter(*positions)
    return lambda values: list(pick(values))


class _Taken(Mapping[str, list[Any]]):
    """Columns (name → values) restricted to some rows, each column taken when it is first read: labels and
    summaries read a dozen of the assessment's fifty-odd columns."""

    def __init__(self, columns: dict[str, list[Any]], take: Callable[[list[Any]], list[Any]]) -> None:
        self.columns, self.take, self.taken = columns, take, {}

    def __getitem__(self, name: str) -> list[Any]:
        values = self.taken.get(name)
        if values is None:
            values = self.taken[name] = self.take(self.columns[name])
        return values

    def __iter__(self) -> Iterator[str]:
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)


_MOVING = (c.T, c.EXPECTED, c.GAP, c.SHORTFALL, c.PACE, c.PROGRESS, c.PROJECTED, c.REQUIRED_RATE)
_LATEST = (c.LAST_PERIOD, c.LAST_VALUE, c.LAST_PACE, c.LAST_STATUS)


def final_view(view: Mapping[str, list[Any]], count: int) -> dict[str, list[Any]]:
    """The rows (given column by column) as their final verdict reads, whatever each row is judged on today: an
    announcement shows the end year's figures (a continuing row may already show a 2026 value, or a late 2026
    figure) and nothing that moves."""
    out = dict(view)
    nothing = [None] * count
    out.update({name: nothing for name in _MOVING})
    final_status = view_column(view, c.FINAL_STATUS, count)
    final_period = view_column(view, c.FINAL_PERIOD, count)
    out.update({c.PERIOD: final_period, c.STATUS: final_status, c.ACTUAL: view_column(view, c.FINAL_VALUE, count),
                c.TARGET: view_column(view, c.FINAL_TARGET, count),
                c.TARGET_YEAR: view_column(view, c.FINAL_YEAR, count),
                c.SHORTFALL: view_column(view, c.FINAL_SHORTFALL, count)})
    due_period = view_column(view, c.DUE_PERIOD, count)
    settled = [status != "no_data" for status in final_status]  # no due date once the verdict has a figure
    # a later figure is late too: name the final one, and nothing about the latest value
    later = [not done and due != final for done, due, final in zip(settled, due_period, final_period)]
    out[c.DUE_PERIOD] = [None if done else final if late else due
                         for done, late, due, final in zip(settled, later, due_period, final_period)]
    out[c.DUE_DATE] = [None if done or late else value
                       for done, late, value in zip(settled, later, view_column(view, c.DUE_DATE, count))]
    for name in _LATEST:
        out[name] = [None if late else value for late, value in zip(later, view_column(view, name, count))]
    return out


def _alerts(rule: Rule, view: Mapping[str, list[Any]], binding: list[str],
            assessments: list[dict[str, Any]] | None) -> list[Alert]:
    """The alerts of one rule for its rows, given column by column (the records of monitor.report.check) and
    as records; an announcement makes its records from its final view."""
    count = len(binding)
    announce = rule.announce is not None
    if announce:
        view = final_view(view, count)
        assessments = _records(view)  # type: ignore[assignment]
    plans = list(map(str, view[c.PLAN_ID]))
    codes = list(map(str, view[c.REGION_CODE]))
    indicators = list(map(str, view[c.INDICATOR_ID]))
    regions, kinds, statuses, phases = ([str(value or "") for value in view[name]]
                                        for name in (c.REGION_NAME, c.KIND, c.STATUS, c.PHASE))
    own, rule_id, severity = rule.labels, rule.id, rule.severity
    labels = [{
        **own,
        m.LABEL_PLAN: plan,
        m.LABEL_REGION: region,
        m.LABEL_REGION_CODE: code,
        m.LABEL_INDICATOR: indicator,
        m.LABEL_KIND: kind,
        m.LABEL_BINDING: bound,
        m.LABEL_STATUS: status,
        m.LABEL_SEVERITY: severity,
        m.LABEL_RULE: rule_id,
        m.LABEL_PHASE: phase,
    } for plan, region, code, indicator, kind, bound, status, phase
        in zip(plans, regions, codes, indicators, kinds, binding, statuses, phases)]
    identities: Iterable[str] = repeat(rule_id)
    if announce:  # a changed verdict (终期值未报送 → 已完成) is a new announcement
        for item in labels:
            item[m.LABEL_ANNOUNCE] = m.ANNOUNCE_FINAL
        identities = [f"{rule_id}:{status or ''}" for status in view[c.FINAL_STATUS]]
    fingerprints = m.fingerprints(plans, codes, indicators, identities)
    summaries = format_summaries(rule.summary, view, count)
    return [Alert(fingerprint, rule_id, severity, summary, item, assessment)
            for fingerprint, summary, item, assessment in zip(fingerprints, summaries, labels, assessments)]
