"""How the daemon schedules delivery, and what the deliverer lets through its logs, without starting a daemon."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone

from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent

from monitor.channels.base import Message
from monitor.daemon import runner
from monitor.daemon.runner import Daemon
from monitor import stopping as stopping_module
from monitor.delivery import deliver as deliver_module
from monitor.delivery.deliver import deliver_due
from monitor.settings import load_settings
from monitor.storage import outbox_store as ob
from tests.robots import DingTalkRobots, WeComRobots

pytest_plugins = ["tests.robots"]


def daemon(tmp_path) -> Daemon:  # type: ignore[no-untyped-def]
    d = Daemon(load_settings(database_url=f"sqlite:///{tmp_path / 'm.db'}"))
    d.ctx = object()  # type: ignore[assignment]  # a job needs a context; these tests never reach the database
    return d


def test_a_catch_up_run_never_overlaps_the_scheduled_run_of_the_same_job(tmp_path, monkeypatch):
    d = daemon(tmp_path)
    entered, release = threading.Event(), threading.Event()
    runs = []

    def run_recorded(ctx, job_id, work):  # type: ignore[no-untyped-def]
        runs.append(job_id)
        entered.set()
        release.wait(10)
        return "done"

    monkeypatch.setattr(runner, "run_recorded", run_recorded)
    monkeypatch.setattr(d, "work", lambda job_id: None)
    scheduled = threading.Thread(target=d._run_job, args=("deliver",))
    scheduled.start()
    assert entered.wait(10)
    d._run_job("deliver")  # the catch-up run, while the scheduled one still sends
    release.set()
    scheduled.join(10)
    assert runs == ["deliver"]
    d._run_job("deliver")  # once it has finished, the next run goes ahead
    assert runs == ["deliver", "deliver"]


def test_the_job_failed_log_line_carries_the_real_traceback(tmp_path, caplog):
    d = daemon(tmp_path)
    try:
        raise RuntimeError("database went away")
    except RuntimeError as exc:
        error = exc
    event = JobExecutionEvent(EVENT_JOB_ERROR, "deliver", "default", datetime.now(timezone.utc), exception=error,
                              traceback="Traceback (most recent call last):\n  ...\n")
    with caplog.at_level(logging.ERROR, logger="monitor.daemon.runner"):
        d._on_event(event)
    [record] = [r for r in caplog.records if r.name == "monitor.daemon.runner"]
    assert record.exc_info[1] is error and record.exc_info[2] is error.__traceback__
    assert "database went away" in caplog.text and "Traceback" in caplog.text


def test_a_stop_request_reaches_a_delivery_started_by_someone_else(engine, monkeypatch):
    monkeypatch.setattr(stopping_module, "_event", threading.Event())
    keys = [f"key-{i}" for i in range(4)]
    with WeComRobots(keys, latency=0.2) as robots:
        channels = {key: robots.channel_for(key) for key in keys}
        with engine.begin() as conn:
            for key in keys:
                for n in range(5):
                    message = Message(title=f"消息{n}", text=f"{key} 第{n}条")
                    ob.enqueue(conn, receiver=key, channel="wecom", target=channels[key].target(), kind="firing",
                               group_key=key, message=message, payloads=channels[key].parts(message),
                               budget=4096, fingerprints=[], now=robots.clock.now())
        stopper = threading.Timer(0.3, deliver_module.stop_all)  # SIGTERM while notify() delivers in the assess job
        stopper.start()
        report = deliver_due(engine, channels, robots.clock.now, workers=2)
        stopper.join()
        assert 1 <= report.sent < 20 and len(robots.accepted) == report.sent
        assert deliver_due(engine, channels, robots.clock.now).sent == 0  # stopping is for good in this process


def test_debug_logging_of_robot_requests_shows_no_key_token_or_signature(engine, caplog):
    with WeComRobots(["wecom-key-0123456789abcdef"]) as wecom, DingTalkRobots(["dt0123456789abcdef0123"]) as ding:
        channels = {"w": wecom.channel_for("wecom-key-0123456789abcdef"),
                    "d": ding.channel_for("dt0123456789abcdef0123")}
        with engine.begin() as conn:
            for name, channel in channels.items():
                message = Message(title="标题", text="正文")
                ob.enqueue(conn, receiver=name, channel=channel.kind, target=channel.target(), kind="firing",
                           group_key=name, message=message, payloads=channel.parts(message), budget=4096,
                           fingerprints=[], now=wecom.clock.now())
        with caplog.at_level(logging.DEBUG):
            assert deliver_due(engine, channels, wecom.clock.now).sent == 2
    text = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert "POST /cgi-bin/webhook/send?key=***" in text and "access_token=***" in text
    for secret in ("wecom-key-0123456789abcdef", "dt0123456789abcdef0123", ding.secret, "sign=" + "x"):
        assert secret not in text
    signs = [r.query["sign"] for r in ding.requests]
    assert signs and not any(sign in text for sign in signs)
