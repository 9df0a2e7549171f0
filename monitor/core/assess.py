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

from datetime import date

import numpy as np
import pandas as pd

from monitor.core import columns as c
from monitor.core import status as st
from monitor.core.periods import decimal_year, decimal_years

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
    obs = _running_totals(obs, cumulative, t0)

    sid = obs["sid"].to_numpy()
    t_obs = obs[c.T].to_numpy()
    v_obs = obs[c.VALUE].to_numpy()
    has = np.zeros(n, dtype=bool)
    first_pos, last_pos = _group_bounds(sid)
    owners = sid[last_pos]
    has[owners] = True

    actual = np.full(n, np.nan)
    t = np.full(n, np.nan)
    period = np.full(n, None, dtype=object)
    actual[owners] = v_obs[last_pos]
    t[owners] = t_obs[last_pos]
    period[owners] = obs[c.PERIOD].to_numpy()[last_pos]
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
    verdict_value = _value_at_or_before(obs, n, np.where(after_last, target_t, np.inf), year_end_only=True)
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
    status = np.select(conditions, choices, default=st.REGRESSING)
    notes = [
        "", NOTE_NOTHING_DUE, "", NOTE_NO_MILESTONE, NOTE_BEFORE_BASELINE, NOTE_NOT_POSITIVE,
        NOTE_ONE_VALUE, "", NOTE_KEEP_LEVEL, NOTE_KEEP_LEVEL,
    ]
    note = np.select(conditions[: len(notes)], notes, default="").astype(object)
    note = np.where(estimated & (note == ""), NOTE_BASELINE_FROM_FIRST, note)

    projected, required = _projection(
        obs, n, actual, t_eval, baseline, tb, target, target_t, compound, has
    )
    settled = np.isin(status, [st.ACHIEVED, st.MISSED, st.NO_DATA, st.NOT_ASSESSABLE])
    required[settled] = np.nan
    unassessable = np.isin(status, [st.NO_DATA, st.NOT_ASSESSABLE]) & ~has
    for arr in (expected, gap, shortfall, progress, projected):
        arr[unassessable] = np.nan

    target_year = np.where(np.isfinite(target_t), target_t - 1.0, np.nan)
    out = pd.DataFrame(
        {
            c.PLAN_ID: s[c.PLAN_ID].to_numpy(),
            c.REGION_CODE: s[c.REGION_CODE].to_numpy(),
            c.REGION_NAME: s[c.REGION_NAME].to_numpy(),
            c.INDICATOR_ID: s[c.INDICATOR_ID].to_numpy(),
            c.INDICATOR_NAME: s[c.INDICATOR_NAME].to_numpy(),
            c.UNIT: s[c.UNIT].to_numpy(),
            c.DIRECTION: np.where(direction < 0, "lower", "higher"),
            c.KIND: kind,
            c.TRAJECTORY: np.where(compound, "compound", "linear"),
            c.BINDING: s[c.BINDING].to_numpy() if c.BINDING in s else None,
            c.PERIOD: period,
            c.T: t,
            c.BASELINE: np.where(np.isfinite(baseline), baseline, np.nan),
            c.BASELINE_ESTIMATED: estimated,
            c.TARGET: target,
            c.TARGET_YEAR: pd.array(np.where(np.isfinite(target_year), target_year, 0).astype(int), dtype="Int64"),
            c.EXPECTED: expected,
            c.ACTUAL: actual,
            c.GAP: gap,
            c.SHORTFALL: shortfall,
            c.PACE: pace,
            c.PROGRESS: progress,
            c.PROJECTED: projected,
            c.REQUIRED_RATE: required,
            c.STATUS: status,
            c.SEVERITY: pd.Series(status).map(st.SEVERITY_OF).to_numpy(),
            c.NOTE: note,
        }
    )
    out.loc[~np.isfinite(target_year), c.TARGET_YEAR] = pd.NA
    return out


def _observations_by_series(s: pd.DataFrame, observations: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Observations up to the as-of date, keyed by series position, sorted by series and time."""
    keys = pd.DataFrame(
        {c.REGION_CODE: s[c.REGION_CODE].to_numpy(), c.INDICATOR_ID: s[c.INDICATOR_ID].to_numpy(),
         "sid": np.arange(len(s))}
    )
    ends = pd.to_datetime(observations[c.PERIOD_END])
    kept = observations.loc[(ends <= pd.Timestamp(as_of)).to_numpy(), [c.REGION_CODE, c.INDICATOR_ID, c.PERIOD,
                                                                     c.FREQ, c.PERIOD_END, c.VALUE]]
    kept = kept[np.isfinite(kept[c.VALUE].to_numpy(dtype=float))]
    merged = kept.merge(keys, on=[c.REGION_CODE, c.INDICATOR_ID], how="inner")
    out = pd.DataFrame({
        "sid": merged["sid"].to_numpy(),
        c.PERIOD: merged[c.PERIOD].to_numpy(dtype=object),
        c.PERIOD_END: pd.to_datetime(merged[c.PERIOD_END]).to_numpy(),
        c.T: decimal_years(merged[c.PERIOD_END]),
        c.VALUE: merged[c.VALUE].to_numpy(dtype=float),
        "rank": _freq_rank(merged[c.FREQ]),
    })
    # periods ending together (2024, 2024Q4, 2024-12): the coarsest figure is the one that counts
    order = np.lexsort((-out["rank"].to_numpy(), out[c.T].to_numpy(), out["sid"].to_numpy()))
    return out.take(order).reset_index(drop=True)


def _freq_rank(freq: pd.Series) -> np.ndarray:
    """0 for yearly, 1 for quarterly, 2 for monthly (and anything else) figures."""
    letters = freq.to_numpy(dtype=object)
    rank = np.full(len(letters), 2, dtype=np.int8)
    for letter, value in _FREQ_RANK.items():
        rank[letters == letter] = value
    return rank


def _running_totals(obs: pd.DataFrame, cumulative: np.ndarray, t0: np.ndarray) -> pd.DataFrame:
    """Replace the flows of cumulative series by running totals since the plan start.

    Flows before the plan are dropped; within a calendar year the coarsest figure counts (a yearly total
    supersedes quarterly and monthly ones, a quarter supersedes its months).
    """
    is_cum = cumulative[obs["sid"].to_numpy()]
    if not is_cum.any():
        return obs
    cum = obs[is_cum]
    cum = cum[cum[c.T].to_numpy() > t0[cum["sid"].to_numpy()] + _EPS_T]
    ends = pd.to_datetime(cum[c.PERIOD_END]) - pd.Timedelta(days=1)
    year = ends.dt.year.to_numpy()
    quarter = ends.dt.quarter.to_numpy()
    rank = cum["rank"].to_numpy()
    frame = pd.DataFrame({"sid": cum["sid"].to_numpy(), "year": year, "quarter": quarter, "rank": rank})
    best_year = frame.groupby(["sid", "year"])["rank"].transform("min").to_numpy()
    best_quarter = frame.groupby(["sid", "year", "quarter"])["rank"].transform("min").to_numpy()
    # a year's total wins; without one, quarters win over their months; months stand where nothing coarser does
    keep = (rank == best_year) | ((best_year == 1) & (rank == 2) & (best_quarter == 2))
    cum = cum[keep].copy()
    cum[c.VALUE] = cum.groupby("sid", sort=False)[c.VALUE].cumsum().to_numpy()
    merged = pd.concat([obs[~is_cum], cum], ignore_index=True)
    return merged.sort_values(["sid", c.T], kind="stable", ignore_index=True)


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
    """Milestone times (year + 1) and values as (n, K) arrays padded with inf / NaN."""
    n = len(s)
    keys = pd.DataFrame(
        {c.PLAN_ID: s[c.PLAN_ID].to_numpy(), c.INDICATOR_ID: s[c.INDICATOR_ID].to_numpy(), "sid": np.arange(n)}
    )
    m = milestones[[c.PLAN_ID, c.INDICATOR_ID, c.YEAR, c.VALUE]].merge(keys, on=[c.PLAN_ID, c.INDICATOR_ID])
    m = m.sort_values(["sid", c.YEAR], kind="stable")
    pos = m.groupby("sid").cumcount().to_numpy()
    k = max(int(pos.max()) + 1 if len(pos) else 1, 1)
    mt = np.full((n, k), np.inf)
    mv = np.full((n, k), np.nan)
    sid = m["sid"].to_numpy()
    mt[sid, pos] = m[c.YEAR].to_numpy(dtype=float) + 1.0
    mv[sid, pos] = m[c.VALUE].to_numpy(dtype=float)
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


def _value_at_or_before(obs: pd.DataFrame, n: int, limit_t: np.ndarray, year_end_only: bool) -> np.ndarray:
    """For each series, the latest (year-end) value with t at or before ``limit_t`` (NaN if none)."""
    out = np.full(n, np.nan)
    sid = obs["sid"].to_numpy()
    mask = obs[c.T].to_numpy() <= limit_t[sid] + _EPS_T
    if year_end_only:
        mask &= _is_year_end(obs)
    if not mask.any():
        return out
    kept_sid = sid[mask]
    _, last = _group_bounds(kept_sid)
    out[kept_sid[last]] = obs[c.VALUE].to_numpy()[mask][last]
    return out


def _projection(
    obs: pd.DataFrame,
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
    sid = obs["sid"].to_numpy()
    t_obs = obs[c.T].to_numpy()
    year_end = _is_year_end(obs)
    cand_sid = np.concatenate([sid[year_end], np.flatnonzero(np.isfinite(baseline))])
    cand_t = np.concatenate([t_obs[year_end], tb[np.isfinite(baseline)]])
    cand_v = np.concatenate([obs[c.VALUE].to_numpy()[year_end], baseline[np.isfinite(baseline)]])
    usable = cand_t < t[cand_sid] - _EPS_T
    cand_sid, cand_t, cand_v = cand_sid[usable], cand_t[usable], cand_v[usable]
    order = np.lexsort((cand_t, cand_sid))
    cand_sid, cand_t, cand_v = cand_sid[order], cand_t[order], cand_v[order]

    ref_t = np.full(n, np.nan)
    ref_v = np.full(n, np.nan)
    inside = cand_t >= t[cand_sid] - _PROJECTION_WINDOW - _EPS_T
    # fallback first: the latest point before the window, then overwrite with the earliest inside it
    outside_sid = cand_sid[~inside]
    if len(outside_sid):
        _, last = _group_bounds(outside_sid)
        ref_t[outside_sid[last]] = cand_t[~inside][last]
        ref_v[outside_sid[last]] = cand_v[~inside][last]
    inside_sid = cand_sid[inside]
    if len(inside_sid):
        first, _ = _group_bounds(inside_sid)
        ref_t[inside_sid[first]] = cand_t[inside][first]
        ref_v[inside_sid[first]] = cand_v[inside][first]

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


def _is_year_end(obs: pd.DataFrame) -> np.ndarray:
    """Rows whose period ends with the calendar year: a year, a fourth quarter or a December."""
    t = obs[c.T].to_numpy()
    return np.abs(t - np.round(t)) < _EPS_T


def _first_due(s: pd.DataFrame) -> np.ndarray:
    """Decimal-year date by which the first plan-period figure of each series is due."""
    year = s[c.BASELINE_YEAR].to_numpy(dtype=int) + 1
    month = s[c.FREQUENCY].map(_FIRST_PERIOD_END_MONTH).fillna(13).to_numpy(dtype=int)
    end_year = np.where(month == 13, year + 1, year)
    end_month = np.where(month == 13, 1, month)
    ends = pd.to_datetime(pd.DataFrame({"year": end_year, "month": end_month, "day": 1}))
    due = ends + pd.to_timedelta(s[c.DUE_DAYS].to_numpy(dtype=int), unit="D")
    return decimal_years(due)
