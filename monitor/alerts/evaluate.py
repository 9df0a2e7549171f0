"""Turn an assessment frame into alerts with declarative rules: pure, vectorised, deterministic.

Each rule becomes one boolean mask over the whole frame (numpy, no loop over rows); only the rows a rule selects
become :class:`~monitor.alerts.model.Alert` objects, built column by column (:mod:`monitor.alerts.build`, with
the summaries of :mod:`monitor.alerts.summaries`). Numbers meet a threshold after rounding to 9 decimals, as the
status ladder does, so ``pace_below: 0.95`` does not fire for a pace that is 0.95 on paper. A missing number (null
pace, no projection, …) never satisfies a threshold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from monitor.actuals.normalise import fold
from monitor.alerts.build import build_alerts
from monitor.alerts.model import Alert
from monitor.alerts.phases import live, verdict
from monitor.alerts.rules import Rule
from monitor.core import columns as c
from monitor.plans.model import Plan

DECIMALS = 9  # numbers are rounded to this many decimals before they meet a threshold
_REL_TOL = 1e-9  # projected vs target, relative to the target's magnitude


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
    return build_alerts(rules, frame, rows, positions, facts.binding)


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
