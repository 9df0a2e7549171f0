"""Targets on yearly rates (docs/method.md, "Target forms"): an average annual growth whose reports are the
yearly rates (年均增长7%以上（不变价）), and a cumulative reduction from yearly declines (单位GDP能耗 累计降低13.5%),
with officially restated cumulative figures taking precedence.

Both are judged by turning the reported rates into a running figure per year and letting Part 1 judge it:
- yearly rates r₁…rₙ (percent) of the plan years reported so far: the average g = (Π(1 + rᵢ))^(1/n) − 1, carried
  as the index (1 + g)^e over the e years elapsed; on a compound path from 1 to (1 + X)^years, Part 1's pace
  ln(A/B)/ln(E/B) is then exactly ln(1 + g)/ln(1 + X), and its final verdict g ≥ X. :func:`present` turns the
  index back into g for every column a planner reads;
- yearly declines dᵢ (percent): the total C = 1 − Π(1 − dᵢ), in percent, on a linear path from 0 to X, so the
  expected value is X · (years elapsed)/(plan years) and the pace C / expected. A value marked as restated
  (``restated``) replaces the product up to its year; later years compound on it.
A year missing from the reports is named in the note, never counted as 0. Pure numpy.
"""

from __future__ import annotations

import numpy as np

from monitor.core import notes
from monitor.core.observations import EPS_T, Obs, group_bounds

_NEVER = -1
NOTE_RATES_MISSING = "年数据未报送，年均值按已报送年份计算"
NOTE_FLOWS_MISSING = "年数据未报送，累计值仅含已报送年份"


def derive(obs: Obs, restated: np.ndarray, yearly_rate: np.ndarray, reduction: np.ndarray, t0: np.ndarray,
           t_end: np.ndarray) -> tuple[Obs, np.ndarray, np.ndarray]:
    """Replace the reported rates of yearly-rate and reduction series by their running figure.

    ``restated`` is per observation (the frame's flag, in ``obs`` order). Values outside the plan's years are
    dropped: a plan's average or total stops at its end year. Returns the observations, the values as reported
    (a year's own rate, for its annual target), and the ``restated`` flags that remain.
    """
    chosen = yearly_rate[obs.sid] | reduction[obs.sid]
    if not chosen.any():
        return obs, obs.value, restated
    sid = obs.sid
    inside = (obs.t > t0[sid] + EPS_T) & (obs.t <= t_end[sid] + EPS_T) & _year_end(obs.t)
    keep = ~chosen | inside
    obs, restated = obs.take(keep), restated[keep]
    sid = obs.sid
    at = np.flatnonzero(yearly_rate[sid] | reduction[sid])
    raw = obs.value
    if not len(at):
        return obs, raw, restated
    rate = obs.value[at] / 100.0
    growth = yearly_rate[sid[at]]
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(growth, np.log1p(rate), np.log1p(-rate))
    bad = ~np.isfinite(logs)  # a rate of −100 % or less: the import refuses it; here it only spoils its own year
    logs[bad] = 0.0
    reset = restated[at] & ~growth
    elapsed = obs.t[at] - t0[sid[at]]
    total, number = _running(sid[at], logs, reset)  # number: yearly rates reported (never restated)
    value = obs.value.copy()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        value[at] = np.where(growth, np.exp(total / number * elapsed), 100.0 * -np.expm1(total))
    value[at[bad]] = np.nan
    return obs._replace(value=value), raw, restated


def present_growth(index: np.ndarray, elapsed: np.ndarray) -> np.ndarray:
    """The average yearly rate in percent from the index (1 + g)^elapsed."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return 100.0 * (np.power(index, 1.0 / elapsed) - 1.0)


def required_decline(total: np.ndarray, target: np.ndarray, remaining: np.ndarray) -> np.ndarray:
    """The decline per year (percent) that still reaches a cumulative reduction ``target`` from ``total``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (1.0 - target / 100.0) / (1.0 - total / 100.0)
        return 100.0 * (1.0 - np.power(np.where(ratio > 0, ratio, np.nan), 1.0 / remaining))


def _year_end(t: np.ndarray) -> np.ndarray:
    return np.abs(t - np.round(t)) < EPS_T


def _running(sid: np.ndarray, logs: np.ndarray, reset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Running sum of ``logs`` and running count per series, the sum restarting at each ``reset`` row (whose own
    value stands for the whole sum up to it)."""
    first, last = group_bounds(sid)
    start = np.repeat(first, last - first + 1)
    position = np.arange(len(sid))
    anchor = np.maximum.accumulate(np.where(reset, position, _NEVER))  # the latest reset so far, in any series
    anchor = np.where(anchor >= start, anchor, _NEVER)  # … counts only in its own series
    cum = np.cumsum(logs)
    before = np.where(start > 0, cum[np.maximum(start - 1, 0)], 0.0)
    at = np.maximum(anchor, 0)
    total = np.where(anchor >= 0, logs[at] + cum - cum[at], cum - before)
    return total, (position - start + 1).astype(float)


def name_missing_years(note: np.ndarray, obs: Obs, restated: np.ndarray, t0: np.ndarray, rated: np.ndarray,
                       elapsed: np.ndarray, start_year: np.ndarray, flows: np.ndarray) -> np.ndarray:
    """Name the plan years with no report, up to the year judged, for series whose figures add up or compound
    (yearly rates, reductions, cumulative flows): a missing year is never counted as 0 silently."""
    if not rated.any():
        return note
    n = len(rated)
    at = np.flatnonzero(rated[obs.sid])
    sid, t = obs.sid[at], obs.t[at]
    years_in = np.ceil(np.where(rated, elapsed, 0.0) - EPS_T).astype(np.int64)
    inside = (t > t0[sid] + EPS_T) & (t <= (t0 + elapsed)[sid] + EPS_T)
    at, sid, t = at[inside], sid[inside], t[inside]
    offset = np.clip(np.ceil(t - t0[sid] - EPS_T).astype(np.int64) - 1, 0, 61)  # 0 for the first plan year
    # each reported year's bit (OR-ed per series: the observations are sorted by series), and every year up to the
    # latest restated cumulative figure, which covers its own year and all before it
    bits = np.zeros(n, dtype=np.int64)
    restated_at = np.full(n, -1, dtype=np.int64)
    if len(at):
        first = group_bounds(sid)[0]
        bits[sid[first]] = np.bitwise_or.reduceat(np.left_shift(1, offset), first)
        restated_at[sid[first]] = np.maximum.reduceat(np.where(restated[at], offset, -1), first)
    bits |= np.left_shift(1, restated_at + 1) - 1
    full = np.left_shift(1, np.clip(years_in, 0, 62)) - 1
    missing = np.where(rated, full & ~bits, 0)
    gaps = missing > 0
    return notes.append(note, gaps, lambda mask: notes.per_key(
        mask, [missing, start_year.astype(np.int64), flows], lambda holes, first, flow: np.asarray(
            [years_text(int(h), int(y)) + (NOTE_FLOWS_MISSING if f_ else NOTE_RATES_MISSING)
             for h, y, f_ in zip(holes, first, flow)], dtype=object)))


def years_text(holes: int, first: int) -> str:
    """Years named by the bits of ``holes`` counted from ``first``: 2027、2028."""
    return "、".join(str(first + k) for k in range(holes.bit_length()) if holes >> k & 1)
