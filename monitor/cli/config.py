"""`monitor init` and `monitor config show`."""

from __future__ import annotations

import click

from monitor.cli import Context, pass_context


@click.command()
@pass_context
def init(ctx: Context) -> None:
    """Create or upgrade the database and load every plan in the plans folder.

    \b
    Example:
      MONITOR_DATABASE_URL=sqlite:///data/monitor.db monitor init
    """
    from monitor import service

    report = service.initialise(ctx.settings, ctx.now())
    if report.schema_before != report.schema_after:
        click.echo(f"database schema: {report.schema_before or 'new'} → {report.schema_after}")
    else:
        click.echo(f"database schema: up to date ({report.schema_after})")
    _echo_plan_results(report.plans)


def _echo_plan_results(results) -> None:  # type: ignore[no-untyped-def]
    for result in results:
        click.echo(f"plan {result.plan_id}: {result.outcome}")
        for change in result.changes:
            click.echo(f"  - {change}")


@click.group()
def config() -> None:
    """Inspect the effective settings."""


@config.command("show")
@pass_context
def show(ctx: Context) -> None:
    """Print the settings in force (environment, .env, defaults), with secrets masked, the daemon's fail-over
    settings (MONITOR_DAEMON__*) last.

    \b
    Example:
      monitor config show
    """
    from monitor.daemon.settings import load_daemon_settings

    for name, value in ctx.settings.shown().items():
        click.echo(f"MONITOR_{name.upper()}={value}")
    daemon = load_daemon_settings()
    for name in type(daemon).model_fields:
        click.echo(f"MONITOR_DAEMON__{name.upper()}={getattr(daemon, name)}")
