"""The outbox: rendered parts waiting to be sent, their claims, results and the per-endpoint gate."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update

from monitor.channels.base import Message, RateLimit
from monitor.storage.tables import delivery_attempts, outbox, receiver_targets

PENDING, SENDING, SENT, FAILED, SPLIT = "pending", "sending", "sent", "failed", "split"


def enqueue(conn: Connection, *, receiver: str, channel: str, target: str, kind: str, group_key: str,
            message: Message, payloads: list[dict[str, Any]], budget: int | None, fingerprints: list[str],
            now: datetime) -> list[int]:
    """Store every part of one message as pending rows (before any network I/O)."""
    batch = uuid.uuid4().hex
    ids = []
    for number, payload in enumerate(payloads, start=1):
        ids.append(int(conn.execute(insert(outbox).values(
            receiver=receiver, channel=channel, target=target, kind=kind, group_key=group_key,
            title=message.title, part=number, parts=len(payloads),
            payload=json.dumps(payload, ensure_ascii=False), batch=batch,
            message=json.dumps(asdict(message), ensure_ascii=False), budget=budget,
            fingerprints=json.dumps(fingerprints), status=PENDING, attempts=0, created_at=now,
            next_attempt_at=now)).inserted_primary_key[0]))
    return ids


def due_ids(conn: Connection, now: datetime, stale_before: datetime, limit: int) -> list[int]:
    """Rows ready to send: pending and due, or claimed by a sender that never recorded a result."""
    query = (select(outbox.c.id)
             .where(or_(and_(outbox.c.status == PENDING, outbox.c.next_attempt_at <= now),
                        and_(outbox.c.status == SENDING, outbox.c.claimed_at < stale_before)))
             .order_by(outbox.c.id).limit(limit))
    return list(conn.execute(query).scalars())


def row(conn: Connection, outbox_id: int) -> dict[str, Any]:
    found = conn.execute(select(outbox).where(outbox.c.id == outbox_id)).first()
    if found is None:
        raise KeyError(outbox_id)
    return dict(found._mapping)


def gate(conn: Connection, target: str, limits: tuple[RateLimit, ...], now: datetime) -> datetime | None:
    """Lock the endpoint's row for this transaction; None when a part may go now, else when it may.

    The UPDATE takes a row lock on PostgreSQL and the write lock on SQLite, so two senders decide one after the
    other and together never exceed a limit.
    """
    conn.execute(_insert_ignoring_conflict(conn).values(target=target, blocked_until=None, turn=0))
    conn.execute(update(receiver_targets).where(receiver_targets.c.target == target)
                 .values(turn=receiver_targets.c.turn + 1))
    blocked = conn.execute(select(receiver_targets.c.blocked_until)
                           .where(receiver_targets.c.target == target)).scalar()
    waits = [blocked] if blocked is not None and blocked > now else []
    for limit in limits:
        since = now - timedelta(seconds=limit.seconds)
        recent = list(conn.execute(
            select(delivery_attempts.c.started_at).where(delivery_attempts.c.target == target,
                                                         delivery_attempts.c.started_at > since)
            .order_by(delivery_attempts.c.started_at.desc()).limit(limit.messages)).scalars())
        if len(recent) >= limit.messages:
            waits.append(recent[-1] + timedelta(seconds=limit.seconds))
    return max(waits) if waits else None


def _insert_ignoring_conflict(conn: Connection):  # type: ignore[no-untyped-def]
    """INSERT … ON CONFLICT DO NOTHING for the endpoint row, so two first senders do not collide."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(receiver_targets).on_conflict_do_nothing(index_elements=["target"])


def claim(conn: Connection, outbox_id: int, worker: str, now: datetime, stale_before: datetime) -> bool:
    """Take a row for sending; False when another sender has it."""
    result = conn.execute(
        update(outbox)
        .where(outbox.c.id == outbox_id,
               or_(and_(outbox.c.status == PENDING, outbox.c.next_attempt_at <= now),
                   and_(outbox.c.status == SENDING, outbox.c.claimed_at < stale_before)))
        .values(status=SENDING, claimed_at=now, claimed_by=worker, attempts=outbox.c.attempts + 1))
    return result.rowcount == 1


def start_attempt(conn: Connection, outbox_id: int, target: str, now: datetime) -> int:
    return int(conn.execute(insert(delivery_attempts).values(
        outbox_id=outbox_id, target=target, started_at=now, outcome="sending")).inserted_primary_key[0])


def postpone(conn: Connection, outbox_id: int, until: datetime) -> None:
    conn.execute(update(outbox).where(outbox.c.id == outbox_id, outbox.c.status == PENDING)
                 .values(next_attempt_at=until))


def finish(conn: Connection, outbox_id: int, attempt_id: int, *, status: str, outcome: str, now: datetime,
           http_status: int | None = None, errcode: int | None = None, errmsg: str | None = None,
           error: str | None = None, next_attempt_at: datetime | None = None) -> None:
    values: dict[str, Any] = {"status": status, "http_status": http_status, "errcode": errcode, "errmsg": errmsg,
                              "error": error, "claimed_at": None, "claimed_by": None}
    if status == SENT:
        values["sent_at"] = now
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    conn.execute(update(outbox).where(outbox.c.id == outbox_id).values(**values))
    conn.execute(update(delivery_attempts).where(delivery_attempts.c.id == attempt_id).values(
        finished_at=now, outcome=outcome, http_status=http_status, errcode=errcode, errmsg=errmsg))


def block_target(conn: Connection, target: str, until: datetime) -> None:
    conn.execute(update(receiver_targets).where(receiver_targets.c.target == target).values(blocked_until=until))


def supersede_batch(conn: Connection, batch: str) -> None:
    """Mark the unsent parts of a message as split (they are replaced by smaller parts)."""
    conn.execute(update(outbox).where(outbox.c.batch == batch, outbox.c.status.in_([PENDING, SENDING]))
                 .values(status=SPLIT))


def listing(conn: Connection, status: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    query = select(outbox.c.id, outbox.c.receiver, outbox.c.channel, outbox.c.target, outbox.c.kind,
                   outbox.c.title, outbox.c.part, outbox.c.parts, outbox.c.status, outbox.c.attempts,
                   outbox.c.created_at, outbox.c.next_attempt_at, outbox.c.sent_at, outbox.c.http_status,
                   outbox.c.errcode, outbox.c.errmsg, outbox.c.error).order_by(outbox.c.id.desc()).limit(limit)
    if status:
        query = query.where(outbox.c.status == status)
    return [dict(r._mapping) for r in conn.execute(query)]


def counts(conn: Connection) -> dict[str, int]:
    return {status: n for status, n in conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status))}


def retry_failed(conn: Connection, now: datetime, outbox_id: int | None = None) -> int:
    query = update(outbox).where(outbox.c.status == FAILED)
    if outbox_id is not None:
        query = query.where(outbox.c.id == outbox_id)
    return conn.execute(query.values(status=PENDING, next_attempt_at=now, attempts=0)).rowcount


def purge(conn: Connection, before: datetime) -> int:
    """Delete sent, failed and split rows created before ``before`` (pending rows are never purged)."""
    ids = list(conn.execute(select(outbox.c.id).where(outbox.c.status.in_([SENT, FAILED, SPLIT]),
                                                      outbox.c.created_at < before)).scalars())
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        conn.execute(delete(delivery_attempts).where(delivery_attempts.c.outbox_id.in_(chunk)))
        conn.execute(delete(outbox).where(outbox.c.id.in_(chunk)))
    return len(ids)
