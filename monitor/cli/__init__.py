"""The `monitor` command: a thin layer that parses, calls one function in monitor.service, and prints.

Exit codes: 0 fine, 1 worst is a warning, 2 something is critical (`monitor check`), 3 usage, configuration or
data error (one clear line on stderr), 4 an unexpected internal error (traceback with --debug), 5 `monitor run`
lost its instance lock or lease (a supervisor restarts it).
"""

from __future__ import annotations

import gc
import logging
import sys
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING

import click

from monitor.errors import DataError, MonitorError

if TYPE_CHECKING:
    from monitor.settings import Settings

# Start-up: this package and every command module import only click and light modules at the top; pandas,
# SQLAlchemy, Alembic, pydantic, rich and the rest are imported inside the commands that use them, so
# `monitor --help` and light commands start quickly (tests/test_startup.py, benchmarks/startup.py).

EXIT_USAGE = 3
EXIT_INTERNAL = 4

# Start-up creates some 200,000 objects the cyclic collector tracks (pandas, SQLAlchemy, pydantic models), hardly
# any of them garbage: with Python's default thresholds `monitor check` on the demo database runs about 300
# collections, two of them full, for a tenth or more of its time; with these, 35 and none. Cycles are still
# collected. The daemon, which runs for months, goes back to the defaults (`monitor run`).
COMMAND_GC_THRESHOLDS = (10_000, 100, 10)
DEFAULT_GC_THRESHOLDS = gc.get_threshold()


class Context:
    """What every subcommand may need: settings (read once, lazily) and the clock."""

    def __init__(self, debug: bool):
        self.debug = debug
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from monitor.settings import load_settings

            self._settings = load_settings()
        return self._settings

    def now(self) -> datetime:
        return datetime.now(self.settings.tz)

    def clock(self) -> datetime:
        """Now in UTC, as stored in the database."""
        return datetime.now(timezone.utc)

    def job_context(self):  # type: ignore[no-untyped-def]
        """What a daemon job needs (database, rules, receivers, templates, channels), to run one job once."""
        from monitor import service
        from monitor.delivery.channels import build_channels
        from monitor.jobs import JobContext
        from monitor.notify import AlertConfig

        engine = service.open_database(self.settings)
        config = AlertConfig.load(self.settings)
        channels = build_channels(config.receivers, self.settings.smtp)
        return JobContext(engine, self.settings, config, channels, self.clock)

    def today(self) -> date:
        return self.now().date()


pass_context = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.version_option(package_name="plan-pace-monitor", prog_name="monitor")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Plan-indicator pace monitor: five-year-plan targets, reported actuals and 序时进度 checks.

    \b
    Example:
      monitor init && monitor actuals import config/samples/chengkou-actuals.csv && monitor check
    """
    from monitor.ops.logs import configure_cli_logging

    # every handler of the root logger masks secrets, so no library's own log line (urllib3 prints request
    # lines at DEBUG) shows a robot key, a signature or a password
    configure_cli_logging(logging.DEBUG if debug else logging.WARNING)
    ctx.obj = Context(debug)


def main() -> None:
    """Console entry point: maps errors to exit codes and one-line messages."""
    sys.exit(run(sys.argv[1:]))


def run(args: list[str]) -> int:
    """Run one `monitor` command line (``args`` after the program name) in this process; its exit code.

    Errors become exit codes and one line on stderr, as at a terminal. Several command lines may run one after
    another in one process (monitor.demo): the imports are paid once."""
    thresholds = gc.get_threshold()
    gc.set_threshold(*COMMAND_GC_THRESHOLDS)
    try:
        return _run(args)
    finally:
        gc.set_threshold(*thresholds)


def _run(args: list[str]) -> int:
    from monitor.ops.logs import mask

    debug = "--debug" in args
    try:
        code = cli.main(args=list(args), prog_name="monitor", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        code = EXIT_USAGE
    except click.ClickException as exc:
        exc.show()
        code = EXIT_USAGE
    except DataError as exc:
        click.echo(mask(f"{'错误：' if exc.chinese else 'error: '}{exc.report()}"), err=True)
        code = EXIT_USAGE
    except MonitorError as exc:
        click.echo(mask(f"error: {exc}"), err=True)
        code = EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - the last line of defence for people at a terminal
        if debug:  # the traceback, masked like every log line
            import traceback

            click.echo(mask(traceback.format_exc()).rstrip("\n"), err=True)
        else:
            click.echo(mask(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)"),
                       err=True)
        code = EXIT_INTERNAL
    return code or 0


def _register() -> None:
    from monitor.cli import actuals, alerts, check, config, daemon, ops, plans

    cli.add_command(config.init)
    cli.add_command(config.config)
    cli.add_command(plans.plans)
    cli.add_command(actuals.actuals)
    cli.add_command(check.check)
    cli.add_command(daemon.run)
    cli.add_command(daemon.digest)
    cli.add_command(ops.status)
    cli.add_command(ops.health)
    for group in (alerts.rules, alerts.silence, alerts.receivers, alerts.notify, alerts.outbox):
        cli.add_command(group)
    from monitor.cli.inbox import inbox
    cli.add_command(inbox)
    from monitor.cli.reminders import reminders
    cli.add_command(reminders)
    from monitor.cli.review import review
    cli.add_command(review)
    from monitor.cli.report import report
    cli.add_command(report)


_register()
