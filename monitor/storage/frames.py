"""Query results as pandas frames."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, Executable


def fetch_frame(conn: Connection, query: Executable, columns: list[str] | None = None) -> pd.DataFrame:
    """Run ``query`` and return its rows as a frame, named ``columns`` or after the result's keys.

    Rows are turned into plain tuples first: pandas builds a frame from tuples about ten times faster than from
    SQLAlchemy Row objects.
    """
    result = conn.execute(query)
    names = columns if columns is not None else list(result.keys())
    return pd.DataFrame([tuple(row) for row in result.fetchall()], columns=names)


def fetch_plain_frame(conn: Connection, query: Executable, columns: list[str]) -> pd.DataFrame:
    """Like :func:`fetch_frame` for queries that select only text and numbers, read straight from the driver.

    Text and numbers need no conversion by SQLAlchemy, so the driver's own tuples go to pandas as they are; this
    saves several seconds on the million rows of a national assessment. Do not use it for dates, datetimes or
    booleans (SQLite returns those as text and integers): cast dates to text in the query instead.
    """
    result = conn.execute(query)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    return pd.DataFrame.from_records(rows, columns=columns, nrows=len(rows))
