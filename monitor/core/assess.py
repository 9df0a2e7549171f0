"""Pace assessment: ``../shared/reference/pace-method.md`` as vectorised arithmetic over frames.

:func:`assess` takes three frames and a date and returns one row per series (plan × indicator): the latest value
whose period ended by the as-of date, the expected value on the trajectory at that time (序时进度), gap, pace,
progress, projection to the active milestone, the rate still required and the status. It reads no clock, no
database and no settings; there is no Python loop over rows.

Conventions, so a planner can check a number by hand:
- ``t`` is the end of the reported period as a decimal year; the baseline year 2020 sits at ``t0 = 2021.0`` and a
  2025 milestone at 2026.0.
- cumulative indicators are judged on the running total of flows reported since the plan start, from 0.
- growth-rate indicators follow ``E(t) = B·(1+X)^(t−t0)`` and their target is that path at the end of the plan.
- with no baseline ("/"), the first value reported by the as-of date becomes the baseline (``baseline_estimated``).
- the projection uses the change over the last five years of year-end values (the baseline counts as one):
  ``(A − V_ref)/(t − t_ref)`` per year, which equals the mean of the last ≤5 yearly changes when every year is
  reported; compound paths use the growth rate over the same window.
- ``required_rate`` is units per year on a linear path and a fraction per year (0.25 = 25 %) on a compound one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from itertools import repeat
from typing import NamedTuple

import numpy as np
import pandas as pd

from monitor.core import columns as c
from monitor.core import status as st
from monitor.core.periods import decimal_year, decimal_years_of_days

_EPS_T = 1e-9  # time comparisons, in years
_REL_TOL = 1e-9  # value comparisons, relative to the target's magnitude
_PACE_DECIMALS = 9  # pace is rounded before it meets a cut-off, so 0.95 on paper is 0.95 here
_PROJECTION_WINDOW = 5.0  # years
_FREQ_RANK = {"Y": 0, "Q": 1, "M": 2}
_FIRST_PERIOD_END_MONTH = {"annual": 13, "quarterly": 4, "monthly": 2}

NOTE_BASELINE_FROM_FIRST = "基期值未知，以首个报送值为基期"
NOTE_ONE_VALUE = "基期值未知且仅有一个报送值"
NOTE_NOT_POSITIVE = "复合增长路径要求数值为正"
NOTE_BEFORE_BASELINE = "报送期早于基期"
NOTE_NOTHING_DUE = "尚无到期应报数据"
NOTE_KEEP_LEVEL = "目标为保持水平，按是否达到目标判断"
NOTE_NO_MILESTONE = "基期晚于全部目标年份"

_STATUS_NAMES = np.array(st.STATUSES, dtype=object)
_STATUS_CODE = {name: code for code, name in enumerate(st.STATUSES)}
_SEVERITIES = np.array([st.SEVERITY_OF.get(name, np.nan) for name in st.STATUSES], dtype=object)
_STR = pd.Series(["text"]).dtype  # the dtype pandas gives a column of text


def assess(
    series: pd.DataFrame,
    milestones: pd.DataFrame,
    observations: pd.DataFrame,
    as_of: date,
    thresholds: st.Thresholds = st.Thresholds(),
) -> pd.DataFrame:
    """Assess every series as of a date. See the module docstring for the conventions.

    series: one row per plan × indicator with :data:`columns.SERIES_COLUMNS`.
    milestones: :data:`columns.MILESTONE_COLUMNS`, any order.
    observations: :data:`columns.OBSERVATION_COLUMNS`, the revision that counts for each period; rows whose
    period ends after ``as_of`` are ignored, as are rows for regions or indicators no series has.
    """
    s = series.reset_index(drop=True)
    n = len(s)
    if n == 0:
        return pd.DataFrame(columns=c.ASSESSMENT_COLUMNS)

    direction = np.where(s[c.DIRECTION].to_numpy() == "lower", -1.0, 1.0)
    kind = s[c.KIND].to_numpy().astype(object)
    cumulative = kind == "cumulative"
    growth = kind == "growth_rate"
    compound = (s[c.TRAJECTORY].to_numpy() == "compound") | growth
    compound &= ~cumulative
    t0 = s[c.BASELINE_YEAR].to_numpy(dtype=float) + 1.0
    plan_baseline = np.where(cumulative, 0.0, s[c.BASELINE].to_numpy(dtype=float))

    obs = _observations_by_series(s, observations, as_of)
    obs = _running_totals(obs, observations[c.FREQ].to_numpy(dtype=object), cumulative, t0)

    sid, t_obs, v_obs = obs.sid, obs.t, obs.value
    has = np.zeros(n, dtype=bool)
    first_pos, last_pos = _group_bounds(sid)
    owners = sid[last_pos]
    has[owners] = True

    actual = np.full(n, np.nan)
    t = np.full(n, np.nan)
    period = np.full(n, None, dtype=object)
    actual[owners] = v_obs[last_pos]
    t[owners] = t_obs[last_pos]
    period[owners] = observations[c.PERIOD].to_numpy(dtype=object)[obs.row[last_pos]]
    count = np.zeros(n, dtype=int)
    count[owners] = last_pos - first_pos + 1

    # the baseline: the plan's, 0 for cumulative, or the first value reported
    estimated = ~np.isfinite(plan_baseline) & has
    baseline = plan_baseline.copy()
    tb = t0.copy()
    first_value = np.full(n, np.nan)
    first_t = np.full(n, np.nan)
    first_value[owners] = v_obs[first_pos]
    first_t[owners] = t_obs[first_pos]
    baseline[estimated] = first_value[estimated]
    tb[estimated] = first_t[estimated]

    # milestone points; growth-rate series get one at the end of the plan
    mt, mv = _milestone_arrays(s, milestones)
    end_t = s[c.PLAN_END_YEAR].to_numpy(dtype=float) + 1.0
    rate = s[c.GROWTH_PERCENT].to_numpy(dtype=float) / 100.0
    mt[growth, :] = np.inf
    mv[growth, :] = np.nan
    mt[growth, 0] = end_t[growth]
    mv[growth, 0] = baseline[growth] * (1.0 + rate[growth]) ** (end_t[growth] - tb[growth])
    # milestones at or before the baseline time (possible with an estimated baseline) do not shape the path
    stale = mt <= tb[:, None] + _EPS_T
    mt = np.where(stale, np.inf, mt)
    mv = np.where(stale, np.nan, mv)
    order = np.argsort(mt, axis=1, kind="stable")
    mt = np.take_along_axis(mt, order, axis=1)
    mv = np.take_along_axis(mv, order, axis=1)
    n_ms = np.isfinite(mt).sum(axis=1)

    rows = np.arange(n)
    t_eval = np.where(has, t, tb)
    passed = (mt < t_eval[:, None] - _EPS_T).sum(axis=1)  # milestones strictly before t
    after_last = passed >= n_ms
    active = np.clip(np.where(after_last, n_ms - 1, passed), 0, None)
    target = mv[rows, active]
    target_t = mt[rows, active]
    no_milestone = n_ms == 0

    expected = _expected(t_eval, tb, baseline, mt, mv, passed, after_last, compound)
    expected[t_eval < tb - _EPS_T] = np.nan

    with np.errstate(divide="ignore", invalid="ignore"):
        gap = actual - expected
        shortfall = direction * (expected - actual)
        flat = np.abs(expected - baseline) <= _REL_TOL * np.maximum(1.0, np.abs(baseline))
        pace_lin = (actual - baseline) / (expected - baseline)
        pace_cmp = np.log(actual / baseline) / np.log(expected / baseline)
        pace = np.where(compound, pace_cmp, pace_lin)
        pace[flat | ~has] = np.nan
        progress = (actual - baseline) / (target - baseline)
        progress[np.abs(target - baseline) <= _REL_TOL * np.maximum(1.0, np.abs(baseline))] = np.nan

    positive = (baseline > 0) & (actual > 0) & np.all((mv > 0) | ~np.isfinite(mt), axis=1)
    bad_compound = compound & has & ~positive
    pace[bad_compound] = np.nan

    # the value that settles a milestone that has passed: the latest at or before it
    year_end = np.abs(t_obs - np.round(t_obs)) < _EPS_T  # a year, a fourth quarter or a December
    verdict_value = _value_at_or_before(obs, year_end, n, np.where(after_last, target_t, np.inf))
    verdict_value = np.where(np.isfinite(verdict_value), verdict_value, actual)
    judged = np.where(after_last, verdict_value, actual)
    tol = _REL_TOL * np.maximum(1.0, np.abs(target))
    achieved = has & ~no_milestone & (direction * (judged - target) >= -tol) & (t_eval >= tb - _EPS_T)
    reached = has & (t_eval >= target_t - _EPS_T)

    rounded = np.round(pace, _PACE_DECIMALS)
    first_due = _first_due(s)
    as_of_t = decimal_year(as_of)
    one_value = estimated & (count < 2)
    before_baseline = has & (t_eval < tb - _EPS_T)

    conditions = [
        ~has & (as_of_t >= first_due),
        ~has,
        achieved,
        no_milestone,
        before_baseline,
        bad_compound,
        one_value,
        reached,
        flat & (direction * (actual - expected) >= -tol),
        flat,
        rounded >= thresholds.on_track,
        rounded >= thresholds.behind,
        rounded >= 0,
    ]
    choices = [
        st.NO_DATA, st.NOT_ASSESSABLE, st.ACHIEVED, st.NOT_ASSESSABLE, st.NOT_ASSESSABLE, st.NOT_ASSESSABLE,
        st.NOT_ASSESSABLE, st.MISSED, st.ON_TRACK, st.REGRESSING, st.ON_TRACK, st.BEHIND, st.OFF_TRACK,
    ]
    status_code = np.select(conditions, [_STATUS_CODE[x] for x in choices], default=_STATUS_CODE[st.REGRESSING])
    status = _STATUS_NAMES[status_code]
    notes = [
        "", NOTE_NOTHING_DUE, "", NOTE_NO_MILESTONE, NOTE_BEFORE_BASELINE, NOTE_NOT_POSITIVE,
        NOTE_ONE_VALUE, "", NOTE_KEEP_LEVEL, NOTE_KEEP_LEVEL, "",
    ]
    note = np.array(notes, dtype=object)[np.select(conditions[: len(notes) - 1], range(len(notes) - 1), -1)]
    note = np.where(estimated & (note == ""), NOTE_BASELINE_FROM_FIRST, note)

    projected, required = _projection(
        obs, year_end, n, actual, t_eval, baseline, tb, target, target_t, compound, has
    )
    settled = np.isin(status_code, [_STATUS_CODE[x] for x in (st.ACHIEVED, st.MISSED, st.NO_DATA, st.NOT_ASSESSABLE)])
    required[settled] = np.nan
    unassessable = np.isin(status_code, [_STATUS_CODE[st.NO_DATA], _STATUS_CODE[st.NOT_ASSESSABLE]]) & ~has
    for arr in (expected, gap, shortfall, progress, projected):
        arr[unassessable] = np.nan

    target_year = np.where(np.isfinite(target_t), target_t - 1.0, np.nan)
    return pd.DataFrame(
        {
            c.PLAN_ID: _text(s[c.PLAN_ID]),
            c.REGION_CODE: _text(s[c.REGION_CODE]),
            c.REGION_NAME: _text(s[c.REGION_NAME]),
            c.INDICATOR_ID: _text(s[c.INDICATOR_ID]),
            c.INDICATOR_NAME: _text(s[c.INDICATOR_NAME]),
            c.UNIT: _text(s[c.UNIT]),
            c.DIRECTION: np.array(["higher", "lower"], dtype=object)[(direction < 0).astype(int)],
            c.KIND: _text(s[c.KIND]),
            c.TRAJECTORY: np.array(["linear", "compound"], dtype=object)[compound.astype(int)],
            c.BINDING: _text(s[c.BINDING]) if c.BINDING in s else None,
            c.PERIOD: period,
            c.T: t,
            c.BASELINE: np.where(np.isfinite(baseline), baseline, np.nan),
            c.BASELINE_ESTIMATED: estimated,
            c.TARGET: target,
            c.TARGET_YEAR: pd.arrays.IntegerArray(
                np.where(np.isfinite(target_year), target_year, 0).astype(np.int64), ~np.isfinite(target_year)
            ),
            c.EXPECTED: expected,
            c.ACTUAL: actual,
            c.GAP: gap,
            c.SHORTFALL: shortfall,
            c.PACE: pace,
            c.PROGRESS: progress,
            c.PROJECTED: projected,
            c.REQUIRED_RATE: required,
            c.STATUS: status,
            c.SEVERITY: _SEVERITIES[status_code],
            c.NOTE: note,
        }
    )


def _text(column: pd.Series) -> object:
    """A text column as the result frame takes it: as it is when already text, else as an array to infer from."""
    return column.array if column.dtype == _STR else column.to_numpy()


class _Obs(NamedTuple):
    """Observations matched to series, sorted by series, period end and coarseness (the coarsest figure last)."""

    sid: np.ndarray  # series position
    day: np.ndarray  # period end, days since 1970-01-01
    t: np.ndarray  # period end as a decimal year
    value: np.ndarray
    row: np.ndarray  # position in the observations frame, to read labels and frequencies

    def take(self, index: np.ndarray) -> _Obs:
        return _Obs(*(column[index] for column in self))


def _observations_by_series(s: pd.DataFrame, observations: pd.DataFrame, as_of: date) -> _Obs:
    """Observations up to the as-of date with a finite value, keyed by series position and sorted."""
    ends = pd.to_datetime(observations[c.PERIOD_END]).to_numpy()
    values = observations[c.VALUE].to_numpy(dtype=float)
    rows = np.flatnonzero((ends <= np.datetime64(pd.Timestamp(as_of))) & np.isfinite(values))
    everything = len(rows) == len(observations)
    series_key, obs_key, size = _pair_keys(
        [s[c.REGION_CODE], s[c.INDICATOR_ID]],
        [_objects(observations[c.REGION_CODE], None if everything else rows),
         _objects(observations[c.INDICATOR_ID], None if everything else rows)],
    )
    matched, sid = _match(series_key, obs_key, size)
    rows = rows[matched]
    day = ends[rows].astype("datetime64[D]").astype(np.int64)
    freq = observations[c.FREQ].to_numpy(dtype=object)
    order = _time_order(sid, day, lambda at: _freq_rank(freq[rows[at]]))
    sid, day, rows = sid[order], day[order], rows[order]
    t = _per_day(day, lambda days: decimal_years_of_days(days.astype("datetime64[D]")))
    return _Obs(sid, day, t, values[rows], rows)


def _objects(column: pd.Series, rows: np.ndarray | None) -> np.ndarray:
    """The values of a column as Python objects, at ``rows`` (all of them for None)."""
    values = column.to_numpy(dtype=object)
    return values if rows is None else values[rows]


def _per_day(day: np.ndarray, compute: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``compute(day)`` for days since 1970, evaluated once per day of their range when the range is short."""
    if len(day) == 0 or day.max() - day.min() >= len(day):
        return compute(day)
    return compute(np.arange(day.min(), day.max() + 1))[day - day.min()]


def _pair_keys(series: list[pd.Series], other: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, int]:
    """Integer keys in ``[0, size)`` for a multi-column key, equal where the values are.

    Each column is numbered by the values the series have, plus one number for any other value, so a key of the
    other frame that no series has is never equal to a series key.
    """
    series_key = np.zeros(len(series[0]), dtype=np.int64)
    other_key = np.zeros(len(other[0]), dtype=np.int64)
    size = 1
    for series_column, other_column in zip(series, other):
        codes, uniques = pd.factorize(series_column, use_na_sentinel=False)
        series_key = series_key * (len(uniques) + 1) + codes
        other_key = other_key * (len(uniques) + 1) + _lookup(other_column, uniques)
        size *= len(uniques) + 1
    return series_key, other_key, size


def _lookup(values: np.ndarray, uniques: pd.Index) -> np.ndarray:
    """Position of each value among ``uniques``, ``len(uniques)`` where absent.

    A dictionary beats hashing in pandas here, and a run of equal neighbours is looked up once.
    """
    position = {value: k for k, value in enumerate(uniques)}
    head = np.ones(len(values), dtype=bool)
    np.not_equal(values[1:], values[:-1], out=head[1:])
    at = np.flatnonzero(head)
    codes = np.fromiter(map(position.get, values[at], repeat(len(uniques))), dtype=np.int64, count=len(at))
    na = np.flatnonzero(pd.isna(uniques))
    if len(na):  # missing keys match each other, as in a merge, but NaN is not equal to itself
        absent = np.flatnonzero(codes == len(uniques))
        codes[absent[pd.isna(values[at[absent]])]] = na[0]
    return np.repeat(codes, np.diff(np.append(at, len(values))))


def _match(series_key: np.ndarray, other_key: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (row, series position) with equal keys, by row and then position: an inner merge, by integers."""
    if size > 4 * (len(series_key) + len(other_key)):  # sparse keys: number the ones the series have
        uniques, series_key = np.unique(series_key, return_inverse=True)
        at = np.clip(np.searchsorted(uniques, other_key), 0, len(uniques) - 1)
        other_key = np.where(uniques[at] == other_key, at, len(uniques))
        size = len(uniques) + 1
    count = np.bincount(series_key, minlength=size)
    if count.max(initial=0) <= 1:  # each key names one series at most
        sid_of = np.full(size, -1)
        sid_of[series_key] = np.arange(len(series_key))
        sid = sid_of[other_key]
        rows = np.flatnonzero(sid >= 0)
        return rows, sid if len(rows) == len(sid) else sid[rows]
    hits = count[other_key]
    rows = np.repeat(np.arange(len(other_key)), hits)  # a row once for each series with its key
    offset = np.arange(len(rows)) - np.repeat(np.cumsum(hits) - hits, hits)
    first = np.cumsum(count) - count
    return rows, np.argsort(series_key, kind="stable")[first[other_key[rows]] + offset]


def _time_order(sid: np.ndarray, day: np.ndarray, rank_of: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
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


def _freq_rank(letters: np.ndarray) -> np.ndarray:
    """0 for yearly, 1 for quarterly, 2 for monthly (and anything else) figures."""
    rank = np.full(len(letters), 2, dtype=np.int8)
    for letter, value in _FREQ_RANK.items():
        if value < 2:
            rank[letters == letter] = value
    return rank


def _running_totals(obs: _Obs, freq: np.ndarray, cumulative: np.ndarray, t0: np.ndarray) -> _Obs:
    """Replace the flows of cumulative series by running totals since the plan start.

    Flows before the plan are dropped; within a calendar year the coarsest figure counts (a yearly total
    supersedes quarterly and monthly ones, a quarter supersedes its months).
    """
    is_cum = cumulative[obs.sid]
    if not is_cum.any():
        return obs
    at = np.flatnonzero(is_cum)
    at = at[obs.t[at] > t0[obs.sid[at]] + _EPS_T]
    sid = obs.sid[at]
    rank = _freq_rank(freq[obs.row[at]])
    month = _per_day(obs.day[at] - 1, lambda days: days.astype("datetime64[D]").astype("datetime64[M]").astype(int))
    year, quarter = month // 12, month // 3  # of the period's last day, counted from 1970
    best_year = _run_min(rank, sid, year)
    best_quarter = _run_min(rank, sid, quarter)
    # a year's total wins; without one, quarters win over their months; months stand where nothing coarser does
    at = at[(rank == best_year) | ((best_year == 1) & (rank == 2) & (best_quarter == 2))]
    value = obs.value.copy()
    value[at] = pd.Series(obs.value[at]).groupby(obs.sid[at], sort=False).cumsum().to_numpy()
    keep = ~is_cum
    keep[at] = True
    return obs._replace(value=value) if keep.all() else obs._replace(value=value).take(keep)


def _run_min(values: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """For each row, the minimum of ``values`` over its run of rows with equal keys."""
    if len(values) == 0:
        return values
    change = np.zeros(len(values), dtype=bool)
    change[0] = True
    for key in keys:
        change[1:] |= key[1:] != key[:-1]
    starts = np.flatnonzero(change)
    return np.repeat(np.minimum.reduceat(values, starts), np.diff(np.append(starts, len(values))))


def _group_bounds(sorted_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last positions of each run of equal ids in a sorted array."""
    if len(sorted_ids) == 0:
        empty = np.array([], dtype=int)
        return empty, empty
    change = np.flatnonzero(sorted_ids[1:] != sorted_ids[:-1])
    first = np.concatenate([[0], change + 1])
    last = np.concatenate([change, [len(sorted_ids) - 1]])
    return first, last


def _milestone_arrays(s: pd.DataFrame, milestones: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Milestone times (year + 1) and values as (n, K) arrays padded with inf / NaN, by year within a row."""
    n = len(s)
    series_key, milestone_key, size = _pair_keys(
        [s[c.PLAN_ID], s[c.INDICATOR_ID]],
        [milestones[c.PLAN_ID].to_numpy(dtype=object), milestones[c.INDICATOR_ID].to_numpy(dtype=object)],
    )
    rows, sid = _match(series_key, milestone_key, size)
    year = milestones[c.YEAR].to_numpy(dtype=float)[rows]
    value = milestones[c.VALUE].to_numpy(dtype=float)[rows]
    order = np.lexsort((year, sid))
    sid, year, value = sid[order], year[order], value[order]
    first, last = _group_bounds(sid)
    pos = np.arange(len(sid)) - np.repeat(first, last - first + 1)
    k = max(int(pos.max()) + 1 if len(pos) else 1, 1)
    mt = np.full((n, k), np.inf)
    mv = np.full((n, k), np.nan)
    mt[sid, pos] = year + 1.0
    mv[sid, pos] = value
    return mt, mv


def _expected(
    t: np.ndarray,
    tb: np.ndarray,
    baseline: np.ndarray,
    mt: np.ndarray,
    mv: np.ndarray,
    passed: np.ndarray,
    after_last: np.ndarray,
    compound: np.ndarray,
) -> np.ndarray:
    """E(t) on the piecewise path through the baseline and every milestone; flat after the last one."""
    rows = np.arange(len(t))
    pt = np.column_stack([tb, mt])
    pv = np.column_stack([baseline, mv])
    k = pt.shape[1] - 1
    lo = np.clip(passed, 0, k)
    hi = np.clip(passed + 1, 0, k)
    lo_t, lo_v = pt[rows, lo], pv[rows, lo]
    hi_t, hi_v = pt[rows, hi], pv[rows, hi]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = (t - lo_t) / (hi_t - lo_t)
        linear = lo_v + (hi_v - lo_v) * frac
        ratio = hi_v / lo_v
        growth = lo_v * np.power(np.where(ratio > 0, ratio, np.nan), frac)
    value = np.where(compound, growth, linear)
    n_ms = np.isfinite(mt).sum(axis=1)
    last_v = pv[rows, np.clip(n_ms, 0, k)]
    return np.where(after_last, last_v, value)


def _value_at_or_before(obs: _Obs, year_end: np.ndarray, n: int, limit_t: np.ndarray) -> np.ndarray:
    """For each series, the latest year-end value with t at or before ``limit_t`` (NaN if none)."""
    out = np.full(n, np.nan)
    mask = year_end & (obs.t <= limit_t[obs.sid] + _EPS_T)
    if not mask.any():
        return out
    kept_sid = obs.sid[mask]
    _, last = _group_bounds(kept_sid)
    out[kept_sid[last]] = obs.value[mask][last]
    return out


def _projection(
    obs: _Obs,
    year_end: np.ndarray,
    n: int,
    actual: np.ndarray,
    t: np.ndarray,
    baseline: np.ndarray,
    tb: np.ndarray,
    target: np.ndarray,
    target_t: np.ndarray,
    compound: np.ndarray,
    has: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Projected value at the active milestone, and the rate per year still required to reach it."""
    ref_t, ref_v = _reference_points(obs, year_end, t, baseline, tb)
    horizon = np.clip(target_t - t, 0.0, None)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        span = t - ref_t
        slope = (actual - ref_v) / span
        growth = np.power(np.where((actual > 0) & (ref_v > 0), actual / ref_v, np.nan), 1.0 / span)
        projected = np.where(compound, actual * np.power(growth, horizon), actual + slope * horizon)
        projected = np.where(horizon <= _EPS_T, actual, projected)
        projected[~has] = np.nan
        remaining = target_t - t
        lin_required = (target - actual) / remaining
        cmp_required = np.power(np.where((target > 0) & (actual > 0), target / actual, np.nan), 1.0 / remaining) - 1
        required = np.where(compound, cmp_required, lin_required)
        required[~(remaining > _EPS_T) | ~has] = np.nan
    return projected, required


def _reference_points(
    obs: _Obs, year_end: np.ndarray, t: np.ndarray, baseline: np.ndarray, tb: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Time and value the projection measures the change from, per series (NaN where there is none).

    The candidates are the year-end values before ``t`` and the baseline; the reference is the earliest one inside
    the projection window, or else the latest before it. Where the baseline and a value share a time, the value
    comes first.
    """
    window = t - _PROJECTION_WINDOW - _EPS_T
    usable = year_end & (obs.t < t[obs.sid] - _EPS_T)
    inside = usable & (obs.t >= window[obs.sid])
    first_in_t, first_in_v = _edge(obs, inside, len(t), last=False)
    last_out_t, last_out_v = _edge(obs, usable & ~inside, len(t), last=True)
    base = np.isfinite(baseline) & (tb < t - _EPS_T)
    base_in = base & (tb >= window)
    base_out = base & ~base_in
    # NaN comparisons are False: a baseline with no value to compete with always wins
    use_base_in = base_in & ~(first_in_t <= tb)
    use_base_out = base_out & ~(last_out_t > tb)
    any_in = use_base_in | np.isfinite(first_in_t)
    ref_t = np.where(use_base_in, tb, first_in_t)
    ref_v = np.where(use_base_in, baseline, first_in_v)
    ref_t = np.where(any_in, ref_t, np.where(use_base_out, tb, last_out_t))
    ref_v = np.where(any_in, ref_v, np.where(use_base_out, baseline, last_out_v))
    return ref_t, ref_v


def _edge(obs: _Obs, mask: np.ndarray, n: int, last: bool) -> tuple[np.ndarray, np.ndarray]:
    """Time and value of each series' first (or last) observation among ``mask``; NaN where it has none."""
    ref_t = np.full(n, np.nan)
    ref_v = np.full(n, np.nan)
    sid = obs.sid[mask]
    if len(sid):
        pos = _group_bounds(sid)[1 if last else 0]
        ref_t[sid[pos]] = obs.t[mask][pos]
        ref_v[sid[pos]] = obs.value[mask][pos]
    return ref_t, ref_v


def _first_due(s: pd.DataFrame) -> np.ndarray:
    """Decimal-year date by which the first plan-period figure of each series is due."""
    year = s[c.BASELINE_YEAR].to_numpy(dtype=int) + 1
    frequency = s[c.FREQUENCY].to_numpy(dtype=object)
    month = np.fromiter(map(_FIRST_PERIOD_END_MONTH.get, frequency, repeat(13)), dtype=int, count=len(frequency))
    end_year = np.where(month == 13, year + 1, year)
    end_month = np.where(month == 13, 1, month)
    ends = ((end_year - 1970) * 12 + end_month - 1).astype("datetime64[M]").astype("datetime64[D]")
    return decimal_years_of_days(ends + s[c.DUE_DAYS].to_numpy(dtype=int))
