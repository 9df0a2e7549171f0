"""The terminal table of `monitor check` fits the terminal, never splits a number, rounds to the precision the plan
prints and words each figure as a plan office does (monitor/report/table.py, monitor/report/cells.py,
monitor/report/wording.py)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from rich.cells import cell_len
from rich.console import Console

from monitor.core.assess import assess
from monitor.report.table import to_table
from tests.cli_runner import loaded_monitor
from tests.frames import frames, observations, series

AS_OF = date(2025, 7, 1)  # the 2024 figures are judged: 80 % of the 2020 → 2025 plan has elapsed


def assessed():
    items = [
        series("money", name="科技经费投入", baseline=1000, milestones={2025: 1500}, unit="万元"),
        series("rank", name="创新能力位次", baseline=36, milestones={2025: 30}, direction="lower", unit="位"),
        series("rd", name="研发投入强度", baseline=0.19, milestones={2025: 0.8}, unit="%"),
        series("fund", name="研发经费", baseline=0.1, milestones={2025: 0.3}, unit="亿元", trajectory="compound"),
        series("firms", name="科技型企业数（含省级以上科技型中小企业和高新技术企业，按当年认定名单）",
               baseline=20, milestones={2025: 50}, unit="家"),
    ]
    values = [("money", "2024", 1346.52168), ("rank", "2024", 35), ("rd", "2024", 0.3), ("fund", "2024", 0.2),
              ("firms", "2024", 47)]
    s, m = frames(*items)
    return assess(s, m, observations(*values), AS_OF)


def printed(width: int) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    to_table(assessed(), console)
    return console.file.getvalue()


def header_line(text: str) -> str:
    return next(line for line in text.splitlines() if "统计指标" in line)


@pytest.mark.parametrize("width", [60, 80, 100, 120, 160, 240])
def test_every_line_of_the_table_fits_the_terminal(width):
    text = printed(width)
    too_wide = [line for line in text.splitlines() if cell_len(line) > width]
    assert not too_wide, too_wide[:2]
    assert not cut_off(text)  # rich crops what does not fit: a table that fits keeps its right border


BOX = "┏┃┡│└┓┩┘"


def cut_off(text: str) -> list[str]:
    """The table lines that lost their right border."""
    return [line for line in text.splitlines() if line[:1] in BOX and line.rstrip()[-1:] not in BOX]


@pytest.mark.parametrize("width", [72, 80, 100])
def test_a_narrow_terminal_drops_columns_rather_than_splitting_a_number(width):
    text = printed(width)
    # the figures a planner needs most stay whole, each on one line
    for figure in ("1,346.52", "落后0.38个百分点", "领先3家"):
        assert figure in text, (width, figure)
    left_out = next(line for line in text.splitlines() if "未显示" in line)
    header = header_line(text)
    for name in left_out.split("：", 1)[1].split("（")[0].split("、"):
        assert name not in header, name
    assert "统计指标" in header and "状态" in header and "实际值" in header


def test_a_wide_terminal_shows_every_column_and_the_three_progress_figures_apart():
    text = printed(240)
    header = header_line(text)
    for name in ("基期值", "目标", "时间进度", "期望值", "实际值", "落后/领先", "完成进度", "序时完成率", "预计值",
                 "今后还需"):
        assert name in header, name
    assert "序时进度" not in header and "未显示" not in text
    assert "80.0%" in text  # 时间进度 of a 2024 figure on a 2020 → 2025 plan


def test_figures_are_rounded_to_the_precision_the_plan_prints():
    text = printed(240)
    assert "1,346.52" in text and "1,346.5217" not in text  # 万元: the plan prints whole numbers, money two decimals
    assert "0.68" in text and "0.678" not in text  # 研发投入强度: 0.19 → 0.8 %, two decimals


def test_a_shortfall_reads_behind_or_ahead_whatever_the_direction():
    text = printed(240)
    assert "落后0.38个百分点" in text  # a percentage's difference is in points
    assert "落后4位" in text  # a rank behind its path (35 against an expected 31.2) is 落后, like every other row
    assert "领先3家" in text and "-0.378" not in text


def test_the_yearly_need_of_a_percentage_is_in_points_and_a_growth_rate_reads_differently():
    text = printed(240)
    assert "每年提高0.5个百分点" in text  # 0.3 → 0.8 % in one year
    assert "年均增长50.0%" in text  # 0.2 → 0.3 亿元 on a compound path
    assert "每年前移5位" in text  # a rank moves forward
    assert "%/年" not in text


def test_the_command_fits_the_width_columns_gives(capsys, monkeypatch, database_url, tmp_path):
    monitor = loaded_monitor(capsys, monkeypatch, database_url, tmp_path)
    monkeypatch.setenv("COLUMNS", "100")
    result = monitor("check", "--as-of", "2025-07-01", "--fail-on", "never")
    assert result.code == 0, result.err
    assert max(cell_len(line) for line in result.out.splitlines()) <= 100 and not cut_off(result.out)
    assert "城口县" in result.out and "秀山" in result.out and "未显示" in result.out


def test_the_review_table_fits_a_narrow_terminal_too(capsys, monkeypatch, database_url, tmp_path):
    monitor = loaded_monitor(capsys, monkeypatch, database_url, tmp_path)
    monkeypatch.setenv("COLUMNS", "72")
    result = monitor("review", "--all", "--as-of", "2026-07-15")
    assert result.code == 0, result.err
    assert max(cell_len(line) for line in result.out.splitlines()) <= 72 and not cut_off(result.out)
    assert "完成情况" in result.out and "落后" in result.out


def test_printed_names_with_brackets_are_shown_as_printed_not_as_console_markup():
    s, m = frames(series("a", name="[bold]科技型企业数[/bold]", baseline=20, milestones={2025: 50}, unit="家"))
    frame = assess(s, m, observations(("a", "2024", 47)), AS_OF)
    frame["region_name"] = "[red]城口县"
    console = Console(width=200, file=io.StringIO(), color_system=None)
    to_table(frame, console)
    text = console.file.getvalue()
    assert "[bold]科技型企业数[/bold]" in text and "[red]城口县" in text
