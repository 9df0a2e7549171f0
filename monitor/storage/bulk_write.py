"""Write many rows at once, in order, the fastest way each database takes them: the rows one statement per row
would write, in a fraction of the time (a national run writes tens of thousands of alert states and notices).

- :func:`upsert`: insert rows or update the stored ones with the same keys, in order: on PostgreSQL by binary
  ``COPY`` (rows none of which is stored go straight in; rows that replace every column go in after the stored
  ones are deleted; else through a temporary table), on SQLite by ``INSERT … ON CONFLICT DO UPDATE`` a chunk at a
  time, elsewhere the portable way (find the stored keys, then insert and update).
- :func:`copy_tuples` / :func:`copy_rows`: one ``COPY … FROM STDIN`` (binary where every column's type is known)
  on PostgreSQL through psycopg 3 (:func:`copies`).
- :func:`row_writer` / :func:`execute_many`: ``executemany`` with the statement compiled once and each column's
  converter applied once per distinct value, rows as tuples.

Rows are taken :data:`CHUNK` at a time (:func:`chunked`), so they can be made as they are written.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import (BigInteger, Boolean, Connection, DateTime, Integer, SmallInteger, String, Table, TypeDecorator,
                        and_, bindparam, insert, select, tuple_, update)
from sqlalchemy.sql.expression import Executable

# rows per executemany, and per batch converted for COPY: a national run writes tens of thousands of states and notices
CHUNK = 2000


def chunked(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """``rows`` a list of at most ``size`` at a time."""
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


_ON_CONFLICT = ("postgresql", "sqlite")  # the databases whose INSERT takes ON CONFLICT … DO UPDATE


def upsert(conn: Connection, table: Table, names: tuple[str, ...], keys: list[str], key_values: list[tuple],
           rows: Iterable[tuple], keep: set[str]) -> None:
    """Insert ``rows`` (tuples of the columns ``names``, whose ``keys`` have the values ``key_values``, tuples in
    the same order; only their number counts where COPY is not used), or update the stored row with the same
    keys (every column but those in ``keep``), in order: by COPY on PostgreSQL (:func:`_upsert_copied`), by
    ``INSERT … ON CONFLICT DO UPDATE`` a chunk of rows at a time on SQLite, else the portable way."""
    if not key_values:
        return
    if copies(conn):
        _upsert_copied(conn, table, names, keys, key_values, rows, keep)
        return
    if conn.dialect.name not in _ON_CONFLICT:
        for chunk in chunked(rows, CHUNK):
            _upsert_portable(conn, table, keys, [dict(zip(names, row)) for row in chunk], keep)
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    statement = dialect_insert(table)
    statement = statement.on_conflict_do_update(index_elements=keys, set_={
        name: statement.excluded[name] for name in names if name not in keys and name not in keep})
    write = row_writer(conn, statement, names)
    for chunk in chunked(rows, CHUNK):
        write(chunk)


def copies(conn: Connection) -> bool:
    """Whether rows can go in by ``COPY``: PostgreSQL through psycopg 3."""
    return conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"


def copy_rows(conn: Connection, table: Table, rows: Iterable[dict[str, Any]], *, into: str | None = None,
              ordinal: bool = False) -> int:
    """Write ``rows`` (all with the same keys) into ``table`` with one ``COPY … FROM STDIN``, in order; returns
    how many: :func:`copy_tuples` for rows as dicts."""
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return 0
    names = tuple(first)
    keys = first.keys()
    values_of = operator.itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))

    def values(row: dict[str, Any]) -> tuple:
        if row.keys() != keys:
            raise ValueError(f"rows to copy into {table.name} name different columns: {sorted(row)}")
        return values_of(row)

    return copy_tuples(conn, table, names, map(values, itertools.chain((first,), iterator)), into=into,
                       ordinal=ordinal)


def copy_tuples(conn: Connection, table: Table, names: tuple[str, ...], rows: Iterable[tuple], *,
                into: str | None = None, ordinal: bool = False) -> int:
    """Write ``rows`` (tuples of the columns ``names``) into ``table`` with one ``COPY … FROM STDIN``, in order;
    returns how many. On a busy PostgreSQL server tens of thousands of single-row statements take several times
    as long, and the rows, made as they are written, keep the server busy while the next ones are made. Each
    value goes through its column's SQLAlchemy type first, as ``conn.execute`` would send it. ``into`` names
    another table with the same columns (a temporary one), ``ordinal`` adds each row's position as a last column.

    Rows go in PostgreSQL's binary format where every column's type is known (:func:`_copy_types`): text then
    needs no escaping, and the client's work for a national run's states is a fifth of the text format's. The
    values must then be of the Python type the column's type takes (str for a text column, int for an integer)."""
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return 0
    dialect = conn.dialect
    quote = dialect.identifier_preparer.quote
    converted = [(index, processor) for index, processor in enumerate(
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names) if processor is not None]
    types = _copy_types(table, names, dialect)
    target = quote(into or table.name)
    listed = ", ".join([*(quote(name) for name in names), *(["_ordinal"] if ordinal else [])])
    written = 0
    with conn.connection.driver_connection.cursor() as cursor:
        with cursor.copy(f"COPY {target} ({listed}) FROM STDIN" + (" (FORMAT BINARY)" if types else "")) as copy:
            if types:
                copy.set_types([*types, *(["int4"] if ordinal else [])])
            write = copy.write_row
            for chunk in chunked(itertools.chain((first,), iterator), CHUNK):
                out: Iterable[Any] = chunk
                if converted or ordinal:  # a column at a time: the rows' values, in row order
                    columns: list[Any] = list(zip(*chunk))
                    for index, processor in converted:
                        columns[index] = _processed(columns[index], processor)
                    if ordinal:
                        columns.append(range(written, written + len(chunk)))
                    out = zip(*columns)
                for row in out:
                    write(row)
                written += len(chunk)
    return written


def _copy_types(table: Table, names: tuple[str, ...], dialect: Any) -> list[str] | None:
    """The PostgreSQL type of each column named, as COPY's binary format needs them; None when one is not known
    here (then COPY takes text, which the server parses for any type)."""
    types = []
    for name in names:
        column_type = table.c[name].type
        if isinstance(column_type, TypeDecorator):
            column_type = column_type.load_dialect_impl(dialect)
        for kind, type_name in _BINARY_TYPES:
            if isinstance(column_type, kind):
                if isinstance(column_type, DateTime) and not column_type.timezone:
                    type_name = "timestamp"
                types.append(type_name)
                break
        else:
            return None
    return types


# SQLAlchemy's types and what PostgreSQL takes for them in binary COPY (subclasses first: a BigInteger is an
# Integer); a varchar column takes text as well, and the server checks its length as for text
_BINARY_TYPES = ((Boolean, "bool"), (BigInteger, "int8"), (SmallInteger, "int2"), (Integer, "int4"),
                 (String, "text"), (DateTime, "timestamptz"))


def _upsert_copied(conn: Connection, table: Table, names: tuple[str, ...], keys: list[str], key_values: list[tuple],
                   rows: Iterable[tuple], keep: set[str]) -> None:
    """:func:`upsert` on PostgreSQL. Rows none of which is stored yet (a first run, a new plan period) are copied
    straight into the table. Rows that replace every column of a stored row (``keep`` empty: the states of
    current alerts, notices) are copied too, once the stored rows with their keys are deleted: the same rows
    result, and the server writes them while the next ones are made (an upsert from a temporary table would wait
    for all of them, then write them again). Otherwise the rows are copied into a temporary table, then written
    by one ``INSERT … SELECT … ORDER BY position ON CONFLICT DO UPDATE``."""
    quote = conn.dialect.identifier_preparer.quote
    listed_keys = ", ".join(quote(key) for key in keys)
    # the keys go as binary arrays (%b), which psycopg makes in a third of the time of text ones; an empty table
    # holds none of them (a first run), so then they need not be sent
    matching = (f"({listed_keys}) IN (SELECT * FROM unnest({', '.join(['%b::text[]'] * len(keys))}))",
                tuple([str(value) for value in column] for column in zip(*key_values)))
    stored = conn.exec_driver_sql(f"SELECT 1 FROM {quote(table.name)} LIMIT 1").first() is not None
    if stored and not keep:
        conn.exec_driver_sql(f"DELETE FROM {quote(table.name)} WHERE {matching[0]}", matching[1])
        stored = False
    if stored:
        stored = conn.exec_driver_sql(
            f"SELECT 1 FROM {quote(table.name)} WHERE {matching[0]} LIMIT 1", matching[1]).first() is not None
    if not stored:
        copy_tuples(conn, table, names, rows)
        return
    incoming = f"monitor_incoming_{table.name}"
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE IF NOT EXISTS {quote(incoming)} ON COMMIT DROP AS "
                         f"SELECT *, 0 AS _ordinal FROM {quote(table.name)} WITH NO DATA")
    conn.exec_driver_sql(f"TRUNCATE {quote(incoming)}")
    copy_tuples(conn, table, names, rows, into=incoming, ordinal=True)
    listed = ", ".join(quote(name) for name in names)
    updates = ", ".join(f"{quote(name)} = excluded.{quote(name)}" for name in names
                        if name not in keys and name not in keep)
    conn.exec_driver_sql(
        f"INSERT INTO {quote(table.name)} ({listed}) SELECT {listed} FROM {quote(incoming)} ORDER BY _ordinal "
        f"ON CONFLICT ({listed_keys}) "
        + (f"DO UPDATE SET {updates}" if updates else "DO NOTHING"))


def execute_many(conn: Connection, statement: Executable, rows: list[dict[str, Any]]) -> None:
    """``conn.execute(statement, rows)``, with the per-row work of SQLAlchemy done once per distinct value
    (:func:`row_writer`, for rows as dicts). Rows that do not all name the same columns go through
    ``conn.execute``, which refuses them as before."""
    if not rows:
        return
    names = tuple(rows[0])
    columns_named = rows[0].keys()
    if any(row.keys() != columns_named for row in rows):
        conn.execute(statement, rows)
        return
    values_of = operator.itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    row_writer(conn, statement, names)(list(map(values_of, rows)))


def row_writer(conn: Connection, statement: Executable, names: tuple[str, ...]) -> Callable[[list[tuple]], None]:
    """What writes rows (tuples of the columns ``names``) with ``statement``, one ``executemany`` per call.

    SQLAlchemy converts every parameter of every row through its column's type (each timestamp to UTC, and on
    SQLite to text), a third of the time of writing a national run's states. Here the statement is compiled
    once for the columns, each column's converter (``TypeEngine.bind_processor`` of the dialect's type) is
    applied once per distinct value, and the rows go to the driver's ``executemany`` as tuples in the order of
    the statement's parameters (or as dicts, for a driver that names them): the same statement, the same values.
    Anything unusual (a parameter that is not one of the columns, escaped names) goes through ``conn.execute``
    as before."""
    dialect = conn.dialect
    compiled = statement.compile(dialect=dialect, column_keys=list(names))
    binds = list(compiled.positiontup or []) if dialect.positional else list(compiled.binds)
    if sorted(binds) != sorted(names) or getattr(compiled, "escaped_bind_names", None):
        return lambda rows: conn.execute(statement, [dict(zip(names, row)) for row in rows])
    converted = [(index, processor) for index, processor in enumerate(
        compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names)
        if processor is not None]
    order = [names.index(name) for name in binds]
    reorder = None if order == list(range(len(names))) else operator.itemgetter(*order)
    sql = compiled.string

    def write(rows: list[tuple]) -> None:
        if not rows:
            return
        if converted:  # a column at a time: the rows' values, in row order
            columns: list[Any] = list(zip(*rows))
            for index, processor in converted:
                columns[index] = _processed(columns[index], processor)
            rows = list(zip(*columns))
        if not dialect.positional:
            parameters: list[Any] = [dict(zip(names, row)) for row in rows]
        else:
            parameters = rows if reorder is None else list(map(reorder, rows))
        conn.exec_driver_sql(sql, parameters)

    return write


def _processed(values: Iterable[Any], processor: Any) -> list[Any]:
    """``[processor(v) for v in values]``, calling it once per distinct value (timestamps repeat: ``now``)."""
    done: dict[tuple[type, Any], Any] = {}
    out = []
    for value in values:
        key = (value.__class__, value)
        try:
            out.append(done[key])
        except KeyError:
            out.append(done.setdefault(key, processor(value)))
        except TypeError:  # not hashable
            out.append(processor(value))
    return out


def _upsert_portable(conn: Connection, table: Table, keys: list[str], rows: list[dict], keep: set[str]) -> None:
    """:func:`upsert` without ON CONFLICT: find the stored keys, then insert and update, a chunk per statement."""
    where = and_(*(table.c[name] == bindparam(f"key_{name}") for name in keys))
    stored = set()
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        found = conn.execute(select(*(table.c[name] for name in keys)).where(
            tuple_(*(table.c[name] for name in keys)).in_([tuple(r[name] for name in keys) for r in chunk])))
        stored.update(tuple(r) for r in found)
    fresh = [r for r in rows if tuple(r[name] for name in keys) not in stored]
    changed = [{**{f"key_{name}": r[name] for name in keys},
                **{name: value for name, value in r.items() if name not in keys and name not in keep}}
               for r in rows if tuple(r[name] for name in keys) in stored]
    for start in range(0, len(fresh), CHUNK):
        execute_many(conn, insert(table), fresh[start:start + CHUNK])
    for start in range(0, len(changed), CHUNK):
        execute_many(conn, update(table).where(where), changed[start:start + CHUNK])

