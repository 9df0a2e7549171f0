"""The reminder ladder of one figure: which reminder, if any, it gets today. Pure: dates in, a decision out.

The rungs of a figure due on day D (settings MONITOR_REMINDERS__*):

=========  ===========================================  ==========================================
step       on                                           says
=========  ===========================================  ==========================================
before     D - before_days (none when before_days = 0)  due in N days
due        D                                            due today
grace      D + grace_days (none when grace_days = 0)    N days late
repeat     every every_days on the repeat grid          N days late, again
=========  ===========================================  ==========================================

The repeat grid is every ``every_days`` days counted from Monday 2024-01-01 (``REPEAT_EPOCH``): every Monday
with the default 7. The first repeat is the first grid day at least ``every_days`` after the grace rung (after D
when grace_days = 0). A fixed grid puts the repeats of all of a county's late figures on the same day, so they
come in one message a week, although their due dates differ (the 2023 annual figures are due on 29 June because
2024 is a leap year, the others on 30 June). For a figure due on a Monday the ladder is exactly D - 3, D, D + 7,
D + 14, D + 21, …

Rules:

- Each rung is sent at most once: a rung is due when its day has come and nothing was sent on or after it.
- Only the latest rung whose day has come is sent. A daemon that was down from D-1 to D+8 sends the grace
  reminder on D+8, not the due and the grace reminder together; a figure first noticed long after D gets one
  reminder, not the whole ladder. Rungs on the same day count as one (the later step wins).
- Escalation: once ``escalate_after`` reminders have gone out and the figure is late (past D), the next reminder
  also goes to the digest receivers. This happens once per figure; afterwards the weekly digest keeps the
  digest receivers informed, and the county's own group keeps getting the repeats. ``escalate_after = 0``
  escalates the first reminder sent after the due date.
- An exempted figure gets nothing; a reported figure is no longer expected, so its ladder stops.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

BEFORE, DUE, GRACE, REPEAT = "before", "due", "grace", "repeat"
STEPS = (BEFORE, DUE, GRACE, REPEAT)
REPEAT_EPOCH = date(2024, 1, 1)  # a Monday: the repeat grid counts from it


@dataclass(frozen=True)
class Rung:
    step: str
    on: date


@dataclass(frozen=True)
class Previous:
    """What was sent about the figure before (a row of reminder_notices, its times as local dates)."""

    step: str
    sent_count: int
    last_sent_on: date
    escalated: bool = False


@dataclass(frozen=True)
class Reminder:
    """The reminder a figure gets today."""

    step: str
    rung_on: date  # the day of the rung; earlier than today when the daemon missed it
    number: int  # 1 for the first reminder about the figure
    escalate: bool  # also tell the digest receivers


@dataclass(frozen=True)
class Ladder:
    """The settings of the ladder (monitor.settings.ReminderSettings), checked."""

    before_days: int = 3
    grace_days: int = 7
    every_days: int = 7
    escalate_after: int = 3

    def __post_init__(self) -> None:
        for name in ("before_days", "grace_days", "escalate_after"):
            if getattr(self, name) < 0:
                raise ValueError(f"reminders.{name} must not be negative, not {getattr(self, name)}")
        if self.every_days < 1:
            raise ValueError(f"reminders.every_days must be at least 1, not {self.every_days}")

    def first_rung(self, due_on: date) -> Rung:
        return Rung(BEFORE, due_on - timedelta(days=self.before_days)) if self.before_days else Rung(DUE, due_on)

    def latest_rung(self, due_on: date, today: date) -> Rung | None:
        """The last rung whose day has come by ``today``; None before the first one."""
        first = self.first_rung(due_on)
        if today < first.on:
            return None
        if today < due_on:
            return first
        anchor = Rung(GRACE, due_on + timedelta(days=self.grace_days)) if self.grace_days else Rung(DUE, due_on)
        if today < anchor.on:
            return Rung(DUE, due_on)
        first_repeat = self.grid_day_from(anchor.on + timedelta(days=self.every_days))
        if today < first_repeat:
            return anchor
        repeats = (today - first_repeat).days // self.every_days
        return Rung(REPEAT, first_repeat + timedelta(days=repeats * self.every_days))

    def grid_day_from(self, day: date) -> date:
        """The first day of the repeat grid on or after ``day``."""
        return day + timedelta(days=-(day - REPEAT_EPOCH).days % self.every_days)

    def rungs_until(self, due_on: date, today: date) -> list[Rung]:
        """Every rung up to ``today``, in order: the full ladder, for people and tests."""
        out: list[Rung] = []
        day = self.first_rung(due_on).on
        while day <= today:
            rung = self.latest_rung(due_on, day)
            if rung is not None and (not out or out[-1] != rung):
                out.append(rung)
            day += timedelta(days=1)
        return out


def decide(ladder: Ladder, due_on: date, today: date, previous: Previous | None = None, *,
           exempt: bool = False) -> Reminder | None:
    """The reminder the figure due on ``due_on`` gets today, or None."""
    if exempt:
        return None
    rung = ladder.latest_rung(due_on, today)
    if rung is None:
        return None
    if previous is not None and previous.last_sent_on >= rung.on:
        return None  # this rung (or a later one, under other settings) was sent already
    sent = previous.sent_count if previous is not None else 0
    escalate = (previous is None or not previous.escalated) and sent >= ladder.escalate_after and today > due_on
    return Reminder(rung.step, rung.on, sent + 1, escalate)
