"""Every target form a plan prints, on top of Part 1 (docs/method.md, "Target forms").

:func:`monitor.core.assess.assess` judges each series as a path first; this module then
- adds the milestones a form implies (a change from the baseline, a plan-end point for forms with no number) and
  their values once the baseline is known (:func:`milestone_points`, :func:`derived_values`);
- rewrites the measures of the rows whose form is not a path, or whose reports are rates (:func:`in_period`), and
  their final verdicts (:func:`final`), with the families in their own modules: rates (yearly rates, reductions),
  bounds (bounds, ranges, 左右), relative (against another indicator) and annual (年度目标).
Pure numpy: every step is a whole-column operation.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from monitor.core import annual, bounds, notes, rates, relative
from monitor.core import columns as c
from monitor.core import forms as f
from monitor.core import status as st
from monitor.core.keys import integers, labels, labels_or_na, sparse_texts, text_or_na
from monitor.core.observations import EPS_T, Lookup, Obs
from monitor.core.verdicts import REL_TOL, final_verdicts

_S = {name: st.STATUSES.index(name) for name in st.STATUSES}
NONE, GROWTH, CHANGE, PLACEHOLDER = 0, 1, 2, 3  # what sets a milestone's value

NOTE_NO_REFERENCE = "同期未报送，无法比较"
NOTE_NO_ANNUAL = "年度目标尚未载入"


class Measures(NamedTuple):
    """The columns of a row a target form may rewrite (arrays over all series; rewritten in place)."""

    status: np.ndarray
    actual: np.ndarray
    target: np.ndarray
    expected: np.ndarray
    gap: np.ndarray
    shortfall: np.ndarray
    pace: np.ndarray
    progress: np.ndarray
    projected: np.ndarray
    required: np.ndarray


class Extra(NamedTuple):
    """What the forms add to each row (docs: the form columns of `monitor check`)."""

    band_low: np.ndarray
    band_high: np.ndarray
    reference_value: np.ndarray
    annual_year: np.ndarray
    annual_target: np.ndarray
    annual_met: np.ndarray
    years_met: np.ndarray
    years_judged: np.ndarray


class Context(NamedTuple):
    """The inputs the forms read."""

    spec: f.Spec
    direction: np.ndarray
    obs: Obs
    raw: np.ndarray  # the values as reported, in ``obs`` order (a year's own rate)
    restated: np.ndarray  # per observation: an officially restated cumulative figure
    find: Lookup
    cumulative: np.ndarray  # per series: kind cumulative (flows)
    annual: np.ndarray  # per series: reported once a year
    t0: np.ndarray
    t_end: np.ndarray
    percent: np.ndarray  # a growth target X in percent (7 for 年均增长7%)
    other: np.ndarray  # the series a relative target compares with (-1: none)
    annual_years: np.ndarray
    annual_values: np.ndarray


def milestone_points(arrays: tuple[np.ndarray, np.ndarray], spec: f.Spec, growth: np.ndarray, t_end: np.ndarray,
                     tb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Milestone times and values (n, K), sorted by time, with a matrix saying which take their value from the
    baseline. Growth-rate series get one point at the end of the plan, a change from the baseline one in its
    year, and forms without a number for the plan (relative, annual, a printed range) one at the plan end;
    points at or before the baseline time (an estimated baseline) are dropped."""
    mt, mv = arrays
    mt[growth, :] = np.inf
    mv[growth, :] = np.nan
    mt[growth, 0] = t_end[growth]
    mt, mv, derived = _extra_milestones(spec, mt, mv, t_end, growth)
    stale = mt <= tb[:, None] + EPS_T
    mt = np.where(stale, np.inf, mt)
    mv = np.where(stale, np.nan, mv)
    order = np.argsort(mt, axis=1, kind="stable")
    return tuple(np.take_along_axis(a, order, axis=1) for a in (mt, mv, derived))  # type: ignore[return-value]


def _extra_milestones(spec: f.Spec, mt: np.ndarray, mv: np.ndarray, t_end: np.ndarray, growth: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One more milestone column: a change's year, or the plan end for forms without a number; and a matrix
    saying which milestones take their value from the baseline."""
    n = len(t_end)
    derived = np.zeros(mt.shape, dtype=np.int64)
    derived[growth, 0] = GROWTH
    change = spec.has_change
    bare = ~np.isfinite(mt).any(axis=1) & ~growth & ~change & (spec.form != f.PATH)
    column_t = np.where(change, spec.change_year + 1.0, np.where(bare, t_end, np.inf))
    column_code = np.where(change, CHANGE, np.where(bare, PLACEHOLDER, NONE))
    if not (change | bare).any():
        return mt, mv, derived
    return (np.column_stack([mt, column_t]), np.column_stack([mv, np.full(n, np.nan)]),
            np.column_stack([derived, column_code]))


def derived_values(derived: np.ndarray, mv: np.ndarray, mt: np.ndarray, spec: f.Spec, baseline: np.ndarray,
                   tb: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """The values of the milestones that follow from the baseline: B·(1 + X)^years, B + Δ, B × k."""
    mv = mv.copy()
    rows = np.flatnonzero((derived != NONE).any(axis=1))  # only the series whose milestones follow the baseline
    if not len(rows):
        return mv
    base = baseline[rows, None]
    with np.errstate(invalid="ignore", over="ignore"):
        grown = base * np.power(1.0 + rate[rows, None], mt[rows] - tb[rows, None])
        changed = np.where(np.isfinite(spec.change_by[rows])[:, None], base + spec.change_by[rows, None],
                           base * spec.change_times[rows, None])
    code = derived[rows]
    mv[rows] = np.where(code == GROWTH, grown, np.where(code == CHANGE, changed, mv[rows]))
    return mv


def in_period(ctx: Context, m: Measures, note: np.ndarray, has: np.ndarray, at: np.ndarray, t: np.ndarray,
              target_t: np.ndarray, start_year: np.ndarray, names: np.ndarray) -> tuple[Extra, np.ndarray]:
    """Rewrite the measures of the rows whose form is not a plain path (in place); return the added columns
    and the notes."""
    spec, n = ctx.spec, len(ctx.t0)
    elapsed = t - ctx.t0
    growth = spec.yearly_rate & has
    if growth.any():  # the index back to the average yearly rate, against X
        m.actual[growth] = rates.present_growth(m.actual, elapsed)[growth]
        m.projected[growth] = rates.present_growth(m.projected, target_t - ctx.t0)[growth]
        x = ctx.percent
        m.target[spec.yearly_rate] = x[spec.yearly_rate]
        m.expected[growth] = x[growth]
        m.gap[growth] = (m.actual - x)[growth]
        m.shortfall[growth] = (ctx.direction * (x - m.actual))[growth]
        m.progress[growth] = np.nan
    # figures that add up or compound year by year; flows reported monthly or quarterly are left to the
    # late-figure rule, which names the missing period
    counted = spec.yearly_rate | spec.reduction | (ctx.cumulative & ctx.annual)
    note = rates.name_missing_years(note, ctx.obs, ctx.restated, ctx.t0, has & counted, elapsed, start_year,
                                    ctx.cumulative | spec.reduction)

    raw_actual = _at(ctx.raw, at, has)
    extra = Extra(*(np.full(n, np.nan) for _ in Extra._fields))

    # a band judged only at the end (judged: final) follows Part 1's path toward its target in the plan years,
    # where it has one (1.39 → 1.45左右: capacity still being built); a printed range without one shows the band
    banded = spec.judged_by_band & has & ~((spec.judged == f.FINAL) & np.isfinite(m.target))
    band = bounds.bands(spec, ctx.direction, m.target)
    extra.band_low[:], extra.band_high[:] = band.low, band.high
    if banded.any():
        hist = bounds.history(ctx.obs._replace(value=ctx.raw), band, spec.strict, spec.judged_by_band, ctx.t0, t)
        value = bounds.judged_value(spec, m.actual, hist)
        inside = f.within(value, band.low, band.high, spec.strict)
        _judge(m, banded, inside)
        bound = banded & (spec.form == f.BOUND)
        m.expected[banded] = np.where(bound, m.target, np.nan)[banded]
        m.gap[banded] = np.where(bound, value - m.target, np.nan)[banded]
        m.shortfall[banded] = f.outside_by(value, band.low, band.high)[banded]
        each = banded & (spec.judged == f.EACH_YEAR) & ~spec.yearly_rate
        extra.years_met[each], extra.years_judged[each] = hist.met[each], hist.judged[each]
        average = banded & (spec.judged == f.AVERAGE) & ~spec.yearly_rate
        note = notes.append(note, average, lambda mask: notes.cat("规划期各年平均", _fmt(value[mask])))

    related = (spec.form == f.RELATIVE) & has
    if related.any():
        ref = relative.reference(ctx.find, ctx.other, _at(ctx.obs.day, at, has, 0).astype(np.int64), related)
        extra.reference_value[related] = ref[related]
        ok = relative.holds(spec, slice(None), m.actual, ref)
        _judge(m, related & np.isfinite(ref), ok)
        missing = related & ~np.isfinite(ref)
        m.status[missing] = _S[st.NOT_ASSESSABLE]
        other_names = np.where(ctx.other >= 0, names[np.maximum(ctx.other, 0)], "")
        note = notes.overwrite(note, missing, lambda mask: notes.cat(other_names[mask], NOTE_NO_REFERENCE))
        m.expected[related] = ref[related]
        m.gap[related] = (m.actual - ref)[related]
        tol = np.where(np.isfinite(spec.relative_tol), spec.relative_tol, relative.DEFAULT_TOLERANCE)
        m.shortfall[related] = np.where(spec.relation_above, ref - m.actual, np.abs(m.actual - ref) - tol)[related]
        yrs = relative.years(ctx.obs, ctx.find, spec, ctx.other, related, ctx.t0, t)
        extra.years_met[related], extra.years_judged[related] = yrs.met[related], yrs.judged[related]

    only_annual = (spec.form == f.ANNUAL) & has
    if np.isfinite(ctx.annual_years).any() or only_annual.any():
        judged_annual = annual.judge(ctx.annual_years, ctx.annual_values, t, raw_actual, ctx.direction, spec.strict)
        extra.annual_year[:], extra.annual_target[:], extra.annual_met[:] = judged_annual
    if only_annual.any():
        set_ = only_annual & np.isfinite(judged_annual.target)
        _judge(m, set_, judged_annual.met == 1.0)
        unset = only_annual & ~set_
        m.status[unset] = _S[st.NOT_ASSESSABLE]
        note = notes.overwrite(note, unset, lambda mask: notes.cat(
            np.where(np.isfinite(judged_annual.year[mask]), judged_annual.year[mask], 0).astype(np.int64),
            NOTE_NO_ANNUAL))
        m.expected[only_annual] = judged_annual.target[only_annual]
        m.gap[only_annual] = (raw_actual - judged_annual.target)[only_annual]
        m.shortfall[only_annual] = (ctx.direction * (judged_annual.target - raw_actual))[only_annual]
        yrs = annual.history(ctx.obs, ctx.raw, ctx.annual_years, ctx.annual_values, ctx.direction, spec.strict,
                             only_annual, ctx.t0, t)
        extra.years_met[only_annual], extra.years_judged[only_annual] = yrs.met[only_annual], yrs.judged[only_annual]
    return extra, note


def final(ctx: Context, status: np.ndarray, attainment: np.ndarray, shortfall: np.ndarray, value: np.ndarray,
          target: np.ndarray, judged: np.ndarray, extra: Extra) -> None:
    """Rewrite the final verdicts (status codes, attainment, shortfall, value, target; in place) of the rows
    whose form is not a plain path, over the plan's years (``judged``: the end-year figure is due)."""

    spec = ctx.spec
    growth = spec.yearly_rate & judged
    if growth.any():
        value[growth] = rates.present_growth(value, ctx.t_end - ctx.t0)[growth]
        target[growth] = ctx.percent[growth]
        redo = final_verdicts(ctx.direction, value, target, growth, spec.strict)
        status[growth], attainment[growth], shortfall[growth] = (redo.status[growth], redo.attainment[growth],
                                                                 redo.shortfall[growth])
    reported = np.isfinite(value)
    banded = spec.judged_by_band & judged
    if banded.any():
        band = bounds.bands(spec, ctx.direction, target)
        hist = bounds.history(ctx.obs._replace(value=ctx.raw), band, spec.strict, banded, ctx.t0, ctx.t_end)
        judged_value = bounds.judged_value(spec, value, hist)
        ok = bounds.final_status(spec, band, judged_value, hist, reported)
        _verdict(status, banded, ok)
        shortfall[banded] = f.outside_by(judged_value, band.low, band.high)[banded]
        value[banded] = np.where(reported, judged_value, value)[banded]  # the mean, for a bound judged on it
        attainment[banded] = np.nan  # inside or outside a band: no 完成率
        extra.band_low[banded], extra.band_high[banded] = band.low[banded], band.high[banded]
        each = banded & (spec.judged == f.EACH_YEAR) & ~spec.yearly_rate
        extra.years_met[each], extra.years_judged[each] = hist.met[each], hist.judged[each]
    related = (spec.form == f.RELATIVE) & judged
    if related.any():
        yrs = relative.years(ctx.obs, ctx.find, spec, ctx.other, related, ctx.t0, ctx.t_end)
        ok = relative.holds(spec, slice(None), yrs.mean_own, yrs.mean_other)
        _verdict(status, related, np.where(reported & (yrs.judged > 0), ok.astype(float), np.nan))
        value[related], extra.reference_value[related] = yrs.mean_own[related], yrs.mean_other[related]
        attainment[related], shortfall[related] = np.nan, np.nan
        extra.years_met[related], extra.years_judged[related] = yrs.met[related], yrs.judged[related]
    only_annual = (spec.form == f.ANNUAL) & judged
    if only_annual.any():
        yrs = annual.history(ctx.obs, ctx.raw, ctx.annual_years, ctx.annual_values, ctx.direction, spec.strict,
                             only_annual, ctx.t0, ctx.t_end)
        ok = np.where(yrs.judged > 0, (yrs.met == yrs.judged).astype(float), np.nan)
        _verdict(status, only_annual, ok)
        status[only_annual & (yrs.judged == 0)] = -1  # no annual target was ever set: nothing to judge
        with np.errstate(invalid="ignore", divide="ignore"):
            attainment[only_annual] = (yrs.met / yrs.judged)[only_annual]
        shortfall[only_annual] = np.nan
        extra.years_met[only_annual], extra.years_judged[only_annual] = yrs.met[only_annual], yrs.judged[only_annual]


def columns(ctx: Context, extra: Extra, s: pd.DataFrame, final_status: np.ndarray, final_value: np.ndarray,
            final_target: np.ndarray) -> dict[str, object]:
    """The form columns of the result (docs/method.md, Part 3)."""
    spec = ctx.spec
    with np.errstate(invalid="ignore"):
        exceeded = (final_status == _S[st.ACHIEVED]) & (spec.form == f.PATH) & (
            ctx.direction * (final_value - final_target) > f.about_tolerance(spec, final_target)
            + REL_TOL * np.maximum(1.0, np.abs(final_target)))
    related = ctx.other >= 0
    other_ids = s[c.RELATIVE_TO].to_numpy(dtype=object) if c.RELATIVE_TO in s else np.full(len(s), None)
    names = s[c.INDICATOR_NAME].to_numpy(dtype=object)
    return {
        c.FORM: labels(f.FORMS, spec.form),
        c.TARGET_TEXT: text_or_na(s[c.TARGET_TEXT]) if c.TARGET_TEXT in s else labels_or_na([], -np.ones(len(s))),
        c.BAND_LOW: extra.band_low,
        c.BAND_HIGH: extra.band_high,
        c.EXCEEDED: exceeded,
        c.REFERENCE_ID: sparse_texts(related, other_ids),
        c.REFERENCE_NAME: sparse_texts(related, names[np.maximum(ctx.other, 0)]),
        c.REFERENCE_VALUE: extra.reference_value,
        c.ANNUAL_YEAR: integers(extra.annual_year),
        c.ANNUAL_TARGET: extra.annual_target,
        c.ANNUAL_STATUS: labels_or_na(st.STATUSES, np.select(
            [extra.annual_met == 1.0, extra.annual_met == 0.0], [_S[st.ACHIEVED], _S[st.MISSED]], default=-1)),
        c.YEARS_MET: integers(extra.years_met),
        c.YEARS_JUDGED: integers(extra.years_judged),
    }


def _judge(m: Measures, rows: np.ndarray, ok: np.ndarray) -> None:
    """A form judged by a yes/no test rather than by pace: achieved or missed, no pace, projection or rate."""
    m.status[rows] = np.where(ok, _S[st.ACHIEVED], _S[st.MISSED])[rows]
    for column in (m.pace, m.progress, m.projected, m.required):
        column[rows] = np.nan


def _verdict(status: np.ndarray, rows: np.ndarray, ok: np.ndarray) -> None:
    """Final status codes from a yes/no/unknown (1, 0, NaN) verdict."""
    code = np.where(ok == 1.0, _S[st.ACHIEVED], np.where(ok == 0.0, _S[st.MISSED], _S[st.NO_DATA]))
    status[rows] = code[rows]


def _at(values: np.ndarray, at: np.ndarray, rows: np.ndarray, missing: float = np.nan) -> np.ndarray:
    """``values[at]`` where ``rows`` holds (``at`` ≥ 0 there), ``missing`` elsewhere."""
    out = np.full(len(at), missing, dtype=float)
    out[rows] = values[at[rows]]
    return out


def _fmt(values: np.ndarray) -> np.ndarray:
    return np.asarray([f"{v:.4g}" if np.isfinite(v) else "—" for v in values], dtype=object)
