"""Crontab strings of ``MONITOR_SCHEDULE__*`` as APScheduler 3.x triggers; the daemon and `monitor status` share them.

Accepted: five fields ``minute hour day month day_of_week`` or six with seconds first
``second minute hour day month day_of_week``, each in APScheduler's cron syntax (``*``, ``*/15``, ``1-5``,
``9,12``, month and weekday names).

Two differences from APScheduler's own ``CronTrigger.from_crontab``, both to follow crontab(5):

- Numeric weekdays are crontab numbers: 0 and 7 are Sunday, 1 is Monday … 6 is Saturday. APScheduler 3.x counts
  0 as Monday (its issue 286), so ``0 9 * * 1-5`` would otherwise run Tuesday to Saturday. Numbers are turned into
  names (``1-5`` → ``mon,tue,wed,thu,fri``); names such as ``mon-fri`` are passed through unchanged.
- Six fields are accepted (seconds first), for sub-minute jobs such as the outbox delivery.

One difference remains: when both the day of month and the day of week are restricted, a time must match both
(``0 9 1-7 * mon`` is the first Monday of the month), where crontab(5) would take either.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from monitor.errors import ConfigError

WEEKDAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")  # crontab numbers 0-7
FIELDS_5 = ("minute", "hour", "day", "month", "day_of_week")
FIELDS_6 = ("second", *FIELDS_5)


def parse_cron(text: str, tz: tzinfo | str) -> CronTrigger:
    """A trigger for ``text`` (5 or 6 fields) in ``tz``; ValueError saying what is wrong otherwise."""
    values = text.split() if isinstance(text, str) else []
    if len(values) not in (5, 6):
        raise ValueError(f"{text!r} has {len(values)} fields; write 5 (minute hour day month weekday) "
                         "or 6 with seconds first")
    fields = dict(zip(FIELDS_6 if len(values) == 6 else FIELDS_5, values))
    fields["day_of_week"] = crontab_weekdays(fields["day_of_week"])
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    try:
        return CronTrigger(timezone=zone, **fields)
    except ValueError as exc:
        raise ValueError(f"{text!r}: {exc}") from exc


def crontab_weekdays(text: str) -> str:
    """The weekday field with crontab numbers (0/7 Sunday) written as names, which APScheduler reads correctly."""
    out: list[str] = []
    for token in text.lower().split(","):
        body, _, step_text = token.partition("/")
        if not any(ch.isdigit() for ch in body) and not (body == "*" and step_text):
            out.append(token)  # *, names, name ranges (with or without a step)
            continue
        step = _number(step_text, text) if step_text else 1
        if step < 1:
            raise ValueError(f"weekday field {text!r}: the step must be at least 1")
        if body == "*":
            first, last = 0, 6
        elif "-" in body:
            low, high = body.split("-", 1)
            first, last = _number(low, text), _number(high, text)
        else:
            first = _number(body, text)
            last = first if not step_text else 7
        if not 0 <= first <= last <= 7:
            raise ValueError(f"weekday field {text!r}: use 0-7 (0 and 7 are Sunday) with the lower number first")
        for number in range(first, last + 1, step):
            name = WEEKDAY_NAMES[number]
            if name not in out:
                out.append(name)
    return ",".join(out)


def _number(part: str, field: str) -> int:
    if not part.isdigit():
        raise ValueError(f"weekday field {field!r}: {part!r} is neither a number 0-7 nor a name such as mon "
                         "(do not mix names and numbers in one range)")
    return int(part)


def next_fire_time(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The first fire time at or after ``now`` (aware), in the trigger's zone; None when it never fires again."""
    return trigger.get_next_fire_time(None, now)


def schedule_triggers(schedule: object, tz: tzinfo | str, job_ids: tuple[str, ...]) -> dict[str, CronTrigger]:
    """A trigger per job from ``settings.schedule``; ConfigError naming the MONITOR_SCHEDULE__ variable."""
    triggers = {}
    for job_id in job_ids:
        text = getattr(schedule, job_id)
        try:
            triggers[job_id] = parse_cron(text, tz)
        except ValueError as exc:
            raise ConfigError(f"MONITOR_SCHEDULE__{job_id.upper()}: {exc}") from exc
    return triggers
