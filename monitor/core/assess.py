"""Pace assessment: docs/method.md as vectorised arithmetic over frames.

:func:`assess` takes three frames and a date and returns one row per series (plan × indicator): the phase of its
plan, the latest value of the plan's periods whose period ended by the as-of date, the expected value on the
trajectory at that time (序时进度), gap, pace, progress, projection to the active milestone, the rate still
required, the status, the final verdict once the plan's end-year figure is due, and what a late figure leaves
beside the row. It reads no clock, no database and no settings; there is no Python loop over rows.

The concerns live in their own modules: keys (matching by number), observations (values per series, running
totals), paths (E(t), projection, required rate), phases (where a plan stands, which figure is due) and verdicts
(final verdicts). This module puts them together and applies the status ladder.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from monitor.core import columns as c
from monitor.core import baselines, forms, notes, phases, rates, targets
from monitor.core import status as st
from monitor.core.keys import factorized, few_texts, integers, labels, labels_or_na, lookup, text
from monitor.core.observations import EPS_T, RANKED, Lookup, by_series, milestone_arrays, running_totals
from monitor.core.paths import expected as expected_on_path
from monitor.core.paths import measures as path_measures
from monitor.core.paths import projection
from monitor.core.phases import ANNUAL, FREQUENCIES, PHASE_CODES, latest_due, phases_of, year_start
from monitor.core.verdicts import REL_TOL, final_verdicts, settling_values

_PACE_DECIMALS = 9  # pace is rounded before it meets a cut-off, so 0.95 on paper is 0.95 here

NOTE_ONE_VALUE = "基期值未知且仅有一个报送值"
NOTE_NOT_POSITIVE = "复合增长路径要求数值为正"
NOTE_NOTHING_DUE = "尚无到期应报数据"
NOTE_KEEP_WITHIN = "目标不优于基期值，按是否守住目标判断，不按序时进度"
NOTE_NO_MILESTONE = "基期晚于全部目标年份"
NOTE_NOT_STARTED = "尚无规划期内数据"

# pandas 3 copies on write, so the result can share the series' text columns until either of them is changed
_SHARE = int(pd.__version__.split(".")[0]) >= 3
_S = {name: st.STATUSES.index(name) for name in st.STATUSES}


def assess(
    series: pd.DataFrame,
    milestones: pd.DataFrame,
    observations: pd.DataFrame,
    as_of: date,
    thresholds: st.Thresholds = st.Thresholds(),
    points: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Assess every series as of a date (docs/method.md).

    series: one row per plan × indicator with :data:`columns.SERIES_COLUMNS` (plan start year, successor id and
    successor start year may be left out: the start is then the year after the baseline year, and no plan
    succeeds).
    milestones: :data:`columns.MILESTONE_COLUMNS`, any order.
    observations: :data:`columns.OBSERVATION_COLUMNS`, the revision that counts for each period; rows whose
    period ends after ``as_of`` are ignored, as are rows for regions or indicators no series has.
    Key columns (plan, region, indicator, frequency) may hold text or be categorical. The storage layer hands
    them over as categoricals numbered by the database; their numbers are then matched directly, and only the
    few distinct values are compared as text. The result holds text either way.
    The target form of each series (:data:`columns.FORM_COLUMNS`, all optional: a path when absent), its annual
    targets and rebases (``points``, :data:`columns.POINT_COLUMNS`) and the ``restated`` flag of observations
    are judged as docs/method.md "Target forms" says.
    """
    s = series.reset_index(drop=True)
    n = len(s)
    if n == 0:
        return pd.DataFrame(columns=c.ASSESSMENT_COLUMNS)
    rows = np.arange(n)

    direction = np.where(s[c.DIRECTION].to_numpy() == "lower", -1.0, 1.0)
    kind = s[c.KIND].to_numpy().astype(object)
    spec = forms.spec_of(s)
    cumulative = kind == "cumulative"
    growth = (kind == "growth_rate") | spec.yearly_rate  # yearly rates are judged as an index (monitor.core.rates)
    compound = ((s[c.TRAJECTORY].to_numpy() == "compound") | growth) & ~cumulative & ~spec.reduction
    by = s[c.BASELINE_YEAR].to_numpy(dtype=float)
    t0 = by + 1.0
    start_year = _optional(s, c.PLAN_START_YEAR, by + 1.0)
    end_year = s[c.PLAN_END_YEAR].to_numpy(dtype=float)
    t_end = end_year + 1.0
    frequency = lookup(s[c.FREQUENCY].to_numpy(dtype=object), FREQUENCIES)
    due_days = s[c.DUE_DAYS].to_numpy(dtype=np.int64)
    stated = s[c.BASELINE].to_numpy(dtype=float)
    plan_baseline = np.where(cumulative | spec.reduction, 0.0, np.where(spec.yearly_rate, 1.0, stated))

    keys = {name: factorized(s[name]) for name in (c.REGION_CODE, c.INDICATOR_ID, c.PLAN_ID)}
    freq_rank = lookup(observations[c.FREQ], RANKED)
    obs = by_series(keys, observations, freq_rank, as_of)
    obs = running_totals(obs, freq_rank, cumulative, t0, t_end)
    restated = forms.restated(observations, obs.row)
    obs, raw, restated = rates.derive(obs, restated, spec.yearly_rate, spec.reduction, t0, t_end)
    year_end = np.abs(obs.t - np.round(obs.t)) < EPS_T  # a year, a fourth quarter or a December
    find = Lookup(obs)
    t0_day = year_start(t0)

    # the baseline: the plan's, 0 for totals, else the baseline year's value (also replacing a 预计 estimate),
    # or the first value after it
    base = baselines.choose(find, plan_baseline, spec.is_estimate & ~growth & ~spec.reduction, t0, t0_day)
    baseline, tb, from_year, from_first = base.value, base.t, base.from_year, base.from_first

    # milestone points (the values of those that follow from the baseline are set once a rebase is known)
    growth_percent = s[c.GROWTH_PERCENT].to_numpy(dtype=float)
    # yearly rates judged on a range (年均增长5—5.5%) run their index along the lower end of it
    growth_percent = np.where(spec.yearly_rate & ~np.isfinite(growth_percent),
                              np.where(np.isfinite(spec.low), spec.low, spec.high), growth_percent)
    rate = growth_percent / 100.0
    mt, mv, derived = targets.milestone_points(milestone_arrays(keys, n, milestones), spec, growth, t_end, tb)
    n_ms = np.isfinite(mt).sum(axis=1)

    successor = _optional_text(s, c.SUCCESSOR_ID)
    ph = phases_of(start_year, end_year, frequency, due_days, mt,
                   _optional(s, c.SUCCESSOR_START_YEAR, np.full(n, np.nan)), as_of)
    phase = ph.code
    not_started = phase == PHASE_CODES[st.NOT_STARTED]
    ended = np.isin(phase, [PHASE_CODES[st.FINAL], PHASE_CODES[st.CONTINUING]])
    continuing = phase == PHASE_CODES[st.CONTINUING]

    # the value each settled milestone got; the segment after it starts there (or at its target without one)
    settled = np.arange(mt.shape[1])[None, :] < ph.settled[:, None]
    reported = np.full(mt.shape, np.nan)
    for k in range(mt.shape[1]):  # a handful of milestone columns; only where a value there matters
        wanted = np.flatnonzero(np.isfinite(mt[:, k]) & (settled[:, k] | (ended & (ph.end_ms == k))))
        if len(wanted):
            reported[wanted, k] = find.values(find.on(year_start(mt[wanted, k]), wanted))[1]

    # the value judged: the latest of the periods the row covers (the plan's, or up to the last milestone)
    hi_day = year_start(ph.window_hi)
    at = find.upto(hi_day)
    t, actual = find.values(at)
    has = (at >= 0) & (t > t0 + EPS_T) & np.isfinite(actual)
    at = np.where(has, at, -1)
    t, actual = np.where(has, t, np.nan), np.where(has, actual, np.nan)
    period = np.full(n, None, dtype=object)
    period[has] = observations[c.PERIOD].to_numpy(dtype=object)[obs.row[at[has]]]

    t_eval = np.where(has, t, tb)
    # a dated rebase in force for the year judged; then the values that follow from the baseline
    rebased, baseline = baselines.rebase(keys, n, points, baseline, t_eval, has)
    mv = targets.derived_values(derived, mv, mt, spec, baseline, tb, rate)
    no_milestone = (n_ms == 0) | (~np.isfinite(mv[:, 0]) & (spec.form == forms.PATH))
    anchor = np.where(settled & np.isfinite(reported), reported, mv)
    start_t = np.column_stack([tb, mt])
    start_v = np.column_stack([baseline, anchor])
    end_v = np.column_stack([baseline, mv])
    passed = (mt < t_eval[:, None] - EPS_T).sum(axis=1)  # milestones strictly before t
    after_last = passed >= n_ms
    # a value that settles a milestone inside the plan is judged against it (its verdict, until a later figure
    # counts or is due); otherwise judging moves past every milestone whose figure is due
    at_ms = mt[rows, np.clip(passed, 0, mt.shape[1] - 1)]
    settles = has & (passed < ph.settled) & (passed < ph.end_ms) & (np.abs(t_eval - at_ms) < EPS_T)
    active = np.where(settles, passed, np.maximum(passed, ph.settled))
    active = np.clip(np.minimum(active, n_ms - 1), 0, None)
    target = mv[rows, active]
    target_t = mt[rows, active]
    base_at = np.minimum(passed, ph.settled)  # pace counts from the baseline, or the last settled milestone
    base_v, base_t = start_v[rows, base_at], start_t[rows, base_at]

    expected = expected_on_path(t_eval, start_t, start_v, end_v, passed, n_ms, compound)
    gap, shortfall, pace, progress, flat = path_measures(actual, expected, base_v, target, direction, compound, has)
    with np.errstate(divide="ignore", invalid="ignore"):
        elapsed = np.where(has & (target_t > base_t), (t_eval - base_t) / (target_t - base_t), np.nan)

    positive = (base_v > 0) & (actual > 0) & np.all((mv > 0) | ~np.isfinite(mt), axis=1)
    bad_compound = compound & has & ~positive
    pace[bad_compound] = np.nan

    verdict_value = settling_values(obs, year_end, after_last & has, target_t, t0, ph.window_hi)
    judged = np.where(after_last & np.isfinite(verdict_value), verdict_value, actual)
    tol = REL_TOL * np.maximum(1.0, np.abs(target))
    slack = forms.about_tolerance(spec, target)
    achieved = has & ~no_milestone & forms.beats(direction, judged, target, spec.strict, slack)
    reached = has & (t_eval >= target_t - EPS_T)
    rounded = np.round(pace, _PACE_DECIMALS)
    one_value = from_first.copy()  # a first value standing in for the baseline needs a second one to judge
    if from_first.any():
        first = np.flatnonzero(from_first)
        one_value[first] = find.count_between(t0_day[first], hi_day[first], first) < 2

    # a target no better than where the segment starts (失业率 5.2 → 控制在5.5以内, or 保持): keep within it, never pace
    keep = has & ~no_milestone & (spec.form == forms.PATH) & (
        direction * (target - base_v) <= REL_TOL * np.maximum(1.0, np.abs(base_v)))
    expected = np.where(keep, target, expected)
    with np.errstate(invalid="ignore"):
        gap = np.where(keep, actual - target, gap)
        shortfall = np.where(keep, direction * (target - actual), shortfall)
    pace[keep] = np.nan
    progress[keep] = np.nan

    conditions = [
        ~has, achieved, no_milestone, bad_compound, one_value, keep, reached,
        flat & (direction * (actual - expected) >= -tol), flat,
        rounded >= thresholds.on_track, rounded >= thresholds.behind, rounded >= 0,
    ]
    status = np.select(conditions, [
        _S[st.NOT_ASSESSABLE], _S[st.ACHIEVED], _S[st.NOT_ASSESSABLE], _S[st.NOT_ASSESSABLE],
        _S[st.NOT_ASSESSABLE], _S[st.MISSED], _S[st.MISSED], _S[st.ON_TRACK], _S[st.REGRESSING], _S[st.ON_TRACK],
        _S[st.BEHIND], _S[st.OFF_TRACK]], default=_S[st.REGRESSING])
    part1_notes = ["", "", NOTE_NO_MILESTONE, NOTE_NOT_POSITIVE, NOTE_ONE_VALUE]
    note = np.asarray(part1_notes + [""], dtype=object)[np.select(conditions[:5], range(5), default=5)]
    note = notes.overwrite(note, keep & (note == ""), NOTE_KEEP_WITHIN)

    projected, required = projection(obs, year_end, n, actual, t_eval, base_v, base_t, target, target_t,
                                     compound, has)
    required[np.isin(status, [_S[st.ACHIEVED], _S[st.MISSED], _S[st.NOT_ASSESSABLE]])] = np.nan

    # the target forms that are not a plain path rewrite their rows (monitor.core.targets)
    annual_years, annual_values = forms.point_arrays(keys, n, points, c.ANNUAL)
    ctx = targets.Context(spec, direction, obs, raw, restated, find, cumulative, frequency == ANNUAL, t0, t_end,
                          growth_percent,
                          forms.relative_rows(keys, s), annual_years, annual_values)
    measures = targets.Measures(status, actual, target, expected, gap, shortfall, pace, progress, projected,
                                required)
    extra, note = targets.in_period(ctx, measures, note, has, at, t_eval, target_t, start_year,
                                    s[c.INDICATOR_NAME].to_numpy(dtype=object).astype(str))
    note = baselines.say(note, base.replaced & has, rebased, stated, baseline)

    # the final verdict of the plan's last milestone at or before its end year
    e = np.clip(ph.end_ms, 0, None)
    has_end = ph.end_ms >= 0
    final_t = np.where(has_end, mt[rows, e], np.nan)
    final_target = np.where(has_end, mv[rows, e], np.nan)
    final_value = np.where(has_end, reported[rows, e], np.nan)
    verdict = final_verdicts(direction, final_value, final_target, ended & has_end, spec.strict,
                             forms.about_tolerance(spec, final_target))
    targets.final(ctx, verdict.status, verdict.attainment, verdict.shortfall, final_value, final_target,
                  ended & has_end, extra)
    final_status = verdict.status
    shows_final = ended & (final_status >= 0) & ~(has & (t > t_end + EPS_T))  # no later figure counts yet
    status = np.where(shows_final & (final_status != _S[st.NO_DATA]), final_status, status)

    # late figures: the latest figure due is missing, whatever older values say
    due = latest_due(frequency, due_days, as_of, t0, ph.window_hi)
    late = np.isfinite(due.t) & (~has | (t < due.t - EPS_T)) & ~not_started
    final_shown = shows_final & (final_status != _S[st.NO_DATA]) & (np.abs(t - t_end) < EPS_T)
    last_status = np.where(final_shown, final_status, status)
    last = late & has
    status = np.where(late, _S[st.NO_DATA], status)
    nothing_due = ~has & ~late
    status = np.where(not_started, _S[st.NOT_ASSESSABLE], status)

    # what each row shows in its measure columns
    blank = late | not_started | nothing_due | (shows_final & (final_status != _S[st.NO_DATA]))
    final_row = shows_final & ~late & ~continuing
    last_pace = np.where(last & ~final_shown, pace, np.nan)
    last_period, last_value = np.where(last, period, None), np.where(last, actual, np.nan)
    for arr in (expected, gap, shortfall, pace, progress, elapsed, projected):
        arr[blank] = np.nan
    required[late | not_started | (ended & ~continuing)] = np.nan
    period = np.where(late | not_started, None, period)
    shown_t = np.where(late | not_started, np.nan, t)
    shown_actual = np.where(late | not_started, np.nan, actual)
    gap = np.where(final_row, final_value - final_target, gap)
    shortfall = np.where(final_row, verdict.shortfall, shortfall)
    with np.errstate(divide="ignore", invalid="ignore"):
        progress = np.where(final_row, (final_value - baseline) / (final_target - baseline), progress)
    progress[final_row & ((spec.form != forms.PATH) | growth)] = np.nan
    elapsed = np.where(final_row, 1.0, elapsed)
    elapsed = np.where(np.isfinite(pace) | np.isfinite(progress), elapsed, np.nan)  # shown beside them only
    final_phase = ended & ~continuing & has_end  # the plan's own last milestone, met or not, reported or not
    target = np.where(final_phase, final_target, target)
    target_t = np.where(final_phase, final_t, target_t)
    if not_started.any():  # the first milestone, from the baseline
        target = np.where(not_started, mv[:, 0], target)
        target_t = np.where(not_started, mt[:, 0], target_t)
    target = np.where(spec.yearly_rate, growth_percent, target)  # an average yearly rate's target is X itself

    succeeded_by = np.where(ph.succeeded, successor, None)
    note = notes.baseline(note, from_year & ~base.replaced, from_first, by)
    note = notes.overwrite(note, nothing_due & ~not_started, NOTE_NOTHING_DUE)
    note = notes.overwrite(note, not_started, NOTE_NOT_STARTED)
    note = phases.say(note, phase == PHASE_CODES[st.AWAITING_FINAL], ph, late, due, frequency, last, last_period,
                      last_status)
    from_final = continuing & shows_final & ~late & has_end & np.isfinite(target_t)
    note = notes.append(note, from_final, lambda m: notes.cat(
        notes.when(~np.isfinite(final_value[m]), notes.cat(_years(final_t[m]), "年无报送值，")),
        _years(target_t[m]), "年目标路径自", _years(final_t[m]),
        np.where(np.isfinite(final_value[m]), "年实际值起算", "年目标值起算")))
    note = notes.append(note, ph.succeeded, lambda m: notes.cat("已由", succeeded_by[m].astype(str), "接续"))
    target_year = np.where(np.isfinite(target_t), target_t - 1.0, np.nan)
    final_year = np.where(ended & has_end, final_t - 1.0, np.nan)
    judged_final = ended & has_end
    final_years = np.unique(final_year[judged_final]).astype(np.int64)
    final_period = labels_or_na([str(y) for y in final_years],
                                np.where(judged_final, np.searchsorted(final_years, final_year), -1))
    due_period, due_date = phases.due_labels((status == _S[st.NO_DATA]) & np.isfinite(due.t), due, frequency)

    names = [c.PLAN_ID, c.REGION_CODE, c.REGION_NAME, c.INDICATOR_ID, c.INDICATOR_NAME, c.UNIT, c.KIND]
    fs_ok = final_status >= 0
    result = {name: text(s[name]) for name in names} | {
        c.BINDING: text(s[c.BINDING]) if c.BINDING in s else None,
        c.DIRECTION: labels(["higher", "lower"], direction < 0),
        c.TRAJECTORY: labels(["linear", "compound"], compound),
        c.PHASE: labels(st.PHASES, phase),
        c.PERIOD: few_texts(period),
        c.T: shown_t,
        c.BASELINE: np.where(growth & spec.yearly_rate, stated, np.where(np.isfinite(baseline), baseline, np.nan)),
        c.BASELINE_ESTIMATED: base.open_or_estimate & (from_year | from_first),
        c.TARGET: target,
        c.TARGET_YEAR: integers(target_year),
        c.EXPECTED: expected, c.ACTUAL: shown_actual, c.GAP: gap, c.SHORTFALL: shortfall, c.PACE: pace,
        c.ELAPSED: elapsed,
        c.PROGRESS: progress, c.PROJECTED: projected, c.REQUIRED_RATE: required,
        c.STATUS: labels(st.STATUSES, status),
        c.SEVERITY: labels([st.SEVERITY_OF[name] for name in st.STATUSES], status),
        c.NOTE: few_texts(note),
        c.FINAL_PERIOD: final_period,
        c.FINAL_YEAR: integers(final_year),
        c.FINAL_TARGET: np.where(judged_final, final_target, np.nan),
        c.FINAL_VALUE: np.where(judged_final, final_value, np.nan),
        c.FINAL_STATUS: labels_or_na(st.STATUSES, np.where(fs_ok, final_status, -1)),
        c.ATTAINMENT: verdict.attainment,
        c.FINAL_SHORTFALL: verdict.shortfall,
        c.DUE_PERIOD: due_period,
        c.DUE_DATE: due_date,
        c.LAST_PERIOD: few_texts(last_period),
        c.LAST_VALUE: last_value,
        c.LAST_PACE: last_pace,
        c.LAST_STATUS: labels_or_na(st.STATUSES, np.where(last, last_status, -1)),
        c.SUCCEEDED_BY: few_texts(succeeded_by),
    } | targets.columns(ctx, extra, s, final_status, final_value, final_target) | {
        c.STATED_BASELINE: np.where(base.replaced | rebased, stated, np.nan),
    }
    return pd.DataFrame({name: result[name] for name in c.ASSESSMENT_COLUMNS}, copy=not _SHARE)


def _optional(s: pd.DataFrame, name: str, default: np.ndarray) -> np.ndarray:
    """A numeric series column that callers may leave out; missing values take the default too."""
    if name not in s:
        return default
    values = s[name].to_numpy(dtype=float)
    return np.where(np.isfinite(values), values, default)


def _optional_text(s: pd.DataFrame, name: str) -> np.ndarray:
    if name not in s:
        return np.full(len(s), None, dtype=object)
    values = s[name].astype(object).to_numpy()
    return np.where(pd.isna(values), None, values)


def _years(t: np.ndarray) -> np.ndarray:
    """Milestone times (year + 1) as year text."""
    return (t - 1).astype(np.int64).astype(str)
