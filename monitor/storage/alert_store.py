"""Alert state, notices and silences in the database."""

from __future__ import annotations

import itertools
import json
import operator
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, insert, select, tuple_, update
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


CHUNK = 2000  # rows per executemany: a national run writes tens of thousands of states and notices

_KEPT = {"last_seen_at"}  # what an alert that is no longer current keeps of its stored row


def _sorted_json() -> Any:
    """``json.dumps(obj, ensure_ascii=False, sort_keys=True)`` for the dicts of a national run, same text.

    ``json.dumps`` builds its C encoder anew for every call, which costs as much as encoding a dict of labels;
    here it is built once (where the C accelerator exists; else the plain encoder)."""
    encoder = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return encoder.encode
    markers: dict = {}  # check_circular, as json.dumps does
    encode = make(markers, encoder.default, json.encoder.encode_basestring, None, encoder.key_separator,
                  encoder.item_separator, True, False, True)

    def dumps(obj: Any) -> str:
        if obj.__class__ is not dict:
            return encoder.encode(obj)
        try:
            return "".join(encode(obj, 0))
        except BaseException:
            markers.clear()  # what a failed call left behind
            raise

    return dumps


_JSON = _sorted_json()


def save_evaluation(conn: Connection, evaluation: Evaluation, current: list[Current], now: datetime) -> None:
    """Write the new alert states (with what held each back) and the notices of the planned messages.

    In bulk, in the caller's transaction (the one that enqueues the messages): each state is inserted, or
    updated where the fingerprint is stored (see :func:`_upsert`). A stored alert that is not among the current
    ones (it resolved) keeps its ``last_seen_at``; a notice replaces the receiver's previous one for that alert.
    Rows are made as they are written, so a national run never holds all of them at once.
    """
    held = {c.alert.fingerprint: c for c in current}
    states = evaluation.states

    def state_row(fp: str) -> dict[str, Any]:
        state, item = states[fp], held.get(fp)
        alert = state.alert
        return {
            "fingerprint": fp, "rule_id": alert.rule_id, "plan_id": alert.plan_id,
            "region_code": alert.region_code, "indicator_id": alert.indicator_id,
            "state": state.state, "severity": alert.severity, "summary": alert.summary,
            "labels": _JSON(alert.labels), "assessment": _JSON(alert.assessment),
            "started_at": state.started_at, "last_seen_at": now if item else state.started_at,
            "resolved_at": state.resolved_at,
            "silenced_by": item.silenced_by if item else None, "inhibited": bool(item and item.inhibited),
        }

    copied = copies(conn)  # COPY needs the keys beforehand, to see whether any is stored
    # consecutive states that are all current or all not, in the order given
    for is_current, run in itertools.groupby(states, key=held.__contains__):
        fps = list(run)
        _upsert(conn, alerts, ["fingerprint"], [(fp,) for fp in fps] if copied else fps,
                map(state_row, fps), set() if is_current else _KEPT)

    def notice_row(key: tuple[str, str]) -> dict[str, Any]:
        notice = evaluation.notices[key]
        return {"fingerprint": key[0], "receiver": key[1], "first_notified_at": notice.first_notified_at,
                "last_notified_at": notice.last_notified_at, "notified_severity": notice.notified_severity,
                "resolved_notified_at": notice.resolved_notified_at}

    keys = list(evaluation.notices)
    _upsert(conn, alert_notices, ["fingerprint", "receiver"], keys, map(notice_row, keys), set())


def chunked(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """``rows`` a list of at most ``size`` at a time."""
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


_ON_CONFLICT = ("postgresql", "sqlite")  # the databases whose INSERT takes ON CONFLICT … DO UPDATE


def _upsert(conn: Connection, table: Table, keys: list[str], key_values: list[tuple], rows: Iterable[dict],
            keep: set[str]) -> None:
    """Insert ``rows`` (whose ``keys`` have the values ``key_values``, tuples in the same order; only their number
    counts where COPY is not used), or update the stored row with the same keys (every column but those in
    ``keep``), in order: by COPY on PostgreSQL
    (:func:`_upsert_copied`), by ``INSERT … ON CONFLICT DO UPDATE`` a chunk of rows at a time on SQLite, else the
    portable way."""
    if not key_values:
        return
    if copies(conn):
        _upsert_copied(conn, table, keys, key_values, rows, keep)
        return
    statement = None
    for chunk in chunked(rows, CHUNK):
        if conn.dialect.name not in _ON_CONFLICT:
            _upsert_portable(conn, table, keys, chunk, keep)
            continue
        if statement is None:
            if conn.dialect.name == "postgresql":
                from sqlalchemy.dialects.postgresql import insert as dialect_insert
            else:
                from sqlalchemy.dialects.sqlite import insert as dialect_insert
            statement = dialect_insert(table)
            statement = statement.on_conflict_do_update(index_elements=keys, set_={
                name: statement.excluded[name] for name in chunk[0] if name not in keys and name not in keep})
        execute_many(conn, statement, chunk)


def copies(conn: Connection) -> bool:
    """Whether rows can go in by ``COPY``: PostgreSQL through psycopg 3."""
    return conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"


def copy_rows(conn: Connection, table: Table, rows: Iterable[dict[str, Any]], *, into: str | None = None,
              ordinal: bool = False) -> int:
    """Write ``rows`` (all with the same keys) into ``table`` with one ``COPY … FROM STDIN``, in order; returns
    how many. On a busy PostgreSQL server tens of thousands of single-row statements take several times as long,
    and the rows, made as they are written, keep the server busy while the next ones are made. Each value goes
    through its column's SQLAlchemy type first, as ``conn.execute`` would send it. ``into`` names another table
    with the same columns (a temporary one), ``ordinal`` adds each row's position as a last column."""
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return 0
    dialect = conn.dialect
    quote = dialect.identifier_preparer.quote
    names = list(first)
    keys = first.keys()
    # the values of a row in column order (one C call), then the columns that have a converter converted
    values_of = operator.itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    converted = [(index, _Processor(processor)) for index, processor in enumerate(
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names) if processor is not None]
    target = quote(into or table.name)
    listed = ", ".join([*(quote(name) for name in names), *(["_ordinal"] if ordinal else [])])
    written = 0
    with conn.connection.driver_connection.cursor() as cursor:
        with cursor.copy(f"COPY {target} ({listed}) FROM STDIN") as copy:
            for row in itertools.chain((first,), iterator):
                if row.keys() != keys:
                    raise ValueError(f"rows to copy into {table.name} name different columns: {sorted(row)}")
                values = list(values_of(row))
                for index, process in converted:
                    values[index] = process(values[index])
                if ordinal:
                    values.append(written)
                copy.write_row(values)
                written += 1
    return written


class _Processor:
    """A column's bind processor, called once per distinct value (timestamps repeat: ``now``)."""

    __slots__ = ("processor", "done")

    def __init__(self, processor: Any) -> None:
        self.processor = processor
        self.done: dict[tuple[type, Any], Any] = {}

    def __call__(self, value: Any) -> Any:
        key = (value.__class__, value)
        try:
            return self.done[key]
        except KeyError:
            return self.done.setdefault(key, self.processor(value))
        except TypeError:  # not hashable
            return self.processor(value)


def _upsert_copied(conn: Connection, table: Table, keys: list[str], key_values: list[tuple],
                   rows: Iterable[dict], keep: set[str]) -> None:
    """:func:`_upsert` on PostgreSQL: rows none of which is stored yet (a first run, a new plan period) are copied
    straight into the table; otherwise they are copied into a temporary table, then written by one
    ``INSERT … SELECT … ORDER BY position ON CONFLICT DO UPDATE``."""
    quote = conn.dialect.identifier_preparer.quote
    listed_keys = ", ".join(quote(key) for key in keys)
    stored = conn.exec_driver_sql(
        f"SELECT 1 FROM {quote(table.name)} WHERE ({listed_keys}) IN "
        f"(SELECT * FROM unnest({', '.join(['%s::text[]'] * len(keys))})) LIMIT 1",
        tuple([str(value) for value in column] for column in zip(*key_values))).first()
    if stored is None:
        copy_rows(conn, table, rows)
        return
    incoming = f"monitor_incoming_{table.name}"
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE IF NOT EXISTS {quote(incoming)} ON COMMIT DROP AS "
                         f"SELECT *, 0 AS _ordinal FROM {quote(table.name)} WITH NO DATA")
    conn.exec_driver_sql(f"TRUNCATE {quote(incoming)}")
    iterator = iter(rows)
    first = next(iterator)
    copy_rows(conn, table, itertools.chain((first,), iterator), into=incoming, ordinal=True)
    listed = ", ".join(quote(name) for name in first)
    updates = ", ".join(f"{quote(name)} = excluded.{quote(name)}" for name in first
                        if name not in keys and name not in keep)
    conn.exec_driver_sql(
        f"INSERT INTO {quote(table.name)} ({listed}) SELECT {listed} FROM {quote(incoming)} ORDER BY _ordinal "
        f"ON CONFLICT ({listed_keys}) "
        + (f"DO UPDATE SET {updates}" if updates else "DO NOTHING"))


def execute_many(conn: Connection, statement: Executable, rows: list[dict[str, Any]]) -> None:
    """``conn.execute(statement, rows)``, with the per-row work of SQLAlchemy done once per distinct value.

    SQLAlchemy converts every parameter of every row through its column's type (each timestamp to UTC, and on
    SQLite to text), a third of the time of writing a national run's states. Here the statement is compiled
    once for the columns of the rows, each column's converter (``TypeEngine.bind_processor`` of the dialect's
    type) is applied once per distinct value, and the rows go to the driver's ``executemany`` as they are: the
    same statement, the same values. Anything unusual (a parameter that is not one of the row's keys, escaped
    names) goes through ``conn.execute`` as before."""
    if not rows:
        return
    dialect = conn.dialect
    keys = list(rows[0])
    compiled = statement.compile(dialect=dialect, column_keys=keys)
    names = list(compiled.positiontup or []) if dialect.positional else list(compiled.binds)
    columns_named = rows[0].keys()
    if (set(names) != set(keys) or getattr(compiled, "escaped_bind_names", None)
            or any(row.keys() != columns_named for row in rows)):
        conn.execute(statement, rows)
        return
    columns = {}
    transposed = zip(*map(operator.itemgetter(*keys), rows)) if len(keys) > 1 else [[r[keys[0]] for r in rows]]
    for name, values in zip(keys, transposed):  # a column at a time: the rows' values, in row order
        processor = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
        columns[name] = values if processor is None else _processed(values, processor)
    if dialect.positional:
        parameters: list[Any] = list(zip(*(columns[name] for name in names)))
    else:
        parameters = [dict(zip(keys, values)) for values in zip(*(columns[name] for name in keys))]
    conn.exec_driver_sql(compiled.string, parameters)


def _processed(values: list[Any], processor: Any) -> list[Any]:
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
