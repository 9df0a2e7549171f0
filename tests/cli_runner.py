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
