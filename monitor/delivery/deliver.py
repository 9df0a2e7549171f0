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
  the endpoint's row lock, with :data:`RATE_MARGIN` to spare (an attempt is recorded a moment before its request
  arrives, and receivers count arrivals).
- A crash re-sends at most the part in flight on each target: a killed process leaves its claimed rows, which
  another deliverer takes again after :data:`LEASE`. Each target has at most one part in flight, so each
  receiver sees at most one duplicate per crash (a process with ``w`` workers busy can leave ``w`` such parts,
  each on a different target). While a request runs, the ledger renews its claim, so a receiver that answers
  slower than the lease is not sent the part a second time by another deliverer.
- A refused part is retried on a ladder (:func:`backoff`) until about a day after it was queued
  (:data:`GIVE_UP_AFTER`), however often deliverers run; then it fails for good and is reported (docs/delivery.md).
- The parts of one message arrive in order: a target's parts go one at a time, oldest first, and a part that must
  wait (rate limit, throttle, retry) holds the target's later parts back with it.
"""

from __future__ import annotations

import json
import logging
import queue
import random
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from monitor.channels.base import Channel, DeliveryError, Message
from monitor.channels.http import new_session, use_session
from monitor.stopping import stop_all, stopping  # noqa: F401 - stop_all: the deliverer's own entry as well
from monitor.storage import outbox_store as ob

log = logging.getLogger(__name__)

# The retry ladder (docs/delivery.md): 30 s, 1, 2, 4, 8, 16 and 32 min, then hourly, each wait up to a quarter
# longer (:func:`backoff`); a part still refused GIVE_UP_AFTER after it was queued fails for good. At its fastest
# (no jitter, a deliverer running the moment each retry is due) the ladder makes 31 attempts in a day, so the
# attempt bound must stay well above that or it, not the age, ends the retries early (20 attempts: ~14.5 h).
GIVE_UP_AFTER = timedelta(days=1)  # a part the receiver still refuses a day after it was queued fails for good
BACKOFF_BASE = 30.0  # seconds
BACKOFF_CAP = 3600.0
MAX_ATTEMPTS = 60  # a bound only: every claim counts, so a part re-claimed after many crashes also stops
LEASE = timedelta(seconds=45)  # longer than any channel's timeout (10 s for robots, 20 s for SMTP)
RENEW_EVERY = 10.0  # seconds: the ledger renews the claims of requests still running (a third of LEASE or less)
RATE_MARGIN = timedelta(seconds=1)  # each rate window is counted this much longer than the receiver's own
WORKERS = 64  # targets served at once by one call (threads; each waits on the network most of the time)
KIND_CONCURRENCY = {"email": 4, "log": 1}  # all mail goes through one SMTP server; printed blocks stay whole
RESCAN_EVERY = 1.0  # seconds: how often the planner looks for new due rows while workers are busy
LEDGER_BATCH = 256  # requests per ledger transaction at most

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


def backoff(attempts: int, outbox_id: int) -> float:
    """Exponential backoff with jitter (deterministic per row and attempt, so tests can predict it)."""
    delay = min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)
    return delay * (1.0 + 0.25 * random.Random(outbox_id * 1009 + attempts).random())


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


# --- the ledger: every write of one call, grouped into short transactions ------------------------------------------

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


class _Ledger:
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


# --- planning and sending -------------------------------------------------------------------------------------------


@dataclass
class _Target:
    target: str
    kind: str
    rows: list[ob.Unfinished]


class _Delivery:
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

    # planner ----------------------------------------------------------------------------------------------------

    def run(self) -> DeliveryReport:
        ledger = _Ledger(self.engine, self.clock, self.worker)
        self.ledger = ledger
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="deliver",
                                  initializer=self._worker_started)
        busy: dict[Future, _Target] = {}
        kinds: dict[str, int] = {}
        try:
            queued: deque[_Target] = deque(self._plan(set()))
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
            ledger.close()
            for session in self._sessions:
                session.close()
        if self._error is not None:
            raise self._error
        log.debug("delivery: %d sent in %d ledger transactions", self.report.sent, ledger.transactions)
        return self.report

    def _stopped(self) -> bool:
        return self.should_stop() or self._error is not None or (self.limit is not None and self._claims >= self.limit)

    def _next(self, queued: deque[_Target], kinds: dict[str, int]) -> _Target | None:
        """The oldest queued target whose kind has room (mail and printing go a few at a time)."""
        for index, candidate in enumerate(queued):
            cap = KIND_CONCURRENCY.get(candidate.kind)
            if cap is None or kinds.get(candidate.kind, 0) < cap:
                del queued[index]
                return candidate
        return None

    def _plan(self, busy_targets: set[str]) -> list[_Target]:
        """Due rows by target, oldest target first; in each message only the parts whose predecessors are done."""
        with self.engine.connect() as conn:
            rows = ob.unfinished(conn)
        now = self.clock()
        stale_before = now - LEASE
        targets: dict[str, _Target] = {}
        held: set[str] = set()  # batches with a part that is not due or is held by another deliverer
        for row in rows:
            if row.batch in held:
                continue
            if row.id in self._handled or row.target in busy_targets or not row.ready(now, stale_before):
                held.add(row.batch)
                continue
            entry = targets.get(row.target)
            if entry is None:
                entry = targets[row.target] = _Target(row.target, row.channel, [])
            entry.rows.append(row)
        return list(targets.values())

    # workers ----------------------------------------------------------------------------------------------------

    def _worker_started(self) -> None:
        session = new_session()
        with self._lock:
            self._sessions.append(session)
        use_session(session)  # this thread's post_json calls share it; closed when the call ends

    def _serve(self, work: _Target) -> None:
        """Send one target's parts, oldest first, until they are done or the target must wait."""
        try:
            self._serve_target(work)
        except BaseException as exc:  # noqa: BLE001 - kept and raised by run() once everything has stopped
            with self._lock:
                if self._error is None:
                    self._error = exc
            log.error("delivery to %s stopped: %s", work.target, exc)

    def _serve_target(self, work: _Target) -> None:
        held: set[str] = set()
        rows = work.rows
        sent: tuple[Sent, dict] | None = None  # the last accepted part, recorded with the next claim
        try:
            for index, row in enumerate(rows):
                if row.batch in held:
                    continue
                with self._lock:
                    if self._stopped():
                        return
                    self._handled.add(row.id)
                    self._claims += 1
                channel = self.channels.get(row.receiver)
                if channel is None:
                    sent = self._record(sent)
                    self._unconfigured(row)
                    continue
                later = [r.id for r in rows[index + 1:]]
                previous, sent = sent, None
                started = self.ledger.start(row, channel, [row.id, *later], previous[0] if previous else None)
                self._recorded(previous)
                if started[0] == "wait":
                    with self._lock:
                        self._claims -= 1
                        self.report.waiting += started[1]
                        self._handled.update(later)
                    return
                if started[0] == "lost":  # another deliverer has it: its message's later parts are not ours
                    with self._lock:
                        self._claims -= 1
                    held.add(row.batch)
                    continue
                _, item, attempt = started
                outcome = self._send(channel, item, attempt, later)
                if outcome is None:  # refused and to be retried: the target's later parts wait with it
                    with self._lock:
                        self._handled.update(later)
                    return
                if outcome is not True:
                    sent = outcome
        finally:
            self._record(sent)

    def _record(self, sent: tuple[Sent, dict] | None) -> None:
        """Record an accepted part on its own (when no next claim will carry it)."""
        if sent is not None:
            self.ledger.record_sent(sent[0], sent[1]["target"])
            self._recorded(sent)
        return None

    def _recorded(self, sent: tuple[Sent, dict] | None) -> None:
        """Count an accepted part once its answer is committed."""
        if sent is None:
            return
        (outbox_id, *_), item = sent
        self.ledger.sending(outbox_id, False)
        with self._lock:
            self.report.sent += 1
            self.report.count("sent", item["receiver"])
        log.info("sent outbox row %s (%s part %s/%s) to %s via %s", outbox_id, item["kind"], item["part"],
                 item["parts"], item["receiver"], item["target"])

    def _unconfigured(self, row: ob.Unfinished) -> None:
        worker = self.worker

        def fail(conn: Connection, now: datetime) -> bool:
            if not ob.claim(conn, row.id, worker, now, now - LEASE):
                return False
            attempt = ob.start_attempt(conn, row.id, row.target, now)
            ob.finish(conn, row.id, attempt, status=ob.FAILED, outcome="permanent", now=now,
                      error=f"receiver {row.receiver!r} is no longer configured")
            return True

        if self.ledger.call(row.target, fail):
            with self._lock:
                self.report.failed += 1

    def _send(self, channel: Channel, item: dict, attempt: int,
              later: list[int]) -> tuple[Sent, dict] | bool | None:
        """Send one claimed part. Accepted: what to record (the caller records it with the target's next claim);
        refused: recorded here, and True when the target's later parts may go on, None when they must wait."""
        outbox_id = item["id"]
        payload = json.loads(item["payload"])
        self.ledger.sending(outbox_id, True)
        try:
            receipt = channel.send(payload, now=self.clock())
        except DeliveryError as exc:
            return self._refused(channel, item, attempt, exc, later)
        except Exception as exc:  # noqa: BLE001 - a bug in a channel must not stop the other parts
            log.exception("channel %s raised unexpectedly for outbox row %s", item["channel"], outbox_id)
            return self._refused(channel, item, attempt, DeliveryError(f"unexpected {type(exc).__name__}", "retry"),
                                 later)
        return (outbox_id, attempt, receipt.http_status, receipt.errcode, receipt.errmsg), item

    def _refused(self, channel: Channel, item: dict, attempt: int, exc: DeliveryError,
                 later: list[int]) -> bool | None:
        outbox_id, attempts = item["id"], item["attempts"]
        common = {"http_status": exc.http_status, "errcode": exc.errcode, "errmsg": exc.errmsg, "error": str(exc)}
        resplit = None
        if exc.kind == "too_large" and (item["budget"] or 0) > 512:
            budget = int(item["budget"] * 0.6)
            message = Message(**json.loads(item["message"]))
            resplit = (budget, message, channel.parts(message, budget))

        def record(conn: Connection, now: datetime) -> tuple[str, float, int]:
            if exc.retry_after:
                ob.block_target(conn, item["target"], now + timedelta(seconds=exc.retry_after))
            given_up = attempts >= MAX_ATTEMPTS or now - item["created_at"] >= GIVE_UP_AFTER
            if exc.kind == "retry" and not given_up:
                delay = max(exc.retry_after or 0.0, backoff(attempts, outbox_id))
                until = now + timedelta(seconds=delay)
                ob.finish(conn, outbox_id, attempt, status=ob.PENDING, outcome="retry", now=now,
                          next_attempt_at=until, **common)
                return "retry", delay, ob.postpone_many(conn, later, until)
            if resplit is not None:
                budget, message, payloads = resplit
                ob.finish(conn, outbox_id, attempt, status=ob.SPLIT, outcome="too_large", now=now, **common)
                ob.supersede_batch(conn, item["batch"])
                ob.enqueue(conn, receiver=item["receiver"], channel=item["channel"], target=item["target"],
                           kind=item["kind"], group_key=item["group_key"], message=message, payloads=payloads,
                           budget=budget, fingerprints=json.loads(item["fingerprints"]), now=now)
                return "split", 0.0, 0
            ob.finish(conn, outbox_id, attempt, status=ob.FAILED,
                      outcome="permanent" if exc.permanent else exc.kind, now=now, **common)
            return "failed", 0.0, 0

        try:
            outcome, delay, held = self.ledger.call(item["target"], record)
        finally:
            self.ledger.sending(outbox_id, False)
        receiver = item["receiver"]
        with self._lock:
            if outcome == "retry":
                self.report.retried += 1
                self.report.waiting += held
            elif outcome == "split":
                self.report.split += 1
            else:
                self.report.failed += 1
                self.report.count("failed", receiver)
                self.report.errors.append(f"{receiver}: {exc}")
        if outcome == "retry":
            log.warning("outbox row %s to %s will be retried in %.0f s: %s", outbox_id, receiver, delay, exc)
            return None
        if outcome == "split":
            log.warning("outbox row %s was too large for %s; the message is split again within %d bytes",
                        outbox_id, receiver, resplit[0] if resplit else 0)
            return True  # the rest of its message was superseded; the new parts come in a later plan
        log.error("outbox row %s to %s failed for good: %s", outbox_id, receiver, exc)
        return True
