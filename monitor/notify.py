"""The alerting pipeline: assessments → alerts → state and messages → outbox → delivery.

Composition only: the decisions are in monitor.alerts (pure), the words in monitor.messages, the I/O in
monitor.storage and monitor.delivery. ``now`` and ``clock`` come from the caller.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone, tzinfo

import pandas as pd
from sqlalchemy import Engine

from monitor.alerts.evaluate import aliases_from_plans, evaluate
from monitor.alerts.inhibit import inhibit
from monitor.alerts.lifecycle import Current, Evaluation, PlannedMessage, Routing, plan_messages
from monitor.alerts.model import Alert
from monitor.alerts.receivers import ReceiversFile, load_receivers
from monitor.alerts.rules import Rule, load_rules
from monitor.alerts.silences import SilenceIndex
from monitor.bulk import paused_gc
from monitor.channels.base import Channel, Message
from monitor.core import columns as c
from monitor.delivery.channels import build_channels
from monitor.delivery.deliver import DeliveryReport, deliver_due
from monitor.stopping import stopping
from monitor.messages.charts import with_charts
from monitor.messages.model import Notification
from monitor.messages.render import Renderer
from monitor.report.check import records
from monitor.settings import Settings
from monitor.storage import alert_store, plan_store
from monitor.storage.locks import LockTimeout, exclusive
from monitor.storage.outbox_bulk import Outgoing, enqueue_many

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlertConfig:
    """Rules, receivers and templates, loaded and checked together (and reloaded together by the daemon)."""

    rules: list[Rule]
    receivers: ReceiversFile
    renderer: Renderer
    tz: tzinfo = timezone.utc  # messages show times in it

    @classmethod
    def load(cls, settings: Settings) -> AlertConfig:
        renderer = Renderer(settings.templates_dir)
        renderer.validate_templates()
        return cls(load_rules(settings.rules_dir), load_receivers(settings.receivers_file), renderer, settings.tz)

    @property
    def routing(self) -> Routing:
        return Routing(
            self.receivers.route,
            frozenset(r.name for r in self.receivers.receivers if r.send_resolved),
            {r.id: tuple(r.group_by) for r in self.rules if r.group_by is not None},
            {r.id: r.repeat_interval for r in self.rules if r.repeat_interval is not None},
        )


@dataclass
class AlertRun:
    current: list[Current]
    evaluation: Evaluation
    messages: list[tuple[PlannedMessage, Message]]


def current_alerts(config: AlertConfig, frame: pd.DataFrame, silences: list, now: datetime,
                   rule_id: str | None = None, region_aliases: dict[str, str] | None = None) -> list[Current]:
    """The alerts of an assessment, each marked with the silence or inhibition that holds it back."""
    rules = [r for r in config.rules if rule_id is None or r.id == rule_id]
    alerts: list[Alert] = evaluate(rules, frame, region_aliases=region_aliases)
    _, inhibited = inhibit(alerts, config.receivers.inhibitions)
    held = {a.fingerprint for a in inhibited}
    silencer = SilenceIndex(silences, now)
    found = map(silencer.silenced_by, alerts) if silencer.active else [None] * len(alerts)  # most have none
    return [Current(alert, silence.id if silence is not None else None, alert.fingerprint in held)
            for alert, silence in zip(alerts, found)]


def scope_of(frame: pd.DataFrame) -> set[tuple[str, str, str]]:
    return set(zip(frame[c.PLAN_ID].tolist(), frame[c.REGION_CODE].tolist(), frame[c.INDICATOR_ID].tolist()))


def plan_context(frame: pd.DataFrame, plans: list) -> dict:
    """``extra`` every alert message gets: plan titles, and the regions that have more than one plan in the
    assessment (their messages name the plan of each indicator)."""
    counts = frame.groupby(frame[c.REGION_CODE].astype(str), observed=True)[c.PLAN_ID].nunique()
    return {"plan_names": {p.id: p.title for p in plans},
            "multi_plan_regions": sorted(counts.index[counts > 1].tolist())}


def render(config: AlertConfig, planned: PlannedMessage, now: datetime, extra: dict | None = None) -> Message:
    kind = config.receivers.receiver(planned.receiver).kind
    notification = Notification(planned.kind, planned.receiver, planned.group_labels, planned.items,
                                now.astimezone(config.tz), dict(extra or {}))
    return config.renderer.render(notification, kind)


def render_messages(config: AlertConfig, evaluation: Evaluation, frame: pd.DataFrame, plans: list,
                    now: datetime) -> list[tuple[PlannedMessage, Message]]:
    """Every planned message, rendered for its receiver's channel.

    Jinja2 leaves a few hundred objects in reference cycles behind each message (template modules imported "with
    context"); with the collector paused for the bulk work they are collected every few messages from the
    youngest generation only, so the hundreds of thousands of objects that live on are looked at once, not at
    every collection."""
    messages = with_latest_assessment(evaluation.messages, frame)
    extra = plan_context(frame, plans)
    out = []
    for number, message in enumerate(messages, start=1):
        out.append((message, render(config, message, now, extra)))
        if number % _COLLECT_EVERY == 0:
            gc.collect(0)
    return out


_COLLECT_EVERY = 64  # messages


def evaluate_alerts(engine: Engine, config: AlertConfig, frame: pd.DataFrame, now: datetime, *,
                    fresh: bool = False, rule_id: str | None = None) -> AlertRun:
    """Decide alerts and messages without writing anything. ``fresh`` ignores what was sent before.

    A national run makes hundreds of thousands of small objects (alerts, states, views, rendered lines), so the
    cyclic garbage collector is paused meanwhile (monitor.bulk.paused_gc), as for the assessment itself."""
    with paused_gc():
        with engine.connect() as conn:
            silences = alert_store.all_silences(conn)
            stored = {} if fresh else alert_store.stored_alerts(conn)
            notices = {} if fresh else alert_store.stored_notices(conn)
            plans = plan_store.stored_plans(conn)
        current = current_alerts(config, frame, silences, now, rule_id, aliases_from_plans(plans))
        evaluation = plan_messages(current, stored, notices, config.routing, scope_of(frame), now)
        return AlertRun(current, evaluation, render_messages(config, evaluation, frame, plans, now))


def with_latest_assessment(messages: list[PlannedMessage], frame: pd.DataFrame) -> list[PlannedMessage]:
    """Resolved items show the assessment that cleared them, not the one they fired with."""
    wanted = {(i.alert.plan_id, i.alert.region_code, i.alert.indicator_id)
              for m in messages for i in m.items if i.state == "resolved"}
    if not wanted:
        return messages
    keys = pd.MultiIndex.from_frame(frame[[c.PLAN_ID, c.REGION_CODE, c.INDICATOR_ID]])
    rows = frame[keys.isin(list(wanted))]
    latest = dict(zip(zip(rows[c.PLAN_ID], rows[c.REGION_CODE], rows[c.INDICATOR_ID]), records(rows)))
    out = []
    for message in messages:
        items = []
        for item in message.items:
            key = (item.alert.plan_id, item.alert.region_code, item.alert.indicator_id)
            if item.state == "resolved" and key in latest:
                item = replace(item, alert=replace(item.alert, assessment=latest[key]))
            items.append(item)
        out.append(replace(message, items=items))
    return out


def record(engine: Engine, run: AlertRun, channels: Mapping[str, Channel], now: datetime) -> int:
    """Store the new alert states, the notices and every message part in one transaction; returns parts.

    Everything is written in bulk (states and notices by chunked upserts, parts by chunked inserts), still in the
    one transaction: the messages are queued together with the states they follow from, or not at all."""
    with paused_gc():
        return _record(engine, run, channels, now)


def _record(engine: Engine, run: AlertRun, channels: Mapping[str, Channel], now: datetime) -> int:
    with engine.begin() as conn:
        alert_store.save_evaluation(conn, run.evaluation, run.current, now)
        return enqueue_many(conn, (_outgoing(planned, message, channels[planned.receiver])
                                   for planned, message in run.messages), now)


def _outgoing(planned: PlannedMessage, message: Message, channel: Channel) -> Outgoing:
    return Outgoing(receiver=planned.receiver, channel=channel.kind, target=channel.target(), kind=planned.kind,
                    group_key=planned.group_key, message=message, payloads=channel.parts(message),
                    budget=channel.max_bytes, fingerprints=[item.alert.fingerprint for item in planned.items])


EVALUATION_LOCK = "evaluation"


DEFAULT_LOCK_WAIT = 600.0  # seconds; MONITOR_NOTIFY_LOCK_WAIT_SECONDS


def notify(engine: Engine, settings: Settings | None, frame: pd.DataFrame, clock: Callable[[], datetime], *,
           config: AlertConfig | None = None, channels: Mapping[str, Channel] | None = None,
           environ: Mapping[str, str] | None = None,
           lock_wait: float | None = None) -> tuple[AlertRun, DeliveryReport]:
    """assess → alert → enqueue → deliver, once (the cron path and the daemon's job).

    The messages to receivers that want charts (``charts`` in the receivers file) carry the PNGs of their worst
    indicators, drawn before they are queued (monitor.messages.charts), from the values reported by today.

    Evaluating and queuing are exclusive across processes (monitor.storage.locks): a run that overlaps another
    (cron overlapping a slow run, cron beside the daemon) waits for it, up to ``lock_wait`` seconds (default
    MONITOR_NOTIFY_LOCK_WAIT_SECONDS, 600), then reads the states the other stored, so nothing is queued twice;
    past the wait it raises LockTimeout (one line, exit 3) having queued nothing. Delivery runs outside the lock:
    deliverers share the outbox safely. ``settings`` None (tests that pass a config and channels): the defaults."""
    config = config or AlertConfig.load(settings)
    channels = channels if channels is not None else build_channels(config.receivers, settings.smtp, environ)
    if lock_wait is None:
        lock_wait = settings.notify_lock_wait_seconds if settings is not None else DEFAULT_LOCK_WAIT
    workers = settings.delivery_workers if settings is not None else None
    wait = lock_wait
    try:
        with exclusive(engine, EVALUATION_LOCK, wait=wait, what="the alert evaluation", should_stop=stopping):
            now = clock().astimezone(timezone.utc)  # read once the lock is held: never before the previous run's
            run = evaluate_alerts(engine, config, frame, now)
            day = now.astimezone(config.tz).date()
            run.messages = with_charts(engine, config.receivers, run.messages, frame, day)  # for those who want
            parts = record(engine, run, channels, now)
    except LockTimeout as exc:
        raise LockTimeout(f"{exc} (an earlier run, or the daemon); this run queued nothing, the next one "
                          "catches up") from None
    log.info("evaluation: %d alerts, %d messages, %d parts queued", len(run.current), len(run.messages), parts)
    return run, deliver_due(engine, channels, clock, workers=workers)
