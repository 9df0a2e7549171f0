"""The deliverer serving many receivers at once, against loopback robots on real databases.

Each robot stays within its own limit and gets one request at a time; the parts of a message arrive in order; a
hanging robot holds up nobody else; connections are reused; two deliverers never claim the same part; a request
slower than the claim lease is not sent again by another deliverer.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from monitor.channels.base import Message, RateLimit, Receipt
from monitor.delivery import ledger
from monitor.delivery.deliver import deliver_due
from monitor.storage import outbox_store as ob
from monitor.storage.db import make_engine
from monitor.storage.tables import delivery_attempts, outbox
from tests.robots import WallClock, WeComRobot, WeComRobots

pytest_plugins = ["tests.robots"]



def queue_each(engine, robots, keys: list[str], count: int) -> dict:  # type: ignore[no-untyped-def]
    """A channel per robot key, and ``count`` numbered messages queued for each; returns the channels."""
    channels = {key: robots.channel_for(key) for key in keys}
    for key in keys:
        for n in range(count):
            enqueue(engine, key, channels[key], Message(title=f"消息{n}", text=f"{key} 第{n}条"), robots.clock.now())
    return channels

def enqueue(engine, receiver: str, channel, message: Message, now: datetime, max_bytes: int | None = None):
    with engine.begin() as conn:
        return ob.enqueue(conn, receiver=receiver, channel=channel.kind, target=channel.target(), kind="firing",
                          group_key=f"{receiver}:{{}}", message=message, payloads=channel.parts(message, max_bytes),
                          budget=channel.max_bytes, fingerprints=[], now=now)


def long_message(title: str, lines: int = 40) -> Message:
    return Message(title=title, text="\n".join(f"{title} 第{i + 1:02d}行：指标进度落后于规划路径" for i in range(lines)))


def numbers(accepted: list[dict]) -> list[str]:
    """The （i/n） prefixes of accepted markdown parts, in the order the robot accepted them."""
    return [m["markdown"]["content"].split("）", 1)[0] + "）" for m in accepted if m.get("msgtype") == "markdown"]


def overlapping(requests) -> int:  # type: ignore[no-untyped-def]
    """The most requests a server had in hand at one moment."""
    events = sorted([(r.at, 1) for r in requests] + [(r.answered_at or r.at, -1) for r in requests],
                    key=lambda e: (e[0], e[1]))
    most = now = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


def test_many_robots_are_served_at_once_each_one_request_at_a_time_and_within_its_limit(engine):
    keys = [f"key-{i:02d}" for i in range(8)]
    with WeComRobots(keys, latency=0.1) as robots:
        for key in keys:
            channel = robots.channel_for(key)
            for n in range(23):
                enqueue(engine, key, channel, Message(title=f"{key}消息{n}", text=f"{key} 第{n}条"), robots.clock.now())
        channels = {key: robots.channel_for(key) for key in keys}
        report = deliver_due(engine, channels, robots.clock.now, workers=8)
        assert (report.sent, report.waiting, report.retried) == (8 * 20, 8 * 3, 0)
        assert {key: len(robots.accepted_by[key]) for key in keys} == {key: 20 for key in keys}
        assert not [r for r in robots.requests if (r.reply or {}).get("errcode") == 45009]
        assert overlapping(robots.requests) > 1  # several robots at once
        for key in keys:  # ... but each robot one request at a time, in the order queued
            mine = [r for r in robots.requests if r.query.get("key") == key]
            assert overlapping(mine) == 1
            assert [m["markdown"]["content"] for m in robots.accepted_by[key]] == [f"{key} 第{n}条" for n in range(20)]
        robots.clock.advance(61)
        assert deliver_due(engine, channels, robots.clock.now, workers=8).sent == 8 * 3
        assert not [r for r in robots.requests if (r.reply or {}).get("errcode") == 45009]


def test_a_hanging_robot_does_not_delay_the_others(engine):
    keys = [f"key-{i}" for i in range(6)]
    with WeComRobot() as hanging, WeComRobots(keys) as others:
        others.clock = hanging.clock
        for window in others.windows.values():
            window.clock = hanging.clock
        hanging.go_silent()
        stuck = hanging.channel(timeout=5)
        for n in range(3):  # queued first: a deliverer that went one part at a time would wait 3 × 5 s
            enqueue(engine, "hanging", stuck, Message(title=f"消息{n}", text=f"第{n}条"), hanging.clock.now())
        channels = {"hanging": stuck}
        for key in keys:
            channels[key] = others.channel_for(key)
            for n in range(2):
                enqueue(engine, key, channels[key], Message(title=f"{key}消息{n}", text=f"{key} 第{n}条"),
                        hanging.clock.now())
        report = deliver_due(engine, channels, hanging.clock.now, workers=3)
        hanging.speak_again()
        assert report.sent == 12 and report.retried == 1 and report.waiting == 2
        assert len(hanging.requests) == 1  # its later parts wait for the retry instead of timing out one by one
        first_hang = hanging.requests[0].at
        assert max(r.at for r in others.requests) < first_hang + 5  # everyone else was served meanwhile
        assert {key: len(others.accepted_by[key]) for key in keys} == {key: 2 for key in keys}


def test_the_parts_of_one_message_arrive_in_order_even_when_one_must_be_retried(engine, database_url, wecom_robot):
    channel = wecom_robot.channel()
    ids = enqueue(engine, "county", channel, long_message("城口县"), wecom_robot.clock.now(), max_bytes=300)
    others = [enqueue(engine, "county", channel, long_message(f"第{m}条消息", 12), wecom_robot.clock.now(),
                      max_bytes=300) for m in range(2)]
    parts = len(ids)
    assert parts >= 4
    wecom_robot.fail_next(1, errcode=-1, errmsg="system busy")  # part 1 of the first message
    wecom_robot.accepted.clear()
    report = deliver_due(engine, {"county": channel}, wecom_robot.clock.now)
    assert report.sent == 0 and report.retried == 1 and report.waiting == parts - 1 + sum(map(len, others))
    wecom_robot.clock.advance(120)
    # two deliverers at once, as two processes would be
    second = make_engine(database_url)
    threads = [threading.Thread(target=deliver_due, args=(e, {"county": channel}, wecom_robot.clock.now),
                                kwargs={"worker": f"w{i}"}) for i, e in enumerate((engine, second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    second.dispose()
    total = parts + sum(map(len, others))
    assert len(wecom_robot.accepted) == total
    contents = [m["markdown"]["content"] for m in wecom_robot.accepted]
    for title, n in [("城口县", parts)] + [(f"第{m}条消息", len(others[m])) for m in range(2)]:
        mine = [c for c in contents if f"{title} 第" in c]
        assert [c.split("）", 1)[0] + "）" for c in mine] == [f"（{i}/{n}）" for i in range(1, n + 1)]


def test_parts_to_one_robot_reuse_one_connection(engine, wecom_robot):
    channel = wecom_robot.channel()
    for n in range(10):
        enqueue(engine, "county", channel, Message(title=f"消息{n}", text=f"第{n}条"), wecom_robot.clock.now())
    assert deliver_due(engine, {"county": channel}, wecom_robot.clock.now).sent == 10
    assert len(wecom_robot.requests) == 10 and wecom_robot.connections == 1


def test_many_robots_behind_one_host_share_each_workers_connection(engine):
    keys = [f"key-{i:02d}" for i in range(12)]
    with WeComRobots(keys) as robots:
        channels = queue_each(engine, robots, keys, 3)
        assert deliver_due(engine, channels, robots.clock.now, workers=3).sent == 36
        assert len(robots.requests) == 36 and robots.connections <= 3


class SlowChannel:
    """Our Channel contract without a server: records payloads with the thread that sent them, slowly."""

    kind = "fake"
    max_bytes = 2000
    rate_limits: tuple[RateLimit, ...] = ()

    def __init__(self, name: str, sent: list, lock: threading.Lock, seconds: float = 0.0):
        self.name, self.sent, self.lock, self.seconds = name, sent, lock, seconds

    def target(self) -> str:
        return f"fake:{self.name}"

    def parts(self, message: Message, max_bytes: int | None = None) -> list[dict]:
        return [{"text": line} for line in message.text.split("\n")]

    def send(self, payload: dict, *, now: datetime) -> Receipt:
        time.sleep(self.seconds)
        with self.lock:
            self.sent.append((self.name, payload["text"]))
        return Receipt(200, 0, "ok")


def test_two_deliverers_claiming_in_batches_never_claim_the_same_part(engine, database_url):
    sent: list = []
    lock = threading.Lock()
    channels = {f"r{i:02d}": SlowChannel(f"r{i:02d}", sent, lock, 0.002) for i in range(40)}
    now = datetime.now(timezone.utc)
    for name, channel in channels.items():
        for m in range(3):
            enqueue(engine, name, channel, Message(title="t", text="\n".join(f"{name}-{m}-{p}" for p in range(4))),
                    now)
    engines = [engine, make_engine(database_url)]
    reports = [None, None]

    def run(i: int) -> None:
        reports[i] = deliver_due(engines[i], channels, lambda: datetime.now(timezone.utc), worker=f"w{i}",
                                 workers=6)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engines[1].dispose()
    texts = [text for _, text in sent]
    assert len(texts) == 40 * 3 * 4 and len(set(texts)) == len(texts)  # every part once
    assert reports[0].sent + reports[1].sent == len(texts)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(delivery_attempts)).scalar() == len(texts)
        assert set(conn.execute(select(outbox.c.attempts)).scalars()) == {1}
    for name in channels:  # each message's parts in order, whoever sent them
        for m in range(3):
            mine = [t for n, t in sent if n == name and t.startswith(f"{name}-{m}-")]
            assert mine == [f"{name}-{m}-{p}" for p in range(4)]


def test_a_request_slower_than_the_lease_is_not_sent_again_by_another_deliverer(engine, database_url, monkeypatch):
    monkeypatch.setattr(ledger, "LEASE", timedelta(seconds=1))
    monkeypatch.setattr(ledger, "RENEW_EVERY", 0.2)
    sent: list = []
    lock = threading.Lock()
    slow = SlowChannel("slow", sent, lock, 2.5)
    enqueue(engine, "slow", slow, Message(title="t", text="only part"), datetime.now(timezone.utc))
    clock = lambda: datetime.now(timezone.utc)  # noqa: E731
    first = threading.Thread(target=deliver_due, args=(engine, {"slow": slow}, clock), kwargs={"worker": "a"})
    first.start()
    time.sleep(1.5)  # the claim is older than the lease by now, but renewed
    other = make_engine(database_url)
    report = deliver_due(other, {"slow": slow}, clock, worker="b")
    first.join()
    other.dispose()
    assert report.sent == 0 and sent == [("slow", "only part")]


def test_a_part_in_flight_on_each_robot_when_a_deliverer_dies_is_sent_again_once_and_only_that(engine):
    keys = [f"key-{i}" for i in range(4)]
    with WeComRobots(keys) as robots:
        channels = {key: robots.channel_for(key) for key in keys}
        clock = robots.clock.now
        queued = {key: [enqueue(engine, key, channels[key], Message(title=f"消息{n}", text=f"{key} 第{n}条"), clock())
                        for n in range(3)] for key in keys}
        # the dead process had claimed the first part of every robot and sent it, and recorded no answer
        with engine.begin() as conn:
            for key in keys:
                [first] = queued[key][0]
                assert ob.claim(conn, first, "killed", clock().astimezone(timezone.utc),
                                clock().astimezone(timezone.utc) - ledger.LEASE)
                ob.start_attempt(conn, first, channels[key].target(), clock().astimezone(timezone.utc))
                channels[key].send({"msgtype": "markdown", "markdown": {"content": f"{key} 第0条"}}, now=clock())
        assert deliver_due(engine, channels, clock).sent == 4 * 2  # the claimed parts wait for the lease
        robots.clock.advance(ledger.LEASE.total_seconds() + 1)
        assert deliver_due(engine, channels, clock).sent == 4
        for key in keys:
            contents = [m["markdown"]["content"] for m in robots.accepted_by[key]]
            assert sorted(contents) == sorted([f"{key} 第0条"] * 2 + [f"{key} 第1条", f"{key} 第2条"])


def test_without_a_cap_one_call_sends_every_due_part(engine):
    keys = [f"key-{i:03d}" for i in range(150)]
    with WeComRobots(keys) as robots:
        channels = queue_each(engine, robots, keys, 2)
        assert deliver_due(engine, channels, robots.clock.now).sent == 300  # more than the old 200 a call
        assert deliver_due(engine, channels, robots.clock.now, limit=0).sent == 0


def test_a_stop_request_finishes_the_parts_in_hand_and_takes_no_new_one(engine):
    keys = [f"key-{i}" for i in range(6)]
    with WeComRobots(keys, latency=0.2) as robots:
        channels = queue_each(engine, robots, keys, 5)
        report = deliver_due(engine, channels, robots.clock.now, workers=2,
                             should_stop=lambda: len(robots.requests) >= 3)
        assert 3 <= report.sent <= 4  # what was in hand when asked to stop is finished and recorded
        with engine.connect() as conn:
            assert ob.counts(conn) == {"sent": report.sent, "pending": 30 - report.sent}
        assert len(robots.accepted) == report.sent


def test_a_workers_session_reads_proxy_settings_once_and_keeps_them_when_there_are_some(monkeypatch):
    from monitor.channels.http import new_session

    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-bundle.crt")
    plain = new_session()
    assert plain.trust_env is False and plain.verify == "/etc/ssl/certs/ca-bundle.crt"
    assert plain.adapters["https://"].poolmanager.connection_pool_kw["maxsize"] >= 1
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    proxied = new_session()
    assert proxied.trust_env is True  # requests applies HTTPS_PROXY and NO_PROXY itself, per request


def test_two_deliverers_at_once_keep_every_robot_within_its_limit(engine, database_url):
    keys = [f"key-{i}" for i in range(4)]
    with WeComRobots(keys, latency=0.02) as robots:
        channels = queue_each(engine, robots, keys, 30)
        engines = [engine, make_engine(database_url)]
        reports: list = [None, None]

        def run(i: int) -> None:
            reports[i] = deliver_due(engines[i], channels, robots.clock.now, worker=f"w{i}", workers=4)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        engines[1].dispose()
        assert reports[0].sent + reports[1].sent == 4 * 20
        assert {key: len(robots.accepted_by[key]) for key in keys} == {key: 20 for key in keys}
        assert not [r for r in robots.requests if (r.reply or {}).get("errcode") == 45009]


def test_a_gateways_bare_404_holds_a_robots_parts_for_a_retry_instead_of_failing_them_all(engine, wecom_robot):
    channel = wecom_robot.channel()
    for n in range(3):
        enqueue(engine, "county", channel, Message(title=f"消息{n}", text=f"第{n}条"), wecom_robot.clock.now())
    wecom_robot.fail_next(1, status=404)  # the proxy in front of the robot is being redeployed
    report = deliver_due(engine, {"county": channel}, wecom_robot.clock.now)
    assert (report.failed, report.retried, report.waiting) == (0, 1, 2)
    wecom_robot.clock.advance(120)
    assert deliver_due(engine, {"county": channel}, wecom_robot.clock.now).sent == 3
    assert [m["markdown"]["content"] for m in wecom_robot.accepted] == [f"第{n}条" for n in range(3)]
