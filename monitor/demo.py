"""`make demo`: the quick start's commands, run one after another in one process.

The demo is these four commands on a fresh database (MONITOR_DATABASE_URL, set by the Makefile)::

    monitor init
    monitor actuals import SAMPLES/*.csv SAMPLES/*.xlsx --submitted-by demo
    monitor plans check > /dev/null
    monitor check --as-of DATE --fail-on never --notify

Each `monitor` process pays its start-up, most of it importing pandas, SQLAlchemy and pydantic (about 0.7 s on a
2-core server); run here in one process they pay it once, and print and store exactly what the four commands
would. As in a shell script, a failed `init` or import stops the demo (an import that fails exits 3), `plans
check` only prints its warnings (on stderr), and the exit code is the last command's.

Usage: ``python -m monitor.demo --as-of 2026-07-15 --samples config/samples``
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

from monitor.cli import EXIT_USAGE, run

SAMPLE_SUFFIXES = (".csv", ".xlsx")


def steps(as_of: str, samples: list[Path]) -> list[tuple[list[str], bool]]:
    """The command lines of the demo, each with whether its standard output is shown."""
    out: list[tuple[list[str], bool]] = [(["init"], True)]
    if samples:
        out.append((["actuals", "import", *map(str, samples), "--submitted-by", "demo"], True))
    out.append((["plans", "check"], False))
    out.append((["check", "--as-of", as_of, "--fail-on", "never", "--notify"], True))
    return out


def sample_files(folder: Path) -> list[Path]:
    """The sample figures in ``folder``: CSV files first, then workbooks, each by name (as the shell's globs)."""
    if not folder.is_dir():
        return []
    return [path for suffix in SAMPLE_SUFFIXES for path in sorted(folder.glob(f"*{suffix}")) if path.is_file()]


def demo(as_of: str, samples: list[Path]) -> int:
    code = 0
    for args, shown in steps(as_of, samples):
        if shown:
            code = run(args)
        else:
            sys.stdout.flush()
            with open(os.devnull, "w", encoding="utf-8") as devnull, contextlib.redirect_stdout(devnull):
                code = run(args)
        if args[0] == "init" and code != 0:
            return code
        if args[0] == "actuals" and code != 0:
            return EXIT_USAGE
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m monitor.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--as-of", required=True, help="the date the demo judges the samples at (YYYY-MM-DD)")
    parser.add_argument("--samples", type=Path, required=True, help="folder of sample figures (CSV, XLSX)")
    options = parser.parse_args(argv)
    return demo(options.as_of, sample_files(options.samples))


if __name__ == "__main__":
    sys.exit(main())
