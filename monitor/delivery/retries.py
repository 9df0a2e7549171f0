"""What a refused part becomes: retried on the ladder, split again into smaller parts, or failed for good.

The retry ladder (docs/delivery.md): 30 s, 1, 2, 4, 8, 16 and 32 min, then hourly, each wait up to a quarter
longer (:func:`backoff`); a part still refused :data:`GIVE_UP_AFTER` after it was queued fails for good. At its
fastest (no jitter, a deliverer running the moment each retry is due) the ladder makes 31 attempts in a day, so the
attempt bound must stay well above that or it, not the age, ends the retries early (20 attempts: ~14.5 h).
:func:`split_again` makes the smaller parts of a message a receiver found too large; :func:`refusal` is what the
ledger writes for a refused part.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from monitor.channels.base import Channel, DeliveryError, Message
from monitor.storage import outbox_store as ob

GIVE_UP_AFTER = timedelta(days=1)  # a part the receiver still refuses a day after it was queued fails for good
BACKOFF_BASE = 30.0  # seconds
BACKOFF_CAP = 3600.0
MAX_ATTEMPTS = 60  # a bound only: every claim counts, so a part re-claimed after many crashes also stops


def backoff(attempts: int, outbox_id: int) -> float:
    """Exponential backoff with jitter (deterministic per row and attempt, so tests can predict it)."""
    delay = min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)
    return delay * (1.0 + 0.25 * random.Random(outbox_id * 1009 + attempts).random())


Resplit = tuple[int, Message, list[dict[str, Any]]]  # a smaller budget, the message, its parts within that budget


def split_again(channel: Channel, item: dict, exc: DeliveryError) -> Resplit | None:
    """The part's message split again within 60% of its byte budget, when the receiver found the part too large
    and the budget is more than 512 bytes; else None."""
    if exc.kind == "too_large" and (item["budget"] or 0) > 512:
        budget = int(item["budget"] * 0.6)
        message = Message(**json.loads(item["message"]))
        return budget, message, channel.parts(message, budget)
    return None


def refusal(item: dict, attempt: int, exc: DeliveryError, later: list[int],
            resplit: Resplit | None) -> Callable[[Connection, datetime], tuple[str, float, int]]:
    """What the ledger runs for the part ``item`` that ``exc`` refused on ``attempt``: ``("retry", seconds to wait,
    later parts held back with it)``, ``("split", 0.0, 0)`` (with ``resplit`` from :func:`split_again`: the parts
    that replace the message's) or ``("failed", 0.0, 0)``."""
    outbox_id, attempts = item["id"], item["attempts"]
    common = {"http_status": exc.http_status, "errcode": exc.errcode, "errmsg": exc.errmsg, "error": str(exc)}

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

    return record
