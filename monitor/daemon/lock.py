"""One active daemon per database.

PostgreSQL: a session-level advisory lock held on a dedicated connection for the daemon's life. A second daemon
waits as a standby, trying the lock every few seconds; when the active one dies its connection closes, the server
releases the lock and the standby takes over. SQLite: an exclusive lock on a file next to the database (flock); a
second daemon is refused at once, since two processes on one machine are a mistake rather than a fail-over.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, text

from monitor.errors import ConfigError

log = logging.getLogger(__name__)

ADVISORY_KEY = 0x706C616E_6D6F6E  # "planmon": the same for every daemon of this project


class InstanceLock:
    """Acquire with :meth:`acquire` (PostgreSQL may wait), check with :meth:`held`, give up with :meth:`release`."""

    def __init__(self, engine: Engine, lock_file: Path):
        self.engine = engine
        self.lock_file = lock_file
        self.backend = engine.url.get_backend_name()
        self._conn = None
        self._fd: int | None = None

    @property
    def waits(self) -> bool:
        return self.backend == "postgresql"

    def describe(self) -> str:
        return "PostgreSQL advisory lock" if self.waits else f"lock file {self.lock_file}"

    def try_acquire(self) -> bool:
        if self.backend == "postgresql":
            if self._conn is None:
                self._conn = self.engine.connect()
            got = bool(self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar())
            self._conn.commit()
            return got
        self.lock_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def acquire(self, wait: Callable[[float], bool], poll_seconds: float = 5.0,
                on_standby: Callable[[], None] | None = None) -> bool:
        """Take the lock; with PostgreSQL wait as a standby until it is free or ``wait`` returns True (stop).

        ``wait(seconds)`` sleeps and returns True when the daemon should stop instead (a threading.Event.wait).
        """
        if self.try_acquire():
            return True
        if not self.waits:
            raise ConfigError(f"another daemon is running on this database ({self.describe()} is held); "
                              "stop it first or point MONITOR_LOCK_FILE elsewhere for a separate database")
        log.info("another daemon is active; waiting as a standby (%s)", self.describe())
        while True:
            if on_standby is not None:
                on_standby()
            if wait(poll_seconds):
                return False
            if self.try_acquire():
                log.info("took over as the active daemon")
                return True

    def held(self) -> bool:
        """False when the lock's connection has gone (then another daemon may be active: stop at once)."""
        if self.backend != "postgresql":
            return self._fd is not None
        try:
            assert self._conn is not None
            self._conn.execute(text("SELECT 1"))
            self._conn.commit()
            return True
        except Exception:  # noqa: BLE001 - any failure means the same: the lock may be lost
            return False

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                self._conn.commit()
                self._conn.close()
            except Exception:  # noqa: BLE001 - closing the connection releases it anyway
                log.debug("advisory unlock failed; the connection close releases it", exc_info=True)
            self._conn = None
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
