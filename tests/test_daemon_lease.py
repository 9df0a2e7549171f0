"""The lease of the active daemon, the standby's view of heartbeats, and signals before the daemon is active —
without starting a daemon process."""

from __future__ import annotations

import math
import os
import signal
from datetime import datetime, timedelta, timezone

import pytest

from monitor.channels.base import DeliveryError, Message
from monitor.daemon.fence import FencedChannel
from monitor.daemon.runner import Daemon
from monitor.daemon.settings import DaemonSettings, load_daemon_settings
from monitor.daemon.signals import Signals
from monitor.daemon.standby import HeartbeatWatch
from monitor.errors import ConfigError
from monitor.settings import load_settings

pytest_plugins = ["tests.robots"]

NOW = datetime(2025, 7, 1, 2, 0, tzinfo=timezone.utc)
DEAD = timedelta(seconds=90)


class Ticks:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_heartbeat_that_keeps_moving_never_stands_still():
    watch = HeartbeatWatch(DEAD)
    for step in range(10):
        watch.observe([("host-a:1", NOW + timedelta(seconds=5 * step))], NOW + timedelta(seconds=5 * step), 5.0 * step)
    assert watch.still_for(45.0) == 0.0


def test_a_heartbeat_that_stopped_is_still_for_the_time_seen_here_whatever_its_clock_says():
    watch = HeartbeatWatch(DEAD)
    skewed = NOW + timedelta(hours=3)  # the other machine's clock is ahead: it does not matter
    watch.observe([("host-a:1", skewed)], NOW, 10.0)
    watch.observe([("host-a:1", skewed)], NOW + timedelta(seconds=20), 30.0)
    assert watch.still_for(30.0) == 20.0
    assert watch.actives == ["host-a:1"]


def test_the_least_still_active_decides_and_none_means_nothing_to_wait_for():
    watch = HeartbeatWatch(DEAD)
    assert watch.still_for(0.0) == math.inf
    watch.observe([("dead:1", NOW), ("live:2", NOW)], NOW, 0.0)
    watch.observe([("dead:1", NOW), ("live:2", NOW + timedelta(seconds=9))], NOW + timedelta(seconds=9), 9.0)
    assert watch.still_for(12.0) == 3.0


def test_a_heartbeat_older_than_the_limit_by_the_wall_clock_counts_as_stopped_at_once():
    watch = HeartbeatWatch(DEAD)
    watch.observe([("crashed-last-week:1", NOW - timedelta(days=7))], NOW, 50.0)
    assert watch.still_for(50.0) == math.inf


def daemon(tmp_path, ticks: Ticks) -> Daemon:
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'm.db'}")
    return Daemon(settings, tuning=DaemonSettings(_env_file=None, heartbeat_seconds=1, stale_seconds=10),
                  monotonic=ticks)


def test_the_active_may_work_only_within_its_lease_after_the_last_confirmed_heartbeat(tmp_path):
    ticks = Ticks()
    d = daemon(tmp_path, ticks)
    d._confirmed = ticks()
    ticks.now += 5.0  # the lease is half the staleness: 5 s
    assert d.may_work()
    ticks.now += 0.5
    assert not d.may_work()
    d._confirmed = ticks()
    assert d.may_work()
    d.stop.set()
    assert not d.may_work()


def test_a_frozen_daemon_sends_nothing_once_its_lease_ran_out(tmp_path, wecom_robot):
    ticks = Ticks()
    d = daemon(tmp_path, ticks)
    channel = FencedChannel(wecom_robot.channel(), d.may_work)
    payload = channel.parts(Message(title="标题", text="正文"))[0]
    d._confirmed = ticks()
    channel.send(payload, now=wecom_robot.clock.now())
    assert len(wecom_robot.accepted) == 1
    ticks.now += 60  # SIGSTOP for a minute, then SIGCONT
    with pytest.raises(DeliveryError) as raised:
        channel.send(payload, now=wecom_robot.clock.now())
    assert raised.value.kind == "retry"  # the part stays in the outbox for the active daemon
    assert len(wecom_robot.accepted) == 1
    assert channel.kind == "wecom" and channel.target() == wecom_robot.channel().target()


def test_a_staleness_shorter_than_three_heartbeats_is_refused_with_the_setting_named(monkeypatch):
    monkeypatch.setenv("MONITOR_DAEMON__HEARTBEAT_SECONDS", "10")
    monkeypatch.setenv("MONITOR_DAEMON__STALE_SECONDS", "20")
    with pytest.raises(ConfigError, match="MONITOR_DAEMON__STALE_SECONDS"):
        load_daemon_settings()
    monkeypatch.setenv("MONITOR_DAEMON__STALE_SECONDS", "45")
    assert load_daemon_settings().lease_seconds == 22.5


def test_sighup_and_sigterm_are_only_counted_until_the_daemon_acts_on_them():
    before = {s: signal.getsignal(s) for s in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT)}
    try:
        signals = Signals().install()
        os.kill(os.getpid(), signal.SIGHUP)
        os.kill(os.getpid(), signal.SIGTERM)
        assert (signals.reloads, signals.stops) == (1, 1)
        stopped = []
        signals.on_stop(lambda: stopped.append(True))  # a SIGTERM before the daemon was ready still stops it
        assert stopped == [True]
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)


def test_a_reload_asked_for_while_standby_is_noted_then_applied_once_active(tmp_path, caplog):
    d = daemon(tmp_path, Ticks())
    reloads = []
    d.reload = lambda: reloads.append(True)  # type: ignore[method-assign]
    d.signals.reloads = 2
    with caplog.at_level("INFO", logger="monitor.daemon.runner"):
        d._take_signals("standby")
        d._take_signals("standby")
    assert reloads == [] and caplog.text.count("SIGHUP while standby: noted") == 1
    d._take_signals("active")
    d._take_signals("active")
    assert reloads == [True]
