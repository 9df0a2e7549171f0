"""The ledger of one delivery call (:mod:`monitor.delivery.deliver` tells the whole): one thread with one database
connection that does every database write of the call, the requests of many workers to a transaction
(:class:`Ledger`).

It gates and claims the parts: a part may go when its endpoint's rate limits (counted :data:`RATE_MARGIN` longer
than the receiver's own), throttle window and block allow it, and a claim is a conditional UPDATE that only one
deliverer wins. A claim lasts :data:`LEASE`; the claim of a request still running is renewed every
:data:`RENEW_EVERY`, so only a crashed deliverer's claims go stale. A transaction that meets a deadlock, a busy
database or a dropped connection is run again; a faulty request fails alone.

The planner and the workers read ``LEASE`` from this module when they use it (``ledger.LEASE``), so shortening it
here (as tests do) shortens it for all of them.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from monitor.channels.base import Channel
from monitor.storage import outbox_store as ob

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=45)  # longer than any channel's timeout (10 s for robots, 20 s for SMTP)
RENEW_EVERY = 10.0  # seconds: the ledger renews the claims of requests still running (a third of LEASE or less)
RATE_MARGIN = timedelta(seconds=1)  # each rate window is counted this much longer than the receiver's own
LEDGER_BATCH = 256  # requests per ledger transaction at most

Sent = tuple[int, int, "int | None", "int | None", "str | None"]  # outbox id, attempt id, HTTP status, errcode, errmsg


class _Call:
    """One request to the ledger: start a part (``row``), record an accepted part (``sent``), or run ``fn``."""

    __slots__ = ("key", "fn", "row", "channel", "waiting", "sent", "done", "result", "error")

    def __init__(self, key: str, *, fn: Callable[[Connection, datetime], Any] | None = None,
                 row: ob.Unfinished | None = None, channel: Channel | None = None, waiting: list[int] | None = None,
                 sent: Sent | None = None):
        self.key, self.fn, self.row, self.channel, self.waiting, self.sent = key, fn, row, channel, waiting, sent
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None


_STOP = object()


class Ledger:
    """One thread that runs the workers' database requests, many to a transaction (group commit).

    A transaction records the accepted parts first (one statement for all), then runs the other requests in target
    order, then starts the waiting parts together: one statement locks their endpoints' rows, one reads their recent
    attempts, one claims the rows that may go, one logs their attempts. Each worker waits for the commit.
    """

    def __init__(self, engine: Engine, clock: Callable[[], datetime], worker: str):
        self.engine, self.clock, self.worker = engine, clock, worker
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._in_flight: set[int] = set()
        self._in_flight_lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="outbox-ledger", daemon=True)
        self.transactions = 0
        self.requests = 0
        self._conn: Connection | None = None
        self._thread.start()

    def start(self, row: ob.Unfinished, channel: Channel, waiting: list[int], sent: Sent | None) -> tuple:
        """Gate and claim ``row`` (recording ``sent`` first, in the same transaction): ``("go", row, attempt)``,
        ``("wait", parts held back)`` or ``("lost",)`` when another deliverer has it."""
        return self._wait(_Call(row.target, row=row, channel=channel, waiting=waiting, sent=sent))

    def record_sent(self, sent: Sent, key: str) -> None:
        self._wait(_Call(key, sent=sent))

    def call(self, key: str, fn: Callable[[Connection, datetime], Any]) -> Any:
        """Run ``fn(conn, now)`` in a ledger transaction; return its result once committed (or raise)."""
        return self._wait(_Call(key, fn=fn))

    def _wait(self, request: _Call) -> Any:
        self._queue.put(request)
        request.done.wait()
        if request.error is not None:
            raise request.error
        return request.result

    def sending(self, outbox_id: int, running: bool) -> None:
        """Mark a claimed part whose request is running (its claim is renewed) or recorded."""
        with self._in_flight_lock:
            (self._in_flight.add if running else self._in_flight.discard)(outbox_id)

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join()

    def _loop(self) -> None:
        renewed = time.monotonic()
        stopping = False
        while not stopping:
            batch: list[_Call] = []
            try:
                item = self._queue.get(timeout=max(0.05, RENEW_EVERY - (time.monotonic() - renewed)))
            except queue.Empty:
                item = None
            while item is not None and len(batch) < LEDGER_BATCH:
                if item is _STOP:
                    stopping = True  # finish what is queued with it, then end
                else:
                    batch.append(item)
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    item = None
            if item is not None:
                self._queue.put(item)  # over the batch size: the next transaction (a worker has one request at a time)
            if time.monotonic() - renewed >= RENEW_EVERY:
                renewed = time.monotonic()
                with self._in_flight_lock:
                    ids = sorted(self._in_flight)
                if ids:
                    worker = self.worker
                    batch.append(_Call("", fn=lambda conn, now: ob.renew_claims(conn, ids, worker, now)))
            if batch:
                self._run(batch)
        self._release()

    def _run(self, batch: list[_Call]) -> None:
        self.requests += len(batch)
        for attempt in range(4):
            try:
                results = self._transaction(batch)
            except DBAPIError as exc:
                if attempt < 3:  # a deadlock, a busy database, a dropped connection: the whole transaction again
                    log.debug("ledger transaction failed (%s); trying again", type(exc.orig).__name__)
                    time.sleep(0.05 * 2 ** attempt)
                    continue
                break
            except Exception:  # noqa: BLE001 - one faulty request must not fail the others: run them one by one
                break
            for call, result in zip(batch, results):
                call.result = result
                call.done.set()
            return
        for call in batch:  # one transaction each, so that only the faulty request fails
            try:
                call.result = self._transaction([call])[0]
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting worker
                call.error = exc
            call.done.set()

    def _transaction(self, batch: list[_Call]) -> list[Any]:
        """One transaction on the ledger's own connection (kept for the whole call: no pool check-out and ping per
        transaction); a connection that failed is replaced by the next transaction."""
        if self._conn is None:
            self._conn = self.engine.connect()
        try:
            with self._conn.begin():
                results = self._apply(self._conn, self.clock(), batch)
        except BaseException:
            if self._conn.invalidated or self._conn.closed:
                self._release()
            raise
        self.transactions += 1
        return results

    def _release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001 - it is being dropped anyway
                log.debug("closing the ledger connection failed", exc_info=True)
            self._conn = None

    def _apply(self, conn: Connection, now: datetime, batch: list[_Call]) -> list[Any]:
        results: list[Any] = [None] * len(batch)
        ob.finish_sent(conn, [c.sent for c in batch if c.sent is not None], now)
        for index in sorted((i for i, c in enumerate(batch) if c.fn is not None), key=lambda i: batch[i].key):
            results[index] = batch[index].fn(conn, now)  # type: ignore[misc]
        starts = [(i, c, c.row, c.channel) for i, c in enumerate(batch) if c.row is not None and c.channel is not None]
        if not starts:
            return results
        blocked = ob.lock_targets(conn, [row.target for _, _, row, _ in starts])
        longest = max((lim.seconds for *_, channel in starts for lim in channel.rate_limits), default=0.0)
        recent = ob.recent_attempts(conn, [row.target for *_, row, channel in starts if channel.rate_limits],
                                    now - timedelta(seconds=longest) - RATE_MARGIN)
        go = []
        for i, call, row, channel in starts:
            until = ob.wait_from(recent.get(row.target, []), channel.rate_limits, now, blocked.get(row.target),
                                 RATE_MARGIN)
            hold = getattr(channel, "hold_until", None)
            held = hold(now) if hold is not None else None
            if held is not None and (until is None or held > until):
                until = held
            if until is not None:
                results[i] = ("wait", ob.postpone_many(conn, call.waiting or [], until))
            else:
                go.append((i, row))
        claimed = ob.claim_rows(conn, [row.id for _, row in go], self.worker, now, now - LEASE)
        attempts = ob.start_attempts(conn, [(oid, item["target"]) for oid, item in claimed.items()], now)
        for i, row in go:
            results[i] = ("go", claimed[row.id], attempts[row.id]) if row.id in claimed else ("lost",)
        return results
