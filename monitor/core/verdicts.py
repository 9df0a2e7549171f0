"""Final verdicts of a milestone (docs/method.md, "Final verdict of a milestone").

For milestone (year Y, target T), judged on the value A reported for period Y (a cumulative indicator: the plan's
total up to Y): achieved (完成) when d·(A − T) ≥ 0, missed (未完成) otherwise, no_data (终期值未报送) when no value
for Y exists once it is due. Reported with it: attainment 完成率 = A / T (higher is better) or T / A (lower is
better), and the shortfall d·(T − A) in the indicator's unit. Pure numpy.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from monitor.core import status as st
from monitor.core.observations import EPS_T, Obs, edge

REL_TOL = 1e-9  # value comparisons, relative to the target's magnitude


class Verdicts(NamedTuple):
    status: np.ndarray  # position in status.STATUSES: achieved, missed or no_data; -1 where nothing is judged
    attainment: np.ndarray
    shortfall: np.ndarray


def final_verdicts(direction: np.ndarray, value: np.ndarray, target: np.ndarray, judged: np.ndarray,
                   strict: np.ndarray | bool = False, slack: np.ndarray | float = 0.0) -> Verdicts:
    """Verdicts of the rows in ``judged`` (their final figure is due) on ``value`` against ``target``: met when
    d·(A − T) ≥ −slack (a 左右 target's tolerance), or > 0 for a strict target (>22, <27)."""
    tol = REL_TOL * np.maximum(1.0, np.abs(target))
    has = np.isfinite(value)
    with np.errstate(invalid="ignore"):
        margin = direction * (value - target)
    achieved = has & np.where(strict, margin > tol, margin >= -tol - slack)
    codes = np.select(
        [~judged | ~np.isfinite(target), ~has, achieved],
        [-1, st.STATUSES.index(st.NO_DATA), st.STATUSES.index(st.ACHIEVED)],
        default=st.STATUSES.index(st.MISSED),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        attainment = np.where(direction < 0, target / value, value / target)
    attainment[~np.isfinite(attainment) | (codes < 0) | ~has] = np.nan
    shortfall = np.where((codes >= 0) & has, direction * (target - value), np.nan)
    return Verdicts(codes, attainment, shortfall)


def settling_values(obs: Obs, year_end: np.ndarray, chosen: np.ndarray, target_t: np.ndarray, t0: np.ndarray,
                    window_hi: np.ndarray) -> np.ndarray:
    """The value that settles a milestone that has passed, for the chosen series: the latest year-end value at or
    before it, inside the row's window (NaN where none)."""
    if not chosen.any():
        return np.full(len(t0), np.nan)
    sid = obs.sid
    settling = (year_end & chosen[sid] & (obs.t <= target_t[sid] + EPS_T) & (obs.t > t0[sid] + EPS_T)
                & (obs.t <= window_hi[sid] + EPS_T))
    return edge(obs, settling, len(t0), last=True)[1]
