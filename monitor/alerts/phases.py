"""Which rows of an assessment may raise which alerts, by the phase of their plan (docs/rules.md, "Phases").

- A *live* row is judged by pace today: phase ``in_progress`` or ``awaiting_final``, or ``continuing`` once the
  row is judged on the segment after the plan's end (its period, or the late period it waits for, lies after the
  final year). Only live rows raise ordinary (pace, projection, reporting, milestone) alerts.
- A row with ``succeeded_by`` set is never live: the successor plan's row judges that indicator.
- A *verdict* row carries a final verdict (phase ``final`` or ``continuing`` with ``final_status`` set); only
  announcement rules (``announce: final``) select it, whether or not a successor has taken the indicator over.

Rows in phase ``not_started`` or ``final`` are never live; a frame without phases (older callers) counts as live.
All of it is vectorised: one pass over columns, no loop over rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from monitor.core import columns as c
from monitor.core.status import AWAITING_FINAL, CONTINUING, FINAL, IN_PROGRESS

LIVE_PHASES = (IN_PROGRESS, AWAITING_FINAL)


def _texts(frame: pd.DataFrame, name: str) -> np.ndarray:
    return frame[name].to_numpy(dtype=object, na_value="", copy=True)


def _year_of(frame: pd.DataFrame, name: str) -> np.ndarray:
    """The year a period label starts with ("2026", "2026Q2", "2026-03" → 2026), NaN when there is none.

    Read once per distinct label (a national frame has hundreds of thousands of rows and a few dozen periods)."""
    codes, labels = pd.factorize(frame[name])  # a missing label is -1
    text = pd.Series(labels, dtype=object).astype("string").str[:4]
    years = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.append(years, np.nan)[codes]


def post_plan(frame: pd.DataFrame) -> np.ndarray:
    """Continuing rows judged on the segment after the plan's end: a figure for a later year counts, or a later
    year's figure is overdue (then the row is no_data with that due_period)."""
    final_year = frame[c.FINAL_YEAR].to_numpy(dtype=float, na_value=np.nan)
    period_year, due_year = _year_of(frame, c.PERIOD), _year_of(frame, c.DUE_PERIOD)
    with np.errstate(invalid="ignore"):
        later = (period_year > final_year) | (due_year > final_year)
    return (_texts(frame, c.PHASE) == CONTINUING) & later


def live(frame: pd.DataFrame) -> np.ndarray:
    """True where ordinary alert rules may fire (see the module docstring)."""
    phase = _texts(frame, c.PHASE)
    judged = np.isin(phase, [*LIVE_PHASES, ""]) | post_plan(frame)
    return judged & (_texts(frame, c.SUCCEEDED_BY) == "")


def verdict(frame: pd.DataFrame) -> np.ndarray:
    """True where a final verdict can be announced."""
    return np.isin(_texts(frame, c.PHASE), [FINAL, CONTINUING]) & (_texts(frame, c.FINAL_STATUS) != "")
