"""The reminder ladder, day by day: what a late figure is sent, and what it is not (pure, no database)."""

from __future__ import annotations

import ast
from datetime import date, timedelta
from pathlib import Path

import pytest

from monitor.reminders.expected import expected_figures
from monitor.reminders.ladder import BEFORE, DUE, GRACE, REPEAT, Ladder, Previous, Reminder, decide
from monitor.plans.model import Plan
from tests.conftest import PLANS_DIR

DUE_MONDAY = date(2025, 6, 30)  # the 2024 annual figures (181 days), a Monday
DUE_SATURDAY = date(2024, 6, 29)  # the 2023 annual figures (2024 is a leap year), a Saturday


def days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def simulate(ladder: Ladder, due_on: date, start: date, end: date, *, down: tuple[date, date] | None = None,
             exempt: bool = False) -> list[tuple[date, str, int, bool]]:
    """Run the daily job from ``start`` to ``end`` (not on the days in ``down``), keeping what was sent as the
    service does; returns (day, step, number, escalated) of every reminder."""
    sent: list[tuple[date, str, int, bool]] = []
    previous: Previous | None = None
    for day in days(start, end):
        if down and down[0] <= day <= down[1]:
            continue
        reminder = decide(ladder, due_on, day, previous, exempt=exempt)
        if reminder is None:
            continue
        sent.append((day, reminder.step, reminder.number, reminder.escalate))
        escalated = reminder.escalate or (previous is not None and previous.escalated)
        previous = Previous(reminder.step, reminder.number, day, escalated)
    return sent


def test_a_late_figure_gets_exactly_the_reminders_of_its_ladder_over_a_month():
    sent = simulate(Ladder(), DUE_MONDAY, date(2025, 6, 15), date(2025, 7, 31))

    assert sent == [
        (date(2025, 6, 27), BEFORE, 1, False),
        (date(2025, 6, 30), DUE, 2, False),
        (date(2025, 7, 7), GRACE, 3, False),
        (date(2025, 7, 14), REPEAT, 4, True),  # after 3 reminders the digest receivers are told too
        (date(2025, 7, 21), REPEAT, 5, False),
        (date(2025, 7, 28), REPEAT, 6, False),
    ]


def test_the_settings_move_every_rung():
    ladder = Ladder(before_days=5, grace_days=3, every_days=14, escalate_after=1)
    sent = simulate(ladder, DUE_MONDAY, date(2025, 6, 1), date(2025, 8, 10))

    assert sent == [
        (date(2025, 6, 25), BEFORE, 1, False),
        (date(2025, 6, 30), DUE, 2, False),  # escalate_after is met, but the figure is not late yet
        (date(2025, 7, 3), GRACE, 3, True),
        (date(2025, 7, 28), REPEAT, 4, False),  # the first fortnightly grid day at least 14 days after 3 July
    ]


def test_repeats_of_figures_with_different_due_dates_fall_on_the_same_day():
    saturday = simulate(Ladder(), DUE_SATURDAY, date(2024, 6, 1), date(2024, 7, 31))
    monday = simulate(Ladder(), date(2024, 7, 1), date(2024, 6, 1), date(2024, 7, 31))

    assert [(d, s) for d, s, _, _ in saturday] == [
        (date(2024, 6, 26), BEFORE), (date(2024, 6, 29), DUE), (date(2024, 7, 6), GRACE),
        (date(2024, 7, 15), REPEAT), (date(2024, 7, 22), REPEAT), (date(2024, 7, 29), REPEAT)]
    assert [d for d, s, _, _ in saturday if s == REPEAT] == [d for d, s, _, _ in monday if s == REPEAT]
    assert all(d.weekday() == 0 for d, s, _, _ in saturday if s == REPEAT)


def test_a_missed_week_sends_only_the_latest_rung_not_a_burst():
    sent = simulate(Ladder(), DUE_MONDAY, date(2025, 6, 15), date(2025, 7, 20),
                    down=(date(2025, 6, 28), date(2025, 7, 8)))

    assert sent == [
        (date(2025, 6, 27), BEFORE, 1, False),
        (date(2025, 7, 9), GRACE, 2, False),  # the due rung of 30 June is skipped, not sent late with it
        (date(2025, 7, 14), REPEAT, 3, False),
    ]


def test_a_figure_first_seen_long_after_its_due_date_gets_one_reminder_then_the_repeats():
    sent = simulate(Ladder(), date(2022, 6, 30), date(2025, 7, 2), date(2025, 7, 22))

    assert sent == [(date(2025, 7, 2), REPEAT, 1, False), (date(2025, 7, 7), REPEAT, 2, False),
                    (date(2025, 7, 14), REPEAT, 3, False), (date(2025, 7, 21), REPEAT, 4, True)]


def test_running_twice_on_the_same_day_sends_nothing_the_second_time():
    first = decide(Ladder(), DUE_MONDAY, DUE_MONDAY, Previous(BEFORE, 1, date(2025, 6, 27)))
    again = decide(Ladder(), DUE_MONDAY, DUE_MONDAY, Previous(DUE, 2, DUE_MONDAY))

    assert first == Reminder(DUE, DUE_MONDAY, 2, False)
    assert again is None


def test_each_rung_is_sent_once_even_when_the_next_one_is_days_away():
    sent_days = [d for d, _, _, _ in simulate(Ladder(), DUE_MONDAY, date(2025, 6, 1), date(2025, 9, 30))]

    assert len(sent_days) == len(set(sent_days))
    assert all(later - earlier >= timedelta(days=3) for earlier, later in zip(sent_days, sent_days[1:]))


def test_the_digest_receivers_are_told_once_per_figure():
    sent = simulate(Ladder(escalate_after=2), DUE_MONDAY, date(2025, 6, 1), date(2025, 12, 31))

    assert [number for _, _, number, escalated in sent if escalated] == [3]
    assert len(sent) > 20


def test_escalate_after_zero_escalates_the_first_reminder_after_the_due_date():
    sent = simulate(Ladder(escalate_after=0), DUE_MONDAY, date(2025, 6, 1), date(2025, 7, 10))

    assert [(s, e) for _, s, _, e in sent] == [(BEFORE, False), (DUE, False), (GRACE, True)]


def test_an_exempt_figure_gets_nothing():
    assert simulate(Ladder(), DUE_MONDAY, date(2025, 6, 1), date(2025, 12, 31), exempt=True) == []


def test_without_before_and_grace_days_the_ladder_is_the_due_date_and_the_repeats():
    sent = simulate(Ladder(before_days=0, grace_days=0), DUE_MONDAY, date(2025, 6, 1), date(2025, 7, 21))

    assert [(d, s) for d, s, _, _ in sent] == [(DUE_MONDAY, DUE), (date(2025, 7, 7), REPEAT),
                                               (date(2025, 7, 14), REPEAT), (date(2025, 7, 21), REPEAT)]


def test_the_full_ladder_lists_each_rung_once():
    rungs = Ladder().rungs_until(DUE_MONDAY, date(2025, 7, 21))

    assert [(r.step, r.on) for r in rungs] == [(BEFORE, date(2025, 6, 27)), (DUE, DUE_MONDAY),
                                               (GRACE, date(2025, 7, 7)), (REPEAT, date(2025, 7, 14)),
                                               (REPEAT, date(2025, 7, 21))]


@pytest.mark.parametrize("settings", [{"every_days": 0}, {"before_days": -1}, {"grace_days": -2},
                                      {"escalate_after": -1}])
def test_settings_that_make_no_ladder_are_refused(settings):
    with pytest.raises(ValueError, match=next(iter(settings))):
        Ladder(**settings)


def test_a_figure_reported_between_two_runs_gets_no_more_reminders():
    plan = next(p for p in _plans() if p.region.name == "城口县")
    plan = plan.model_copy(update={"indicators": plan.indicators[:1]})
    key = (plan.region.code, plan.indicators[0].id, "2024")
    reported = {(plan.region.code, plan.indicators[0].id, str(year)) for year in (2021, 2022, 2023)}
    sent: list[date] = []
    previous = None
    for day in days(date(2025, 6, 20), date(2025, 8, 31)):
        if day == date(2025, 7, 10):
            reported.add(key)  # the county imports its 2024 figure
        for figure in expected_figures([plan], reported, day, Ladder().before_days):
            reminder = decide(Ladder(), figure.due_on, day, previous)
            if reminder is not None:
                sent.append(day)
                previous = Previous(reminder.step, reminder.number, day)

    assert sent == [date(2025, 6, 27), date(2025, 6, 30), date(2025, 7, 7)]


def test_the_ladder_and_expected_figures_are_pure():
    folder = Path(__file__).resolve().parents[1] / "monitor" / "reminders"
    for name in ("ladder.py", "expected.py", "message.py"):
        tree = ast.parse((folder / name).read_text(encoding="utf-8"))
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not {m for m in imported if m.split(".")[0] in ("sqlalchemy", "jinja2", "requests", "apscheduler")
                    or m in ("monitor.settings", "monitor.storage")}, name
        assert "datetime.now" not in (folder / name).read_text(encoding="utf-8"), name


def _plans() -> list[Plan]:
    from monitor.plans.loader import plan_files_in, read_plan_files

    return [f.plan for f in read_plan_files(plan_files_in(PLANS_DIR))]
