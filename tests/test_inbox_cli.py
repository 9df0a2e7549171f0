"""`monitor inbox scan` and `monitor inbox list` end to end, with the log channel."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from monitor.storage.db import make_engine
from monitor.storage.tables import job_runs
from tests.cli_runner import run_monitor
from tests.conftest import PLANS_DIR, ROOT, SAMPLES_DIR


@pytest.fixture
def monitor(capsys, monkeypatch, database_url, tmp_path):
    monkeypatch.setenv("MONITOR_DATABASE_URL", database_url)
    monkeypatch.setenv("MONITOR_PLANS_DIR", str(PLANS_DIR))
    monkeypatch.setenv("MONITOR_RULES_DIR", str(ROOT / "rules"))
    monkeypatch.setenv("MONITOR_RECEIVERS_FILE", str(tmp_path / "receivers.yaml"))  # absent: the log channel
    monkeypatch.setenv("MONITOR_INBOX__PATH", str(tmp_path / "inbox"))
    monkeypatch.setenv("MONITOR_INBOX__SETTLE_SECONDS", "0")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "inbox").mkdir()
    run = lambda *args: run_monitor(capsys, monkeypatch, *args)  # noqa: E731
    assert run("init").code == 0
    return run


def test_inbox_scan_imports_refuses_and_tells_the_county(monitor, tmp_path, database_url):
    inbox = tmp_path / "inbox"
    (inbox / "秀山县2024年报.csv").write_bytes((SAMPLES_DIR / "xiushan-sample-actuals.csv").read_bytes())
    (inbox / "城口县2024年报.csv").write_text("地区,指标,期间,数值\n城口县,rd_expenditure,2024,两千\n", encoding="utf-8")
    result = monitor("inbox", "scan")
    assert result.code == 0, result.err
    assert "处理 2 个文件：导入 1 个，退回 1 个" in result.out
    assert "【报送文件未导入】城口县 城口县2024年报.csv" in result.out  # printed by the log channel
    assert "第 2 行，「数值」列" in result.out
    assert "已发送 1 段" in result.err
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == ["秀山县2024年报.csv"]
    assert (inbox / "rejected" / "城口县2024年报.csv.errors.txt").exists()
    listed = monitor("inbox", "list")
    assert "秀山县2024年报.csv" in listed.out and "已导入" in listed.out and "未导入" in listed.out
    values = monitor("actuals", "list", "--region", "秀山县")
    assert "500241" in values.out
    engine = make_engine(database_url)
    with engine.connect() as conn:
        runs = [(r.job_id, r.outcome, r.detail) for r in conn.execute(select(job_runs))]
    engine.dispose()
    assert runs == [("inbox", "ok", "处理 2 个文件：导入 1 个，退回 1 个")]


def test_inbox_scan_of_an_empty_inbox_says_so(monitor):
    result = monitor("inbox", "scan")
    assert result.code == 0, result.err
    assert result.out.strip() == "处理 0 个文件：导入 0 个，退回 0 个"
    assert "收件箱还没有处理过文件" in monitor("inbox", "list").out


def test_inbox_scan_without_a_folder_is_a_one_line_error(monitor, monkeypatch):
    monkeypatch.delenv("MONITOR_INBOX__PATH")
    result = monitor("inbox", "scan")
    assert result.code == 3
    assert "MONITOR_INBOX__PATH" in result.err and "Traceback" not in result.err


def test_inbox_scan_with_a_rejected_folder_that_is_a_link_exits_3_and_moves_nothing(monitor, tmp_path):
    inbox, outside = tmp_path / "inbox", tmp_path / "outside"
    outside.mkdir()
    (inbox / "rejected").symlink_to(outside, target_is_directory=True)
    (inbox / "城口县.csv").write_text("地区,指标,期间,数值\n城口县,rd_expenditure,2024,两千\n", encoding="utf-8")
    result = monitor("inbox", "scan")
    assert result.code == 3
    assert "rejected 是符号链接" in result.err and "没有处理任何文件" in result.err
    assert list(outside.iterdir()) == [] and (inbox / "城口县.csv").exists()


def test_inbox_scan_lists_a_file_named_in_gbk_by_a_readable_name(monitor, tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / os.fsdecode("城口县2024年报.csv".encode("gbk"))).write_bytes(
        (SAMPLES_DIR / "chengkou-sample-actuals.csv").read_bytes())
    result = monitor("inbox", "scan")
    assert result.code == 0, result.err
    assert "处理 1 个文件：导入 0 个，退回 1 个" in result.out
    assert "【报送文件未导入】城口县 城口县2024年报.csv" in result.out and "文件名不是 UTF-8 编码" in result.out
    assert "城口县2024年报.csv" in monitor("inbox", "list").out
