"""Enqueue many messages at once: the rows :func:`monitor.storage.outbox_store.enqueue` writes, in bulk.

A national evaluation queues thousands of messages (one per county, several parts each) in the transaction that
records the alert states they follow from. One INSERT per part, and the message serialised again for each of its
parts, cost seconds; here each message is serialised once and the parts go in a chunk at a time, in the order
given (so ids follow that order, as one ``enqueue`` call after another gives them): by ``COPY`` on PostgreSQL, by
``executemany`` (:func:`monitor.storage.alert_store.execute_many`) elsewhere.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from monitor.channels.base import Message, stored_message
from monitor.storage.alert_store import chunked, copies, copy_rows, execute_many
from monitor.storage.outbox_store import PENDING
from monitor.storage.tables import outbox

CHUNK = 1000  # parts per executemany


@dataclass(frozen=True)
class Outgoing:
    """One message to queue: the keyword arguments of :func:`monitor.storage.outbox_store.enqueue`."""

    receiver: str
    channel: str
    target: str
    kind: str
    group_key: str
    message: Message
    payloads: list[dict[str, Any]]
    budget: int | None
    fingerprints: list[str]


def enqueue_many(conn: Connection, messages: Iterable[Outgoing], now: datetime) -> int:
    """Store every part of every message as pending rows (before any network I/O); returns the parts stored.

    Row for row what ``enqueue`` stores for each message in turn (a batch id of its own per message). The rows
    are made as they are written, so ``messages`` may be a generator that renders or splits as it goes."""
    rows = _rows(messages, now)
    if copies(conn):
        return copy_rows(conn, outbox, rows)
    stored = 0
    for chunk in chunked(rows, CHUNK):
        execute_many(conn, insert(outbox), chunk)
        stored += len(chunk)
    return stored


def _rows(messages: Iterable[Outgoing], now: datetime) -> Iterator[dict[str, Any]]:
    for item in messages:
        batch = uuid.uuid4().hex
        message = json.dumps(stored_message(item.message), ensure_ascii=False)
        fingerprints = json.dumps(item.fingerprints)
        parts = len(item.payloads)
        for number, payload in enumerate(item.payloads, start=1):
            yield {
                "receiver": item.receiver, "channel": item.channel, "target": item.target, "kind": item.kind,
                "group_key": item.group_key, "title": item.message.title, "part": number, "parts": parts,
                "payload": json.dumps(payload, ensure_ascii=False), "batch": batch, "message": message,
                "budget": item.budget, "fingerprints": fingerprints, "status": PENDING, "attempts": 0,
                "created_at": now, "next_attempt_at": now,
            }
