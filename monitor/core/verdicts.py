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

REL_TOL = 1e-9  # value comparisons, relative to the target's magnitude


class Verdicts(NamedTuple):
    status: np.ndarray  # position in status.STATUSES: achieved, missed or no_data; -1 where nothing is judged
    attainment: np.ndarray
    shortfall: np.ndarray


def final_verdicts(direction: np.ndarray, value: np.ndarray, target: np.ndarray, judged: np.ndarray) -> Verdicts:
    """Verdicts of the rows in ``judged`` (their final figure is due) on ``value`` against ``target``."""
    tol = REL_TOL * np.maximum(1.0, np.abs(target))
    has = np.isfinite(value)
    achieved = has & (direction * (value - target) >= -tol)
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
