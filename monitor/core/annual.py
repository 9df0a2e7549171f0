"""Annual targets (年度目标, docs/method.md, "Target forms"): the 国家发展规划法 has every main indicator split into
annual targets in each year's 年度计划. A year's reported value is judged against that year's target beside any
form (shown next to the pace); an indicator with no number for the plan (保持在合理区间、各年度视情提出) is judged on
them alone, and its final verdict is the share of years that met their target. Pure numpy.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from monitor.core import forms as f
from monitor.core.observations import EPS_T, Obs


class Annual(NamedTuple):
    year: np.ndarray  # the year of the value judged (NaN where it is not a year-end value)
    target: np.ndarray  # that year's annual target (NaN where none was set)
    met: np.ndarray  # 1.0 met, 0.0 missed, NaN not judged


class Years(NamedTuple):
    met: np.ndarray
    judged: np.ndarray


def target_for(years: np.ndarray, values: np.ndarray, year: np.ndarray) -> np.ndarray:
    """The annual target each series set for ``year`` (NaN where none); ``years``/``values`` are (n, K)."""
    found = np.full(len(year), np.nan)
    for k in range(years.shape[1]):  # a handful of target years, each a whole-column comparison
        hit = years[:, k] == year
        found = np.where(hit, values[:, k], found)
    return found


def judge(years: np.ndarray, values: np.ndarray, t: np.ndarray, value: np.ndarray, direction: np.ndarray,
          strict: np.ndarray) -> Annual:
    """The latest value (at time ``t``) against its year's annual target, where it closes a year."""
    year_end = np.abs(t - np.round(t)) < EPS_T
    year = np.where(year_end, np.round(t) - 1.0, np.nan)
    target = target_for(years, values, year)
    met = f.beats(direction, value, target, strict).astype(float)
    met[~np.isfinite(target) | ~np.isfinite(value)] = np.nan
    return Annual(year, target, met)


def history(obs: Obs, raw: np.ndarray, years: np.ndarray, values: np.ndarray, direction: np.ndarray,
            strict: np.ndarray, chosen: np.ndarray, t0: np.ndarray, upto: np.ndarray) -> Years:
    """Over each chosen series' plan years up to ``upto``: years that met their annual target, years judged."""
    n = len(t0)
    sid = obs.sid
    at = np.flatnonzero(chosen[sid] & (np.abs(obs.t - np.round(obs.t)) < EPS_T) & (obs.t > t0[sid] + EPS_T)
                        & (obs.t <= upto[sid] + EPS_T))
    s = sid[at]
    target = target_for(years[s], values[s], np.round(obs.t[at]) - 1.0)
    judged = np.isfinite(target)
    met = judged & f.beats(direction[s], raw[at], target, strict[s])
    return Years(np.bincount(s, weights=met.astype(float), minlength=n),
                 np.bincount(s, weights=judged.astype(float), minlength=n))
