"""The planned path: expected values E(t), and the projection and rate still required (docs/method.md,
"Trajectory", "Measures of one reported value" and "After a milestone: the next segment").

A path runs through points (t, V): the baseline (tb, B) and each milestone (tk, Vk). Once a milestone's figure is
due, the segment after it starts from the value reported for that year (or from its target when none was), so a
missed 2025 target does not make every later year "behind" from the first day. ``start`` holds those segment
starts; ``ends`` the targets the segments run to. Pure numpy.
"""

from __future__ import annotations

import numpy as np

from monitor.core.observations import EPS_T, Obs, edge
from monitor.core.verdicts import REL_TOL

PROJECTION_WINDOW = 5.0  # years


def expected(t: np.ndarray, start_t: np.ndarray, start_v: np.ndarray, end_v: np.ndarray, passed: np.ndarray,
             n_ms: np.ndarray, compound: np.ndarray) -> np.ndarray:
    """E(t) on the segment that holds ``t``; flat at the last target after the last milestone.

    ``start_t``/``start_v`` are the points (baseline, then milestones) as segment starts and ``end_v`` the same
    points as targets, each (n, K + 1); ``passed`` counts the milestones strictly before ``t``.
    """
    rows = np.arange(len(t))
    k = start_t.shape[1] - 1
    lo = np.clip(passed, 0, k)
    hi = np.clip(passed + 1, 0, k)
    lo_t, lo_v = start_t[rows, lo], start_v[rows, lo]
    hi_t, hi_v = start_t[rows, hi], end_v[rows, hi]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = (t - lo_t) / (hi_t - lo_t)
        linear = lo_v + (hi_v - lo_v) * frac
        ratio = hi_v / lo_v
        growth = lo_v * np.power(np.where(ratio > 0, ratio, np.nan), frac)
    value = np.where(compound, growth, linear)
    last_v = end_v[rows, np.clip(n_ms, 0, k)]
    return np.where(passed >= n_ms, last_v, value)


def measures(actual: np.ndarray, expected: np.ndarray, base_v: np.ndarray, target: np.ndarray,
             direction: np.ndarray, compound: np.ndarray, has: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Gap, shortfall, pace (from the segment's start ``base_v``), progress toward ``target``, and where the path
    is flat (a "keep at least" segment, which has no pace)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = actual - expected
        shortfall = direction * (expected - actual)
        flat = np.abs(expected - base_v) <= REL_TOL * np.maximum(1.0, np.abs(base_v))
        pace = np.where(compound, np.log(actual / base_v) / np.log(expected / base_v),
                        (actual - base_v) / (expected - base_v))
        pace[flat | ~has] = np.nan
        progress = (actual - base_v) / (target - base_v)
        progress[np.abs(target - base_v) <= REL_TOL * np.maximum(1.0, np.abs(base_v))] = np.nan
    return gap, shortfall, pace, progress, flat


def projection(
    obs: Obs, year_end: np.ndarray, n: int, actual: np.ndarray, t: np.ndarray, base_v: np.ndarray,
    base_t: np.ndarray, target: np.ndarray, target_t: np.ndarray, compound: np.ndarray, has: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Projected value at the active milestone, and the rate per year still required to reach it.

    The projection uses the change over the last five years of year-end values (the path's start counts as one):
    ``(A − V_ref)/(t − t_ref)`` per year, which equals the mean of the last ≤5 yearly changes when every year is
    reported; compound paths use the growth rate over the same window. ``required`` is units per year on a
    linear path and a fraction per year (0.25 = 25 %) on a compound one; never toward a time already passed.
    """
    ref_t, ref_v = _reference_points(obs, year_end, t, base_v, base_t)
    horizon = np.clip(target_t - t, 0.0, None)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        span = t - ref_t
        slope = (actual - ref_v) / span
        growth = np.power(np.where((actual > 0) & (ref_v > 0), actual / ref_v, np.nan), 1.0 / span)
        projected = np.where(compound, actual * np.power(growth, horizon), actual + slope * horizon)
        projected = np.where(horizon <= EPS_T, actual, projected)
        projected[~has] = np.nan
        remaining = target_t - t
        lin_required = (target - actual) / remaining
        cmp_required = np.power(np.where((target > 0) & (actual > 0), target / actual, np.nan), 1.0 / remaining) - 1
        required = np.where(compound, cmp_required, lin_required)
        required[~(remaining > EPS_T) | ~has] = np.nan
    return projected, required


def _reference_points(
    obs: Obs, year_end: np.ndarray, t: np.ndarray, baseline: np.ndarray, tb: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Time and value the projection measures the change from, per series (NaN where there is none).

    The candidates are the year-end values before ``t`` and the path's start: the earliest inside the projection
    window, or else the latest before it. At a time both have, the start counts as the later one.
    """
    window = t - PROJECTION_WINDOW - EPS_T
    usable = year_end & (obs.t < t[obs.sid] - EPS_T)
    inside = usable & (obs.t >= window[obs.sid])
    base = np.isfinite(baseline) & (tb < t - EPS_T)
    in_t, in_v, _ = edge(obs, inside, len(t), last=False)
    use = base & (tb >= window) & ~(in_t <= tb)  # comparisons with NaN (no value) are False
    in_t, in_v = np.where(use, tb, in_t), np.where(use, baseline, in_v)
    out_t, out_v, _ = edge(obs, usable & ~inside, len(t), last=True)
    use = base & (tb < window) & ~(out_t > tb)
    out_t, out_v = np.where(use, tb, out_t), np.where(use, baseline, out_v)
    found = np.isfinite(in_t)
    return np.where(found, in_t, out_t), np.where(found, in_v, out_v)
