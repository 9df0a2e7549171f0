"""Turn an assessment frame into alerts with declarative rules: pure, vectorised, deterministic.

Each rule becomes one boolean mask over the whole frame (numpy, no loop over rows); only the rows a rule selects
become :class:`~monitor.alerts.model.Alert` objects. Numbers meet a threshold after rounding to 9 decimals, as
the status ladder does, so ``pace_below: 0.95`` does not fire for a pace that is 0.95 on paper. A missing number
(null pace, no projection, …) never satisfies a threshold.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from monitor.actuals.normalise import fold
from monitor.alerts import model as m
from monitor.alerts.model import Alert
from monitor.alerts.phases import live, verdict
from monitor.alerts.rules import SUMMARY_LABELS, Rule
from monitor.core import columns as c
from monitor.core.status import PHASE_LABEL, STATUS_LABEL, final_label
from monitor.plans.model import Plan
from monitor.report.check import records

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
    selected = np.unique(pairs["row"].to_numpy())
    record_of = dict(zip(selected.tolist(), records(frame.iloc[selected])))
    return [
        _alert(rules[position], record_of[row], facts.binding[row])
        for row, position in zip(pairs["row"].tolist(), pairs["rule"].tolist())
    ]


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
            column = frame[name].astype(object)
            return column.where(column.notna(), "").to_numpy(dtype=object)

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
    out = []
    for literal, name, spec, conversion in _parsed(template):
        out.append(literal)
        if name is None:
            continue
        value = summary_label(name, record) if name in _LABELS else record.get(name)
        if value is not None and conversion:
            value = _CONVERSIONS[conversion](value)
        out.append(_field(value, spec or ""))
    return "".join(out)


_CONVERSIONS = {"r": repr, "s": str, "a": ascii}
_LABELS = SUMMARY_LABELS


def summary_label(name: str, record: Mapping[str, Any]) -> str:
    """{status_label}, {phase_label}, {final_label} (超额完成 when the attainment is above 1), {last_status_label},
    {due_period_text} (2025年, 2025Q2, 2025-06)."""
    if name == "due_period_text":
        period = str(record.get(c.DUE_PERIOD) or "")
        return f"{period}年" if len(period) == 4 else period
    if name == "phase_label":
        return PHASE_LABEL.get(record.get(c.PHASE) or "", "")
    if name == "final_label":
        attainment = record.get(c.ATTAINMENT)
        return final_label(record.get(c.FINAL_STATUS), attainment is not None and attainment > 1)
    if name == "last_status_label":
        return STATUS_LABEL.get(record.get(c.LAST_STATUS) or "", "")
    return STATUS_LABEL.get(record.get(c.STATUS) or "", "")


@functools.lru_cache(maxsize=256)
def _parsed(template: str) -> list[tuple[str, str | None, str | None, str | None]]:
    """The template split once into (literal, field, spec, conversion) parts; formatting then costs little."""
    return list(string.Formatter().parse(template))


def _field(value: Any, spec: str) -> str:
    if value is None:
        return MISSING
    if isinstance(value, float) and not spec:
        return plain_number(value)
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


def final_view(record: dict[str, Any]) -> dict[str, Any]:
    """The row as its final verdict reads, whatever the row is judged on today: an announcement shows the end
    year's figures (a continuing row may already show a 2026 value, or a late 2026 figure) and nothing that moves."""
    view = dict(record)
    view.update({name: None for name in _MOVING})
    view.update({c.PERIOD: record.get(c.FINAL_PERIOD), c.STATUS: record.get(c.FINAL_STATUS),
                 c.ACTUAL: record.get(c.FINAL_VALUE), c.TARGET: record.get(c.FINAL_TARGET),
                 c.TARGET_YEAR: record.get(c.FINAL_YEAR), c.SHORTFALL: record.get(c.FINAL_SHORTFALL)})
    if record.get(c.FINAL_STATUS) != "no_data":
        view.update({c.DUE_PERIOD: None, c.DUE_DATE: None})
    elif record.get(c.DUE_PERIOD) != record.get(c.FINAL_PERIOD):  # a later figure is late too: name the final one
        view.update({c.DUE_PERIOD: record.get(c.FINAL_PERIOD), c.DUE_DATE: None, c.LAST_PERIOD: None,
                     c.LAST_VALUE: None, c.LAST_PACE: None, c.LAST_STATUS: None})
    return view


def _alert(rule: Rule, record: dict[str, Any], binding: str) -> Alert:
    if rule.announce is not None:
        record = final_view(record)
    plan, code, indicator = record[c.PLAN_ID], record[c.REGION_CODE], record[c.INDICATOR_ID]
    labels = {
        **rule.labels,
        m.LABEL_PLAN: str(plan),
        m.LABEL_REGION: str(record[c.REGION_NAME] or ""),
        m.LABEL_REGION_CODE: str(code),
        m.LABEL_INDICATOR: str(indicator),
        m.LABEL_KIND: str(record[c.KIND] or ""),
        m.LABEL_BINDING: binding,
        m.LABEL_STATUS: str(record[c.STATUS] or ""),
        m.LABEL_SEVERITY: rule.severity,
        m.LABEL_RULE: rule.id,
        m.LABEL_PHASE: str(record.get(c.PHASE) or ""),
    }
    identity = rule.id
    if rule.announce is not None:  # a changed verdict (终期值未报送 → 已完成) is a new announcement
        labels[m.LABEL_ANNOUNCE] = m.ANNOUNCE_FINAL
        identity = f"{rule.id}:{record.get(c.FINAL_STATUS) or ''}"
    return Alert(
        fingerprint=m.fingerprint(str(plan), str(code), str(indicator), identity),
        rule_id=rule.id,
        severity=rule.severity,
        summary=format_summary(rule.summary, record),
        labels=labels,
        assessment=dict(record),
    )


def _region_lookup(codes: np.ndarray, names: np.ndarray, aliases: Mapping[str, str]) -> dict[str, str]:
    """Folded code, name and alias → code, from the regions present (few) rather than every row (many)."""
    pairs = pd.DataFrame({"code": codes, "name": names}).drop_duplicates()
    lookup: dict[str, str] = {}
    for code, name in zip(pairs["code"].tolist(), pairs["name"].tolist()):
        lookup[fold(code)] = code
        if name:
            lookup.setdefault(fold(name), code)
    for alias, target in aliases.items():
        resolved = lookup.get(fold(target))
        if resolved is not None:
            lookup.setdefault(fold(alias), resolved)
    return lookup

