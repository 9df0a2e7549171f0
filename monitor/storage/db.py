"""Engines and schema upgrades. Nothing here runs at import time."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from monitor.errors import ConfigError
from monitor.ops.logs import mask, mask_secrets, remember_secrets

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"  # where Alembic keeps the revision a database is at


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created (with its parents) when it does not exist, and
    SQLite enforces foreign keys. A folder that cannot be created, or a password with a raw ``@``, is a
    ConfigError naming the path or the (masked) URL."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"MONITOR_DATABASE_URL is not a database URL: {mask_secrets(url)}") from None
    remember_secrets(parsed.password if isinstance(parsed.password, str) else None)
    if "@" in (parsed.host or ""):
        raise ConfigError(f"MONITOR_DATABASE_URL {mask_secrets(url)}: the user name or password holds a raw @; "
                          "write it as %40")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _sqlite_folder(Path(parsed.database))
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        return create_engine(parsed, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        raise ConfigError(f"the database driver for {parsed.drivername} is not installed ({exc.name})") from exc


def _sqlite_folder(path: Path) -> None:
    """Create the folder of the SQLite file ``path`` when it is missing; a ConfigError when that cannot be done."""
    folder = path.parent
    if folder.is_dir():
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        if isinstance(exc, (FileExistsError, NotADirectoryError)):
            reason = "a file stands where a folder should be"
        raise ConfigError(f"cannot create the folder {folder} for the SQLite database {path} "
                          f"(MONITOR_DATABASE_URL): {reason}") from None


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


# Alembic (about 0.3 s to import) is loaded only to upgrade a schema. Every other command learns whether the schema
# is current from the stored version_num and the head revision id read from the migration files' text.


def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@cache
def head_revision() -> str:
    """The newest migration's revision id: read from the migration files, or by Alembic when they are not a plain
    chain of ``revision = "…"`` / ``down_revision = "…"`` assignments."""
    head = _head_from_files(MIGRATIONS / "versions")
    if head is None:
        from alembic.script import ScriptDirectory

        head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def _head_from_files(folder: Path) -> str | None:
    """The one revision no other migration revises, or None when that cannot be told from the files' plain
    ``revision = "…"`` and ``down_revision = "…"`` lines (then Alembic decides)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in folder.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or down is None or _DEPENDS_ON.search(source):
            return None
        revisions.add(revision["id"])
        if down["id"] is not None:
            revised.add(down["id"])
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 and revised <= revisions else None


# `name = "id"` or `name: type = "id"` at the start of a line; a trailing comment is allowed
_ASSIGN = r"^{name}(?:[ \t]*:[^=\n]*)?[ \t]*=[ \t]*"
_END = r"[ \t]*(?:#.*)?$"
_ID = r"""["'](?P<id>[^"'\n]+)["']""" + _END
_REVISION = re.compile(_ASSIGN.format(name="revision") + _ID, re.M)
_DOWN_REVISION = re.compile(_ASSIGN.format(name="down_revision") + rf"(?:None{_END}|{_ID})", re.M)
_DEPENDS_ON = re.compile(_ASSIGN.format(name="depends_on") + rf"(?![ \t]*None{_END})", re.M)  # else Alembic decides


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (Alembic's version table), or None when it has none."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        rows = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    if len(rows) > 1:  # several heads: let Alembic say what it makes of them
        from alembic.runtime.migration import MigrationContext

        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    return rows[0] if rows else None


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Create or upgrade the schema to the newest migration; returns (before, after) revisions."""
    from alembic import command

    try:
        before = current_revision(engine)
        config = _alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise ConfigError(f"cannot reach the database {mask_secrets(str(engine.url))}: {mask(str(exc.orig))}") from exc
    after = head_revision()
    if before != after:
        log.info("database schema upgraded from %s to %s", before or "empty", after)
    return before, after


def require_current(engine: Engine) -> None:
    """Refuse to work on a database that `monitor init` has not created or upgraded."""
    try:
        revision = current_revision(engine)
    except OperationalError as exc:
        raise ConfigError(f"cannot reach the database {mask_secrets(str(engine.url))}: {mask(str(exc.orig))}") from exc
    if revision is None:
        raise ConfigError("the database has no tables yet; run `monitor init` first")
    if revision != head_revision():
        raise ConfigError(f"the database schema is at {revision}, this version needs {head_revision()}; "
                          "run `monitor init` to upgrade it")
