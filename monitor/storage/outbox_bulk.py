"""Enqueue many messages at once: the rows :func:`monitor.storage.outbox_store.enqueue` writes, in bulk.

A national evaluation queues thousands of messages (one per county, several parts each) in the transaction that
records the alert states they follow from. One INSERT per part, and the message serialised again for each of its
parts, cost seconds; here each message is serialised once and the parts go in a chunk at a time, in the order
given (so ids follow that order, as one ``enqueue`` call after another gives them): by ``COPY`` on PostgreSQL, by
``executemany`` (:func:`monitor.storage.bulk_write.row_writer`) elsewhere.
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
from monitor.storage.bulk_write import chunked, copies, copy_tuples, row_writer
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
        _compress_fast(conn)
        return copy_tuples(conn, outbox, COLUMNS, rows)
    write = row_writer(conn, insert(outbox), COLUMNS)
    stored = 0
    for chunk in chunked(rows, CHUNK):
        write(chunk)
        stored += len(chunk)
    return stored


def _compress_fast(conn: Connection) -> None:
    """Have PostgreSQL compress the long texts of this transaction with LZ4 where the server has it.

    A part stores its whole message (the text of every part, several kilobytes), which PostgreSQL compresses
    before storing it: with its default method (pglz) a national run's parts keep the server busy three times as
    long as with LZ4, which takes about a tenth more space. Only how the server keeps the text changes: what is
    read back is the same. Servers without LZ4 (or before PostgreSQL 14) keep their method. Like ``SET LOCAL``:
    the transaction's end restores the setting."""
    conn.exec_driver_sql(
        "SELECT set_config('default_toast_compression', 'lz4', true) FROM pg_settings "
        "WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)")


# the columns of the rows enqueue_many makes, in their order
COLUMNS = ("receiver", "channel", "target", "kind", "group_key", "title", "part", "parts", "payload", "batch",
           "message", "budget", "fingerprints", "status", "attempts", "created_at", "next_attempt_at")


def _rows(messages: Iterable[Outgoing], now: datetime) -> Iterator[tuple]:
    for item in messages:
        batch = uuid.uuid4().hex
        message = json.dumps(stored_message(item.message), ensure_ascii=False)
        fingerprints = json.dumps(item.fingerprints)
        parts = len(item.payloads)
        for number, payload in enumerate(item.payloads, start=1):
            yield (item.receiver, item.channel, item.target, item.kind, item.group_key, item.message.title, number,
                   parts, json.dumps(payload, ensure_ascii=False), batch, message, item.budget, fingerprints,
                   PENDING, 0, now, now)
