"""Alert state, notices and silences in the database."""

from __future__ import annotations

import itertools
import json
import operator
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import (BigInteger, Boolean, Connection, DateTime, Integer, SmallInteger, String, Table, TypeDecorator,
                        and_, bindparam, insert, select, tuple_, update)
from sqlalchemy.sql.expression import Executable

from monitor.alerts.lifecycle import Current, Evaluation, Notice, StoredAlert
from monitor.alerts.model import Alert
from monitor.alerts.silences import Silence
from monitor.storage.tables import alert_notices, alerts, silences


def stored_alerts(conn: Connection) -> dict[str, StoredAlert]:
    out = {}
    for row in conn.execute(select(alerts)):
        alert = Alert(row.fingerprint, row.rule_id, row.severity, row.summary, json.loads(row.labels),
                      json.loads(row.assessment))
        out[row.fingerprint] = StoredAlert(alert, row.state, row.started_at, row.resolved_at)
    return out


def stored_notices(conn: Connection) -> dict[tuple[str, str], Notice]:
    return {
        (row.fingerprint, row.receiver): Notice(row.first_notified_at, row.last_notified_at,
                                                row.notified_severity, row.resolved_notified_at)
        for row in conn.execute(select(alert_notices))
    }


# rows per executemany, and per batch converted for COPY: a national run writes tens of thousands of states and notices
CHUNK = 2000

_KEPT = {"last_seen_at"}  # what an alert that is no longer current keeps of its stored row


def _sorted_json() -> Callable[[Any], str]:
    """``json.dumps(obj, ensure_ascii=False, sort_keys=True)`` for the dicts of a national run, same text.

    ``json.dumps`` builds its C encoder anew for every call, which costs as much as encoding a dict of labels;
    here it is built once (where the C accelerator exists; else the plain encoder). And the dicts of a run have
    the same keys (every assessment the frame's columns): sorting and encoding those keys again for each dict is
    a fifth of the work. So the first dict's sorted keys make a template (the text of each key, with the text
    between), and a dict with the same keys has only its values encoded, in that order, by the same C encoder, as
    one list whose items are separated by NUL; the values then go between the keys. The encoder escapes NUL in
    every string, so the separators are exactly the NULs; a value that is itself a container of several items
    brings more of them, and then the dict is encoded the ordinary way, as is a dict of other keys. Use one per
    kind of dict (the template is the first dict's)."""
    encoder = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return encoder.encode
    markers: dict = {}  # check_circular, as json.dumps does
    common = (markers, encoder.default, json.encoder.encode_basestring, None, encoder.key_separator)
    encode = make(*common, encoder.item_separator, True, False, True)
    encode_values = make(*common, _SEPARATOR, False, False, True)
    shape: list[Any] = [-1, None, []]  # the template's number of keys, their values' getter, the template

    def dumps(obj: Any) -> str:
        if obj.__class__ is not dict:
            return encoder.encode(obj)
        size, values_of, template = shape
        try:
            if len(obj) == size:
                try:
                    values = values_of(obj)
                except KeyError:
                    pass
                else:
                    parts = "".join(encode_values(values, 0))[1:-1].split(_SEPARATOR)
                    if len(parts) == size:
                        pieces = template.copy()
                        pieces[1::2] = parts  # each value after its key
                        return "".join(pieces)
            text = "".join(encode(obj, 0))
        except BaseException:
            markers.clear()  # what a failed call left behind
            raise
        if values_of is None:  # the first dict: its keys make the template, when they are text
            shape[:] = _template(obj) or (-2, len, [])
        return text

    return dumps


_SEPARATOR = "\x00"  # never in the JSON encoder's output: it writes NUL in a string as \u0000


def _template(obj: dict) -> tuple[int, Any, list[str | None]] | None:
    """The number of ``obj``'s keys, the getter of their values in sorted order and the pieces of the JSON text of
    a dict with those keys, each key's text followed by a place (None) for its value; None unless there are two
    keys or more, all of them text."""
    keys = list(obj)
    if len(keys) < 2 or any(key.__class__ is not str for key in keys):
        return None
    keys.sort()
    pieces: list[str | None] = []
    for key in keys:
        pieces += [(", " if pieces else "{") + json.encoder.encode_basestring(key) + ": ", None]
    return len(keys), operator.itemgetter(*keys), [*pieces, "}"]


_JSON = _sorted_json()  # for values encoded one at a time


def save_evaluation(conn: Connection, evaluation: Evaluation, current: list[Current], now: datetime) -> None:
    """Write the new alert states (with what held each back) and the notices of the planned messages.

    In bulk, in the caller's transaction (the one that enqueues the messages): each state is inserted, or
    updated where the fingerprint is stored (see :func:`_upsert`). A stored alert that is not among the current
    ones (it resolved) keeps its ``last_seen_at``; a notice replaces the receiver's previous one for that alert.
    Rows are made as they are written (tuples in the order of the columns named), so a national run never holds
    all of them at once.
    """
    held = {c.alert.fingerprint: c for c in current}
    states = evaluation.states
    labels_json, assessment_json = _sorted_json(), _sorted_json()  # a template each, for the keys of this run

    def state_row(fp: str) -> tuple:
        state, item = states[fp], held.get(fp)
        alert = state.alert
        return (fp, alert.rule_id, alert.plan_id, alert.region_code, alert.indicator_id, state.state,
                alert.severity, alert.summary, labels_json(alert.labels), assessment_json(alert.assessment),
                state.started_at, now if item else state.started_at, state.resolved_at,
                item.silenced_by if item else None, bool(item and item.inhibited))

    copied = copies(conn)  # COPY needs the keys beforehand, to see whether any is stored
    # consecutive states that are all current or all not, in the order given
    for is_current, run in itertools.groupby(states, key=held.__contains__):
        fps = list(run)
        _upsert(conn, alerts, _STATE_COLUMNS, ["fingerprint"], [(fp,) for fp in fps] if copied else fps,
                map(state_row, fps), set() if is_current else _KEPT)

    notices = evaluation.notices

    def notice_row(key: tuple[str, str]) -> tuple:
        notice = notices[key]
        return (key[0], key[1], notice.first_notified_at, notice.last_notified_at, notice.notified_severity,
                notice.resolved_notified_at)

    keys = list(notices)
    _upsert(conn, alert_notices, _NOTICE_COLUMNS, ["fingerprint", "receiver"], keys, map(notice_row, keys), set())


# the columns of the rows save_evaluation makes, in their order
_STATE_COLUMNS = ("fingerprint", "rule_id", "plan_id", "region_code", "indicator_id", "state", "severity", "summary",
                  "labels", "assessment", "started_at", "last_seen_at", "resolved_at", "silenced_by", "inhibited")
_NOTICE_COLUMNS = ("fingerprint", "receiver", "first_notified_at", "last_notified_at", "notified_severity",
                   "resolved_notified_at")


def chunked(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """``rows`` a list of at most ``size`` at a time."""
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


_ON_CONFLICT = ("postgresql", "sqlite")  # the databases whose INSERT takes ON CONFLICT … DO UPDATE


def _upsert(conn: Connection, table: Table, names: tuple[str, ...], keys: list[str], key_values: list[tuple],
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
    """:func:`_upsert` on PostgreSQL. Rows none of which is stored yet (a first run, a new plan period) are copied
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
    """:func:`_upsert` without ON CONFLICT: find the stored keys, then insert and update, a chunk per statement."""
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


def active_alerts(conn: Connection) -> list[dict]:
    rows = conn.execute(select(alerts).where(alerts.c.state == "firing").order_by(
        alerts.c.region_code, alerts.c.plan_id, alerts.c.indicator_id, alerts.c.rule_id))
    return [dict(row._mapping) for row in rows]


def add_silence(conn: Connection, matchers: list[str], starts_at: datetime, ends_at: datetime, author: str,
                comment: str, now: datetime) -> int:
    return int(conn.execute(insert(silences).values(
        matchers=json.dumps(matchers, ensure_ascii=False), starts_at=starts_at, ends_at=ends_at, author=author,
        comment=comment, created_at=now)).inserted_primary_key[0])


def all_silences(conn: Connection) -> list[Silence]:
    return [
        Silence(id=row.id, matchers=tuple(json.loads(row.matchers)), starts_at=row.starts_at,
                ends_at=row.ends_at, author=row.author, comment=row.comment, created_at=row.created_at)
        for row in conn.execute(select(silences).order_by(silences.c.id))
    ]


def expire_silence(conn: Connection, silence_id: int, now: datetime) -> bool:
    """End a silence now; False when there is no such silence or it has already ended."""
    result = conn.execute(update(silences).where(silences.c.id == silence_id, silences.c.ends_at > now)
                          .values(ends_at=now))
    return result.rowcount == 1
