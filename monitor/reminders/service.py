"""The reminders job and what the ``monitor reminders`` commands call: read the state, decide with the ladder,
route, render and queue; exempt a figure; list what is outstanding.

Composition only: the decisions are in ``expected`` and ``ladder``, the words in ``message`` and the templates,
the SQL in ``store``. The clock is ``ctx.clock`` (or a date passed in); "today" is the date in
MONITOR_TIMEZONE. Messages are queued in the outbox in the transaction that records the reminders, and sent by
the deliver job.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timezone, tzinfo

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from monitor.alerts.routing import destinations
from monitor.core.periods import parse_period
from monitor.errors import ConfigError, MonitorError
from monitor.jobs import JobContext
from monitor.plans.model import Plan
from monitor.reminders import store
from monitor.reminders.expected import Figure, FigureKey, Lookback, due_date, expected_figures, spans
from monitor.reminders.ladder import Ladder, Reminder, decide
from monitor.reminders.message import KIND, labels_of, submission_item, submission_notification
from monitor.settings import Settings
from monitor.storage import outbox_store, plan_store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class State:
    """Everything the reminders are decided from, read in one go."""

    plans: list[Plan]
    reported: set[FigureKey]
    notices: dict[FigureKey, store.Notice]
    exemptions: dict[FigureKey, store.Exemption]


@dataclass(frozen=True)
class Outstanding:
    """A figure that is due or coming due and not reported, for ``monitor reminders list``."""

    figure: Figure
    notice: store.Notice | None
    exemption: store.Exemption | None


@dataclass
class Outgoing:
    """One message: the reminders of one region for one receiver."""

    receiver: str
    region_code: str
    region_name: str
    reminders: list[tuple[Figure, Reminder]] = field(default_factory=list)


def ladder_of(settings: Settings) -> Ladder:
    try:
        return Ladder(**settings.reminders.model_dump(include={f.name for f in fields(Ladder)}))
    except ValueError as exc:
        raise ConfigError(f"invalid reminder settings (MONITOR_REMINDERS__*): {exc}") from exc


def lookback_of(settings: Settings) -> Lookback:
    try:
        return Lookback(settings.reminders.lookback_days, settings.reminders.since)
    except ValueError as exc:
        raise ConfigError(f"invalid reminder settings (MONITOR_REMINDERS__*): {exc}") from exc


def read_state(engine: Engine) -> State:
    with engine.connect() as conn:
        return State(plan_store.stored_plans(conn), store.reported_figures(conn), store.notices(conn),
                     store.exemptions(conn))


def due_reminders(state: State, ladder: Ladder, today: date, tz: tzinfo,
                  lookback: Lookback | None = None) -> list[tuple[Figure, Reminder]]:
    """The reminder each expected figure gets today (exempted and already-reminded figures get none); with
    ``lookback``, only figures due since its start."""
    out = []
    since = lookback.start(today) if lookback is not None else None
    for figure in expected_figures(state.plans, state.reported, today, ladder.before_days, since):
        notice = state.notices.get(figure.key)
        previous = notice.previous(tz) if notice is not None else None
        reminder = decide(ladder, figure.due_on, today, previous, exempt=figure.key in state.exemptions)
        if reminder is not None:
            out.append((figure, reminder))
    return out


def address(config, due: Sequence[tuple[Figure, Reminder]]) -> list[Outgoing]:  # type: ignore[no-untyped-def]
    """Group reminders per receiver and region: each goes where its labels route it, and an escalated one to the
    digest receivers as well (``config`` is a monitor.notify.AlertConfig)."""
    grouped: dict[tuple[str, str], Outgoing] = {}
    for figure, reminder in due:
        receivers = [d.receiver for d in destinations(config.receivers.route, labels_of(figure))]
        if reminder.escalate:
            receivers += [r for r in config.receivers.digest_targets if r not in receivers]
        for receiver in receivers:
            key = (receiver, figure.region_code)
            grouped.setdefault(key, Outgoing(receiver, figure.region_code, figure.region_name)).reminders.append(
                (figure, reminder))
    return [grouped[key] for key in sorted(grouped)]


@dataclass(frozen=True)
class ReminderRun:
    """What one run of the job queued."""

    today: date
    reminders: int  # figures reminded
    messages: int
    parts: int
    escalated: int  # figures whose reminder also went to the digest receivers

    @property
    def summary(self) -> str:
        if not self.reminders:
            return "no reminders due"
        return (f"{_count(self.reminders, 'reminder')} in {_count(self.messages, 'message')}; "
                f"{self.escalated} escalated")


def send_reminders(ctx: JobContext) -> str:
    """The reminders job (daemon and ``monitor reminders send``): queue today's reminders; returns a summary."""
    return queue_reminders(ctx).summary


def queue_reminders(ctx: JobContext) -> ReminderRun:
    """Decide today's reminders, record them and queue one message per receiver and region, in one
    transaction; the deliver job sends them."""
    now = ctx.clock().astimezone(timezone.utc)
    tz = ctx.settings.tz
    local_now = now.astimezone(tz)
    today = local_now.date()
    state = read_state(ctx.engine)
    due = due_reminders(state, ladder_of(ctx.settings), today, tz, lookback_of(ctx.settings))
    outgoing = address(ctx.config, due)
    parts = 0
    try:
        with ctx.engine.begin() as conn:
            for figure, reminder in due:  # recorded in the transaction that queues the messages
                store.record_reminder(conn, figure, reminder, state.notices.get(figure.key), now)
            for out in outgoing:
                parts += _enqueue(ctx, conn, out, today, local_now, now)
    except IntegrityError as exc:  # another run inserted a first reminder meanwhile
        raise store.ConcurrentReminders("another run recorded reminders meanwhile; nothing was queued by this "
                                        "run") from exc
    run = ReminderRun(today, len(due), len(outgoing), parts, sum(1 for _, r in due if r.escalate))
    log.info("reminders for %s: %s, %d parts queued", today, run.summary, parts)
    return run


def _enqueue(ctx: JobContext, conn, out: Outgoing, today: date, local_now: datetime,  # type: ignore[no-untyped-def]
             now: datetime) -> int:
    config = ctx.config
    items = [submission_item(f, r, today, local_now) for f, r in out.reminders]
    notification = submission_notification(out.receiver, out.region_name, items, local_now, today)
    message = config.renderer.render(notification, config.receivers.receiver(out.receiver).kind)
    channel = ctx.channels.get(out.receiver)
    if channel is None:
        raise ConfigError(f"receiver {out.receiver!r} has no channel; check the receivers file")
    payloads = channel.parts(message)
    outbox_store.enqueue(conn, receiver=out.receiver, channel=channel.kind, target=channel.target(), kind=KIND,
                         group_key=f"{out.receiver}:{KIND}:{out.region_code}", message=message, payloads=payloads,
                         budget=channel.max_bytes, fingerprints=[i.alert.fingerprint for i in items], now=now)
    return len(payloads)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


# --- what is outstanding ---------------------------------------------------------------------------------------

def outstanding_figures(engine: Engine, settings: Settings, today: date,
                        region_codes: Sequence[str] | None = None, since: date | None = None) -> list[Outstanding]:
    """Every figure due or coming due (within before_days) and not reported, with its last reminder and
    exemption, in region, due-date and plan order. Only figures due on or after ``since`` (default: the start
    the reminder settings give, ``Lookback.start``) are listed."""
    state = read_state(engine)
    if since is None:
        since = lookback_of(settings).start(today)
    figures = expected_figures(state.plans, state.reported, today, ladder_of(settings).before_days, since)
    return [Outstanding(f, state.notices.get(f.key), state.exemptions.get(f.key)) for f in figures
            if region_codes is None or f.region_code in region_codes]


def outstanding(ctx: JobContext, as_of: date) -> list[dict]:
    """Late figures that are not exempted, as the digest's ``missing`` entries: region_name, indicator_name,
    period, due_date (ISO) and days_overdue."""
    return [{"region_name": o.figure.region_name, "indicator_name": o.figure.indicator_name,
             "period": o.figure.period, "due_date": o.figure.due_on.isoformat(),
             "days_overdue": o.figure.days_overdue(as_of)}
            for o in outstanding_figures(ctx.engine, ctx.settings, as_of)
            if o.exemption is None and o.figure.due_on < as_of]


# --- exemptions ------------------------------------------------------------------------------------------------

_FREQUENCY_WORDS = {"annual": ("按年", "2024"), "quarterly": ("按季度", "2024Q2"), "monthly": ("按月", "2024-06")}


@dataclass(frozen=True)
class ExemptResult:
    figure: Figure
    new: bool  # False: an earlier exemption of the figure was replaced
    reported: bool  # the figure has a value already


def exempt(engine: Engine, region: str, indicator: str, period: str, reason: str, author: str | None,
           now: datetime) -> ExemptResult:
    """Exempt one figure from reminders, after checking that the region, indicator and period name one."""
    from monitor import service  # the composition root owns the catalogue of regions and indicators

    if not reason.strip():
        raise MonitorError("请用 --reason 写明豁免原因")
    catalogue = service.catalogue(engine)
    region_ref = catalogue.region(region)
    if region_ref is None:
        raise MonitorError(f"没有覆盖地区“{region}”的规划；`monitor plans list` 列出各地区")
    ref = catalogue.indicator(region_ref.code, indicator)
    if ref is None:
        hints = catalogue.suggestions(region_ref.code, indicator)
        hint = f"，是否指：{'、'.join(hints)}" if hints else ""
        raise MonitorError(f"{region_ref.name}的规划中没有指标“{indicator}”{hint}；`monitor plans show ID` 列出指标")
    figure = _figure(service.stored_plans(engine), region_ref.code, ref.indicator_id, period, now.date())
    with engine.begin() as conn:
        reported = figure.key in store.reported_figures(conn)
        new = store.save_exemption(conn, figure.key, reason.strip(), author, now)
    return ExemptResult(figure, new, reported)


def _figure(plans: list[Plan], region_code: str, indicator_id: str, text: str, today: date) -> Figure:
    """The figure the period names, checked against the indicator's reporting frequency and the years it owes
    figures for (``expected.spans``: up to its last milestone, or the plan's end year once a successor took it)."""
    try:
        label = parse_period(text).label
    except ValueError as exc:
        raise MonitorError(f"无法识别的报告期“{text}”：应写作 2024、2024Q2 或 2024-06") from exc
    candidates = []
    for span in spans(plans, today):
        if span.plan.region.code != region_code or span.indicator.id != indicator_id:
            continue
        periods = list(span.periods())
        for period in periods:
            if period.label == label:
                ind = span.indicator
                return Figure(span.plan.id, region_code, span.plan.region.name, ind.id, ind.name, ind.unit,
                              span.position, label, due_date(period, ind.reporting.due_days))
        candidates.append((span.indicator, periods))
    ind = candidates[0][0]
    first = min(periods[0] for _, periods in candidates)
    last = max(periods[-1] for _, periods in candidates)
    words, example = _FREQUENCY_WORDS[ind.reporting.frequency.value]
    raise MonitorError(f"{ind.name}{words}报送，报告期应在 {first.label}–{last.label} 之间（如 "
                       f"{example}），“{text}”不是其中一期")
