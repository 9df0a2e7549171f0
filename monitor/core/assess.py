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

from collections.abc import Callable, Sequence
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
_FIRST_PERIOD_END_MONTH = {"annual": 13, "quarterly": 4, "monthly": 2}
_RANKED = ["Y", "Q"]  # a figure's rank is its frequency's position here: 0 yearly, 1 quarterly, 2 finer

NOTE_BASELINE_FROM_FIRST = "基期值未知，以首个报送值为基期"
NOTE_ONE_VALUE = "基期值未知且仅有一个报送值"
NOTE_NOT_POSITIVE = "复合增长路径要求数值为正"
NOTE_BEFORE_BASELINE = "报送期早于基期"
NOTE_NOTHING_DUE = "尚无到期应报数据"
NOTE_KEEP_LEVEL = "目标为保持水平，按是否达到目标判断"
NOTE_NO_MILESTONE = "基期晚于全部目标年份"

_STR = pd.Series(["text"]).dtype  # the dtype pandas gives a column of text
# pandas 3 copies on write, so the result can share the series' text columns until either of them is changed
_SHARE = int(pd.__version__.split(".")[0]) >= 3


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
    Key columns (plan, region, indicator, frequency) may hold text or be categorical. The storage layer hands
    them over as categoricals numbered by the database; their numbers are then matched directly, and only the
    few distinct values are compared as text. The result holds text either way.
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

    keys = {name: _factorized(s[name]) for name in (c.REGION_CODE, c.INDICATOR_ID, c.PLAN_ID)}
    freq_rank = _lookup(observations[c.FREQ], _RANKED)
    obs = _observations_by_series(keys, observations, freq_rank, as_of)
    obs = _running_totals(obs, freq_rank, cumulative, t0)

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
    mt, mv = _milestone_arrays(keys, n, milestones)
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
    settling = year_end & (obs.t <= np.where(after_last, target_t, np.inf)[obs.sid] + _EPS_T)
    verdict_value = _edge(obs, settling, n, last=True)[1]
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
    status = np.select(conditions, _status_codes(*choices), default=_status_codes(st.REGRESSING)[0])
    notes = [
        "", NOTE_NOTHING_DUE, "", NOTE_NO_MILESTONE, NOTE_BEFORE_BASELINE, NOTE_NOT_POSITIVE,
        NOTE_ONE_VALUE, "", NOTE_KEEP_LEVEL, NOTE_KEEP_LEVEL,
    ]
    notes += ["", NOTE_BASELINE_FROM_FIRST]  # when no condition holds; where an empty note gives way to it
    note = np.select(conditions[: len(notes) - 2], range(len(notes) - 2), default=len(notes) - 2)
    note = np.where(estimated & (np.array(notes) == "")[note], len(notes) - 1, note)

    projected, required = _projection(obs, year_end, n, actual, t_eval, baseline, tb, target, target_t, compound, has)
    required[np.isin(status, _status_codes(st.ACHIEVED, st.MISSED, st.NO_DATA, st.NOT_ASSESSABLE))] = np.nan
    unassessable = np.isin(status, _status_codes(st.NO_DATA, st.NOT_ASSESSABLE)) & ~has
    for arr in (expected, gap, shortfall, progress, projected):
        arr[unassessable] = np.nan

    target_year = np.where(np.isfinite(target_t), target_t - 1.0, np.nan)
    text = [c.PLAN_ID, c.REGION_CODE, c.REGION_NAME, c.INDICATOR_ID, c.INDICATOR_NAME, c.UNIT, c.KIND]
    result = {name: _text(s[name]) for name in text} | {
        c.BINDING: _text(s[c.BINDING]) if c.BINDING in s else None,
        c.DIRECTION: _labels(["higher", "lower"], direction < 0),
        c.TRAJECTORY: _labels(["linear", "compound"], compound),
        c.PERIOD: period,
        c.T: t,
        c.BASELINE: np.where(np.isfinite(baseline), baseline, np.nan),
        c.BASELINE_ESTIMATED: estimated,
        c.TARGET: target,
        c.TARGET_YEAR: pd.arrays.IntegerArray(
            np.where(np.isfinite(target_year), target_year, 0).astype(np.int64), ~np.isfinite(target_year)
        ),
        c.EXPECTED: expected, c.ACTUAL: actual, c.GAP: gap, c.SHORTFALL: shortfall, c.PACE: pace,
        c.PROGRESS: progress, c.PROJECTED: projected, c.REQUIRED_RATE: required,
        c.STATUS: _labels(st.STATUSES, status),
        c.SEVERITY: _labels([st.SEVERITY_OF[name] for name in st.STATUSES], status),
        c.NOTE: _labels(notes, note),
    }
    return pd.DataFrame({name: result[name] for name in c.ASSESSMENT_COLUMNS}, copy=not _SHARE)


def _status_codes(*names: str) -> list[int]:
    """Positions of statuses in :data:`status.STATUSES`, which number them here."""
    return [st.STATUSES.index(name) for name in names]


def _labels(labels: Sequence[str], codes: np.ndarray) -> object:
    """A text column of ``labels[code]``, made without checking every value again."""
    return pd.array(np.asarray(labels, dtype=object), dtype=_STR).take(codes.astype(np.int64))


def _text(column: pd.Series) -> object:
    """A text column as the result frame takes it: as it is when already text, else as an array to infer from."""
    if isinstance(column.dtype, pd.CategoricalDtype) and column.cat.categories.dtype == _STR:
        return _labels(column.cat.categories.array, column.cat.codes.to_numpy())  # what the codes stand for
    return column if column.dtype == _STR else column.to_numpy()


def _factorized(column: pd.Series) -> tuple[np.ndarray, object]:
    """Codes and the distinct values they number, missing values numbered too, as ``pd.factorize`` gives them.

    A categorical column's own codes serve when it has no missing values (categories nobody uses do no harm).
    """
    if isinstance(column.dtype, pd.CategoricalDtype) and not column.isna().any():
        return column.cat.codes.to_numpy().astype(np.int64), column.cat.categories
    return pd.factorize(column, use_na_sentinel=False)


class _Obs(NamedTuple):
    """Observations matched to series, sorted by series, period end and coarseness (the coarsest figure last)."""

    sid: np.ndarray  # series position
    day: np.ndarray  # period end, days since 1970-01-01
    t: np.ndarray  # period end as a decimal year
    value: np.ndarray
    row: np.ndarray  # position in the observations frame, to read labels and frequencies

    def take(self, index: np.ndarray) -> _Obs:
        return _Obs(*(column[index] for column in self))


def _observations_by_series(
    keys: dict[str, tuple], observations: pd.DataFrame, freq_rank: np.ndarray, as_of: date
) -> _Obs:
    """Observations up to the as-of date with a finite value, keyed by series position and sorted.

    ``keys`` has the series' key columns as ``pd.factorize`` gives them; ``freq_rank`` the rank of each
    observation's frequency.
    """
    ends = pd.to_datetime(observations[c.PERIOD_END]).to_numpy()
    values = observations[c.VALUE].to_numpy(dtype=float)
    rows = np.flatnonzero((ends <= np.datetime64(pd.Timestamp(as_of))) & np.isfinite(values))
    pick = slice(None) if len(rows) == len(values) else rows  # a view, not a copy, when every row counts
    matched, sid = _join(
        [keys[c.REGION_CODE], keys[c.INDICATOR_ID]],
        [_column(observations[name], pick) for name in (c.REGION_CODE, c.INDICATOR_ID)],
    )
    rows = rows[matched]
    day = ends[rows].astype("datetime64[D]").astype(np.int64)
    order = _time_order(sid, day, lambda at: freq_rank[rows[at]])
    sid, day, rows = sid[order], day[order], rows[order]
    return _Obs(sid, day, _decimal_years(day), values[rows], rows)


def _per_day(day: np.ndarray, compute: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``compute(day)`` for days since 1970, evaluated once per day of their range when the range is short."""
    if len(day) == 0 or day.max() - day.min() >= len(day):
        return compute(day)
    return compute(np.arange(day.min(), day.max() + 1))[day - day.min()]


def _decimal_years(day: np.ndarray) -> np.ndarray:
    """Days since 1970 as decimal years."""
    return _per_day(day, lambda days: decimal_years_of_days(days.astype("datetime64[D]")))


def _column(column: pd.Series, pick: slice | np.ndarray) -> np.ndarray | pd.Categorical:
    """The picked rows of a key column: its categorical values as they are, anything else as objects."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.array[pick]
    return column.to_numpy(dtype=object)[pick]


def _lookup(values: np.ndarray | pd.Categorical | pd.Series, uniques: pd.Index | list[str]) -> np.ndarray:
    """Position of each value among ``uniques``, ``len(uniques)`` where absent; missing values match each other.

    The values are numbered first, so only the distinct ones are looked up. Categorical values come numbered
    (the storage layer hands over regions, indicators and frequencies so); anything else is numbered by pandas,
    which does this fast for an object array of text.
    """
    uniques = np.asarray(uniques, dtype=object)
    position = dict(zip(uniques.tolist(), range(len(uniques))))
    if isinstance(values.dtype, pd.CategoricalDtype):
        categorical = values.array if isinstance(values, pd.Series) else values
        codes, distinct = categorical.codes, categorical.categories
    else:
        # missing values get -1, and so the last entry of ``found``
        codes, distinct = pd.factorize(np.asarray(values, dtype=object))
    found = np.fromiter(map(position.get, distinct, repeat(len(uniques))), dtype=np.int64, count=len(distinct))
    na = np.flatnonzero(pd.isna(uniques))
    return np.append(found, na[0] if len(na) else len(uniques))[codes]


def _join(series: list[tuple], other: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (row, series position) whose key columns are equal, by row and then position: an inner merge.

    ``series`` has the series' key columns as ``pd.factorize`` gives them, ``other`` the other frame's. Each column
    is numbered by the values the series have, plus one number for any other value, which no series key has.
    """
    series_key = np.zeros(len(series[0][0]), dtype=np.int64)
    other_key = np.zeros(len(other[0]), dtype=np.int64)
    size = 1
    for (codes, uniques), column in zip(series, other):
        series_key = series_key * (len(uniques) + 1) + codes
        other_key = other_key * (len(uniques) + 1) + _lookup(column, uniques)
        size *= len(uniques) + 1
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


def _running_totals(obs: _Obs, freq_rank: np.ndarray, cumulative: np.ndarray, t0: np.ndarray) -> _Obs:
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
    rank = freq_rank[obs.row[at]]
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
    first, last = _group_bounds(*keys)
    return np.repeat(np.minimum.reduceat(values, first), last - first + 1) if len(values) else values


def _group_bounds(*keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last positions of each run of rows with equal keys (in arrays sorted by them)."""
    if len(keys[0]) == 0:
        empty = np.array([], dtype=int)
        return empty, empty
    change = np.zeros(len(keys[0]) - 1, dtype=bool)
    for key in keys:
        change |= key[1:] != key[:-1]
    change = np.flatnonzero(change)
    return np.concatenate([[0], change + 1]), np.concatenate([change, [len(keys[0]) - 1]])


def _milestone_arrays(keys: dict[str, tuple], n: int, milestones: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Milestone times (year + 1) and values as (n, K) arrays padded with inf / NaN, by year within a row."""
    rows, sid = _join(
        [keys[c.PLAN_ID], keys[c.INDICATOR_ID]],
        [_column(milestones[name], slice(None)) for name in (c.PLAN_ID, c.INDICATOR_ID)],
    )
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
    t: np.ndarray, tb: np.ndarray, baseline: np.ndarray, mt: np.ndarray, mv: np.ndarray, passed: np.ndarray,
    after_last: np.ndarray, compound: np.ndarray,
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


def _projection(
    obs: _Obs, year_end: np.ndarray, n: int, actual: np.ndarray, t: np.ndarray, baseline: np.ndarray,
    tb: np.ndarray, target: np.ndarray, target_t: np.ndarray, compound: np.ndarray, has: np.ndarray,
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

    The candidates are the year-end values before ``t`` and the baseline: the earliest inside the projection
    window, or else the latest before it. At a time both have, the baseline counts as the later one.
    """
    window = t - _PROJECTION_WINDOW - _EPS_T
    usable = year_end & (obs.t < t[obs.sid] - _EPS_T)
    inside = usable & (obs.t >= window[obs.sid])
    base = np.isfinite(baseline) & (tb < t - _EPS_T)
    in_t, in_v = _edge(obs, inside, len(t), last=False)
    use = base & (tb >= window) & ~(in_t <= tb)  # comparisons with NaN (no value) are False
    in_t, in_v = np.where(use, tb, in_t), np.where(use, baseline, in_v)
    out_t, out_v = _edge(obs, usable & ~inside, len(t), last=True)
    use = base & (tb < window) & ~(out_t > tb)
    out_t, out_v = np.where(use, tb, out_t), np.where(use, baseline, out_v)
    found = np.isfinite(in_t)
    return np.where(found, in_t, out_t), np.where(found, in_v, out_v)


def _edge(obs: _Obs, mask: np.ndarray, n: int, last: bool) -> tuple[np.ndarray, np.ndarray]:
    """Time and value of each series' first (or last) observation among ``mask``; NaN where it has none."""
    ref_t = np.full(n, np.nan)
    ref_v = np.full(n, np.nan)
    at = np.flatnonzero(mask)
    if len(at):
        sid = obs.sid[at]
        at = at[_group_bounds(sid)[1 if last else 0]]
        ref_t[obs.sid[at]] = obs.t[at]
        ref_v[obs.sid[at]] = obs.value[at]
    return ref_t, ref_v


def _first_due(s: pd.DataFrame) -> np.ndarray:
    """Decimal-year date by which the first plan-period figure of each series is due."""
    year = s[c.BASELINE_YEAR].to_numpy(dtype=int) + 1
    frequency = _lookup(s[c.FREQUENCY].to_numpy(dtype=object), list(_FIRST_PERIOD_END_MONTH))
    month = np.array([*_FIRST_PERIOD_END_MONTH.values(), 13])[frequency]
    end_year = np.where(month == 13, year + 1, year)
    end_month = np.where(month == 13, 1, month)
    ends = ((end_year - 1970) * 12 + end_month - 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return _decimal_years(ends + s[c.DUE_DAYS].to_numpy(dtype=int))
