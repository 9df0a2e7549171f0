"""Run the real `monitor` entry point in-process, with its exit-code mapping, and capture what it prints."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pytest

from monitor.cli import main


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def run_monitor(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> Outcome:
    monkeypatch.setattr(sys, "argv", ["monitor", *args])
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        main()
    captured = capsys.readouterr()
    code = stop.value.code
    return Outcome(code if isinstance(code, int) else 0, captured.out, captured.err)


def monitor_on(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, database_url: str,
               tmp_path, plans_dir=None):  # type: ignore[no-untyped-def]
    """`monitor` on ``database_url`` with the bundled plans folder (or ``plans_dir``), run from an empty working
    directory so no stray .env or data/ of the working tree counts."""
    from tests.conftest import PLANS_DIR

    monkeypatch.setenv("MONITOR_DATABASE_URL", database_url)
    monkeypatch.setenv("MONITOR_PLANS_DIR", str(plans_dir or PLANS_DIR))
    monkeypatch.chdir(tmp_path)
    return lambda *args: run_monitor(capsys, monkeypatch, *args)


def loaded_monitor(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, database_url: str,
                   tmp_path):  # type: ignore[no-untyped-def]
    """`monitor` on a fresh database with both plans and the sample actuals, the bundled rules, and no receivers
    file (so messages go to the log channel), run from an empty working directory."""
    from tests.conftest import PLANS_DIR, ROOT, SAMPLES_DIR

    monkeypatch.setenv("MONITOR_DATABASE_URL", database_url)
    monkeypatch.setenv("MONITOR_PLANS_DIR", str(PLANS_DIR))
    monkeypatch.setenv("MONITOR_RULES_DIR", str(ROOT / "rules"))
    monkeypatch.setenv("MONITOR_RECEIVERS_FILE", str(tmp_path / "receivers.yaml"))  # absent: the log channel
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> Outcome:
        return run_monitor(capsys, monkeypatch, *args)

    assert run("init").code == 0
    for sample in sorted(SAMPLES_DIR.glob("*.csv")):
        assert run("actuals", "import", str(sample)).code == 0
    return run
