"""Reminders in the database: what each figure has been reminded of (reminder_notices), the exemptions
(reminder_exemptions), and which figures have been reported (current rows of observations)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy import Connection, insert, select, update

from monitor.errors import MonitorError
from monitor.reminders.expected import Figure, FigureKey
from monitor.reminders.ladder import Previous, Reminder
from monitor.storage.tables import observations, reminder_exemptions, reminder_notices


class ConcurrentReminders(MonitorError):
    """Another run recorded a reminder for the same figure meanwhile; this run's transaction is rolled back."""


@dataclass(frozen=True)
class Notice:
    """A row of reminder_notices: the last rung sent about one figure, and how many reminders so far."""

    key: FigureKey
    due_on: date
    step: str
    sent_count: int
    first_sent_at: datetime
    last_sent_at: datetime
    escalated_at: datetime | None

    def previous(self, tz: tzinfo) -> Previous:
        """As the ladder reads it: the day of the last reminder where the figure's deadlines are kept."""
        return Previous(self.step, self.sent_count, self.last_sent_at.astimezone(tz).date(),
                        self.escalated_at is not None)


@dataclass(frozen=True)
class Exemption:
    key: FigureKey
    reason: str
    author: str | None
    created_at: datetime


def reported_figures(conn: Connection) -> set[FigureKey]:
    """(region_code, indicator_id, period) of every figure with a current value."""
    o = observations
    query = select(o.c.region_code, o.c.indicator_id, o.c.period).where(o.c.is_current.is_(True)).distinct()
    return {(r.region_code, r.indicator_id, r.period) for r in conn.execute(query)}


def notices(conn: Connection) -> dict[FigureKey, Notice]:
    n = reminder_notices
    return {
        (r.region_code, r.indicator_id, r.period): Notice(
            (r.region_code, r.indicator_id, r.period), r.due_on, r.step, r.sent_count, r.first_sent_at,
            r.last_sent_at, r.escalated_at)
        for r in conn.execute(select(n))
    }


def exemptions(conn: Connection) -> dict[FigureKey, Exemption]:
    e = reminder_exemptions
    return {
        (r.region_code, r.indicator_id, r.period): Exemption(
            (r.region_code, r.indicator_id, r.period), r.reason, r.author, r.created_at)
        for r in conn.execute(select(e))
    }


def record_reminder(conn: Connection, figure: Figure, reminder: Reminder, before: Notice | None,
                    now: datetime) -> None:
    """Store that ``reminder`` was queued about ``figure`` (in the transaction that queues the message).

    The update only applies when the row is still as it was read (same sent_count), and a first reminder is an
    insert that the primary key keeps unique, so two runs at once cannot both remind: the second one fails and
    rolls back.
    """
    n = reminder_notices
    values: dict[str, object] = {"due_on": figure.due_on, "step": reminder.step, "last_sent_at": now}
    if reminder.escalate:
        values["escalated_at"] = now
    if before is None:
        conn.execute(insert(n).values(region_code=figure.region_code, indicator_id=figure.indicator_id,
                                      period=figure.period, sent_count=1, first_sent_at=now, **values))
        return
    changed = conn.execute(
        update(n).where(n.c.region_code == figure.region_code, n.c.indicator_id == figure.indicator_id,
                        n.c.period == figure.period, n.c.sent_count == before.sent_count)
        .values(sent_count=before.sent_count + 1, **values)).rowcount
    if changed != 1:
        raise ConcurrentReminders(f"another run reminded {figure.region_code} {figure.indicator_id} "
                                  f"{figure.period} meanwhile; nothing was queued by this run")


def save_exemption(conn: Connection, key: FigureKey, reason: str, author: str | None, now: datetime) -> bool:
    """Exempt a figure from reminders; True when new, False when an earlier exemption was replaced."""
    e = reminder_exemptions
    region_code, indicator_id, period = key
    where = (e.c.region_code == region_code, e.c.indicator_id == indicator_id, e.c.period == period)
    changed = conn.execute(update(e).where(*where).values(reason=reason, author=author, created_at=now)).rowcount
    if changed:
        return False
    conn.execute(insert(e).values(region_code=region_code, indicator_id=indicator_id, period=period,
                                  reason=reason, author=author, created_at=now))
    return True
