"""Turn an assessment frame into alerts with declarative rules: pure, vectorised, deterministic.

Each rule becomes one boolean mask over the whole frame (numpy, no loop over rows); only the rows a rule selects
become :class:`~monitor.alerts.model.Alert` objects, and those are built column by column: the selected rows are
converted once (as :func:`monitor.report.check.records` converts them), then each rule's labels, fingerprints,
summaries and assessment records are made from plain lists, so a national run (tens of thousands of alerts) never
looks a field up row by row. Numbers meet a threshold after rounding to 9 decimals, as the status ladder does, so
``pace_below: 0.95`` does not fire for a pace that is 0.95 on paper. A missing number (null pace, no projection,
…) never satisfies a threshold.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

from monitor.actuals.normalise import fold
from monitor.alerts import model as m
from monitor.alerts.model import Alert
from monitor.alerts.phases import live, verdict
from monitor.alerts.plain import plain_columns
from monitor.alerts.rules import SUMMARY_LABELS, Rule
from monitor.core import columns as c
from monitor.core.status import PHASE_LABEL, STATUS_LABEL, final_label
from monitor.plans.model import Plan

DECIMALS = 9  # numbers are rounded to this many decimals before they meet a threshold
_REL_TOL = 1e-9  # projected vs target, relative to the target's magnitude
MISSING = "—"  # what a summary shows for a missing number


def evaluate(
    rules: Sequence[Rule], frame: pd.DataFrame, *, region_aliases: Mapping[str, str] | None = None
) -> list[Alert]:
    """The alerts the rules raise on an assessment frame (the output of :func:`monitor.core.assess.assess`).

    region_aliases: alias → region code (or official name), so ``select.regions`` may use short names such as
    秀山县; :func:`aliases_from_plans` builds it. Alerts come ordered by plan, region code, indicator and the
    position of the rule in ``rules``.
    """
    missing = [name for name in c.ASSESSMENT_COLUMNS if name not in frame.columns]
    if missing:
        raise ValueError(f"not an assessment frame: the columns {', '.join(missing)} are missing")
    if frame.empty or not rules:
        return []
    frame = frame.reset_index(drop=True)
    facts = Facts.of(frame, region_aliases or {})
    hits = [(np.flatnonzero(rule_mask(rule, facts)), position) for position, rule in enumerate(rules)]
    pairs = pd.DataFrame({
        "row": np.concatenate([rows for rows, _ in hits]),
        "rule": np.concatenate([np.full(len(rows), position) for rows, position in hits]),
    })
    if pairs.empty:
        return []
    keys = frame[[c.PLAN_ID, c.REGION_CODE, c.INDICATOR_ID]].astype(str)
    pairs = pairs.join(keys, on="row").sort_values([c.PLAN_ID, c.REGION_CODE, c.INDICATOR_ID, "rule"], kind="stable")
    rows, positions = pairs["row"].to_numpy(), pairs["rule"].to_numpy()
    # every selected row converted once, as records() converts it: as columns (for labels and summaries) and as
    # a record (the assessment of its alerts); each rule then takes its rows by position
    selected, inverse = np.unique(rows, return_inverse=True)
    columns = plain_columns(frame.iloc[selected], c.ASSESSMENT_COLUMNS)
    announces = np.array([rule.announce is not None for rule in rules])
    wanted = np.zeros(len(selected), dtype=bool)  # an announcement makes its own records (final_view)
    wanted[inverse[~announces[positions]]] = True
    records = _records(columns, None if wanted.all() else wanted)
    handed = [False] * len(selected) if len(selected) < len(rows) else None  # a row raises several alerts
    binding = facts.binding[selected].tolist()
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


@dataclass(frozen=True)
class Facts:
    """The columns rules test, as numpy arrays computed once per evaluation."""

    plan: np.ndarray
    region_code: np.ndarray
    indicator: np.ndarray
    kind: np.ndarray
    binding: np.ndarray  # "binding", "expected" or "" when the plan does not say
    status: np.ndarray
    phase: np.ndarray
    final_status: np.ndarray
    live: np.ndarray  # ordinary rules may fire here (monitor.alerts.phases)
    verdict: np.ndarray  # announcements may fire here
    pace: np.ndarray  # rounded to DECIMALS
    shortfall: np.ndarray  # rounded to DECIMALS
    shortfall_ratio: np.ndarray  # shortfall / |target − baseline|, rounded; NaN when the change is zero
    projection_known: np.ndarray
    projection_misses: np.ndarray
    has_value: np.ndarray
    region_lookup: dict[str, str]  # folded code, official name or alias → region code

    @classmethod
    def of(cls, frame: pd.DataFrame, aliases: Mapping[str, str]) -> Facts:
        def floats(name: str) -> np.ndarray:
            return frame[name].to_numpy(dtype=float, na_value=np.nan)

        def texts(name: str) -> np.ndarray:
            return frame[name].to_numpy(dtype=object, na_value="", copy=True)

        sign = np.where(texts(c.DIRECTION) == "lower", -1.0, 1.0)
        shortfall, target, projected = floats(c.SHORTFALL), floats(c.TARGET), floats(c.PROJECTED)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = shortfall / np.abs(target - floats(c.BASELINE))
        ratio[~np.isfinite(ratio)] = np.nan
        known = np.isfinite(projected) & np.isfinite(target)
        tol = _REL_TOL * np.maximum(1.0, np.abs(target))
        with np.errstate(invalid="ignore"):
            misses = known & (sign * (projected - target) < -tol)
        region_code = texts(c.REGION_CODE)
        return cls(
            plan=texts(c.PLAN_ID), region_code=region_code, indicator=texts(c.INDICATOR_ID), kind=texts(c.KIND),
            binding=texts(c.BINDING), status=texts(c.STATUS), phase=texts(c.PHASE),
            final_status=texts(c.FINAL_STATUS), live=live(frame), verdict=verdict(frame), pace=np.round(floats(c.PACE), DECIMALS),
            shortfall=np.round(shortfall, DECIMALS), shortfall_ratio=np.round(ratio, DECIMALS),
            projection_known=known, projection_misses=misses, has_value=np.isfinite(floats(c.ACTUAL)),
            region_lookup=_region_lookup(region_code, texts(c.REGION_NAME), aliases),
        )


def rule_mask(rule: Rule, facts: Facts) -> np.ndarray:
    """True for every row the rule selects and whose thresholds all hold.

    An announcement (``announce: final``) only sees rows with a final verdict; every other rule only live rows,
    so an ended or not yet begun plan, and an indicator a successor plan took over, raise no pace alerts."""
    mask = (facts.verdict if rule.announce is not None else facts.live).copy()
    select, when = rule.select, rule.when
    if select.plans is not None:
        mask &= np.isin(facts.plan, select.plans)
    if select.regions is not None:
        codes = [facts.region_lookup.get(fold(name), "\x00") for name in select.regions]
        mask &= np.isin(facts.region_code, codes)
    if select.indicators is not None:
        mask &= np.isin(facts.indicator, select.indicators)
    if select.kinds is not None:
        mask &= np.isin(facts.kind, select.kinds)
    if select.binding is not None:
        mask &= np.isin(facts.binding, ["" if b == "unstated" else b for b in select.binding])
    if select.status is not None:
        mask &= np.isin(facts.status, select.status)
    if select.phase is not None:
        mask &= np.isin(facts.phase, select.phase)
    if select.final_status is not None:
        mask &= np.isin(facts.final_status, select.final_status)
    with np.errstate(invalid="ignore"):  # NaN compares False: a missing number never fires
        if when.pace_below is not None:
            mask &= facts.pace < when.pace_below
        if when.shortfall_above is not None:
            mask &= facts.shortfall > when.shortfall_above
        if when.shortfall_ratio_above is not None:
            mask &= facts.shortfall_ratio > when.shortfall_ratio_above
    if when.projected_misses_milestone is not None:
        wanted = facts.projection_misses if when.projected_misses_milestone else ~facts.projection_misses
        mask &= facts.projection_known & wanted
    if when.no_data is not None:
        mask &= ~facts.has_value if when.no_data else facts.has_value
    return mask


def aliases_from_plans(plans: Sequence[Plan]) -> dict[str, str]:
    """alias → region code for every region alias the plans declare (e.g. 秀山县 → 500241)."""
    return {alias: plan.region.code for plan in plans for alias in plan.region.aliases}


def format_summary(template: str, record: Mapping[str, Any]) -> str:
    """The rule's summary for one assessment record, as ``template.format_map(record)`` would write it, except:

    a missing value shows as —, whatever its format spec; a number without a spec as :func:`plain_number` writes
    it; a spec that does not suit the value (``{region_name:.0%}``) is ignored rather than failing.
    """
    return format_summaries(template, {name: [value] for name, value in record.items()}, 1)[0]


def format_summaries(template: str, view: Mapping[str, list[Any]], count: int) -> list[str]:
    """:func:`format_summary` for ``count`` records given column by column (field → one value per record; a
    field that is not there is missing in every record)."""
    texts, fields = [], []
    for literal, name, spec, conversion in _parsed(template):
        texts.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is None:
            continue
        texts.append("{}")
        values = summary_labels(name, view, count) if name in _LABELS else _column(view, name, count)
        fields.append(_fields(values, spec or "", conversion))
    pattern = "".join(texts)
    if not fields:
        return [pattern.format()] * count
    return list(map(pattern.format, *fields))


_CONVERSIONS = {"r": repr, "s": str, "a": ascii}
_LABELS = SUMMARY_LABELS


def _column(view: Mapping[str, list[Any]], name: str, count: int) -> list[Any]:
    values = view.get(name)
    return [None] * count if values is None else values


def summary_labels(name: str, view: Mapping[str, list[Any]], count: int) -> list[str]:
    """{status_label}, {phase_label}, {final_label} (超额完成 when the attainment is above 1), {last_status_label},
    {due_period_text} (2025年, 2025Q2, 2025-06), for ``count`` records given column by column."""
    if name == "due_period_text":
        periods = [str(period or "") for period in _column(view, c.DUE_PERIOD, count)]
        return [f"{period}年" if len(period) == 4 else period for period in periods]
    if name == "phase_label":
        return [PHASE_LABEL.get(phase or "", "") for phase in _column(view, c.PHASE, count)]
    if name == "final_label":
        return [final_label(status, attainment is not None and attainment > 1) for status, attainment
                in zip(_column(view, c.FINAL_STATUS, count), _column(view, c.ATTAINMENT, count))]
    if name == "last_status_label":
        return [STATUS_LABEL.get(status or "", "") for status in _column(view, c.LAST_STATUS, count)]
    return [STATUS_LABEL.get(status or "", "") for status in _column(view, c.STATUS, count)]


@functools.lru_cache(maxsize=256)
def _parsed(template: str) -> list[tuple[str, str | None, str | None, str | None]]:
    """The template split once into (literal, field, spec, conversion) parts; formatting then costs little."""
    return list(string.Formatter().parse(template))


def _fields(values: list[Any], spec: str, conversion: str | None) -> list[str]:
    """One placeholder's text for every record (see :func:`format_summary`)."""
    if conversion:
        convert = _CONVERSIONS[conversion]
        values = [value if value is None else convert(value) for value in values]
    if spec:
        return [MISSING if value is None else _formatted(value, spec) for value in values]
    return [value if type(value) is str else plain_number(value) if type(value) is float else _field(value, "")
            for value in values]  # text is itself, a number plain


def _field(value: Any, spec: str) -> str:
    if value is None:
        return MISSING
    if isinstance(value, float) and not spec:
        return plain_number(value)
    return _formatted(value, spec)


def _formatted(value: Any, spec: str) -> str:
    try:
        return format(value, spec)
    except (TypeError, ValueError):
        return str(value)


def plain_number(value: float) -> str:
    """A number for a sentence: 60000, 1464.1, 0.2378, 0.00012 (4 decimals or 3 significant digits)."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if abs(value) < 0.01:
        return f"{value:.3g}"  # 0.00012, not 0.0001
    return f"{value:.4f}".rstrip("0").rstrip(".")


_MOVING = (c.T, c.EXPECTED, c.GAP, c.SHORTFALL, c.PACE, c.PROGRESS, c.PROJECTED, c.REQUIRED_RATE)
_LATEST = (c.LAST_PERIOD, c.LAST_VALUE, c.LAST_PACE, c.LAST_STATUS)


def final_view(view: Mapping[str, list[Any]], count: int) -> dict[str, list[Any]]:
    """The rows (given column by column) as their final verdict reads, whatever each row is judged on today: an
    announcement shows the end year's figures (a continuing row may already show a 2026 value, or a late 2026
    figure) and nothing that moves."""
    out = dict(view)
    nothing = [None] * count
    out.update({name: nothing for name in _MOVING})
    final_status, final_period = _column(view, c.FINAL_STATUS, count), _column(view, c.FINAL_PERIOD, count)
    out.update({c.PERIOD: final_period, c.STATUS: final_status, c.ACTUAL: _column(view, c.FINAL_VALUE, count),
                c.TARGET: _column(view, c.FINAL_TARGET, count), c.TARGET_YEAR: _column(view, c.FINAL_YEAR, count),
                c.SHORTFALL: _column(view, c.FINAL_SHORTFALL, count)})
    due_period = _column(view, c.DUE_PERIOD, count)
    settled = [status != "no_data" for status in final_status]  # no due date once the verdict has a figure
    # a later figure is late too: name the final one, and nothing about the latest value
    later = [not done and due != final for done, due, final in zip(settled, due_period, final_period)]
    out[c.DUE_PERIOD] = [None if done else final if late else due
                         for done, late, due, final in zip(settled, later, due_period, final_period)]
    out[c.DUE_DATE] = [None if done or late else value
                       for done, late, value in zip(settled, later, _column(view, c.DUE_DATE, count))]
    for name in _LATEST:
        out[name] = [None if late else value for late, value in zip(later, _column(view, name, count))]
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


def _region_lookup(codes: np.ndarray, names: np.ndarray, aliases: Mapping[str, str]) -> dict[str, str]:
    """Folded code, name and alias → code, from the regions present (few) rather than every row (many)."""
    lookup: dict[str, str] = {}
    for code, name in dict.fromkeys(zip(codes.tolist(), names.tolist())):  # each pair once, in order
        lookup[fold(code)] = code
        if name:
            lookup.setdefault(fold(name), code)
    for alias, target in aliases.items():
        resolved = lookup.get(fold(target))
        if resolved is not None:
            lookup.setdefault(fold(alias), resolved)
    return lookup

