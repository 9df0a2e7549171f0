"""Shared fixtures: real SQLite files and, where a server is reachable, real PostgreSQL databases.

PostgreSQL tests use MONITOR_TEST_POSTGRES_URL (default: the local server's ``test`` database). Each test gets a
database of its own, created and dropped here. Without a reachable server they skip and say why, except under CI
(``CI`` or ``MONITOR_REQUIRE_POSTGRES`` set), where an unreachable server fails the run.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from monitor.storage.db import make_engine, upgrade

ROOT = Path(__file__).resolve().parents[1]
PLANS_DIR = ROOT / "config" / "plans"
SAMPLES_DIR = ROOT / "config" / "samples"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_required() -> bool:
    return bool(os.environ.get("MONITOR_REQUIRE_POSTGRES") or os.environ.get("CI"))


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    url = os.environ.get("MONITOR_TEST_POSTGRES_URL", DEFAULT_PG)
    try:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure to connect means the same thing here
        reason = f"PostgreSQL not reachable at {make_url(url).render_as_string(hide_password=True)}: {exc}"
        if _postgres_required():
            pytest.fail(reason + " (required under CI)")
        pytest.skip(reason)
    return url


@pytest.fixture
def postgres_url(postgres_admin_url: str):
    name = f"monitor_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'monitor.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The same test against a SQLite file and a PostgreSQL database."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def engine(database_url: str):
    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture(autouse=True)
def _secrets_of_this_test_only():
    """Channels remember their keys for the process's log masking (monitor.ops.logs.remember_secrets); in one test
    process a key such as a robot's must not mask the next test's output."""
    yield
    from monitor.ops.logs import forget_secrets
    forget_secrets()
