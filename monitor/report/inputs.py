"""What a report reads: the assessment of `monitor check` and, from the same snapshot, what its charts draw.

The shell of `monitor report` and `monitor check --format xlsx`: one read of the database, the same as
:func:`monitor.service.run_check`, keeping the frames the assessment was made from (series with their baseline
years, milestones, annual targets and the reported values), which :mod:`monitor.charts.series` turns into charts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from monitor.bulk import paused_gc
from monitor.core import columns as c
from monitor.core.status import Thresholds
from monitor.errors import MonitorError
from monitor.storage import assessment_reads, plan_store
from monitor.storage.db import read_snapshot

if TYPE_CHECKING:
    from sqlalchemy import Engine


@dataclass(frozen=True)
class ReportInputs:
    """The assessment and the frames behind it; key columns as text."""

    as_of: date
    assessment: pd.DataFrame
    series: pd.DataFrame
    milestones: pd.DataFrame
    observations: pd.DataFrame
    points: pd.DataFrame


def read_inputs(engine: Engine, as_of: date, *, plan_id: str | None = None, region: str | None = None,
                indicator_id: str | None = None, thresholds: Thresholds = Thresholds()) -> ReportInputs:
    """Assess the selected series as of ``as_of`` and keep what the charts need (one snapshot of the database)."""
    from monitor import service
    from monitor.core.assess import assess

    regions = service.resolve_regions(engine, region)
    with paused_gc(), read_snapshot(engine) as conn:
        series, milestones = plan_store.series_frames(conn, plan_id, regions, indicator_id)
        if series.empty:
            raise MonitorError(service._nothing_selected(plan_id, region, indicator_id))
        cumulative = sorted(series.loc[series[c.KIND] == "cumulative", c.INDICATOR_ID].unique())
        # every reported value of the selected indicators, not only the latest: a relative target's chart draws
        # the other indicator too, so the indicator filter is left to the charts
        observations = assessment_reads.observations_for_assessment(conn, as_of, regions, None, cumulative)
        points = plan_store.point_frame(conn, plan_id, indicator_id)
        assessment = assess(series, milestones, observations, as_of, thresholds, points)
    return ReportInputs(as_of, assessment, text_keys(series), text_keys(milestones), text_keys(observations),
                        points)


def text_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """The categorical key columns as plain text (reports and charts look values up by their ids)."""
    out = frame.copy()
    for name in (c.PLAN_ID, c.REGION_CODE, c.INDICATOR_ID, c.FREQ):
        if name in out and isinstance(out[name].dtype, pd.CategoricalDtype):
            out[name] = out[name].astype(object)
    return out
