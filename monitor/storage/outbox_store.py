"""The outbox: rendered parts waiting to be sent, their claims, results and the per-endpoint gate."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, or_, select, update

from monitor.channels.base import Message, RateLimit, stored_message
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
            message=json.dumps(stored_message(message), ensure_ascii=False), budget=budget,
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


@dataclass(frozen=True)
class Unfinished:
    """An outbox row still to be sent (pending, or claimed): what the deliverer plans with, without the payload."""

    id: int
    receiver: str
    channel: str
    target: str
    batch: str
    part: int
    status: str
    next_attempt_at: datetime
    claimed_at: datetime | None

    def ready(self, now: datetime, stale_before: datetime) -> bool:
        """Due now: pending and due, or claimed by a sender that has not renewed its claim within the lease."""
        if self.status == PENDING:
            return self.next_attempt_at <= now
        return self.claimed_at is None or self.claimed_at < stale_before


def unfinished(conn: Connection) -> list[Unfinished]:
    """Every pending or claimed row, oldest first (one narrow query; payloads are read when a row is claimed)."""
    query = (select(outbox.c.id, outbox.c.receiver, outbox.c.channel, outbox.c.target, outbox.c.batch,
                    outbox.c.part, outbox.c.status, outbox.c.next_attempt_at, outbox.c.claimed_at)
             .where(outbox.c.status.in_([PENDING, SENDING])).order_by(outbox.c.id))
    return [Unfinished(*r) for r in conn.execute(query)]


def row(conn: Connection, outbox_id: int) -> dict[str, Any]:
    found = conn.execute(select(outbox).where(outbox.c.id == outbox_id)).first()
    if found is None:
        raise KeyError(outbox_id)
    return dict(found._mapping)


def gate(conn: Connection, target: str, limits: tuple[RateLimit, ...], now: datetime,
         margin: timedelta = timedelta(0)) -> datetime | None:
    """Lock the endpoint's row for this transaction; None when a part may go now, else when it may.

    The UPDATE takes a row lock on PostgreSQL and the write lock on SQLite, so two senders decide one after the
    other and together never exceed a limit. ``margin`` widens each window: an attempt is recorded a moment
    before its request reaches the receiver, and the receiver counts arrivals.
    """
    blocked = lock_target(conn, target)
    return window_wait(conn, target, limits, now, blocked, margin)


def lock_target(conn: Connection, target: str) -> datetime | None:
    """Take the endpoint's lock for this transaction (creating its row the first time); its ``blocked_until``.

    On SQLite this is the transaction's first write, so it also takes the database write lock before anything is
    read: whatever the transaction reads next is current.
    """
    bump = (update(receiver_targets).where(receiver_targets.c.target == target)
            .values(turn=receiver_targets.c.turn + 1).returning(receiver_targets.c.blocked_until))
    found = conn.execute(bump).first()
    if found is None:
        conn.execute(_insert_ignoring_conflict(conn).values(target=target, blocked_until=None, turn=0))
        found = conn.execute(bump).first()
    return found[0] if found is not None else None


def lock_targets(conn: Connection, targets: list[str]) -> dict[str, datetime | None]:
    """:func:`lock_target` for many endpoints in one statement (rows locked in the order of ``targets``' index,
    the same order in every deliverer); their ``blocked_until``."""
    wanted = sorted(set(targets))
    bump = (update(receiver_targets).where(receiver_targets.c.target.in_(bindparam("targets", expanding=True)))
            .values(turn=receiver_targets.c.turn + 1)
            .returning(receiver_targets.c.target, receiver_targets.c.blocked_until))
    found = dict(conn.execute(bump, {"targets": wanted}).all())
    missing = [t for t in wanted if t not in found]
    if missing:
        conn.execute(_insert_ignoring_conflict(conn),
                     [{"target": t, "blocked_until": None, "turn": 0} for t in missing])
        found.update(conn.execute(bump, {"targets": missing}).all())
    return found


def recent_attempts(conn: Connection, targets: list[str], since: datetime) -> dict[str, list[datetime]]:
    """The start times of the attempts on each endpoint after ``since``, newest first."""
    out: dict[str, list[datetime]] = {t: [] for t in targets}
    if not targets:
        return out
    query = (select(delivery_attempts.c.target, delivery_attempts.c.started_at)
             .where(delivery_attempts.c.target.in_(bindparam("targets", expanding=True)),
                    delivery_attempts.c.started_at > since))
    for target, started in conn.execute(query, {"targets": sorted(set(targets))}):
        out[target].append(started)
    for times in out.values():
        times.sort(reverse=True)
    return out


def wait_from(recent: list[datetime], limits: tuple[RateLimit, ...], now: datetime, blocked: datetime | None,
              margin: timedelta = timedelta(0)) -> datetime | None:
    """:func:`window_wait` on attempt times already read (``recent``: newest first)."""
    waits = [blocked] if blocked is not None and blocked > now else []
    for limit in limits:
        window = timedelta(seconds=limit.seconds) + margin
        inside = [t for t in recent[:limit.messages] if t > now - window]
        if len(inside) >= limit.messages:
            waits.append(inside[-1] + window)
    return max(waits) if waits else None


def window_wait(conn: Connection, target: str, limits: tuple[RateLimit, ...], now: datetime,
                blocked: datetime | None, margin: timedelta = timedelta(0)) -> datetime | None:
    """When the endpoint may take its next part (None: now), from its throttle window and recorded attempts."""
    waits = [blocked] if blocked is not None and blocked > now else []
    for limit in limits:
        window = timedelta(seconds=limit.seconds) + margin
        recent = list(conn.execute(
            select(delivery_attempts.c.started_at).where(delivery_attempts.c.target == target,
                                                         delivery_attempts.c.started_at > now - window)
            .order_by(delivery_attempts.c.started_at.desc()).limit(limit.messages)).scalars())
        if len(recent) >= limit.messages:
            waits.append(recent[-1] + window)
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


_CLAIMED_COLUMNS = (outbox.c.id, outbox.c.receiver, outbox.c.channel, outbox.c.target, outbox.c.kind,
                    outbox.c.group_key, outbox.c.title, outbox.c.part, outbox.c.parts, outbox.c.payload,
                    outbox.c.batch, outbox.c.message, outbox.c.budget, outbox.c.fingerprints, outbox.c.attempts,
                    outbox.c.created_at)


def claim_row(conn: Connection, outbox_id: int, worker: str, now: datetime,
              stale_before: datetime) -> dict[str, Any] | None:
    """:func:`claim` that also returns the claimed row (``attempts`` counts this attempt); None when lost."""
    found = conn.execute(
        update(outbox)
        .where(outbox.c.id == outbox_id,
               or_(and_(outbox.c.status == PENDING, outbox.c.next_attempt_at <= now),
                   and_(outbox.c.status == SENDING, outbox.c.claimed_at < stale_before)))
        .values(status=SENDING, claimed_at=now, claimed_by=worker, attempts=outbox.c.attempts + 1)
        .returning(*_CLAIMED_COLUMNS)).first()
    return dict(found._mapping) if found is not None else None


def claim_rows(conn: Connection, outbox_ids: list[int], worker: str, now: datetime,
               stale_before: datetime) -> dict[int, dict[str, Any]]:
    """:func:`claim_row` for many rows in one statement; the rows won, by id."""
    if not outbox_ids:
        return {}
    found = conn.execute(
        update(outbox)
        .where(outbox.c.id.in_(bindparam("ids", expanding=True)),
               or_(and_(outbox.c.status == PENDING, outbox.c.next_attempt_at <= now),
                   and_(outbox.c.status == SENDING, outbox.c.claimed_at < stale_before)))
        .values(status=SENDING, claimed_at=now, claimed_by=worker, attempts=outbox.c.attempts + 1)
        .returning(*_CLAIMED_COLUMNS), {"ids": sorted(outbox_ids)})
    return {r.id: dict(r._mapping) for r in found}


def start_attempts(conn: Connection, rows: list[tuple[int, str]], now: datetime) -> dict[int, int]:
    """Log an attempt for each (outbox id, target); the attempt ids by outbox id."""
    if not rows:
        return {}
    found = conn.execute(
        insert(delivery_attempts).returning(delivery_attempts.c.outbox_id, delivery_attempts.c.id,
                                            sort_by_parameter_order=True),
        [{"outbox_id": oid, "target": target, "started_at": now, "outcome": "sending"} for oid, target in rows])
    return dict(found.all())


def finish_sent(conn: Connection, sent: list[tuple[int, int, int | None, int | None, str | None]],
                now: datetime) -> None:
    """Record many accepted parts: (outbox id, attempt id, http status, errcode, errmsg) each."""
    if not sent:
        return
    conn.execute(update(outbox).where(outbox.c.id == bindparam("oid")).values(
        status=SENT, sent_at=now, http_status=bindparam("hs"), errcode=bindparam("ec"), errmsg=bindparam("em"),
        error=None, claimed_at=None, claimed_by=None),
        [{"oid": oid, "hs": hs, "ec": ec, "em": em} for oid, _, hs, ec, em in sent])
    conn.execute(update(delivery_attempts).where(delivery_attempts.c.id == bindparam("aid")).values(
        finished_at=now, outcome="sent", http_status=bindparam("hs"), errcode=bindparam("ec"),
        errmsg=bindparam("em")),
        [{"aid": aid, "hs": hs, "ec": ec, "em": em} for _, aid, hs, ec, em in sent])


def renew_claims(conn: Connection, outbox_ids: list[int], worker: str, now: datetime) -> int:
    """Keep the claims of parts whose requests are still running from going stale (see ``LEASE``)."""
    renewed = 0
    for start in range(0, len(outbox_ids), 500):
        renewed += conn.execute(update(outbox).where(outbox.c.id.in_(outbox_ids[start:start + 500]),
                                                     outbox.c.status == SENDING, outbox.c.claimed_by == worker)
                                .values(claimed_at=now)).rowcount
    return renewed


def start_attempt(conn: Connection, outbox_id: int, target: str, now: datetime) -> int:
    return int(conn.execute(insert(delivery_attempts).values(
        outbox_id=outbox_id, target=target, started_at=now, outcome="sending")).inserted_primary_key[0])


def postpone(conn: Connection, outbox_id: int, until: datetime) -> None:
    conn.execute(update(outbox).where(outbox.c.id == outbox_id, outbox.c.status == PENDING)
                 .values(next_attempt_at=until))


def postpone_many(conn: Connection, outbox_ids: list[int], until: datetime) -> int:
    """Hold pending rows back until ``until`` (rows already due later keep their time); how many are held."""
    held = 0
    for start in range(0, len(outbox_ids), 500):
        held += conn.execute(update(outbox).where(outbox.c.id.in_(outbox_ids[start:start + 500]),
                                                  outbox.c.status == PENDING, outbox.c.next_attempt_at < until)
                             .values(next_attempt_at=until)).rowcount
    return held


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
