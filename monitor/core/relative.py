"""Targets relative to another indicator of the same region (docs/method.md, "Target forms"):
劳动生产率增长 高于GDP增长 (above: A > B, or A ≥ B when not strict), 居民收入增长 与GDP增长同步 (in step:
|A − B| ≤ tolerance, by default 0.5 个百分点). Each year A is compared with the other indicator's value B for
the same region and period; the final verdict compares the averages over the plan years both have. Pure numpy.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from monitor.core import forms as f
from monitor.core.observations import EPS_T, Lookup, Obs


class Years(NamedTuple):
    met: np.ndarray  # plan years in which the relation held
    judged: np.ndarray  # plan years with both values
    mean_own: np.ndarray  # the two means over those years
    mean_other: np.ndarray


DEFAULT_TOLERANCE = 0.5  # 同步: within half a percentage point unless the plan says otherwise
_EPS = 1e-9


def holds(spec: f.Spec, rows: np.ndarray | slice, own: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Whether the relation of the series at ``rows`` holds (False where either value is missing)."""
    tol = np.where(np.isfinite(spec.relative_tol[rows]), spec.relative_tol[rows], DEFAULT_TOLERANCE)
    with np.errstate(invalid="ignore"):
        above = np.where(spec.strict[rows], own > other + _EPS, own >= other - _EPS)
        in_step = np.abs(own - other) <= tol + _EPS
    return np.where(spec.relation_above[rows], above, in_step) & np.isfinite(own) & np.isfinite(other)


def reference(find: Lookup, other_sid: np.ndarray, day: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """The other indicator's value for the period ending on ``day`` (NaN where it has none)."""
    value = np.full(len(other_sid), np.nan)
    rows = np.flatnonzero(chosen & (other_sid >= 0))
    if len(rows):
        value[rows] = find.values(find.on(day[rows], other_sid[rows]))[1]
    return value


def years(obs: Obs, find: Lookup, spec: f.Spec, other_sid: np.ndarray, chosen: np.ndarray, t0: np.ndarray,
          upto: np.ndarray) -> Years:
    """Year by year over the plan years up to ``upto``: where the relation held, and the two means."""
    n = len(t0)
    sid = obs.sid
    mask = chosen[sid] & (other_sid[sid] >= 0) & (np.abs(obs.t - np.round(obs.t)) < EPS_T) & (
        obs.t > t0[sid] + EPS_T) & (obs.t <= upto[sid] + EPS_T)
    at = np.flatnonzero(mask)
    s = sid[at]
    other = find.values(find.on(obs.day[at], other_sid[s]))[1]
    both = np.isfinite(other) & np.isfinite(obs.value[at])
    at, s, other = at[both], s[both], other[both]
    ok = holds(spec, s, obs.value[at], other)
    judged = np.bincount(s, minlength=n).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_own = np.bincount(s, weights=obs.value[at], minlength=n) / judged
        mean_other = np.bincount(s, weights=other, minlength=n) / judged
    return Years(np.bincount(s, weights=ok.astype(float), minlength=n), judged, mean_own, mean_other)
