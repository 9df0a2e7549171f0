"""Alert state, notices and silences in the database."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

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


def save_evaluation(conn: Connection, evaluation: Evaluation, current: list[Current], now: datetime) -> None:
    """Write the new alert states (with what held each back) and the notices of the planned messages."""
    held = {c.alert.fingerprint: c for c in current}
    existing = set(conn.execute(select(alerts.c.fingerprint)).scalars())
    for fp, state in evaluation.states.items():
        item = held.get(fp)
        values = {
            "rule_id": state.alert.rule_id, "plan_id": state.alert.plan_id,
            "region_code": state.alert.region_code, "indicator_id": state.alert.indicator_id,
            "state": state.state, "severity": state.alert.severity, "summary": state.alert.summary,
            "labels": json.dumps(state.alert.labels, ensure_ascii=False, sort_keys=True),
            "assessment": json.dumps(state.alert.assessment, ensure_ascii=False, sort_keys=True),
            "started_at": state.started_at, "last_seen_at": now if item else state.started_at,
            "resolved_at": state.resolved_at,
            "silenced_by": item.silenced_by if item else None, "inhibited": bool(item and item.inhibited),
        }
        if fp in existing:
            if item is None:
                values.pop("last_seen_at")
            conn.execute(update(alerts).where(alerts.c.fingerprint == fp).values(**values))
        else:
            conn.execute(insert(alerts).values(fingerprint=fp, **values))
    for (fp, receiver), notice in evaluation.notices.items():
        conn.execute(delete(alert_notices).where(alert_notices.c.fingerprint == fp,
                                                 alert_notices.c.receiver == receiver))
        conn.execute(insert(alert_notices).values(
            fingerprint=fp, receiver=receiver, first_notified_at=notice.first_notified_at,
            last_notified_at=notice.last_notified_at, notified_severity=notice.notified_severity,
            resolved_notified_at=notice.resolved_notified_at))


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
