"""Query results as pandas frames."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from sqlalchemy import CTE, ColumnElement, Connection, Executable, func, select

from monitor.errors import MonitorError


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


def fetch_plain_chunks(conn: Connection, query: Executable, build: Callable[[list[tuple]], pd.DataFrame],
                       chunk_rows: int = 100_000) -> pd.DataFrame:
    """Like :func:`fetch_plain_frame` for reads of hundreds of thousands of rows: the driver's tuples become frames
    ``chunk_rows`` at a time through ``build`` (which makes a frame of a list of tuples, typed: dates parsed,
    numbers cast), then joined.

    At most one chunk of Python tuples (and of text that ``build`` parses) is alive at a time, rather than all of
    them: on a national assessment that lowers the peak memory of the process by about 150 MB. ``build`` must
    give every chunk, and an empty list, the same dtypes (numbers an outer join may leave NULL come as float in
    some chunks and as int in others; :func:`to_categorical` takes either).
    """
    result = conn.execute(query)
    parts = []
    try:
        cursor = result.cursor
        while rows := cursor.fetchmany(chunk_rows):
            parts.append(build(rows))
            del rows
    finally:
        result.close()
    if not parts:
        return build([])
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)


def numbered(column: ColumnElement, name: str, conditions: Sequence[ColumnElement] = ()) -> CTE:
    """The distinct values of ``column`` where ``conditions`` hold, numbered from 0 in sorted order: a CTE with
    columns ``value`` and ``number``.

    Bulk reads join it to return a key's number instead of its text; :func:`categories` reads the values back,
    and :func:`to_categorical` turns the numbers into a categorical column. Join it with an outer join: with an
    inner join to a small table SQLite, having no statistics, may loop over the small table and scan the big
    one once for each of its rows.
    """
    distinct = select(column.label("value")).where(*conditions).distinct().subquery()
    number = func.row_number().over(order_by=distinct.c.value) - 1
    return select(distinct.c.value, number.label("number")).cte(name)


def categories(conn: Connection, numbers: CTE) -> list:
    """The values of a :func:`numbered` CTE, in the order of their numbers (text, read straight from the driver:
    a national database numbers 113,760 target texts)."""
    result = conn.execute(select(numbers.c.value).order_by(numbers.c.number))
    try:
        return [row[0] for row in result.cursor.fetchall()]
    finally:
        result.close()


def check_unchanged(conn: Connection, numbering: dict[CTE, list]) -> None:
    """Raise if a :func:`numbered` CTE numbers other values now than it did when read before.

    Numbers read in one statement and their values read in another agree only within one snapshot of the
    database (:func:`monitor.storage.db.read_snapshot`); this catches a read made without one while plans
    changed, which would otherwise put values under the wrong region or indicator. Inside a snapshot nothing can
    have changed, and the numbers are not read again.
    """
    if in_snapshot(conn):
        return
    if any(categories(conn, numbers) != values for numbers, values in numbering.items()):
        raise MonitorError("the plans changed while the assessment inputs were read; run it again "
                           "(bulk reads belong in monitor.storage.db.read_snapshot)")


def in_snapshot(conn: Connection) -> bool:
    """Whether every statement on ``conn`` sees the database as it stood at the first: a transaction begun
    explicitly on SQLite (which holds its read snapshot until it ends), or one at REPEATABLE READ or SERIALIZABLE
    on PostgreSQL; as :func:`monitor.storage.db.read_snapshot` opens them."""
    if conn.dialect.name == "sqlite":
        return bool(getattr(conn.connection.dbapi_connection, "in_transaction", False))
    if conn.dialect.name == "postgresql":
        return conn.in_transaction() and conn.get_isolation_level() in ("REPEATABLE READ", "SERIALIZABLE")
    return False


def texts_to_categorical(frame: pd.DataFrame, names: dict[str, list]) -> pd.DataFrame:
    """``frame`` with its text key columns ``names`` (column → the categories a :func:`numbered` CTE read) turned
    into categorical columns with exactly those categories, so they match frames the database numbered.

    Rows whose key is not among the categories are dropped (as :func:`to_categorical` drops rows without a number).
    """
    codes = {name: pd.Index(values).get_indexer(frame[name].to_numpy(dtype=object)) for name, values in names.items()}
    known = np.logical_and.reduce([found >= 0 for found in codes.values()]) if codes else None
    frame = frame.copy()
    if known is not None and not known.all():
        frame = frame[known].reset_index(drop=True)
        codes = {name: found[known] for name, found in codes.items()}
    for name, found in codes.items():
        frame[name] = pd.Categorical.from_codes(found, categories=names[name])
    return frame


def to_categorical(frame: pd.DataFrame, names: dict[str, list]) -> pd.DataFrame:
    """``frame`` with its number columns ``names`` (column → its categories) turned into categorical columns.

    Rows an outer join left without a number in any of them are dropped.
    """
    numbers = frame[list(names)]
    if numbers.isna().any(axis=None):
        frame = frame[numbers.notna().all(axis=1)].reset_index(drop=True)
    for name, values in names.items():
        frame[name] = pd.Categorical.from_codes(frame[name].to_numpy(dtype=np.int64), categories=values)
    return frame
