"""One active daemon per database.

PostgreSQL: a session-level advisory lock held on a dedicated connection for the daemon's life. A second daemon
waits as a standby (monitor.daemon.standby), trying the lock every few seconds; when the active one dies its
connection closes, the server releases the lock and the standby takes over. A standby may also end the lock's
session of an active whose heartbeat has stopped (:meth:`InstanceLock.end_holder`). The active checks that its own
session still holds the lock (:meth:`InstanceLock.held`): a lost connection, a server restart or a session ended by
a standby all read as "lost", and a reconnection made behind our back does not read as "held".

SQLite: an exclusive lock on a file next to the database (flock); a second daemon is refused at once, since two
processes on one machine are a mistake rather than a fail-over.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from monitor.errors import ConfigError

log = logging.getLogger(__name__)

ADVISORY_KEY = 0x706C616E_6D6F6E  # "planmon": the same for every daemon of this project

# pg_locks shows a bigint advisory key as classid (high 32 bits) and objid (low 32 bits), objsubid 1
_HOLDERS = text(
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
    "AND classid::bigint = :hi AND objid::bigint = :lo "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
_KEY = {"hi": ADVISORY_KEY >> 32, "lo": ADVISORY_KEY & 0xFFFFFFFF}


class InstanceLock:
    """Take with :meth:`try_acquire`, check with :meth:`held`, give up with :meth:`release`.

    With PostgreSQL, :meth:`try_acquire` and :meth:`end_holder` raise the database's errors when the server cannot
    be reached; the standby catches them and tries again.
    """

    def __init__(self, engine: Engine, lock_file: Path):
        self.engine = engine
        self.lock_file = lock_file
        self.backend = engine.url.get_backend_name()
        self._conn: Connection | None = None
        self._session: int | None = None  # the backend pid of the session that holds the lock
        self._fd: int | None = None

    @property
    def waits(self) -> bool:
        """True when a second daemon waits as a standby (PostgreSQL) rather than being refused (SQLite)."""
        return self.backend == "postgresql"

    @property
    def owned(self) -> bool:
        """True once taken (and not released); :meth:`held` says whether it is still ours."""
        return self._session is not None or self._fd is not None

    def describe(self) -> str:
        return "PostgreSQL advisory lock" if self.waits else f"lock file {self.lock_file}"

    def try_acquire(self) -> bool:
        if self.waits:
            return self._try_advisory()
        try:
            self.lock_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ConfigError(f"MONITOR_LOCK_FILE: cannot open the instance lock file {self.lock_file}: "
                              f"{exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def refuse(self) -> ConfigError:
        return ConfigError(f"another daemon is running on this database ({self.describe()} is held); "
                           "stop it first or point MONITOR_LOCK_FILE elsewhere for a separate database")

    def _try_advisory(self) -> bool:
        try:
            if self._conn is None:
                self._conn = self.engine.connect()
            got = bool(self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar())
            if got:
                self._session = self._conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            self._conn.commit()
            return got
        except Exception:
            self.drop()  # a broken connection is opened again on the next try
            raise

    def holder(self) -> int | None:
        """The backend pid of the session holding the lock (PostgreSQL), None when it is free."""
        with self.engine.connect() as conn:
            return conn.execute(_HOLDERS, _KEY).scalar()

    def end_holder(self, pid: int) -> bool:
        """End the session ``pid`` if it still holds the lock (the active it belongs to has stopped beating)."""
        with self.engine.connect() as conn:
            ended = conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM ({_HOLDERS.text}) AS h "
                                      "WHERE pid = :pid"), {**_KEY, "pid": pid}).scalar()
            conn.commit()
        return bool(ended)

    def held(self) -> bool:
        """False when the lock may be lost (then another daemon may be active: stop at once)."""
        if not self.waits:
            if self._fd is None:
                return False
            try:  # the lock file removed or replaced: a second daemon could lock the new one
                return os.fstat(self._fd).st_ino == os.stat(self.lock_file).st_ino
            except OSError:
                return False
        if self._conn is None or self._session is None:
            return False
        try:
            row = self._conn.execute(text(f"SELECT pg_backend_pid(), EXISTS ({_HOLDERS.text} AND pid = "
                                          "pg_backend_pid())"), _KEY).one()
            self._conn.commit()
            return row[0] == self._session and bool(row[1])
        except Exception:  # noqa: BLE001 - any failure means the same: the lock may be lost
            log.debug("the instance lock's connection failed", exc_info=True)
            return False

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                self._conn.commit()
            except Exception:  # noqa: BLE001 - closing the connection releases it anyway
                log.debug("advisory unlock failed; the connection close releases it", exc_info=True)
            self.drop()
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def drop(self) -> None:
        """Close the lock's connection without unlocking (it is broken, or its session no longer holds the lock)."""
        conn, self._conn, self._session = self._conn, None, None
        if conn is not None:
            try:
                conn.invalidate()  # never back to the pool: its session may hold the lock or be broken
                conn.close()
            except Exception:  # noqa: BLE001 - it is gone either way
                log.debug("closing the lock connection failed", exc_info=True)
