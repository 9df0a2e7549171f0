"""`make demo` runs its four commands in one process (monitor/demo.py): it prints and stores what the four
commands run one by one print and store, hides `plans check`'s findings, and stops at a refused sample file."""

from __future__ import annotations

import re
import shutil

from sqlalchemy import create_engine, func, select

from monitor import demo
from monitor.storage.tables import observations, outbox
from tests.cli_runner import monitor_on
from tests.conftest import PLANS_DIR, ROOT, SAMPLES_DIR

AS_OF = "2026-07-15"  # the Makefile's DEMO_AS_OF
_TIMES = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\+00:00)?)?")  # when the messages were rendered


def _demo_monitor(capsys, monkeypatch, url: str, folder, plans_dir=PLANS_DIR):  # type: ignore[no-untyped-def]
    """`monitor` as `make demo` runs it: the bundled plans and rules, no receivers file (the log channel)."""
    monkeypatch.setenv("MONITOR_RULES_DIR", str(ROOT / "rules"))
    monkeypatch.setenv("MONITOR_RECEIVERS_FILE", str(folder / "receivers.yaml"))  # absent
    return monitor_on(capsys, monkeypatch, url, folder, plans_dir)


def _stored(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return (conn.execute(select(func.count()).select_from(observations)).scalar_one(),
                    conn.execute(select(func.count()).select_from(outbox)).scalar_one())
    finally:
        engine.dispose()


def test_the_demo_in_one_process_is_its_four_commands(capsys, monkeypatch, tmp_path):
    samples = demo.sample_files(SAMPLES_DIR)
    assert samples and all(path.suffix in (".csv", ".xlsx") for path in samples)

    (tmp_path / "apart").mkdir()
    apart_url = f"sqlite:///{tmp_path / 'apart' / 'demo.db'}"
    monitor = _demo_monitor(capsys, monkeypatch, apart_url, tmp_path / "apart")
    outcomes = [monitor("init"), monitor("actuals", "import", *map(str, samples), "--submitted-by", "demo")]
    plans_check = monitor("plans", "check")
    outcomes.append(monitor("check", "--as-of", AS_OF, "--fail-on", "never", "--notify"))
    assert [o.code for o in outcomes] == [0, 0, 0], outcomes[-1].err
    assert "[警告]" in plans_check.out  # what the demo hides

    (tmp_path / "together").mkdir()
    together_url = f"sqlite:///{tmp_path / 'together' / 'demo.db'}"
    _demo_monitor(capsys, monkeypatch, together_url, tmp_path / "together")
    capsys.readouterr()
    code = demo.main(["--as-of", AS_OF, "--samples", str(SAMPLES_DIR)])
    out, err = capsys.readouterr()

    assert code == 0, err
    assert "[警告]" not in out
    assert _TIMES.sub("…", out) == _TIMES.sub("…", "".join(o.out for o in outcomes))
    assert "告警" in err and "已发送" in err  # the check ran and its messages were sent (to the log channel)
    assert _stored(together_url) == _stored(apart_url)
    assert _stored(together_url)[0] > 0


def test_a_refused_sample_stops_the_demo_before_the_check(capsys, monkeypatch, tmp_path):
    folder = tmp_path / "samples"
    folder.mkdir()
    shutil.copy(sorted(SAMPLES_DIR.glob("*.csv"))[0], folder / "a.csv")
    (folder / "b.csv").write_text("地区,指标,期间,数值,单位\n城口县,no_such_indicator,2023,1,件\n", encoding="utf-8")
    _demo_monitor(capsys, monkeypatch, f"sqlite:///{tmp_path / 'demo.db'}", tmp_path)
    capsys.readouterr()

    code = demo.main(["--as-of", AS_OF, "--samples", str(folder)])
    out, err = capsys.readouterr()

    assert code == 3
    assert "b.csv" in err and err.startswith("错误：")
    assert "评估日期" not in out and "告警" not in err


def test_a_failed_init_stops_the_demo(capsys, monkeypatch, tmp_path):
    _demo_monitor(capsys, monkeypatch, f"sqlite:///{tmp_path / 'demo.db'}", tmp_path, tmp_path / "no-plans-here")
    capsys.readouterr()

    code = demo.main(["--as-of", AS_OF, "--samples", str(SAMPLES_DIR)])
    out, err = capsys.readouterr()

    assert code == 3
    assert "no-plans-here" in err
    assert "已导入" not in out and "评估日期" not in out
