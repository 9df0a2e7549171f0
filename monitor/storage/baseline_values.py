"""The reported values `monitor plans check` compares with the plans' baselines (see monitor/plans/baseline.py)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, select

from monitor.plans.model import Plan
from monitor.storage.frames import fetch_frame
from monitor.storage.tables import observations

COLUMNS = ["region_code", "indicator_id", "period", "year_end", "value"]


def values_for_baselines(conn: Connection, plans: list[Plan]) -> pd.DataFrame:
    """Current values of the plans' regions and indicators: region_code, indicator_id, period, year_end (the period
    closes its year) and value, in the indicator's unit, oldest period first."""
    codes = sorted({p.region.code for p in plans})
    ids = sorted({i.id for p in plans for i in p.indicators})
    if not codes or not ids:
        return pd.DataFrame(columns=COLUMNS)
    o = observations
    query = (
        select(o.c.region_code, o.c.indicator_id, o.c.period, o.c.year_end, o.c.value)
        .where(o.c.is_current.is_(True), o.c.region_code.in_(codes), o.c.indicator_id.in_(ids))
        .order_by(o.c.region_code, o.c.indicator_id, o.c.period_end, o.c.freq)
    )
    return fetch_frame(conn, query, COLUMNS)
