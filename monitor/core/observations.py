"""Reported values matched to their series: sorted by time, running totals of flows, and picks per series.

Pure numpy/pandas. Every array here is indexed by observation (sorted by series, period end and coarseness) or
by series position; nothing loops over rows in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import NamedTuple

import numpy as np
import pandas as pd

from monitor.core import columns as c
from monitor.core.keys import column_values, join
from monitor.core.periods import decimal_years_of_days

EPS_T = 1e-9  # time comparisons, in years
RANKED = ["Y", "Q"]  # a figure's rank is its frequency's position here: 0 yearly, 1 quarterly, 2 finer


class Obs(NamedTuple):
    """Observations matched to series, sorted by series, period end and coarseness (the coarsest figure last)."""

    sid: np.ndarray  # series position
    day: np.ndarray  # period end, days since 1970-01-01
    t: np.ndarray  # period end as a decimal year
    value: np.ndarray
    row: np.ndarray  # position in the observations frame, to read labels and frequencies

    def take(self, index: np.ndarray) -> Obs:
        return Obs(*(column[index] for column in self))


def by_series(keys: dict[str, tuple], observations: pd.DataFrame, freq_rank: np.ndarray, as_of: date) -> Obs:
    """Observations up to the as-of date with a finite value, keyed by series position and sorted.

    ``keys`` has the series' key columns as ``pd.factorize`` gives them; ``freq_rank`` the rank of each
    observation's frequency.
    """
    ends = pd.to_datetime(observations[c.PERIOD_END]).to_numpy()
    values = observations[c.VALUE].to_numpy(dtype=float)
    rows = np.flatnonzero((ends <= np.datetime64(pd.Timestamp(as_of))) & np.isfinite(values))
    pick = slice(None) if len(rows) == len(values) else rows  # a view, not a copy, when every row counts
    matched, sid = join(
        [keys[c.REGION_CODE], keys[c.INDICATOR_ID]],
        [column_values(observations[name], pick) for name in (c.REGION_CODE, c.INDICATOR_ID)],
    )
    rows = rows[matched]
    day = ends[rows].astype("datetime64[D]").astype(np.int64)
    order = time_order(sid, day, lambda at: freq_rank[rows[at]])
    sid, day, rows = sid[order], day[order], rows[order]
    return Obs(sid, day, decimal_years(day), values[rows], rows)


def per_day(day: np.ndarray, compute: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``compute(day)`` for days since 1970, evaluated once per day of their range when the range is short."""
    if len(day) == 0 or day.max() - day.min() >= len(day):
        return compute(day)
    return compute(np.arange(day.min(), day.max() + 1))[day - day.min()]


def decimal_years(day: np.ndarray) -> np.ndarray:
    """Days since 1970 as decimal years."""
    return per_day(day, lambda days: decimal_years_of_days(days.astype("datetime64[D]")))


def time_order(sid: np.ndarray, day: np.ndarray, rank_of: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Stable order by series, period end and then coarseness, which ``rank_of`` gives only where ends tie."""
    if len(sid) == 0:
        return np.array([], dtype=np.int64)
    key = sid * (int(day.max() - day.min()) + 1) + (day - day.min())
    order = np.argsort(key, kind="stable")
    key = key[order]
    tie = np.flatnonzero(key[1:] == key[:-1])
    if len(tie):
        # periods ending together (2024, 2024Q4, 2024-12): the coarsest figure is the one that counts
        at = np.union1d(tie, tie + 1)
        order[at] = order[at][np.lexsort((-rank_of(order[at]), key[at]))]
    return order


def running_totals(obs: Obs, freq_rank: np.ndarray, cumulative: np.ndarray, t0: np.ndarray,
                   t_end: np.ndarray) -> Obs:
    """Replace the flows of cumulative series by running totals over the plan's periods.

    Flows before the plan start and after the plan end are dropped (a plan's total stops at its end year);
    within a calendar year the coarsest figure counts (a yearly total supersedes quarterly and monthly ones, a
    quarter supersedes its months).
    """
    is_cum = cumulative[obs.sid]
    if not is_cum.any():
        return obs
    at = np.flatnonzero(is_cum)
    at = at[(obs.t[at] > t0[obs.sid[at]] + EPS_T) & (obs.t[at] <= t_end[obs.sid[at]] + EPS_T)]
    sid = obs.sid[at]
    rank = freq_rank[obs.row[at]]
    month = per_day(obs.day[at] - 1, lambda days: days.astype("datetime64[D]").astype("datetime64[M]").astype(int))
    year, quarter = month // 12, month // 3  # of the period's last day, counted from 1970
    best_year = run_min(rank, sid, year)
    best_quarter = run_min(rank, sid, quarter)
    # a year's total wins; without one, quarters win over their months; months stand where nothing coarser does
    at = at[(rank == best_year) | ((best_year == 1) & (rank == 2) & (best_quarter == 2))]
    value = obs.value.copy()
    value[at] = pd.Series(obs.value[at]).groupby(obs.sid[at], sort=False).cumsum().to_numpy()
    keep = ~is_cum
    keep[at] = True
    return obs._replace(value=value) if keep.all() else obs._replace(value=value).take(keep)


def run_min(values: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """For each row, the minimum of ``values`` over its run of rows with equal keys."""
    first, last = group_bounds(*keys)
    return np.repeat(np.minimum.reduceat(values, first), last - first + 1) if len(values) else values


def group_bounds(*keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last positions of each run of rows with equal keys (in arrays sorted by them)."""
    if len(keys[0]) == 0:
        empty = np.array([], dtype=int)
        return empty, empty
    change = np.zeros(len(keys[0]) - 1, dtype=bool)
    for key in keys:
        change |= key[1:] != key[:-1]
    change = np.flatnonzero(change)
    return np.concatenate([[0], change + 1]), np.concatenate([change, [len(keys[0]) - 1]])


def edge(obs: Obs, mask: np.ndarray, n: int, last: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Time, value and position in ``obs`` of each series' first (or last) observation among ``mask``.

    NaN, NaN and -1 where a series has none.
    """
    ref_t = np.full(n, np.nan)
    ref_v = np.full(n, np.nan)
    index = np.full(n, -1, dtype=np.int64)
    at = np.flatnonzero(mask)
    if len(at):
        sid = obs.sid[at]
        at = at[group_bounds(sid)[1 if last else 0]]
        ref_t[obs.sid[at]] = obs.t[at]
        ref_v[obs.sid[at]] = obs.value[at]
        index[obs.sid[at]] = at
    return ref_t, ref_v, index


class Lookup:
    """Binary search over the sorted observations by (series, period end): the value at a day, the latest up to a
    day, the first after a day, for every series at once (a searchsorted per question, no mask over all values).
    """

    _SPAN = 1 << 20  # days: keys are series × span + day, so one sorted array serves every series

    def __init__(self, obs: Obs) -> None:
        self.obs = obs
        self.day0 = int(obs.day.min()) - 1 if len(obs.day) else 0
        self.keys = obs.sid.astype(np.int64) * self._SPAN + (obs.day - self.day0)

    def _key(self, day: np.ndarray, sid: np.ndarray) -> np.ndarray:
        return sid * self._SPAN + np.clip(np.asarray(day, dtype=np.int64) - self.day0, 0, self._SPAN - 1)

    def upto(self, day: np.ndarray, sid: np.ndarray | None = None) -> np.ndarray:
        """Position of the latest observation of each series (all, or those in ``sid``) ending on or before
        ``day`` (-1 where none)."""
        sid = np.arange(len(day), dtype=np.int64) if sid is None else sid
        pos = np.searchsorted(self.keys, self._key(day, sid), side="right") - 1
        ok = pos >= 0
        ok[ok] = self.obs.sid[pos[ok]] == sid[ok]
        return np.where(ok, pos, -1)

    def after(self, day: np.ndarray, sid: np.ndarray | None = None) -> np.ndarray:
        """Position of the first observation of each series ending after ``day`` (-1 where none)."""
        sid = np.arange(len(day), dtype=np.int64) if sid is None else sid
        pos = np.searchsorted(self.keys, self._key(day, sid), side="right")
        ok = pos < len(self.keys)
        ok[ok] = self.obs.sid[pos[ok]] == sid[ok]
        return np.where(ok, pos, -1)

    def on(self, day: np.ndarray, sid: np.ndarray | None = None) -> np.ndarray:
        """Position of the observation of each series ending exactly on ``day``, the coarsest of several."""
        pos = self.upto(day, sid)
        found = pos >= 0
        found[found] = self.obs.day[pos[found]] == np.asarray(day)[found]
        return np.where(found, pos, -1)

    def count_between(self, lo: np.ndarray, hi: np.ndarray, sid: np.ndarray) -> np.ndarray:
        """How many observations of each series in ``sid`` end after ``lo`` and on or before ``hi``."""
        right = np.searchsorted(self.keys, self._key(hi, sid), side="right")
        left = np.searchsorted(self.keys, self._key(lo, sid), side="right")
        return np.maximum(right - left, 0)

    def values(self, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Time and value at positions from the methods above; NaN where -1."""
        found = pos >= 0
        t = np.where(found, self.obs.t[np.where(found, pos, 0)] if len(self.keys) else np.nan, np.nan)
        v = np.where(found, self.obs.value[np.where(found, pos, 0)] if len(self.keys) else np.nan, np.nan)
        return t, v


def milestone_arrays(keys: dict[str, tuple], n: int, milestones: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Milestone times (year + 1) and values as (n, K) arrays padded with inf / NaN, by year within a row."""
    years, values = year_matrix(keys, n, milestones)
    return np.where(np.isfinite(years), years + 1.0, np.inf), values


def year_matrix(keys: dict[str, tuple], n: int, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Years and values of a long frame keyed by plan and indicator (milestones, annual targets, rebases) as
    (n, K) arrays padded with NaN, sorted by year within a row."""
    rows, sid = join(
        [keys[c.PLAN_ID], keys[c.INDICATOR_ID]],
        [column_values(frame[name], slice(None)) for name in (c.PLAN_ID, c.INDICATOR_ID)],
    )
    year = frame[c.YEAR].to_numpy(dtype=float)[rows]
    value = frame[c.VALUE].to_numpy(dtype=float)[rows]
    order = np.lexsort((year, sid))
    sid, year, value = sid[order], year[order], value[order]
    first, last = group_bounds(sid)
    pos = np.arange(len(sid)) - np.repeat(first, last - first + 1)
    k = max(int(pos.max()) + 1 if len(pos) else 1, 1)
    years, values = np.full((n, k), np.nan), np.full((n, k), np.nan)
    years[sid, pos] = year
    values[sid, pos] = value
    return years, values
