"""Small builders for the frames the assessment core takes, so tests read as the plan would."""

from __future__ import annotations

import numpy as np
import pandas as pd

from monitor.core import columns as c
from monitor.core.periods import parse_period

REGION = "500229"


def series(indicator_id: str = "x", *, baseline: float | None = 0.0, milestones: dict[int, float] | None = None,
           direction: str = "higher", kind: str = "level", trajectory: str = "linear",
           growth_percent: float | None = None, region: str = REGION, plan: str = "p",
           frequency: str = "annual", due_days: int = 181, baseline_year: int = 2020, end_year: int = 2025,
           successor: str | None = None, successor_start: int | None = None, name: str | None = None,
           unit: str = "u", **form: object) -> tuple[dict, list[tuple]]:
    """One series row and its milestones; ``form`` sets the target-form columns (form="bound", strict=True …)."""
    row = {
        c.PLAN_ID: plan, c.REGION_CODE: region, c.REGION_NAME: "城口县", c.INDICATOR_ID: indicator_id,
        c.INDICATOR_NAME: name or indicator_id, c.UNIT: unit, c.DIRECTION: direction, c.KIND: kind,
        c.TRAJECTORY: trajectory, c.BINDING: None, c.BASELINE_YEAR: baseline_year,
        c.BASELINE: np.nan if baseline is None else baseline,
        c.GROWTH_PERCENT: np.nan if growth_percent is None else growth_percent,
        c.PLAN_START_YEAR: baseline_year + 1, c.PLAN_END_YEAR: end_year, c.FREQUENCY: frequency, c.DUE_DAYS: due_days,
        c.SUCCESSOR_ID: successor, c.SUCCESSOR_START_YEAR: np.nan if successor_start is None else successor_start,
    }
    unknown = set(form) - set(c.FORM_COLUMNS)
    assert not unknown, f"not a target-form column: {unknown}"
    row.update(form)
    ms = [(plan, indicator_id, year, value) for year, value in (milestones or {}).items()]
    return row, ms


def frames(*items: tuple[dict, list[tuple]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = [item[0] for item in items]
    ms = [m for item in items for m in item[1]]
    return pd.DataFrame(rows, columns=c.SERIES_COLUMNS), pd.DataFrame(ms, columns=c.MILESTONE_COLUMNS)


def observations(*values: tuple, region: str = REGION) -> pd.DataFrame:
    """(indicator_id, period, value) triples as an observations frame; a fourth item True marks the value as an
    officially restated cumulative figure (column ``restated``, present only when some value is)."""
    rows = []
    for indicator_id, label, value, *flag in values:
        p = parse_period(label)
        rows.append({c.REGION_CODE: region, c.INDICATOR_ID: indicator_id, c.PERIOD: p.label, c.FREQ: p.freq,
                     c.PERIOD_END: pd.Timestamp(p.end), c.VALUE: value, c.RESTATED: bool(flag and flag[0])})
    restated = any(row[c.RESTATED] for row in rows)
    frame = pd.DataFrame(rows, columns=c.OBSERVATION_COLUMNS + ([c.RESTATED] if restated else []))
    frame[c.PERIOD_END] = pd.to_datetime(frame[c.PERIOD_END])
    frame[c.VALUE] = frame[c.VALUE].astype(float)
    return frame


def points(*items: tuple[str, str, int, float], plan: str = "p") -> pd.DataFrame:
    """(indicator_id, role, year, value): annual targets (role "annual") and rebases (role "rebase")."""
    return pd.DataFrame([(plan, i, role, year, float(value)) for i, role, year, value in items],
                        columns=c.POINT_COLUMNS)
