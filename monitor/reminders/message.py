"""Submission reminders as notifications for the renderer (kind ``submission``). Pure: no I/O, no Jinja2.

Each late figure becomes an :class:`~monitor.alerts.model.Alert` with the labels routes match on (plan, region,
region_code, indicator, kind=submission, severity=warning, plus period and rule), so a plain webhook receives
Alertmanager-shaped alerts. Its ``assessment`` carries what the templates show (docs/reminders.md lists the
keys): indicator and period, ``due_date``, ``days_overdue``, ``days_left``, ``step``, ``number`` and
``escalated``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from monitor.alerts.model import Alert, fingerprint
from monitor.core.periods import ANNUAL, QUARTERLY, parse_period
from monitor.messages.model import AlertItem, Notification
from monitor.reminders.expected import Figure
from monitor.reminders.ladder import BEFORE, DUE, GRACE, REPEAT, Reminder

KIND = "submission"
SEVERITY = "warning"
RULE = "submission"
_QUARTERS = "一二三四"


def period_text(label: str) -> str:
    """A period in words: 2024 → 2024 年, 2024Q2 → 2024 年第二季度, 2024-06 → 2024 年 6 月."""
    period = parse_period(label)
    if period.freq == ANNUAL:
        return f"{period.year} 年"
    if period.freq == QUARTERLY:
        return f"{period.year} 年第{_QUARTERS[period.number - 1]}季度"
    return f"{period.year} 年 {period.number} 月"


def labels_of(figure: Figure) -> dict[str, str]:
    """The labels routes and silences see: those of the alerts plus period and rule."""
    return {"plan": figure.plan_id, "region": figure.region_name, "region_code": figure.region_code,
            "indicator": figure.indicator_id, "kind": KIND, "severity": SEVERITY, "period": figure.period,
            "rule": RULE}


def figure_fingerprint(figure: Figure) -> str:
    return fingerprint(figure.plan_id, figure.region_code, figure.indicator_id, f"{RULE}:{figure.period}")


def summary_of(figure: Figure, today: date) -> str:
    head = f"{figure.indicator_name} {period_text(figure.period)}数据"
    late = figure.days_overdue(today)
    if late:
        return f"{head}应于 {figure.due_on.isoformat()} 前报送，已逾期 {late} 天"
    if figure.due_on == today:
        return f"{head}今天截止报送"
    return f"{head}应于 {figure.due_on.isoformat()} 前报送，还有 {figure.days_left(today)} 天"


def submission_item(figure: Figure, reminder: Reminder, today: date, now: datetime) -> AlertItem:
    """The figure and today's reminder as an item of a ``submission`` notification; ``now`` is aware."""
    record: dict[str, Any] = {
        "plan_id": figure.plan_id, "region_code": figure.region_code, "region_name": figure.region_name,
        "indicator_id": figure.indicator_id, "indicator_name": figure.indicator_name, "unit": figure.unit,
        "period": figure.period, "period_text": period_text(figure.period), "position": figure.position,
        "status": "no_data", "severity": SEVERITY, "due_date": figure.due_on.isoformat(),
        "days_overdue": figure.days_overdue(today), "days_left": figure.days_left(today), "step": reminder.step,
        "number": reminder.number, "escalated": reminder.escalate,
    }
    alert = Alert(figure_fingerprint(figure), RULE, SEVERITY, summary_of(figure, today), labels_of(figure), record)
    late_from = datetime.combine(figure.due_on + timedelta(days=1), time(), tzinfo=now.tzinfo)
    return AlertItem(alert, "firing", late_from, new=reminder.number == 1)


def submission_notification(receiver: str, region_name: str, items: list[AlertItem], now: datetime,
                            today: date) -> Notification:
    """One message to ``receiver`` about one region's figures."""
    kind: Any = KIND  # monitor.messages.model.Kind lists the alert kinds only
    return Notification(kind=kind, receiver=receiver, group_labels={"region": region_name}, items=items, now=now,
                        extra={"as_of": today})


def sample_notification() -> Notification:
    """A realistic reminder for 城口县 that exercises every branch of the templates (validate_templates)."""
    tz = ZoneInfo("Asia/Shanghai")
    now = datetime(2025, 7, 15, 9, 30, tzinfo=tz)
    today = now.date()

    def figure(indicator_id: str, name: str, unit: str, position: int, period: str, due_on: date) -> Figure:
        return Figure("chengkou-14th-sti", "500229", "城口县", indicator_id, name, unit, position, period, due_on)

    cases = [
        (figure("incubation_platforms", "孵化平台数", "个", 8, "2024", date(2025, 6, 30)),
         Reminder(REPEAT, date(2025, 7, 14), 4, True)),
        (figure("rd_expenditure", "全社会研究与试验发展经费支出", "亿元", 0, "2024", date(2025, 6, 30)),
         Reminder(GRACE, date(2025, 7, 7), 2, False)),
        (figure("sti_projects", "开展科技项目", "项", 12, "2025Q2", date(2025, 7, 15)),
         Reminder(DUE, date(2025, 7, 15), 2, False)),
        (figure("tech_smes", "科技型中小企业", "家", 5, "2025-06", date(2025, 7, 18)),
         Reminder(BEFORE, date(2025, 7, 15), 1, False)),
    ]
    items = [submission_item(f, r, today, now) for f, r in cases]
    return submission_notification("城口县科技局", "城口县", items, now, today)
