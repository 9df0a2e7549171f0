"""`monitor reminders list|exempt|send` end to end, with the sample actuals and the log channel."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, select

from monitor.storage.tables import job_runs
from tests.cli_runner import loaded_monitor


@pytest.fixture
def monitor(capsys, monkeypatch, database_url, tmp_path):
    return loaded_monitor(capsys, monkeypatch, database_url, tmp_path)


def titles(out: str) -> list[str]:
    """The titles of the blocks the log channel printed (each block: rule, title, time, text, rule)."""
    blocks = [b.strip() for b in out.split("─" * 40)]
    return [b.splitlines()[0] for b in blocks if b.startswith("【报送提醒】")]


def test_list_shows_each_outstanding_figure_with_its_due_date_and_days_late(monitor):
    result = monitor("reminders", "list", "--as-of", "2025-07-15", "--region", "城口")

    assert result.code == 0, result.err
    row = next(line for line in result.out.splitlines() if "孵化平台数" in line and "2024 年" in line)
    assert "2025-06-30" in row and "15 天" in row
    assert "秀山" not in result.out
    total, late = map(int, re.search(r"截至 2025-07-15：未报送 (\d+) 项，其中已逾期 (\d+) 项、豁免 0 项",
                                     result.out).groups())
    assert total == late > 0


def test_an_exempted_figure_shows_its_reason_and_author_in_the_list(monitor):
    exempted = monitor("reminders", "exempt", "城口县", "孵化平台数", "2024", "--reason", "当年未开展统计",
                       "--author", "张三")
    listed = monitor("reminders", "list", "--as-of", "2025-07-15", "--region", "500229")

    assert exempted.code == 0, exempted.err
    assert exempted.out.strip() == "已豁免：城口县 孵化平台数（2024 年，截止日期 2025-06-30），原因：当年未开展统计"
    row = next(line for line in listed.out.splitlines() if "孵化平台数" in line and "2024 年" in line)
    assert "当年未开展统计（张三）" in row
    assert "豁免 1 项" in listed.out


def test_exempting_an_unknown_indicator_is_a_usage_error_with_a_hint(monitor):
    result = monitor("reminders", "exempt", "城口县", "孵化基地数", "2024", "--reason", "x")
    wrong = monitor("reminders", "exempt", "城口县", "孵化平台数", "2024Q1", "--reason", "x")

    assert result.code == 3 and "是否指" in result.err
    assert wrong.code == 3 and "孵化平台数按年报送" in wrong.err and "2024Q1" in wrong.err


def test_send_prints_one_message_per_county_and_a_second_send_the_same_day_sends_nothing(monitor, database_url):
    first = monitor("reminders", "send")
    again = monitor("reminders", "send")

    assert first.code == 0, first.err
    assert [t.split(" ")[0] for t in titles(first.out)] == ["【报送提醒】城口县", "【报送提醒】秀山土家族苗族自治县"]
    assert re.search(r"报送提醒 \d+ 项，消息 2 条（其中抄报 0 项）；已发送 2 段，待重试 0 段，失败 0 段", first.out)
    assert again.code == 0, again.err
    assert titles(again.out) == [] and "报送提醒 0 项，消息 0 条" in again.out
    engine = create_engine(database_url)
    with engine.connect() as conn:
        runs = conn.execute(select(job_runs.c.job_id, job_runs.c.outcome, job_runs.c.detail)
                            .order_by(job_runs.c.id)).all()
    engine.dispose()
    assert [(r.job_id, r.outcome) for r in runs] == [("reminders", "ok")] * 2
    assert runs[0].detail.endswith("in 2 messages; 0 escalated") and runs[1].detail == "no reminders due"


def test_list_shows_only_figures_due_in_the_last_12_months_unless_asked_for_more(monitor):
    default = monitor("reminders", "list", "--as-of", "2026-12-01", "--region", "城口")
    older = monitor("reminders", "list", "--as-of", "2026-12-01", "--region", "城口", "--since", "2021-01-01")

    assert default.code == 0, default.err
    assert "（只列截止日期在 2025-12-01 及以后的数据）" in default.out
    assert "2025 年" in default.out and not re.search(r"202[1-4] 年", default.out)
    assert older.code == 0, older.err
    assert "2021 年" in older.out and "（只列截止日期在 2021-01-01 及以后的数据）" in older.out
    count = re.compile(r"未报送 (\d+) 项")
    assert int(count.search(older.out).group(1)) > int(count.search(default.out).group(1))
