"""The outbox and the deliverer on real databases: claims, rate limits, retries, crashes, splitting."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from monitor.channels.base import DeliveryError, Message, RateLimit, Receipt
from monitor.delivery.deliver import deliver_due
from monitor.delivery.ledger import LEASE
from monitor.storage import outbox_store as ob
from monitor.storage.db import make_engine
from monitor.storage.tables import delivery_attempts, outbox

T0 = datetime(2025, 7, 1, 1, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self, now: datetime = T0):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> None:
        self.now += timedelta(**kwargs)


class RecordingChannel:
    """A fake of our own Channel contract: records payloads; can be told to refuse."""

    kind = "fake"
    max_bytes = 2000
    rate_limits = (RateLimit(20, 60),)

    def __init__(self, name: str = "robot"):
        self.name = name
        self.sent: list[dict] = []
        self.refuse: DeliveryError | None = None
        self.lock = threading.Lock()

    def target(self) -> str:
        return f"fake:{self.name}"

    def parts(self, message: Message, max_bytes: int | None = None) -> list[dict]:
        budget = max_bytes or self.max_bytes
        text = message.text
        return [{"text": text[i:i + budget]} for i in range(0, len(text), budget)] or [{"text": ""}]

    def send(self, payload: dict, *, now: datetime) -> Receipt:
        if self.refuse is not None:
            raise self.refuse
        if len(payload["text"].encode()) > self.max_bytes:
            raise DeliveryError("too long", "too_large", errcode=40058)
        with self.lock:
            self.sent.append(payload)
        return Receipt(200, 0, "ok")


def queue(engine, channel, n: int, now: datetime, text: str = "消息") -> list[int]:
    ids = []
    with engine.begin() as conn:
        for i in range(n):
            message = Message(title=f"标题{i}", text=f"{text}{i}")
            ids += ob.enqueue(conn, receiver="r", channel=channel.kind, target=channel.target(), kind="firing",
                              group_key="r:{}", message=message, payloads=channel.parts(message),
                              budget=channel.max_bytes, fingerprints=[], now=now)
    return ids


def statuses(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return ob.counts(conn)


def test_every_queued_part_is_sent_once_and_recorded_with_the_answer(engine):
    channel, clock = RecordingChannel(), Clock()
    queue(engine, channel, 5, clock())
    report = deliver_due(engine, {"r": channel}, clock)
    assert report.sent == 5 and len(channel.sent) == 5
    assert statuses(engine) == {"sent": 5}
    assert deliver_due(engine, {"r": channel}, clock).sent == 0
    with engine.connect() as conn:
        outcomes = list(conn.execute(select(delivery_attempts.c.outcome, delivery_attempts.c.errcode)))
    assert outcomes == [("sent", 0)] * 5


def test_twenty_messages_a_minute_hold_across_deliverers_and_restarts(engine, database_url):
    channel, clock = RecordingChannel(), Clock()
    queue(engine, channel, 30, clock())
    first = deliver_due(engine, {"r": channel}, clock)
    other_process = make_engine(database_url)
    second = deliver_due(other_process, {"r": channel}, clock)
    assert first.sent == 20 and second.sent == 0 and len(channel.sent) == 20
    clock.advance(seconds=61)
    third = deliver_due(other_process, {"r": channel}, clock)
    assert third.sent == 10
    other_process.dispose()


def test_two_concurrent_deliverers_never_send_the_same_part(engine, database_url):
    channel, clock = RecordingChannel(), Clock()
    channel.rate_limits = ()
    queue(engine, channel, 40, clock())
    engines = [engine, make_engine(database_url)]
    threads = [threading.Thread(target=deliver_due, args=(e, {"r": channel}, clock), kwargs={"worker": f"w{i}"})
               for i, e in enumerate(engines)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    texts = [p["text"] for p in channel.sent]
    assert sorted(texts) == sorted(f"消息{i}" for i in range(40))
    engines[1].dispose()


def test_a_receiver_that_is_down_for_a_while_gets_every_message_once_it_is_back(engine):
    channel, clock = RecordingChannel(), Clock()
    queue(engine, channel, 3, clock())
    channel.refuse = DeliveryError("connection refused", "retry")
    for _ in range(4):
        report = deliver_due(engine, {"r": channel}, clock)
        assert report.sent == 0
        clock.advance(hours=1)
    channel.refuse = None
    assert deliver_due(engine, {"r": channel}, clock).sent == 3
    assert sorted(p["text"] for p in channel.sent) == ["消息0", "消息1", "消息2"]


def test_a_throttle_answer_leaves_the_robot_alone_for_its_window(engine):
    channel, clock = RecordingChannel(), Clock()
    queue(engine, channel, 2, clock())
    channel.refuse = DeliveryError("send too fast", "retry", errcode=130101, retry_after=600)
    report = deliver_due(engine, {"r": channel}, clock)
    assert report.retried == 1 and report.waiting == 1  # the second part waits for the window
    channel.refuse = None
    clock.advance(seconds=599)
    assert deliver_due(engine, {"r": channel}, clock).sent == 0
    clock.advance(seconds=2)
    assert deliver_due(engine, {"r": channel}, clock).sent == 2


def test_a_configuration_error_fails_for_good_and_is_reported(engine):
    channel, clock = RecordingChannel(), Clock()
    queue(engine, channel, 1, clock())
    channel.refuse = DeliveryError("invalid webhook key", "permanent", errcode=93000, errmsg="invalid webhook url")
    report = deliver_due(engine, {"r": channel}, clock)
    assert report.failed == 1 and "invalid webhook key" in report.errors[0]
    with engine.connect() as conn:
        row = conn.execute(select(outbox.c.status, outbox.c.errcode, outbox.c.errmsg)).one()
    assert tuple(row) == ("failed", 93000, "invalid webhook url")
    clock.advance(days=1)
    assert deliver_due(engine, {"r": channel}, clock).failed == 0


def test_a_process_killed_between_sending_and_recording_resends_only_that_part(engine):
    channel, clock = RecordingChannel(), Clock()
    ids = queue(engine, channel, 3, clock())
    # the killed process: claimed the first part, sent it, died before recording the answer
    with engine.begin() as conn:
        assert ob.claim(conn, ids[0], "killed", clock(), clock() - LEASE)
        ob.start_attempt(conn, ids[0], channel.target(), clock())
    channel.sent.append({"text": "消息0"})
    report = deliver_due(engine, {"r": channel}, clock)
    assert report.sent == 2  # the claimed part is left alone while its lease runs
    clock.advance(seconds=LEASE.total_seconds() + 1)
    assert deliver_due(engine, {"r": channel}, clock).sent == 1
    texts = [p["text"] for p in channel.sent]
    assert texts.count("消息0") == 2 and texts.count("消息1") == 1 and texts.count("消息2") == 1


def test_a_part_the_receiver_finds_too_large_is_split_again_and_sent_in_smaller_pieces(engine):
    channel, clock = RecordingChannel(), Clock()
    queue(engine, channel, 1, clock(), text="长" * 900)  # 2,700 bytes in one part of 2,000 characters
    channel.max_bytes = 1500
    report = deliver_due(engine, {"r": channel}, clock)
    assert report.split >= 1  # the new, smaller parts go in the same call (split again while still too large)
    for _ in range(3):
        deliver_due(engine, {"r": channel}, clock)
    assert "".join(p["text"] for p in channel.sent) == "长" * 900 + "0"
    assert statuses(engine).get("pending", 0) == 0


def test_a_part_the_receiver_still_refuses_a_day_after_it_was_queued_fails_for_good_and_its_followers_with_it(engine):
    channel, clock = RecordingChannel(), Clock()
    queue(engine, channel, 3, clock())
    channel.refuse = DeliveryError("connection refused", "retry")
    runs = 0
    while not deliver_due(engine, {"r": channel}, clock).failed:
        runs += 1
        clock.advance(minutes=30)
        assert runs < 100
    assert 47 <= runs <= 52  # about a day of half-hourly runs: given up by age, not after ~14 h of attempts
    for _ in range(3):  # the parts that waited behind it are not retried for another day each
        clock.advance(hours=1)
        deliver_due(engine, {"r": channel}, clock)
    assert statuses(engine) == {"failed": 3}


def test_a_receiver_that_stays_down_is_retried_for_a_full_day_even_at_the_fastest_the_ladder_can_go(engine,
                                                                                                     monkeypatch):
    from monitor.delivery import retries

    def fastest(attempts: int, outbox_id: int) -> float:  # the ladder without its jitter: its shortest waits
        return min(retries.BACKOFF_BASE * 2 ** max(attempts - 1, 0), retries.BACKOFF_CAP)

    monkeypatch.setattr(retries, "backoff", fastest)
    channel, clock = RecordingChannel(), Clock()
    queue(engine, channel, 1, clock())
    channel.refuse = DeliveryError("HTTP 502 from the gateway", "retry")
    attempts = 0
    while not deliver_due(engine, {"r": channel}, clock).failed:  # a deliverer that runs the moment a retry is due
        attempts += 1
        with engine.connect() as conn:
            due = conn.execute(select(outbox.c.next_attempt_at)).scalar_one()
        clock.now = max(clock.now, due.replace(tzinfo=timezone.utc))
        assert attempts < 100
    outage = clock.now - T0
    assert timedelta(hours=24) <= outage <= timedelta(hours=25)  # "about a day", not ~14.5 h or 23 h of attempts
    assert statuses(engine) == {"failed": 1}
