"""Bulk writing takes a row's values a column at a time: what goes in is what ``conn.execute`` would write, for
tables of one column or many, with and without values that need converting (timestamps), by COPY and by
executemany."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, Text, insert, select

from monitor.storage import bulk_write
from monitor.storage.tables import UtcDateTime

T0 = datetime(2025, 7, 1, 1, 0, tzinfo=timezone.utc)
SHANGHAI = ZoneInfo("Asia/Shanghai")

metadata = MetaData()
wide = Table("pipeline_wide", metadata, Column("id", Integer, primary_key=True, autoincrement=False),
             Column("note", Text, nullable=True), Column("at", UtcDateTime, nullable=True),
             Column("later", UtcDateTime, nullable=True), Column("count", Integer, nullable=True))
narrow = Table("pipeline_narrow", metadata, Column("note", Text, nullable=False))


@pytest.fixture
def tables(engine):  # type: ignore[no-untyped-def]
    metadata.create_all(engine)
    yield engine
    metadata.drop_all(engine)


def wide_rows(n: int) -> list[dict]:
    """Rows whose keys come in another order than the table's columns, timestamps in two zones, repeated values
    (each converted once) and None."""
    return [{"count": None if i % 4 == 0 else i * 10, "later": None if i % 3 else T0 + timedelta(days=i),
             "note": ["城口县", "a\tb\nc", "\\N", "", None][i % 5], "at": (T0, T0.astimezone(SHANGHAI))[i % 2],
             "id": i} for i in range(n)]


def stored(conn, table: Table) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [tuple(r) for r in conn.execute(select(table).order_by(*table.c))]


@pytest.mark.parametrize("write", ["execute_many", "copy_rows"])
def test_rows_written_in_bulk_are_the_rows_execute_writes(tables, write):
    engine = tables
    if write == "copy_rows" and engine.dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    for table, rows in ((wide, wide_rows(23)), (narrow, [{"note": n} for n in ("县1", "a,b", "\\N", "")])):
        with engine.begin() as conn:
            conn.execute(insert(table), rows)
            expected = stored(conn, table)
            conn.execute(table.delete())
            if write == "copy_rows":
                assert bulk_write.copy_rows(conn, table, iter(rows)) == len(rows)
            else:
                bulk_write.execute_many(conn, insert(table), rows)
            assert stored(conn, table) == expected
            assert len(expected) == len(rows)
            if table is wide:  # both zones stored as the same moment, None kept, text as given
                assert {r[2] for r in expected} == {T0} and sum(r[3] is None for r in expected) == 15
                assert {r[1] for r in expected} == {"城口县", "a\tb\nc", "\\N", "", None}


def test_copy_refuses_rows_that_name_other_columns(tables):
    engine = tables
    if engine.dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    rows = wide_rows(3)
    rows[2] = {k: v for k, v in rows[2].items() if k != "later"}
    with pytest.raises(ValueError, match="name different columns"), engine.begin() as conn:
        bulk_write.copy_rows(conn, wide, iter(rows))
