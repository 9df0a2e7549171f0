"""Send what is due in the outbox: many receivers at once, each one strictly within its limits and in order.

Who does what in one call of :func:`deliver_due`:

- **The planner** (the calling thread) reads the unfinished rows (no payloads) and groups the due ones by target
  (the endpoint: one robot, one mailbox list), oldest first. A target's rows are handed out together, so one
  worker sends them one after the other; within a message (its ``batch``), a part is never planned while an
  earlier part is still waiting or held by another deliverer. It hands targets to the workers, at most one run
  per target at a time, reads the outbox again when the hand-out queue runs dry, and returns when nothing due is
  left (rows held back by a rate limit, a throttle window or a backoff are left for a later call).
- **Workers** (a bounded pool of threads, :data:`WORKERS`) each send one target's parts in order, one request at
  a time, over keep-alive connections of their own (one ``requests`` session per worker thread,
  :func:`monitor.channels.http.new_session`: all robots of one service share its host, so a worker's connection
  serves many robots). A slow or hanging receiver holds one worker for at most its timeout, and once it fails its
  remaining parts wait for the retry: it never holds up the other receivers.
- **The ledger** (one thread, one database connection) does every database write of the call, in short
  transactions. Requests from all workers that arrive together go into one transaction (group commit: one
  statement records all accepted parts, one locks the endpoints, one reads their recent attempts, one claims the
  parts that may go, one logs their attempts), and a worker waits until its request is committed. The endpoints'
  lock rows are taken in one order (by target) by every deliverer; a transaction that still meets a deadlock or a
  busy database is run again.

No cap on the parts of one call: it sends every due part (``limit`` sets one), so the daemon's run and
``monitor check --notify`` drain the outbox; ``should_stop`` (and :func:`stop_all`, the daemon's SIGTERM) ends it
after the parts in hand.

Each part still goes through the same three steps: (1) committed before any network I/O: lock the endpoint's gate,
check its rate limits and throttle window, claim the row and log the attempt; (2) the HTTP or SMTP call, outside
any transaction; (3) the answer committed, at the latest in the transaction that claims that target's next part,
so before the next part is sent.

Guarantees:

- Recorded before sending, answer recorded after: steps (1) and (3) above.
- Two deliverers never send the same part: a claim is a conditional UPDATE that only one transaction wins.
- Rate limits hold across deliverers and restarts: the gate counts the attempts recorded in the database, under
  the endpoint's row lock, with :data:`~monitor.delivery.ledger.RATE_MARGIN` to spare (an attempt is recorded a
  moment before its request arrives, and receivers count arrivals).
- A crash re-sends at most the part in flight on each target: a killed process leaves its claimed rows, which
  another deliverer takes again after :data:`~monitor.delivery.ledger.LEASE`. Each target has at most one part in
  flight, so each receiver sees at most one duplicate per crash (a process with ``w`` workers busy can leave ``w``
  such parts, each on a different target). While a request runs, the ledger renews its claim, so a receiver that answers
  slower than the lease is not sent the part a second time by another deliverer.
- A refused part is retried on a ladder (:func:`~monitor.delivery.retries.backoff`) until about a day after it was
  queued (:data:`~monitor.delivery.retries.GIVE_UP_AFTER`), however often deliverers run; then it fails for good
  and is reported (docs/delivery.md).
- The parts of one message arrive in order: a target's parts go one at a time, oldest first, and a part that must
  wait (rate limit, throttle, retry) holds the target's later parts back with it.

Where each piece is: this module has the entry (:func:`deliver_due`), its report and the planner;
:mod:`monitor.delivery.ledger` the ledger (gates, claims, group commit); :mod:`monitor.delivery.sending` the
workers; :mod:`monitor.delivery.retries` the retry ladder and what a refused part becomes.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Engine

from monitor.channels.base import Channel
from monitor.delivery import ledger
from monitor.delivery.sending import Target, TargetSender
from monitor.stopping import stop_all, stopping  # noqa: F401 - stop_all: the deliverer's own entry as well
from monitor.storage import outbox_store as ob

log = logging.getLogger(__name__)

WORKERS = 64  # targets served at once by one call (threads; each waits on the network most of the time)
KIND_CONCURRENCY = {"email": 4, "log": 1}  # all mail goes through one SMTP server; printed blocks stay whole
RESCAN_EVERY = 1.0  # seconds: how often the planner looks for new due rows while workers are busy

_engine_locks: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_engine_locks_guard = threading.Lock()


def _engine_lock(engine: Engine) -> threading.Lock:
    with _engine_locks_guard:
        lock = _engine_locks.get(engine)
        if lock is None:
            lock = _engine_locks[engine] = threading.Lock()
        return lock


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    split: int = 0
    waiting: int = 0  # held back by a rate limit, a throttle window or a receiver's retry
    errors: list[str] = field(default_factory=list)
    sent_by_receiver: dict[str, int] = field(default_factory=dict)
    failed_by_receiver: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: str, receiver: str) -> None:
        by = self.sent_by_receiver if outcome == "sent" else self.failed_by_receiver
        by[receiver] = by.get(receiver, 0) + 1

    @property
    def ok(self) -> bool:
        return self.failed == 0


def deliver_due(
    engine: Engine,
    channels: Mapping[str, Channel],
    clock: Callable[[], datetime],
    *,
    worker: str = "deliverer",
    limit: int | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    workers: int | None = None,
) -> DeliveryReport:
    """Send every due part once (or hold it back for its endpoint's limits). ``clock`` returns aware times.

    ``limit`` bounds the parts sent by this call (None: every due part); ``workers`` the targets served at once
    (default :data:`WORKERS`). Calls on one engine in one process take turns; other processes share the work
    through the database. Raises the first database error, after the parts in hand are finished.
    """
    with _engine_lock(engine):
        run = _Delivery(engine, channels, _in_utc(clock), worker, limit,
                        lambda: should_stop() or stopping(), workers or WORKERS)
        return run.run()


def _in_utc(clock: Callable[[], datetime]) -> Callable[[], datetime]:
    """Times are stored in UTC (SQLite keeps no offset), whatever zone the caller's clock uses."""
    return lambda: clock().astimezone(timezone.utc)


# --- the planner: due rows by target, handed to the workers (monitor.delivery.sending) ----------------------------


class _Delivery(TargetSender):
    """One call of :func:`deliver_due`: the planner (in the calling thread) and its workers (:class:`TargetSender`)."""

    def __init__(self, engine: Engine, channels: Mapping[str, Channel], clock: Callable[[], datetime], worker: str,
                 limit: int | None, should_stop: Callable[[], bool], workers: int):
        self.engine, self.channels, self.clock, self.worker = engine, channels, clock, worker
        self.limit, self.should_stop, self.workers = limit, should_stop, max(1, workers)
        self.report = DeliveryReport()
        self._lock = threading.Lock()  # the report, the counters, the first error
        self._claims = 0
        self._handled: set[int] = set()  # rows this call has dealt with: never planned twice
        self._error: BaseException | None = None
        self._sessions: list[Any] = []

    def run(self) -> DeliveryReport:
        self.ledger = ledger.Ledger(self.engine, self.clock, self.worker)
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="deliver",
                                  initializer=self._worker_started)
        busy: dict[Future, Target] = {}
        kinds: dict[str, int] = {}
        try:
            queued: deque[Target] = deque(self._plan(set()))
            last_plan = time.monotonic()
            while True:
                if self._stopped():
                    queued.clear()
                while queued and len(busy) < self.workers:
                    picked = self._next(queued, kinds)
                    if picked is None:
                        break
                    kinds[picked.kind] = kinds.get(picked.kind, 0) + 1
                    busy[pool.submit(self._serve, picked)] = picked
                if not busy:
                    if self._stopped() or queued:
                        break  # queued can only remain when stopping
                    queued.extend(self._plan(set()))
                    last_plan = time.monotonic()
                    if not queued:
                        break
                    continue
                done, _ = wait(list(busy), timeout=RESCAN_EVERY, return_when=FIRST_COMPLETED)
                for future in done:
                    finished = busy.pop(future)
                    kinds[finished.kind] -= 1
                    future.result()  # _serve never raises; errors are kept in self._error
                if not queued and not self._stopped() and time.monotonic() - last_plan >= RESCAN_EVERY:
                    queued.extend(self._plan({t.target for t in busy.values()}))
                    last_plan = time.monotonic()
        finally:
            pool.shutdown(wait=True)
            self.ledger.close()
            for session in self._sessions:
                session.close()
        if self._error is not None:
            raise self._error
        log.debug("delivery: %d sent in %d ledger transactions", self.report.sent, self.ledger.transactions)
        return self.report

    def _next(self, queued: deque[Target], kinds: dict[str, int]) -> Target | None:
        """The oldest queued target whose kind has room (mail and printing go a few at a time)."""
        for index, candidate in enumerate(queued):
            cap = KIND_CONCURRENCY.get(candidate.kind)
            if cap is None or kinds.get(candidate.kind, 0) < cap:
                del queued[index]
                return candidate
        return None

    def _plan(self, busy_targets: set[str]) -> list[Target]:
        """Due rows by target, oldest target first; in each message only the parts whose predecessors are done."""
        with self.engine.connect() as conn:
            rows = ob.unfinished(conn)
        now = self.clock()
        stale_before = now - ledger.LEASE
        targets: dict[str, Target] = {}
        held: set[str] = set()  # batches with a part that is not due or is held by another deliverer
        for row in rows:
            if row.batch in held:
                continue
            if row.id in self._handled or row.target in busy_targets or not row.ready(now, stale_before):
                held.add(row.batch)
                continue
            entry = targets.get(row.target)
            if entry is None:
                entry = targets[row.target] = Target(row.target, row.channel, [])
            entry.rows.append(row)
        return list(targets.values())
