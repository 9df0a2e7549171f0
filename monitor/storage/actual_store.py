"""Reported values in the database: append-only revisions with provenance, and the reads that show them (the read
for an assessment is monitor.storage.assessment_reads).

A submitted value that equals the one that counts changes nothing; a different value becomes the next revision
of that region × indicator × period and the only one marked current. Everything for one file happens in the
caller's transaction, so a file is stored whole or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import Connection, and_, func, insert, select, tuple_, update

from monitor.core import columns as c
from monitor.storage.frames import fetch_frame
from monitor.storage.tables import observations, submissions

_REL_TOL = 1e-12


@dataclass(frozen=True)
class StoreResult:
    rows: int
    new: int
    revised: int
    unchanged: int
    submission_id: int | None

    @property
    def changed(self) -> bool:
        return bool(self.new or self.revised)


def store_actuals(
    conn: Connection,
    rows: pd.DataFrame,
    *,
    file_name: str,
    sha256: str,
    submitted_by: str | None,
    now: datetime,
    dry_run: bool = False,
) -> StoreResult:
    """Store validated rows (the frame of monitor.actuals.validate) as new values or new revisions.

    The frame's optional ``cumulative`` column (口径 累计: an officially restated cumulative figure since the plan
    start; False when absent) goes to ``observations.cumulative``. A row is unchanged only when its number and its
    flag both equal those of the value that counts: the same number newly marked 累计, or no longer marked, is a new
    revision, as a changed number is.
    """
    current = _current_for(conn, rows)
    merged = rows.merge(current, on=[c.REGION_CODE, c.INDICATOR_ID, c.PERIOD], how="left")
    # eq(True): a missing flag (no such column, no stored value) is False
    merged["cumulative"] = merged["cumulative"].eq(True) if "cumulative" in merged else False
    old = merged["old_value"].to_numpy(dtype=float)
    new = merged[c.VALUE].to_numpy(dtype=float)
    is_new = np.isnan(old)
    same_flag = merged["old_cumulative"].eq(True).to_numpy() == merged["cumulative"].to_numpy()
    same = ~is_new & np.isclose(new, old, rtol=_REL_TOL, atol=0.0) & same_flag
    revised = ~is_new & ~same
    result = StoreResult(len(rows), int(is_new.sum()), int(revised.sum()), int(same.sum()), None)
    if dry_run or not result.changed:
        return result

    submission_id = conn.execute(
        insert(submissions).values(
            file_name=file_name, sha256=sha256, submitted_by=submitted_by, imported_at=now, row_count=len(rows),
            new_values=result.new, revised_values=result.revised,
        )
    ).inserted_primary_key[0]
    changed = merged[is_new | revised]
    stale_ids = changed["old_id"].dropna().astype(int).tolist()
    for start in range(0, len(stale_ids), 500):
        chunk = stale_ids[start:start + 500]
        conn.execute(update(observations).where(observations.c.id.in_(chunk)).values(is_current=False))
    revision = changed["old_revision"].fillna(0).astype(int) + 1
    ends = pd.to_datetime(changed[c.PERIOD_END])
    records = pd.DataFrame(
        {
            "region_code": changed[c.REGION_CODE],
            "indicator_id": changed[c.INDICATOR_ID],
            "period": changed[c.PERIOD],
            "freq": changed[c.FREQ],
            "period_end": ends.dt.date,
            "year_end": (ends.dt.month == 1) & (ends.dt.day == 1),
            "value": changed[c.VALUE].astype(float),
            "unit": changed[c.UNIT],
            "original_value": changed.get("original_value"),
            "original_unit": changed.get("original_unit"),
            "source": changed.get("source"),
            "note": changed.get("note"),
            "submitted_by": changed.get("submitted_by"),
            "submission_id": submission_id,
            "source_row": changed.get("row"),
            "revision": revision,
            "is_current": True,
            "cumulative": changed["cumulative"],
        }
    )
    records = records.astype(object).where(records.notna(), None)
    conn.execute(insert(observations), records.to_dict("records"))
    return StoreResult(result.rows, result.new, result.revised, result.unchanged, int(submission_id))


def _current_for(conn: Connection, rows: pd.DataFrame) -> pd.DataFrame:
    """The values that count now for the region × indicator pairs in ``rows``, with their 累计 flag."""
    pairs = rows[[c.REGION_CODE, c.INDICATOR_ID]].drop_duplicates().itertuples(index=False, name=None)
    pairs = list(pairs)
    names = [c.REGION_CODE, c.INDICATOR_ID, c.PERIOD, "old_value", "old_id", "old_revision", "old_cumulative"]
    frames = []
    for start in range(0, len(pairs), 200):
        chunk = pairs[start:start + 200]
        query = select(
            observations.c.region_code, observations.c.indicator_id, observations.c.period,
            observations.c.value, observations.c.id, observations.c.revision, observations.c.cumulative,
        ).where(
            observations.c.is_current.is_(True),
            tuple_(observations.c.region_code, observations.c.indicator_id).in_(chunk),
        )
        frames.append(fetch_frame(conn, query, names))
    if not frames:
        return pd.DataFrame(columns=names)
    return pd.concat(frames, ignore_index=True)


def filters(region_codes: list[str] | None, indicator_id: str | None, period: str | None) -> list:
    where = []
    if region_codes is not None:
        where.append(observations.c.region_code.in_(region_codes))
    if indicator_id:
        where.append(observations.c.indicator_id == indicator_id)
    if period:
        where.append(observations.c.period == period)
    return where


def current_values(
    conn: Connection,
    region_codes: list[str] | None = None,
    indicator_id: str | None = None,
    period: str | None = None,
) -> pd.DataFrame:
    """Values that count now, with where each came from."""
    o, s = observations, submissions
    query = (
        select(o.c.region_code, o.c.indicator_id, o.c.period, o.c.value, o.c.unit, o.c.revision, o.c.submitted_by,
               s.c.file_name, o.c.source_row, s.c.imported_at)
        .outerjoin(s, s.c.id == o.c.submission_id)
        .where(o.c.is_current.is_(True), *filters(region_codes, indicator_id, period))
        .order_by(o.c.region_code, o.c.indicator_id, o.c.period_end)
    )
    return fetch_frame(conn, query)


def value_history(
    conn: Connection,
    region_codes: list[str] | None = None,
    indicator_id: str | None = None,
    period: str | None = None,
) -> pd.DataFrame:
    """Every revision of the selected values, oldest first, with the file, row and checksum it came from."""
    o, s = observations, submissions
    query = (
        select(o.c.region_code, o.c.indicator_id, o.c.period, o.c.revision, o.c.value, o.c.unit,
               o.c.original_value, o.c.original_unit, o.c.is_current, o.c.submitted_by, s.c.imported_at,
               s.c.file_name, o.c.source_row, s.c.sha256, o.c.source, o.c.note)
        .outerjoin(s, s.c.id == o.c.submission_id)
        .where(*filters(region_codes, indicator_id, period))
        .order_by(o.c.region_code, o.c.indicator_id, o.c.period_end, o.c.revision)
    )
    return fetch_frame(conn, query)


def count_current(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(observations).where(
        and_(observations.c.is_current.is_(True)))).scalar_one())
