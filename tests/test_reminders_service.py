"""The reminders job against a real database (SQLite and PostgreSQL), with log channels as receivers."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from monitor import service
from monitor.alerts.receivers import LogConfig, Receiver, ReceiversFile, log_only
from monitor.alerts.routing import Route
from monitor.channels.log import LogChannel
from monitor.delivery.deliver import deliver_due
from monitor.errors import MonitorError
from monitor.jobs import JobContext, run_recorded
from monitor.messages.render import Renderer
from monitor.notify import AlertConfig
from monitor.plans.loader import plan_files_in, read_plan_files
from monitor.reminders import service as reminders
from monitor.reminders.store import ConcurrentReminders
from monitor.settings import ReminderSettings, Settings
from monitor.storage import plan_store
from monitor.storage.tables import job_runs, outbox, reminder_notices
from tests.conftest import PLANS_DIR

SHANGHAI = ZoneInfo("Asia/Shanghai")
LOADED = datetime(2025, 1, 2, tzinfo=timezone.utc)
FOURTEENTH = ("chengkou-14th-sti", "xiushan-14th-sti")  # the counts below are theirs


class Clock:
    def __init__(self, day: date) -> None:
        self.at(day)

    def at(self, day: date) -> None:
        self.now = datetime(day.year, day.month, day.day, 9, 30, tzinfo=SHANGHAI)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def county_data(engine, tmp_path):
    """Both 十四五 plans cut to their first two indicators, with every figure of 2021–2023 reported."""
    plans = [f.plan for f in read_plan_files(plan_files_in(PLANS_DIR)) if f.plan.id in FOURTEENTH]
    lines = ["地区,指标,期间,数值"]
    with engine.begin() as conn:
        for plan in plans:
            cut = plan.model_copy(update={"indicators": plan.indicators[:2]})
            plan_store.save_plan(conn, cut, None, LOADED)
            lines += [f"{plan.region.code},{ind.id},{year},1" for ind in cut.indicators for year in (2021, 2022, 2023)]
    report(engine, tmp_path, lines)
    return engine


def report(engine, folder, lines: list[str]) -> None:
    path = folder / f"报送{len(list(folder.glob('*.csv')))}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    service.import_actuals(engine, path, LOADED)


def context(engine, clock: Clock, receivers: ReceiversFile | None = None, **reminder_settings) -> JobContext:
    receivers = receivers or log_only()
    config = AlertConfig(rules=[], receivers=receivers, renderer=Renderer(), tz=SHANGHAI)
    channels = {r.name: LogChannel(stream=io.StringIO()) for r in receivers.receivers}
    settings = Settings(database_url="sqlite://", timezone="Asia/Shanghai",
                        reminders=ReminderSettings(**reminder_settings))
    return JobContext(engine, settings, config, channels, clock=clock)


def queued(engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(outbox).order_by(outbox.c.id)).all()
    return [{**r._mapping, "text": json.loads(r.message)["text"]} for r in rows]


def notices(engine) -> dict[tuple[str, str, str], dict]:
    with engine.connect() as conn:
        return {(r.region_code, r.indicator_id, r.period): dict(r._mapping)
                for r in conn.execute(select(reminder_notices))}


def per_county() -> ReceiversFile:
    """Each county's group gets its own reminders; the municipal office is the digest receiver."""
    return ReceiversFile(
        receivers=[Receiver(name=n, log=LogConfig()) for n in ("chengkou", "xiushan", "city")],
        route=Route(receiver="city", routes=[Route(receiver="chengkou", matchers={"region": "城口县"}),
                                             Route(receiver="xiushan", matchers={"region_code": "500241"})]),
        digest_receivers=["city"])


def test_the_first_run_queues_one_message_per_county_with_its_late_figures(county_data):
    ctx = context(county_data, Clock(date(2025, 7, 1)))

    summary = reminders.send_reminders(ctx)

    assert summary == "4 reminders in 2 messages; 0 escalated"
    rows = queued(county_data)
    assert [(r["receiver"], r["kind"], r["status"]) for r in rows] == [("log", "submission", "pending")] * 2
    assert rows[0]["title"] == "【报送提醒】城口县 2 项指标数据待报送（已逾期 2 项）"
    assert ("2024 年（截止日期 2025-06-30，已逾期 1 天）：全社会研究与试验发展经费支出、"
            "全社会研究与试验发展经费支出占地区生产总值比重") in rows[0]["text"]
    assert rows[1]["title"].startswith("【报送提醒】秀山土家族苗族自治县 2 项")
    assert len(json.loads(rows[0]["fingerprints"])) == 2
    stored = notices(county_data)
    assert set(stored) == {("500229", "rd_expenditure", "2024"), ("500229", "rd_intensity", "2024"),
                           ("500241", "sti_progress_rank", "2024"), ("500241", "rd_intensity", "2024")}
    assert {(n["step"], n["sent_count"], n["due_on"]) for n in stored.values()} == {("due", 1, date(2025, 6, 30))}


def test_running_twice_the_same_day_queues_nothing_new(county_data):
    clock = Clock(date(2025, 7, 1))
    reminders.send_reminders(context(county_data, clock))
    before = (queued(county_data), notices(county_data))

    clock.now += timedelta(hours=8)
    again = reminders.send_reminders(context(county_data, clock))

    assert again == "no reminders due"
    assert (queued(county_data), notices(county_data)) == before


def test_a_week_later_the_grace_reminder_goes_and_a_figure_reported_meanwhile_is_left_out(county_data, tmp_path):
    clock = Clock(date(2025, 7, 1))
    reminders.send_reminders(context(county_data, clock))
    report(county_data, tmp_path, ["地区,指标,期间,数值", "城口县,rd_expenditure,2024,0.21"])

    clock.at(date(2025, 7, 7))
    summary = reminders.send_reminders(context(county_data, clock))

    assert summary == "3 reminders in 2 messages; 0 escalated"
    chengkou = queued(county_data)[2]
    assert chengkou["title"] == "【报送提醒】城口县 1 项指标数据待报送（已逾期 1 项）"
    assert "已逾期 7 天）：全社会研究与试验发展经费支出占地区生产总值比重" in chengkou["text"]
    stored = notices(county_data)
    assert stored[("500229", "rd_intensity", "2024")]["step"] == "grace"
    assert stored[("500229", "rd_intensity", "2024")]["sent_count"] == 2
    assert stored[("500229", "rd_expenditure", "2024")]["sent_count"] == 1


def test_reminders_follow_the_routes_and_escalate_to_the_digest_receivers_once(county_data):
    clock = Clock(date(2025, 6, 27))
    receivers: list[list[str]] = []
    for day in (date(2025, 6, 27), date(2025, 6, 30), date(2025, 7, 7), date(2025, 7, 14)):
        clock.at(day)
        seen = len(queued(county_data))
        reminders.send_reminders(context(county_data, clock, per_county(), escalate_after=1))
        receivers.append([r["receiver"] for r in queued(county_data)[seen:]])

    assert receivers == [["chengkou", "xiushan"],  # before
                         ["chengkou", "xiushan"],  # due: one reminder sent, but not late yet
                         ["chengkou", "city", "city", "xiushan"],  # grace: late, escalated, one message per county
                         ["chengkou", "xiushan"]]  # repeat: the digest receivers are told once
    escalation = [r for r in queued(county_data) if r["receiver"] == "city"][0]
    assert "【已抄报】" in escalation["text"] and "已逾期 7 天" in escalation["text"]
    assert all(n["escalated_at"] is not None for n in notices(county_data).values())


def test_an_exempted_figure_gets_no_reminder_and_the_exemption_can_be_reworded(county_data):
    now = datetime(2025, 6, 1, tzinfo=timezone.utc)
    first = reminders.exempt(county_data, "城口", "全社会研发经费投入", "2024", "统计口径调整", "张三", now)
    second = reminders.exempt(county_data, "500229", "rd_expenditure", "2024", "统计口径调整，免报", None, now)

    summary = reminders.send_reminders(context(county_data, Clock(date(2025, 7, 1))))

    assert (first.new, second.new, first.figure.due_on) == (True, False, date(2025, 6, 30))
    assert summary == "3 reminders in 2 messages; 0 escalated"
    assert ("500229", "rd_expenditure", "2024") not in notices(county_data)
    listed = reminders.outstanding_figures(county_data, context(county_data, Clock(date(2025, 7, 1))).settings,
                                           date(2025, 7, 1), ["500229"])
    assert [(o.figure.indicator_id, o.exemption.reason if o.exemption else None) for o in listed] == [
        ("rd_expenditure", "统计口径调整，免报"), ("rd_intensity", None)]


REFUSALS = [
    (("北京", "rd_expenditure", "2024"), "没有覆盖地区“北京”的规划"),
    (("城口县", "rd_expenditur", "2024"), "城口县的规划中没有指标“rd_expenditur”，是否指：rd_expenditure"),
    (("城口县", "rd_expenditure", "2024Q2"), "按年报送，报告期应在 2021–2025 之间"),
    (("城口县", "rd_expenditure", "2030"), "“2030”不是其中一期"),
    (("城口县", "rd_expenditure", "去年"), "无法识别的报告期“去年”"),
    (("城口县", "rd_expenditure", "2024", " "), "请用 --reason 写明豁免原因"),
]


def test_exempt_refuses_an_unknown_region_indicator_or_period_and_says_why(county_data):
    for args, message in REFUSALS:
        reason = args[3] if len(args) > 3 else "原因"
        with pytest.raises(MonitorError, match=message):
            reminders.exempt(county_data, *args[:3], reason, None, LOADED)
    assert reminders.read_state(county_data).exemptions == {}


def test_two_runs_at_once_cannot_both_remind(county_data, monkeypatch):
    clock = Clock(date(2025, 7, 1))
    stale = reminders.read_state(county_data)  # what a second run read before the first one committed
    reminders.send_reminders(context(county_data, clock))
    before = queued(county_data)

    monkeypatch.setattr(reminders, "read_state", lambda engine: stale)
    with pytest.raises(ConcurrentReminders):
        reminders.send_reminders(context(county_data, clock))
    assert queued(county_data) == before


def test_the_digest_gets_the_late_figures_that_are_not_exempted(county_data):
    reminders.exempt(county_data, "秀山县", "rd_intensity", "2024", "口径调整", None, LOADED)
    ctx = context(county_data, Clock(date(2025, 7, 15)))

    missing = reminders.outstanding(ctx, date(2025, 7, 15))

    assert missing == [
        {"region_name": "城口县", "indicator_name": "全社会研究与试验发展经费支出", "period": "2024",
         "due_date": "2025-06-30", "days_overdue": 15},
        {"region_name": "城口县", "indicator_name": "全社会研究与试验发展经费支出占地区生产总值比重", "period": "2024",
         "due_date": "2025-06-30", "days_overdue": 15},
        {"region_name": "秀山土家族苗族自治县", "indicator_name": "科技进步综合水平位次", "period": "2024",
         "due_date": "2025-06-30", "days_overdue": 15},
    ]
    assert reminders.outstanding(ctx, date(2025, 6, 30)) == []  # due today is not late


def test_the_recorded_job_run_keeps_the_summary_and_delivery_prints_the_message(county_data):
    ctx = context(county_data, Clock(date(2025, 7, 1)))

    summary = run_recorded(ctx, "reminders", reminders.send_reminders)
    report_ = deliver_due(county_data, ctx.channels, ctx.clock)

    with county_data.connect() as conn:
        runs = conn.execute(select(job_runs.c.job_id, job_runs.c.outcome, job_runs.c.detail)).all()
        pending = conn.execute(select(func.count()).select_from(outbox).where(outbox.c.status == "pending")).scalar()
    assert [tuple(r) for r in runs] == [("reminders", "ok", summary)]
    assert (report_.sent, pending) == (2, 0)
    printed = ctx.channels["log"].stream.getvalue()
    assert "【报送提醒】城口县 2 项指标数据待报送（已逾期 2 项）" in printed and "秀山土家族苗族自治县" in printed
