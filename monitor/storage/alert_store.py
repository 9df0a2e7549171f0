"""Alert state, notices and silences in the database.

:func:`save_evaluation` writes a run's alert states and notices in bulk (:mod:`monitor.storage.bulk_write`), with
the labels and assessments of its alerts made JSON by an encoder that reuses the keys every dict of a run shares.
"""

from __future__ import annotations

import itertools
import json
import operator
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from monitor.alerts.lifecycle import Current, Evaluation, Notice, StoredAlert
from monitor.alerts.model import Alert
from monitor.alerts.silences import Silence
from monitor.storage import bulk_write
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
    updated where the fingerprint is stored (see :func:`monitor.storage.bulk_write.upsert`). A stored alert that
    is not among the current ones (it resolved) keeps its ``last_seen_at``; a notice replaces the receiver's
    previous one for that alert.
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

    copied = bulk_write.copies(conn)  # COPY needs the keys beforehand, to see whether any is stored
    # consecutive states that are all current or all not, in the order given
    for is_current, run in itertools.groupby(states, key=held.__contains__):
        fps = list(run)
        bulk_write.upsert(conn, alerts, _STATE_COLUMNS, ["fingerprint"], [(fp,) for fp in fps] if copied else fps,
                          map(state_row, fps), set() if is_current else _KEPT)

    notices = evaluation.notices

    def notice_row(key: tuple[str, str]) -> tuple:
        notice = notices[key]
        return (key[0], key[1], notice.first_notified_at, notice.last_notified_at, notice.notified_severity,
                notice.resolved_notified_at)

    keys = list(notices)
    bulk_write.upsert(conn, alert_notices, _NOTICE_COLUMNS, ["fingerprint", "receiver"], keys, map(notice_row, keys),
                      set())


# the columns of the rows save_evaluation makes, in their order
_STATE_COLUMNS = ("fingerprint", "rule_id", "plan_id", "region_code", "indicator_id", "state", "severity", "summary",
                  "labels", "assessment", "started_at", "last_seen_at", "resolved_at", "silenced_by", "inhibited")
_NOTICE_COLUMNS = ("fingerprint", "receiver", "first_notified_at", "last_notified_at", "notified_severity",
                   "resolved_notified_at")



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
