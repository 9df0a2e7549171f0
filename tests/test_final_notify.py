"""The 终期评估 through the real notify path (rules → lifecycle → outbox → log channel) on SQLite and PostgreSQL:
announced once per region and plan, never repeated, never a reminder, and a changed verdict is news."""

import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from monitor.alerts.receivers import log_only
from monitor.alerts.rules import load_rules
from monitor.delivery.channels import build_channels
from monitor.messages.render import Renderer
from monitor.notify import AlertConfig, notify
from monitor.settings import SmtpSettings
from monitor.storage.tables import outbox
from tests.phase_frames import CHENGKOU_15, XIUSHAN, final, frame, in_progress

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 7, 15, 1, 0, tzinfo=timezone.utc)
NAMES = {"rd_intensity": "研究与试验发展经费投入强度", "high_tech": "国家高新技术企业数", "projects": "开展科技项目",
         "platforms": "孵化平台数"}


def assessment(platforms: str = "no_data"):
    chengkou = [final("missed"), final("achieved", indicator_id="high_tech", indicator_name=NAMES["high_tech"]),
                final("achieved", indicator_id="projects", indicator_name=NAMES["projects"], binding="binding"),
                final(platforms, indicator_id="platforms", indicator_name=NAMES["platforms"])]
    xiushan = [final("achieved", **XIUSHAN)]
    successor = [in_progress(**CHENGKOU_15, period="2026", target_year=2030)]
    return frame(*chengkou, *xiushan, *successor)


@pytest.fixture
def run(engine):
    config = AlertConfig(load_rules(ROOT / "rules"), log_only(), Renderer())
    stream = io.StringIO()
    channels = build_channels(config.receivers, SmtpSettings(), {}, log_stream=stream)

    def once(at: datetime, data=None):
        result, report = notify(engine, None, assessment() if data is None else data, lambda: at,
                                config=config, channels=channels)
        return [(planned.kind, message) for planned, message in result.messages], report

    return once


def test_the_final_review_is_announced_once_per_region_and_plan_and_never_again(run, engine):
    sent, report = run(T0)
    kinds = sorted(kind for kind, _ in sent)
    assert kinds == ["final", "final", "firing"]
    assert report.sent == 3
    finals = {m.title: m for kind, m in sent if kind == "final"}
    chengkou = next(m for t, m in finals.items() if "chengkou-14th-sti" in t)
    assert chengkou.title == "【终期评估】城口县《chengkou-14th-sti》2025 年目标完成 2 项，未完成 1 项，未报送 1 项"
    assert "指标完成率 66.7%（完成 2 项 ÷ 已评估 3 项）" in chengkou.text
    assert "约束性指标 1 项全部完成" in chengkou.text
    assert "研究与试验发展经费投入强度（2025）" in chengkou.text and "完成率 52.5%" in chengkou.text
    assert "2025 年数据逾期未报（应于 2026-06-30 前报送）；最近一次（2024 年）基本达到，需加快" in chengkou.text
    pace = next(m for kind, m in sent if kind == "firing")
    assert "研究与试验发展经费投入强度" in pace.text and "未完成" not in pace.text  # the 十五五 row only
    later = {days: [kind for kind, _ in run(T0 + timedelta(days=days))[0]] for days in (1, 8, 15, 40, 80)}
    # the pace alert of the running plan gets its reminders (behind-pace: every 14 days); the verdicts never do
    assert later == {1: [], 8: [], 15: ["reminder"], 40: ["reminder"], 80: ["reminder"]}
    with engine.connect() as conn:
        kinds = list(conn.execute(select(outbox.c.kind)).scalars())
    assert kinds.count("final") == 2


def test_a_late_final_figure_that_arrives_is_announced_as_an_update(run):
    run(T0)
    sent, _ = run(T0 + timedelta(days=20), assessment(platforms="achieved"))
    finals = [m for kind, m in sent if kind == "final"]
    assert len(finals) == 1
    assert finals[0].title.startswith("【终期评估·更新】") and "完成 3 项，未完成 1 项" in finals[0].title
    assert "孵化平台数" in finals[0].text and "【新】" not in finals[0].text.split("已完成")[0]
    assert run(T0 + timedelta(days=21), assessment(platforms="achieved"))[0] == []
