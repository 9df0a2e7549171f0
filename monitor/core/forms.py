"""The target form of every series as arrays (docs/method.md, "Target forms"): what the plan file says about how
its target is printed and judged, read once from the series frame so that the modules of each family of forms
(bounds, rates, relative, annual, baselines) work column-wise.

A series frame without the form columns (older callers, most tests) is all paths: every array here then holds
its default. Pure numpy/pandas.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from monitor.core import columns as c
from monitor.core.keys import column_values, join
from monitor.core.observations import year_matrix

FORMS = ["path", "bound", "range", "relative", "annual"]
PATH, BOUND, RANGE, RELATIVE, ANNUAL = range(len(FORMS))
JUDGED = ["each_year", "average", "final"]
EACH_YEAR, AVERAGE, FINAL = range(len(JUDGED))
ABOUT_SHARE = 0.02  # 左右 without a stated tolerance: ± 2 % of the target


class Spec(NamedTuple):
    form: np.ndarray  # position in FORMS
    strict: np.ndarray  # bool: beaten strictly
    judged: np.ndarray  # position in JUDGED
    low: np.ndarray  # range form: the printed band (NaN: open or none)
    high: np.ndarray
    about: np.ndarray  # bool: 左右
    tolerance: np.ndarray  # 左右 tolerance in the unit; NaN: ABOUT_SHARE of the target
    change_by: np.ndarray
    change_times: np.ndarray
    change_year: np.ndarray
    relation_above: np.ndarray  # bool: 高于 (else 同步)
    relative_tol: np.ndarray
    is_estimate: np.ndarray  # bool: the printed baseline is 预计
    yearly_rate: np.ndarray  # bool: kind yearly_rate
    reduction: np.ndarray  # bool: kind reduction

    @property
    def judged_by_band(self) -> np.ndarray:
        return (self.form == BOUND) | (self.form == RANGE)

    @property
    def has_change(self) -> np.ndarray:
        return np.isfinite(self.change_by) | np.isfinite(self.change_times)


def spec_of(s: pd.DataFrame) -> Spec:
    n = len(s)
    kind = s[c.KIND].to_numpy().astype(object)
    return Spec(
        form=_codes(s, c.FORM, FORMS, n),
        strict=_flags(s, c.STRICT, n),
        judged=_codes(s, c.JUDGED, JUDGED, n),
        low=_numbers(s, c.RANGE_LOW, n),
        high=_numbers(s, c.RANGE_HIGH, n),
        about=_flags(s, c.ABOUT, n),
        tolerance=_numbers(s, c.TOLERANCE, n),
        change_by=_numbers(s, c.CHANGE_BY, n),
        change_times=_numbers(s, c.CHANGE_TIMES, n),
        change_year=_numbers(s, c.CHANGE_YEAR, n),
        relation_above=_codes(s, c.RELATION, ["in_step", "above"], n) == 1,
        relative_tol=_numbers(s, c.RELATIVE_TOLERANCE, n),
        is_estimate=_flags(s, c.BASELINE_IS_ESTIMATE, n),
        yearly_rate=kind == "yearly_rate",
        reduction=kind == "reduction",
    )


def restated(observations: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """The ``restated`` flag of the observations at ``rows`` (all False when the frame has no such column)."""
    if c.RESTATED not in observations:
        return np.zeros(len(rows), dtype=bool)
    column = observations[c.RESTATED]
    if column.dtype == bool:
        return column.to_numpy()[rows]
    return pd.array(column, dtype="boolean").fillna(False).to_numpy(dtype=bool)[rows]


def about_tolerance(spec: Spec, target: np.ndarray) -> np.ndarray:
    """How far from ``target`` a 左右 target still holds: the stated tolerance or 2 % of the target; 0 elsewhere."""
    tol = np.where(np.isfinite(spec.tolerance), spec.tolerance, ABOUT_SHARE * np.abs(target))
    return np.where(spec.about, tol, 0.0)


def relative_rows(keys: dict[str, tuple], s: pd.DataFrame) -> np.ndarray:
    """For each series with a relative target, the position of the other indicator's series (same plan and
    region); -1 elsewhere and where the plan has no such indicator."""
    n = len(s)
    other = np.full(n, -1, dtype=np.int64)
    if c.RELATIVE_TO not in s:
        return other
    wanted = np.flatnonzero(pd.notna(s[c.RELATIVE_TO]).to_numpy())
    if not len(wanted):
        return other
    plan = column_values(s[c.PLAN_ID], wanted)
    indicator = np.asarray(s[c.RELATIVE_TO].to_numpy(dtype=object)[wanted], dtype=object)
    matched, sid = join([keys[c.PLAN_ID], keys[c.INDICATOR_ID]], [plan, indicator])
    other[wanted[matched]] = sid
    return other


def point_arrays(keys: dict[str, tuple], n: int, points: pd.DataFrame | None, role: str
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Years and values of one role of points (annual targets or rebases) as (n, K) arrays padded with NaN,
    sorted by year within a row."""
    if points is None or points.empty:
        return np.full((n, 1), np.nan), np.full((n, 1), np.nan)
    return year_matrix(keys, n, points[points[c.ROLE].astype(str) == role])


def beats(direction: np.ndarray, value: np.ndarray, target: np.ndarray, strict: np.ndarray,
          slack: np.ndarray | float = 0.0) -> np.ndarray:
    """d · (value − target) ≥ −slack, or > slack when strict; comparisons with NaN are False."""
    from monitor.core.verdicts import REL_TOL

    eps = REL_TOL * np.maximum(1.0, np.abs(target))
    with np.errstate(invalid="ignore"):
        margin = direction * (value - target)
        return np.where(strict, margin > eps, margin >= -eps - slack)


def within(value: np.ndarray, low: np.ndarray, high: np.ndarray, strict: np.ndarray) -> np.ndarray:
    """``value`` inside [low, high] (open ends where NaN; an open interval when strict)."""
    from monitor.core.verdicts import REL_TOL

    eps = REL_TOL * np.maximum(1.0, np.maximum(np.abs(np.nan_to_num(low)), np.abs(np.nan_to_num(high))))
    with np.errstate(invalid="ignore"):
        above_low = np.where(np.isfinite(low), np.where(strict, value > low + eps, value >= low - eps), True)
        below_high = np.where(np.isfinite(high), np.where(strict, value < high - eps, value <= high + eps), True)
    return above_low & below_high & np.isfinite(value)


def outside_by(value: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """How far ``value`` lies outside [low, high] (positive), or its distance to the nearer end inside
    (negative): a band's shortfall in the indicator's unit."""
    with np.errstate(invalid="ignore"):
        below = np.where(np.isfinite(low), low - value, -np.inf)
        above = np.where(np.isfinite(high), value - high, -np.inf)
        worst = np.maximum(below, above)
    return np.where(np.isfinite(worst), worst, np.nan)


def _codes(s: pd.DataFrame, name: str, names: list[str], n: int) -> np.ndarray:
    if name not in s:
        return np.zeros(n, dtype=np.int64)
    column = s[name]
    if isinstance(column.dtype, pd.CategoricalDtype):  # as the storage layer hands it over: map the few categories
        known = np.asarray([names.index(v) if v in names else 0 for v in column.cat.categories] + [0])
        return known[column.cat.codes.to_numpy()]  # a missing value (-1) takes the last: 0, a path
    values = column.to_numpy(dtype=object)
    codes = np.zeros(n, dtype=np.int64)
    for code, label in enumerate(names[1:], start=1):  # a handful of names, each a whole-column comparison
        codes[values == label] = code
    return codes


def _flags(s: pd.DataFrame, name: str, n: int) -> np.ndarray:
    if name not in s:
        return np.zeros(n, dtype=bool)
    if s[name].dtype == bool:
        return s[name].to_numpy()
    return pd.array(s[name], dtype="boolean").fillna(False).to_numpy(dtype=bool)


def _numbers(s: pd.DataFrame, name: str, n: int) -> np.ndarray:
    if name not in s:
        return np.full(n, np.nan)
    return pd.to_numeric(s[name], errors="coerce").to_numpy(dtype=float)
