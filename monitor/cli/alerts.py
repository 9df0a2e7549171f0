"""`monitor rules|silence|receivers|outbox|notify …`: alert rules, silences, receivers and the outbox."""

from __future__ import annotations

from datetime import timezone
from typing import TYPE_CHECKING

import click

from monitor.cli import Context, pass_context
from monitor.errors import DataError, MonitorError

if TYPE_CHECKING:
    from rich.console import Console

# the alerting modules are imported inside the commands, so `monitor check` and the rest start quickly


def _console() -> Console:
    from rich.console import Console
    console = Console()
    return console if console.is_terminal else Console(width=200, color_system=None)


# --- rules -----------------------------------------------------------------------------------------------------

@click.group()
def rules() -> None:
    """Alert rules (rules/*.yaml)."""


@rules.command("validate")
@pass_context
def rules_validate(ctx: Context) -> None:
    """Check every rule file; errors name the file, line and field.

    \b
    Example:
      monitor rules validate
    """
    from monitor import notify as pipeline
    config = pipeline.AlertConfig.load(ctx.settings)
    click.echo(f"{len(config.rules)} rules in {ctx.settings.rules_dir}: OK")
    for rule in config.rules:
        click.echo(f"  {rule.id}  [{rule.severity}]  {rule.description or ''}".rstrip())


@rules.command("test")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Assessment date (default today).")
@click.option("--rule", "rule_id", help="Only this rule id.")
@pass_context
def rules_test(ctx: Context, as_of, rule_id: str | None) -> None:  # type: ignore[no-untyped-def]
    """Print the alerts and the exact messages each receiver would get, sending nothing.

    Messages are shown as for a first evaluation (every alert new), whatever was sent before.

    \b
    Example:
      monitor rules test --as-of 2025-07-01 --rule behind-pace
    """
    from monitor import notify as pipeline
    from monitor import service
    config = pipeline.AlertConfig.load(ctx.settings)
    if rule_id and rule_id not in {r.id for r in config.rules}:
        raise MonitorError(f"no rule {rule_id!r}; `monitor rules validate` lists them")
    day = as_of.date() if as_of else ctx.today()
    engine = service.open_database(ctx.settings)
    frame = service.run_check(engine, day)
    run = pipeline.evaluate_alerts(engine, config, frame, ctx.clock(), fresh=True, rule_id=rule_id)
    click.echo(f"评估日期 {day.isoformat()}：{len(run.current)} 条告警")
    for item in run.current:
        held = " (silenced)" if item.silenced_by else " (inhibited)" if item.inhibited else ""
        click.echo(f"  [{item.alert.severity}] {item.alert.rule_id} {item.alert.summary}{held}")
    for planned, message in run.messages:
        click.echo(f"\n=== {planned.receiver} · {planned.group_key} · {planned.kind} ===")
        click.echo(message.title)
        click.echo(message.text)


# --- silences --------------------------------------------------------------------------------------------------

@click.group()
def silence() -> None:
    """Silences: matched alerts are recorded but not sent while the silence lasts."""


@silence.command("add")
@click.argument("matchers", nargs=-1, required=True)
@click.option("--duration", default="24h", show_default=True, help="How long, e.g. 2h, 3d.")
@click.option("--starts", type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"]), help="Start (default now).")
@click.option("--author", required=True, help="Who silences.")
@click.option("--comment", required=True, help="Why (shown in `silence list`).")
@pass_context
def silence_add(ctx: Context, matchers: tuple[str, ...], duration: str, starts, author: str, comment: str) -> None:  # type: ignore[no-untyped-def]
    """Silence the alerts whose labels match every MATCHER (label=value, label!=value, label=~regex).

    \b
    Example:
      monitor silence add region=城口县 indicator=rd_expenditure --duration 7d --author 张三 --comment 数据核实中
    """
    from monitor import service
    from monitor.alerts.matchers import parse_matchers
    from monitor.alerts.rules import parse_duration
    from monitor.alerts.silences import Silence
    from monitor.storage import alert_store
    now = ctx.clock()
    start = starts.replace(tzinfo=ctx.settings.tz).astimezone(timezone.utc) if starts else now
    try:
        length = parse_duration(duration)
        Silence(id=0, matchers=parse_matchers(list(matchers)), starts_at=start, ends_at=start + length,
                author=author, comment=comment, created_at=now).check()
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    engine = service.open_database(ctx.settings)
    with engine.begin() as conn:
        number = alert_store.add_silence(conn, list(matchers), start, start + length, author, comment, now)
    click.echo(f"silence {number} until {(start + length).astimezone(ctx.settings.tz):%Y-%m-%d %H:%M}")


@silence.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include silences that have ended.")
@pass_context
def silence_list(ctx: Context, show_all: bool) -> None:
    """List silences (active and scheduled; --all for ended ones too).

    \b
    Example:
      monitor silence list --all
    """
    from rich.table import Table
    from monitor import service
    from monitor.storage import alert_store
    engine = service.open_database(ctx.settings)
    now = ctx.clock()
    with engine.connect() as conn:
        items = [s for s in alert_store.all_silences(conn) if show_all or s.ends_at > now]
    table = Table("id", "匹配", "开始", "结束", "设置人", "说明")
    tz = ctx.settings.tz
    for s in items:
        table.add_row(str(s.id), " ".join(str(m) for m in s.matchers), f"{s.starts_at.astimezone(tz):%Y-%m-%d %H:%M}",
                      f"{s.ends_at.astimezone(tz):%Y-%m-%d %H:%M}", s.author, s.comment)
    _console().print(table)


@silence.command("expire")
@click.argument("silence_id", type=int)
@pass_context
def silence_expire(ctx: Context, silence_id: int) -> None:
    """End a silence now.

    \b
    Example:
      monitor silence expire 3
    """
    from monitor import service
    from monitor.storage import alert_store
    engine = service.open_database(ctx.settings)
    with engine.begin() as conn:
        if not alert_store.expire_silence(conn, silence_id, ctx.clock()):
            raise MonitorError(f"no active silence {silence_id}; `monitor silence list` shows them")
    click.echo(f"silence {silence_id} expired")


# --- receivers, notify -----------------------------------------------------------------------------------------

@click.group()
def receivers() -> None:
    """Receivers and routes (config/receivers.yaml)."""


@receivers.command("validate")
@pass_context
def receivers_validate(ctx: Context) -> None:
    """Check the receivers file and that every environment variable it names is set.

    \b
    Example:
      monitor receivers validate
    """
    from monitor import notify as pipeline
    from monitor.alerts.receivers import missing_environment
    path = ctx.settings.receivers_file
    config = pipeline.AlertConfig.load(ctx.settings).receivers
    problems = missing_environment(config, path=path, smtp=ctx.settings.smtp)
    if problems:
        raise DataError(f"{path}: {len(problems)} receiver setting(s) missing or unusable", problems)
    where = path if path.exists() else f"{path} (absent: messages are printed by the log channel)"
    click.echo(f"{where}: {len(config.receivers)} receivers OK")
    for r in config.receivers:
        click.echo(f"  {r.name}  {r.kind}")


@click.group()
def notify() -> None:
    """Try a receiver."""


@notify.command("test")
@click.argument("receiver")
@pass_context
def notify_test(ctx: Context, receiver: str) -> None:
    """Send a short test message to RECEIVER through the outbox, and report the receiver's answer.

    \b
    Example:
      monitor notify test chengkou-wecom
    """
    from monitor import notify as pipeline
    from monitor import service
    from monitor.channels.base import Message
    from monitor.delivery.channels import build_channels
    from monitor.delivery.deliver import deliver_due
    from monitor.storage import outbox_store
    config = pipeline.AlertConfig.load(ctx.settings)
    config.receivers.receiver(receiver)  # a clear error for an unknown name
    channels = build_channels(config.receivers, ctx.settings.smtp)
    channel = channels[receiver]
    now = ctx.clock()
    local = now.astimezone(ctx.settings.tz)
    message = Message(title="规划指标监测：测试消息",
                      text=f"这是一条测试消息，发送时间 {local:%Y-%m-%d %H:%M}。收到即表示接收人 {receiver} 配置正确。",
                      html=f"<p>这是一条测试消息，发送时间 {local:%Y-%m-%d %H:%M}。</p>",
                      body={"version": "4", "status": "firing", "receiver": receiver, "alerts": [],
                            "groupLabels": {}, "commonLabels": {"test": "true"}, "commonAnnotations": {}})
    engine = service.open_database(ctx.settings)
    with engine.begin() as conn:
        outbox_store.enqueue(conn, receiver=receiver, channel=channel.kind, target=channel.target(), kind="test",
                             group_key=f"{receiver}:test", message=message, payloads=channel.parts(message),
                             budget=channel.max_bytes, fingerprints=[], now=now)
    report = deliver_due(engine, {receiver: channel}, ctx.clock)
    if report.sent and not report.failed:
        click.echo(f"{receiver}: sent")
        return
    detail = "; ".join(report.errors) or "will be retried; `monitor outbox list` shows the answer"
    raise MonitorError(f"{receiver}: not sent: {detail}")


# --- outbox ----------------------------------------------------------------------------------------------------

@click.group()
def outbox() -> None:
    """Messages waiting, sent or failed."""


@outbox.command("list")
@click.option("--status", type=click.Choice(["pending", "sending", "sent", "failed", "split"]))
@click.option("--limit", default=50, show_default=True)
@pass_context
def outbox_list(ctx: Context, status: str | None, limit: int) -> None:
    """List outbox rows, newest first, with the receiver's last answer (no URL or secret is shown).

    \b
    Example:
      monitor outbox list --status failed
    """
    from rich.table import Table
    from monitor import service
    from monitor.storage import outbox_store
    engine = service.open_database(ctx.settings)
    with engine.connect() as conn:
        rows = outbox_store.listing(conn, status, limit)
        totals = outbox_store.counts(conn)
    table = Table("id", "接收人", "渠道", "类型", "标题", "分段", "状态", "尝试", "应答")
    for r in rows:
        answer = " ".join(str(x) for x in (r["http_status"], r["errcode"], r["errmsg"] or r["error"]) if x is not None)
        table.add_row(str(r["id"]), r["receiver"], r["channel"], r["kind"], r["title"], f"{r['part']}/{r['parts']}",
                      r["status"], str(r["attempts"]), answer)
    console = _console()
    console.print(table)
    console.print("，".join(f"{k} {v}" for k, v in sorted(totals.items())) or "outbox is empty")


@outbox.command("deliver")
@pass_context
def outbox_deliver(ctx: Context) -> None:
    """Send what is due in the outbox once (the daemon does this every 30 seconds).

    \b
    Example:
      monitor outbox deliver
    """
    from monitor.delivery.deliver import deliver_due
    from monitor.jobs import run_recorded

    job = ctx.job_context()
    summary = run_recorded(job, "deliver", lambda c: _deliver_summary(deliver_due(c.engine, c.channels, c.clock,
                                                                        workers=c.settings.delivery_workers)))
    click.echo(summary)


def _deliver_summary(report) -> str:  # type: ignore[no-untyped-def]
    return (f"sent {report.sent}, retry {report.retried}, waiting {report.waiting}, failed {report.failed}, "
            f"split {report.split}")


@outbox.command("retry")
@click.argument("outbox_id", type=int, required=False)
@pass_context
def outbox_retry(ctx: Context, outbox_id: int | None) -> None:
    """Queue failed rows (or one row) again; the next delivery sends them.

    \b
    Example:
      monitor outbox retry 42
    """
    from monitor import service
    from monitor.storage import outbox_store
    engine = service.open_database(ctx.settings)
    with engine.begin() as conn:
        count = outbox_store.retry_failed(conn, ctx.clock(), outbox_id)
    click.echo(f"{count} row(s) queued again")


@outbox.command("purge")
@click.option("--older-than", default="30d", show_default=True, help="Age of sent and failed rows to delete.")
@pass_context
def outbox_purge(ctx: Context, older_than: str) -> None:
    """Delete sent, failed and split rows older than --older-than (pending rows are kept).

    \b
    Example:
      monitor outbox purge --older-than 90d
    """
    from monitor import service
    from monitor.alerts.rules import parse_duration
    from monitor.storage import outbox_store
    try:
        age = parse_duration(older_than)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    engine = service.open_database(ctx.settings)
    with engine.begin() as conn:
        count = outbox_store.purge(conn, ctx.clock() - age)
    click.echo(f"{count} row(s) deleted")

