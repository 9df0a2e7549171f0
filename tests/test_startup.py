"""Start-up stays light: `monitor --help` loads no data stack, and a current schema is recognised without Alembic.

These are structural tests (which modules a fresh process imports), not timings; benchmarks/startup.py times them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import text

import monitor
from monitor.errors import ConfigError
from monitor.storage import db
from monitor.storage.db import current_revision, head_revision, make_engine, require_current

HEAVY = ("pandas", "sqlalchemy", "alembic")
HTTP = ("requests", "urllib3")  # loaded on the first robot message sent, by monitor.channels.http
SOURCE = Path(monitor.__file__).resolve().parents[1]  # run the children on this checkout's `monitor`


def _loaded_after(code: str, *args: str, env: dict[str, str] | None = None) -> list[str]:
    """The top-level packages a fresh interpreter has imported after running ``code`` (with ``args`` as argv, and
    ``env`` added to the environment)."""
    script = textwrap.dedent(code) + textwrap.dedent("""
        import json, sys
        print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
    """)
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120,
                          cwd=SOURCE, env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [["--help"], ["actuals", "--help"], ["check", "--help"], ["plans", "--help"],
                                  ["--version"]])
def test_help_imports_no_data_stack(argv):
    loaded = _loaded_after("""
        import contextlib, io, sys
        from monitor.cli import main
        sys.argv = ["monitor", *sys.argv[1:]]
        with contextlib.redirect_stdout(io.StringIO()) as out:
            try:
                main()
            except SystemExit as stop:
                assert stop.code in (0, None), stop.code
        assert out.getvalue(), "nothing printed"
    """, *argv)
    assert [name for name in HEAVY + HTTP if name in loaded] == []


_RUN_MONITOR = """
    import sys
    from monitor.cli import main
    sys.argv = ["monitor", *sys.argv[1:]]
    try:
        main()
    except SystemExit as stop:
        assert stop.code in (0, 1, 2, None), stop.code
"""


def test_check_without_notify_and_a_check_that_sends_nothing_load_no_http_library(tmp_path):
    env = {"MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'monitor.db'}",
           "MONITOR_PLANS_DIR": str(SOURCE / "config" / "plans"), "MONITOR_RULES_DIR": str(SOURCE / "rules"),
           "MONITOR_RECEIVERS_FILE": str(tmp_path / "absent.yaml")}  # no receivers file: the log channel
    assert "requests" not in _loaded_after(_RUN_MONITOR, "init", env=env)
    for sample in sorted((SOURCE / "config" / "samples").glob("*.csv")):
        _loaded_after(_RUN_MONITOR, "actuals", "import", str(sample), env=env)
    checked = _loaded_after(_RUN_MONITOR, "check", "--as-of", "2025-07-01", env=env)
    assert "pandas" in checked  # it did assess
    assert [name for name in HTTP if name in checked] == []
    notified = _loaded_after(_RUN_MONITOR, "check", "--as-of", "2025-07-01", "--notify", env=env)
    assert [name for name in HTTP if name in notified] == []


def test_the_first_robot_message_loads_the_http_library():
    from tests.robots import WebhookReceiver

    with WebhookReceiver(secret=None) as receiver:
        loaded = _loaded_after("""
        import sys
        from datetime import datetime, timezone
        from monitor.channels.base import Message
        from monitor.channels.webhook import WebhookChannel
        channel = WebhookChannel(sys.argv[1])
        assert "requests" not in sys.modules
        channel.send(channel.parts(Message("t", "x"))[0], now=datetime.now(timezone.utc))
    """, receiver.url)
    assert "requests" in loaded and len(receiver.accepted) == 1


def test_migration_head_read_from_the_files_is_alembics_head():
    from alembic.script import ScriptDirectory

    assert db._head_from_files(db.MIGRATIONS / "versions") == head_revision()
    assert head_revision() == ScriptDirectory.from_config(db._alembic_config()).get_current_head()


def test_head_from_files_leaves_anything_but_a_plain_chain_to_alembic(tmp_path):
    def write(name: str, body: str) -> None:
        (tmp_path / name).write_text(textwrap.dedent(body), encoding="utf-8")

    write("a.py", 'revision = "a"\ndown_revision = None\nbranch_labels = None\ndepends_on = None\n')
    write("b.py", 'revision: str = "b"  # typed, as newer templates write it\ndown_revision: str | None = "a"\n')
    assert db._head_from_files(tmp_path) == "b"
    write("c.py", 'revision = "c"\ndown_revision = "a"\n')  # two heads
    assert db._head_from_files(tmp_path) is None
    write("c.py", 'revision = "c"\ndown_revision = ("a", "b")\n')  # a merge
    assert db._head_from_files(tmp_path) is None
    write("c.py", 'revision = "c"\ndown_revision = "b"\ndepends_on = "a"\n')
    assert db._head_from_files(tmp_path) is None
    write("c.py", 'revision = "c"\ndown_revision = "b"\ndepends_on = None\n')
    assert db._head_from_files(tmp_path) == "c"


def test_a_current_schema_is_recognised_without_importing_alembic(engine, database_url):
    assert current_revision(engine) == head_revision()
    loaded = _loaded_after("""
        import sys
        from monitor.storage.db import make_engine, require_current
        require_current(make_engine(sys.argv[1]))
    """, database_url)
    assert "alembic" not in loaded


def test_an_empty_or_older_database_is_refused_with_the_same_messages(database_url):
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        with pytest.raises(ConfigError, match=r"^the database has no tables yet; run `monitor init` first$"):
            require_current(engine)
        db.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        assert current_revision(engine) == "0001"
        with pytest.raises(ConfigError, match=rf"^the database schema is at 0001, this version needs "
                                              rf"{head_revision()}; run `monitor init` to upgrade it$"):
            require_current(engine)
    finally:
        engine.dispose()


# `make demo` imports the samples in one process: several files print and store exactly what one by one would ----

def test_importing_several_files_at_once_is_importing_them_one_by_one(capsys, monkeypatch, sqlite_url, tmp_path):
    from tests.cli_runner import monitor_on
    from tests.conftest import SAMPLES_DIR

    samples = [str(path) for path in sorted(SAMPLES_DIR.glob("*.csv"))]
    assert len(samples) >= 2
    one_by_one = monitor_on(capsys, monkeypatch, sqlite_url, tmp_path)
    assert one_by_one("init").code == 0
    lines = []
    for sample in samples:
        result = one_by_one("actuals", "import", sample, "--submitted-by", "demo")
        assert result.code == 0, result.err
        lines.append(result.out)
    expected = one_by_one("check", "--as-of", "2026-07-15", "--format", "json", "--fail-on", "never").out

    (tmp_path / "together").mkdir()
    together = monitor_on(capsys, monkeypatch, f"sqlite:///{tmp_path / 'together' / 'm.db'}", tmp_path / "together")
    assert together("init").code == 0
    result = together("actuals", "import", *samples, "--submitted-by", "demo")
    assert (result.code, result.err) == (0, "")
    assert result.out == "".join(lines)
    assert together("check", "--as-of", "2026-07-15", "--format", "json", "--fail-on", "never").out == expected
    again = together("actuals", "import", *samples)
    assert again.code == 0 and again.out.count("没有新数据") == len(samples)


def test_a_refused_file_stops_the_files_after_it_and_keeps_those_before(capsys, monkeypatch, sqlite_url, tmp_path):
    from tests.cli_runner import monitor_on
    from tests.conftest import SAMPLES_DIR

    first, second = sorted(SAMPLES_DIR.glob("*.csv"))[:2]
    bad = tmp_path / "bad.csv"
    bad.write_text("地区,指标,期间,数值,单位\n城口县,no_such_indicator,2023,1,件\n", encoding="utf-8")
    monitor = monitor_on(capsys, monkeypatch, sqlite_url, tmp_path)
    assert monitor("init").code == 0
    result = monitor("actuals", "import", str(first), str(bad), str(second))
    assert result.code == 3
    assert result.out.startswith(f"{first.name}：") and second.name not in result.out
    assert result.err.startswith("错误：") and "bad.csv" in result.err
    assert "没有新数据" in monitor("actuals", "import", str(first)).out
    assert "没有新数据" not in monitor("actuals", "import", str(second), "--dry-run").out
