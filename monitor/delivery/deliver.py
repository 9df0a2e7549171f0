"""Send what is due in the outbox: claim, gate on the endpoint's limits, send, record.

Each part goes through three short transactions: (1) lock the endpoint's gate, check its rate limits and
throttle window, claim the row and log the attempt; (2) no transaction while the HTTP or SMTP call runs;
(3) record the answer. A process killed between (2) and (3) leaves the row claimed; after ``lease`` another
deliverer takes it again, so at most that one part is sent twice.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine

from monitor.channels.base import Channel, DeliveryError, Message
from monitor.storage import outbox_store as ob

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 20  # with the backoff below: about a day of a receiver being down
BACKOFF_BASE = 30.0  # seconds
BACKOFF_CAP = 3600.0
LEASE = timedelta(seconds=45)  # longer than any channel's timeout (10 s for robots, 20 s for SMTP)


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    split: int = 0
    waiting: int = 0  # held back by a rate limit or throttle window
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
    limit: int = 200,
    should_stop: Callable[[], bool] = lambda: False,
) -> DeliveryReport:
    """Send every due part once (or hold it back for its endpoint's limits). ``clock`` returns aware times."""
    clock = _in_utc(clock)
    report = DeliveryReport()
    now = clock()
    with engine.connect() as conn:
        ids = ob.due_ids(conn, now, now - LEASE, limit)
    for outbox_id in ids:
        if should_stop():  # a daemon shutting down finishes the part in hand and takes no new one
            break
        _deliver_one(engine, channels, clock, worker, outbox_id, report)
    return report


def _in_utc(clock: Callable[[], datetime]) -> Callable[[], datetime]:
    """Times are stored in UTC (SQLite keeps no offset), whatever zone the caller's clock uses."""
    return lambda: clock().astimezone(timezone.utc)


def _deliver_one(engine: Engine, channels: Mapping[str, Channel], clock: Callable[[], datetime], worker: str,
                 outbox_id: int, report: DeliveryReport) -> None:
    now = clock()
    with engine.begin() as conn:
        item = ob.row(conn, outbox_id)
        channel = channels.get(item["receiver"])
        if channel is None:
            if ob.claim(conn, outbox_id, worker, now, now - LEASE):
                attempt = ob.start_attempt(conn, outbox_id, item["target"], now)
                ob.finish(conn, outbox_id, attempt, status=ob.FAILED, outcome="permanent", now=now,
                          error=f"receiver {item['receiver']!r} is no longer configured")
                report.failed += 1
            return
        hold = getattr(channel, "hold_until", None)
        wait_until = (hold(now) if hold is not None else None) or ob.gate(conn, item["target"], channel.rate_limits,
                                                                           now)
        if wait_until is not None:
            ob.postpone(conn, outbox_id, wait_until)
            report.waiting += 1
            return
        if not ob.claim(conn, outbox_id, worker, now, now - LEASE):
            return  # another deliverer has it
        attempt = ob.start_attempt(conn, outbox_id, item["target"], now)
    payload = json.loads(item["payload"])
    try:
        receipt = channel.send(payload, now=now)
    except DeliveryError as exc:
        _record_refusal(engine, channels, clock, item, attempt, exc, report)
        return
    except Exception as exc:  # noqa: BLE001 - a bug in a channel must not stop the other parts
        log.exception("channel %s raised unexpectedly for outbox row %s", item["channel"], outbox_id)
        exc = DeliveryError(f"unexpected {type(exc).__name__}", "retry")
        _record_refusal(engine, channels, clock, item, attempt, exc, report)
        return
    with engine.begin() as conn:
        ob.finish(conn, outbox_id, attempt, status=ob.SENT, outcome="sent", now=clock(),
                  http_status=receipt.http_status, errcode=receipt.errcode, errmsg=receipt.errmsg)
    report.sent += 1
    report.count("sent", item["receiver"])
    log.info("sent outbox row %s (%s part %s/%s) to %s via %s", outbox_id, item["kind"], item["part"],
             item["parts"], item["receiver"], item["target"])


def _record_refusal(engine: Engine, channels: Mapping[str, Channel], clock: Callable[[], datetime],
                    item: dict, attempt: int, exc: DeliveryError, report: DeliveryReport) -> None:
    now = clock()
    outbox_id, attempts = item["id"], item["attempts"] + 1
    common = {"now": now, "http_status": exc.http_status, "errcode": exc.errcode, "errmsg": exc.errmsg,
              "error": str(exc)}
    with engine.begin() as conn:
        if exc.retry_after:
            ob.block_target(conn, item["target"], now + timedelta(seconds=exc.retry_after))
        if exc.kind == "retry" and attempts < MAX_ATTEMPTS:
            delay = max(exc.retry_after or 0.0, backoff(attempts, outbox_id))
            ob.finish(conn, outbox_id, attempt, status=ob.PENDING, outcome="retry",
                      next_attempt_at=now + timedelta(seconds=delay), **common)
            report.retried += 1
            log.warning("outbox row %s to %s will be retried in %.0f s: %s", outbox_id, item["receiver"], delay, exc)
            return
        if exc.kind == "too_large" and (item["budget"] or 0) > 512:
            ob.finish(conn, outbox_id, attempt, status=ob.SPLIT, outcome="too_large", **common)
            ob.supersede_batch(conn, item["batch"])
            message = Message(**json.loads(item["message"]))
            budget = int(item["budget"] * 0.6)
            channel = channels[item["receiver"]]
            ob.enqueue(conn, receiver=item["receiver"], channel=item["channel"], target=item["target"],
                       kind=item["kind"], group_key=item["group_key"], message=message,
                       payloads=channel.parts(message, budget), budget=budget,
                       fingerprints=json.loads(item["fingerprints"]), now=now)
            report.split += 1
            log.warning("outbox row %s was too large for %s; the message is split again within %d bytes",
                        outbox_id, item["receiver"], budget)
            return
        ob.finish(conn, outbox_id, attempt, status=ob.FAILED, outcome="permanent" if exc.permanent else exc.kind,
                  **common)
    report.failed += 1
    report.count("failed", item["receiver"])
    report.errors.append(f"{item['receiver']}: {exc}")
    log.error("outbox row %s to %s failed for good: %s", outbox_id, item["receiver"], exc)
