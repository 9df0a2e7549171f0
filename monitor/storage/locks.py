"""A lock that makes one piece of work exclusive across processes sharing one database.

Used around the alert evaluation and queuing of one notify run (``monitor check --notify`` from cron, and the
daemon's assess job): two runs that overlap must not both read the same stored alert states and both queue the
same messages. The second run waits for the first and then sees its states.

- **PostgreSQL**: a session-level advisory lock (``pg_try_advisory_lock``) on a connection of its own, held until
  the work is done. The key is derived from the lock's name, so it never meets the daemon's instance lock.
- **SQLite**: ``flock`` on a file next to the database file (``<database>.<name>.lock``). A SQLite database lives on
  one machine, so a file lock covers every process that can open it, and it does not hold the database's write
  lock (deliverers keep writing while an evaluation runs).
- **In-memory SQLite**: a lock within the process (no other process can open that database).

Both are released by the server or the kernel when the holder dies, kill -9 included: a crashed run never leaves
the lock behind. Waiting polls every :data:`POLL_SECONDS`; past ``wait`` seconds :class:`LockTimeout` (a
MonitorError: one line, exit 3) is raised, and ``should_stop`` (the daemon's SIGTERM) ends the wait early.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from monitor.errors import MonitorError

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2
_process_locks: dict[str, threading.Lock] = {}
_process_locks_guard = threading.Lock()


class LockTimeout(MonitorError):
    """The lock stayed held by another process for longer than the caller would wait."""


def advisory_key(name: str) -> int:
    """A signed 64-bit PostgreSQL advisory lock key for ``name`` (the same in every process)."""
    return int.from_bytes(hashlib.sha256(f"plan-monitor:{name}".encode()).digest()[:8], "big", signed=True)


def lock_file(engine: Engine, name: str) -> Path | None:
    """The file whose flock stands for the lock on a SQLite file database (None for other databases)."""
    database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database)
    return path.with_name(f"{path.name}.{name}.lock")


@contextmanager
def exclusive(engine: Engine, name: str, *, wait: float, what: str,
              should_stop: Callable[[], bool] = lambda: False) -> Iterator[None]:
    """Hold the lock ``name`` on ``engine``'s database for the block; wait up to ``wait`` seconds for it.

    ``what`` names the work in the messages ("the alert evaluation"). Raises :class:`LockTimeout` when the lock is
    still held after ``wait`` seconds, or when ``should_stop()`` turns true while waiting.
    """
    backend = engine.url.get_backend_name()
    if backend == "postgresql":
        holder = _AdvisoryLock(engine, advisory_key(name))
    else:
        path = lock_file(engine, name)
        holder = _FileLock(path) if path is not None else _ProcessLock(f"{engine.url}:{name}")
    _acquire(holder, wait, what, should_stop)
    try:
        yield
    finally:
        holder.release()


def _acquire(holder: _AdvisoryLock | _FileLock | _ProcessLock, wait: float, what: str,
             should_stop: Callable[[], bool]) -> None:
    try:
        _wait_for(holder, wait, what, should_stop)
    except BaseException:
        holder.close()
        raise


def _wait_for(holder: _AdvisoryLock | _FileLock | _ProcessLock, wait: float, what: str,
              should_stop: Callable[[], bool]) -> None:
    deadline = time.monotonic() + wait
    if holder.try_acquire():
        return
    log.info("%s is running in another process; waiting up to %.0f s for it to finish", what, wait)
    while True:
        if should_stop():
            raise LockTimeout(f"stopped while waiting for {what} running in another process")
        if time.monotonic() >= deadline:
            raise LockTimeout(f"{what} has been running in another process for more than {wait:.0f} s")
        time.sleep(POLL_SECONDS)
        if holder.try_acquire():
            log.info("%s: the other process has finished; going on", what)
            return


class _AdvisoryLock:
    def __init__(self, engine: Engine, key: int):
        self.engine, self.key = engine, key
        self._conn = engine.connect()

    def try_acquire(self) -> bool:
        got = bool(self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
        self._conn.commit()
        return got

    def release(self) -> None:
        try:
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            self._conn.commit()
        except Exception:  # noqa: BLE001 - a connection that cannot unlock must not go back to the pool
            log.debug("advisory unlock failed; discarding the connection releases the lock", exc_info=True)
            self._conn.invalidate()
        self.close()

    def close(self) -> None:
        self._conn.close()


class _FileLock:
    def __init__(self, path: Path):
        import fcntl

        self._fcntl = fcntl
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)

    def try_acquire(self) -> bool:
        assert self._fd is not None
        try:
            self._fcntl.flock(self._fd, self._fcntl.LOCK_EX | self._fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def release(self) -> None:
        if self._fd is not None:
            self._fcntl.flock(self._fd, self._fcntl.LOCK_UN)
        self.close()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class _ProcessLock:
    def __init__(self, key: str):
        with _process_locks_guard:
            self._lock = _process_locks.setdefault(key, threading.Lock())
        self._held = False

    def try_acquire(self) -> bool:
        self._held = self._lock.acquire(blocking=False)
        return self._held

    def release(self) -> None:
        if self._held:
            self._lock.release()
            self._held = False

    def close(self) -> None:
        pass
