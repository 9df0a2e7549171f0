"""Bounds, ranges and 左右 (docs/method.md, "Target forms"): a level that must hold, judged against a band.

- a ceiling or floor that holds every year (控制在5.5%以内, 保持在6.5亿吨以上): the band is (−∞, T] or [T, ∞);
- a range (5—5.5%) or a target 左右 (1.45万亿斤左右: T ± tolerance, by default 2 % of T) held as a level;
- strict bounds (<5.5) are open at the bound.
``judged`` says what is compared with the band: each year's value (each_year: a breached year is missed for that
year, and the final verdict needs every plan year within), the mean of the plan years so far (average), or the
end-year value (final; earlier years are shown, not judged). A bound is never judged by pace. Pure numpy.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from monitor.core import forms as f
from monitor.core.observations import EPS_T, Obs


class Bands(NamedTuple):
    low: np.ndarray
    high: np.ndarray


class History(NamedTuple):
    met: np.ndarray  # plan years inside the band
    judged: np.ndarray  # plan years reported
    mean: np.ndarray  # mean of the plan years' values


def bands(spec: f.Spec, direction: np.ndarray, target: np.ndarray) -> Bands:
    """The band each bound, range or 左右 series is judged against (NaN ends are open; NaN both for others)."""
    n = len(target)
    low, high = np.full(n, np.nan), np.full(n, np.nan)
    bound = spec.form == f.BOUND
    low = np.where(bound & (direction > 0), target, low)
    high = np.where(bound & (direction < 0), target, high)
    ranged = spec.form == f.RANGE
    printed = ranged & (np.isfinite(spec.low) | np.isfinite(spec.high))
    low = np.where(printed, spec.low, low)
    high = np.where(printed, spec.high, high)
    about = ranged & ~printed
    tol = f.about_tolerance(spec, target)
    low = np.where(about, target - tol, low)
    high = np.where(about, target + tol, high)
    return Bands(low, high)


def history(obs: Obs, band: Bands, strict: np.ndarray, chosen: np.ndarray, t0: np.ndarray,
            upto: np.ndarray) -> History:
    """Over each chosen series' year-end values of the plan years up to ``upto`` (a time): how many lie inside
    the band, how many there are, and their mean."""
    n = len(t0)
    sid = obs.sid
    mask = chosen[sid] & (np.abs(obs.t - np.round(obs.t)) < EPS_T) & (obs.t > t0[sid] + EPS_T) & (
        obs.t <= upto[sid] + EPS_T)
    at = np.flatnonzero(mask)
    s = sid[at]
    inside = f.within(obs.value[at], band.low[s], band.high[s], strict[s])
    judged = np.bincount(s, minlength=n).astype(float)
    met = np.bincount(s, weights=inside.astype(float), minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(s, weights=obs.value[at], minlength=n) / judged
    return History(met, judged, mean)


def judged_value(spec: f.Spec, latest: np.ndarray, hist: History) -> np.ndarray:
    """The value compared with the band: the mean of the plan years for ``average``, else the latest (a
    yearly-rate series' value is already its average)."""
    average = (spec.judged == f.AVERAGE) & ~spec.yearly_rate
    return np.where(average, hist.mean, latest)


def final_status(spec: f.Spec, band: Bands, value: np.ndarray, hist: History, end_reported: np.ndarray
                 ) -> np.ndarray:
    """Achieved over the plan (per ``judged``): True, False, and where the end-year figure is missing NaN."""
    inside = f.within(value, band.low, band.high, spec.strict)
    each_year = (spec.judged == f.EACH_YEAR) & ~spec.yearly_rate
    ok = np.where(each_year, (hist.met == hist.judged) & (hist.judged > 0), inside)
    return np.where(end_reported, ok.astype(float), np.nan)
