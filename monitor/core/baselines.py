"""Where a series' baseline comes from (docs/method.md, "Baselines of a new plan"): the plan's printed value; 0
for totals; the value reported for the baseline year where the plan leaves it open ("/") or prints an estimate
(预计); the first value after the baseline year where an open baseline has no baseline-year value; and a dated
rebase after a series break (from data year R on, the baseline is B′). Pure numpy.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from monitor.core import columns as c
from monitor.core import forms, notes
from monitor.core.observations import EPS_T, Lookup


class Baselines(NamedTuple):
    value: np.ndarray  # the baseline each series is judged from
    t: np.ndarray  # its time: the baseline year's end, or the first value's period end
    from_year: np.ndarray  # taken from the value reported for the baseline year
    from_first: np.ndarray  # taken from the first value after the baseline year (an open baseline)
    replaced: np.ndarray  # a printed estimate the reported baseline-year value replaced
    open_or_estimate: np.ndarray  # the plan leaves the baseline open or prints an estimate


def choose(find: Lookup, plan_baseline: np.ndarray, is_estimate: np.ndarray, t0: np.ndarray,
           t0_day: np.ndarray) -> Baselines:
    """The baseline of each series before any rebase (``plan_baseline`` NaN where the plan prints "/")."""
    n = len(plan_baseline)
    printed = np.isfinite(plan_baseline)
    estimated = ~printed | is_estimate
    year_value, first_t, first_value = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    if estimated.any():
        open_ = np.flatnonzero(estimated)
        year_value[open_] = find.values(find.on(t0_day[open_], open_))[1]
        first_t[open_], first_value[open_] = find.values(find.after(t0_day[open_], open_))
    from_year = estimated & np.isfinite(year_value)
    from_first = ~printed & ~from_year & np.isfinite(first_value)
    value = np.where(from_year, year_value, np.where(from_first, first_value, plan_baseline))
    return Baselines(value, np.where(from_first, first_t, t0), from_year, from_first, from_year & printed, estimated)


def rebase(keys: dict[str, tuple], n: int, points: pd.DataFrame | None, baseline: np.ndarray, t_eval: np.ndarray,
           has: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The baseline in force for the year judged: the latest rebase of a year up to it (a census revision from
    2027 on); returns which rows were rebased and the baselines."""
    years, values = forms.point_arrays(keys, n, points, c.REBASE)
    if not np.isfinite(years).any():
        return np.zeros(n, dtype=bool), baseline
    judged_year = np.ceil(t_eval - EPS_T) - 1.0
    found = np.full(n, np.nan)
    for k in range(years.shape[1]):  # rebases are sorted by year: the last that applies wins
        applies = has & (years[:, k] <= judged_year)
        found = np.where(applies, values[:, k], found)
    rebased = np.isfinite(found)
    return rebased, np.where(rebased, found, baseline)


def say(note: np.ndarray, replaced: np.ndarray, rebased: np.ndarray, stated: np.ndarray, baseline: np.ndarray
        ) -> np.ndarray:
    """基期值已按统计数据更新（2.65 → 2.7）; 基期值已按修订口径调整为79.2."""
    note = notes.append(note, replaced, lambda m: notes.cat(
        "基期值已按统计数据更新（", _numbers(stated[m]), " → ", _numbers(baseline[m]), "）"))
    return notes.append(note, rebased, lambda m: notes.cat("基期值已按修订口径调整为", _numbers(baseline[m])))


def _numbers(values: np.ndarray) -> np.ndarray:
    return np.asarray([f"{v:.6g}" for v in values], dtype=object)
