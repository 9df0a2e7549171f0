"""The workers of one delivery call: each sends one target's parts in order, one request at a time.

A worker (a thread of the planner's pool, :mod:`monitor.delivery.deliver`) takes one target (one robot, one
mailbox list) with its due parts, oldest first. For each part it asks the ledger (:mod:`monitor.delivery.ledger`)
to gate and claim it, sends it over the worker's own keep-alive session (:func:`monitor.channels.http.new_session`:
all robots of one service share its host, so one connection serves many robots), and has the answer recorded: an
accepted part together with the claim of the target's next part (or on its own after the last), a refused one at
once (:mod:`monitor.delivery.retries`). A part that must wait (rate limit, throttle, retry) holds the target's
later parts back with it, so the parts of a message arrive in order; a receiver that fails holds up only its own
worker, for at most its timeout.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from monitor.channels.base import Channel, DeliveryError
from monitor.channels.http import new_session, use_session
from monitor.delivery import ledger
from monitor.delivery.ledger import Ledger, Sent
from monitor.delivery.retries import refusal, split_again
from monitor.storage import outbox_store as ob

if TYPE_CHECKING:
    from monitor.delivery.deliver import DeliveryReport

log = logging.getLogger(__name__)


@dataclass
class Target:
    """One endpoint's due parts, oldest first: what one worker sends in one go."""

    target: str
    kind: str
    rows: list[ob.Unfinished]


class TargetSender:
    """The workers' half of one delivery call: the planner (``_Delivery`` in :mod:`monitor.delivery.deliver`) is
    this class with the planning added, and sets the state below, which its workers share under ``_lock``."""

    channels: Mapping[str, Channel]
    clock: Callable[[], datetime]
    worker: str
    limit: int | None
    should_stop: Callable[[], bool]
    ledger: Ledger
    report: DeliveryReport
    _lock: threading.Lock  # the report, the counters, the first error
    _claims: int
    _handled: set[int]  # rows this call has dealt with: never planned twice
    _error: BaseException | None
    _sessions: list[Any]

    def _stopped(self) -> bool:
        return self.should_stop() or self._error is not None or (self.limit is not None and self._claims >= self.limit)

    def _worker_started(self) -> None:
        session = new_session()
        with self._lock:
            self._sessions.append(session)
        use_session(session)  # this thread's post_json calls share it; closed when the call ends

    def _serve(self, work: Target) -> None:
        """Send one target's parts, oldest first, until they are done or the target must wait."""
        try:
            self._serve_target(work)
        except BaseException as exc:  # noqa: BLE001 - kept and raised by run() once everything has stopped
            with self._lock:
                if self._error is None:
                    self._error = exc
            log.error("delivery to %s stopped: %s", work.target, exc)

    def _serve_target(self, work: Target) -> None:
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
            if not ob.claim(conn, row.id, worker, now, now - ledger.LEASE):
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
        outbox_id = item["id"]
        resplit = split_again(channel, item, exc)
        try:
            outcome, delay, held = self.ledger.call(item["target"], refusal(item, attempt, exc, later, resplit))
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
