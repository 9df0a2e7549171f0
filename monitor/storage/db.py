"""Engines and schema upgrades. Nothing here runs at import time."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from monitor.errors import ConfigError
from monitor.settings import mask_secrets

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created, and SQLite enforces foreign keys."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"MONITOR_DATABASE_URL is not a database URL: {mask_secrets(url)}") from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        return create_engine(parsed, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        raise ConfigError(f"the database driver for {parsed.drivername} is not installed ({exc.name})") from exc


@contextmanager
def read_snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection whose reads all see the database as it stood at the first of them; nothing is written.

    Reads that take several statements (series, milestones and observations; numbers and the values they stand
    for) must agree even when `monitor plans load` or an import commits in between. PostgreSQL gives that with a
    REPEATABLE READ transaction; SQLite (in WAL mode) with a read transaction, which the Python driver does not
    open for SELECT statements by itself.
    """
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN")
        else:
            conn.execution_options(isolation_level="REPEATABLE READ")
        try:
            yield conn
        finally:
            conn.rollback()


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Create or upgrade the schema to the newest migration; returns (before, after) revisions."""
    try:
        before = current_revision(engine)
        config = _alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise ConfigError(f"cannot reach the database {mask_secrets(str(engine.url))}: {exc.orig}") from exc
    after = head_revision()
    if before != after:
        log.info("database schema upgraded from %s to %s", before or "empty", after)
    return before, after


def require_current(engine: Engine) -> None:
    """Refuse to work on a database that `monitor init` has not created or upgraded."""
    try:
        revision = current_revision(engine)
    except OperationalError as exc:
        raise ConfigError(f"cannot reach the database {mask_secrets(str(engine.url))}: {exc.orig}") from exc
    if revision is None:
        raise ConfigError("the database has no tables yet; run `monitor init` first")
    if revision != head_revision():
        raise ConfigError(f"the database schema is at {revision}, this version needs {head_revision()}; "
                          "run `monitor init` to upgrade it")
