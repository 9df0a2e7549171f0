"""Waiting as a standby, and taking over from an active daemon that died, lost its lock or froze.

A standby (PostgreSQL) tries the advisory lock every ``poll_seconds`` and watches the heartbeats of the active
instances. It judges a heartbeat by how long it has *stood still as seen here* (its own monotonic clock), so the
clocks of other machines do not matter; a heartbeat already older than ``stale_seconds`` plus a minute by the wall
clock counts as stopped at once (an instance that died long ago).

- The lock is free (the active died, stopped or lost its connection): the standby takes it, then waits until every
  other active instance has been still for the active's lease (``stale_seconds / 2``) and a second, after which an
  active that lost its lock has stopped its own work (monitor.daemon.runner), and marks those rows stopped.
  An instance that stopped cleanly has already marked its row: no wait.
- The lock is held but the active's heartbeat has been still for ``stale_seconds`` (a frozen process, a scheduler
  that stalls): the standby ends the lock's session on the server (``pg_terminate_backend``) and takes the lock.
  The frozen process, when it runs again, finds its lease ran out and its lock gone, sends nothing and exits non-zero.
- The database cannot be reached: the standby says so once, keeps trying, and says when it is back.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update

from monitor.daemon.lock import InstanceLock
from monitor.daemon.settings import DaemonSettings
from monitor.storage.tables import instances

log = logging.getLogger(__name__)

DEAD_BEYOND = timedelta(seconds=60)  # by the wall clock, on top of stale_seconds: allows that much clock skew
MARGIN = 1.0  # seconds between an active confirming its lease and its heartbeat being visible here


class HeartbeatWatch:
    """How long each other active instance's heartbeat has stood still, as observed here (pure)."""

    def __init__(self, dead_after: timedelta):
        self.dead_after = dead_after
        self._seen: dict[str, tuple[datetime, float]] = {}  # instance → (heartbeat_at, first seen at, monotonic)

    def observe(self, rows: Iterable[tuple[str, datetime]], now: datetime, mono: float) -> None:
        """``rows``: (instance, heartbeat_at) of every *other* instance holding the active role now."""
        seen = {}
        for instance, beat in rows:
            before = self._seen.get(instance)
            if now - beat > self.dead_after:
                seen[instance] = (beat, -math.inf)
            elif before is not None and before[0] == beat:
                seen[instance] = before
            else:
                seen[instance] = (beat, mono)
        self._seen = seen

    @property
    def actives(self) -> list[str]:
        return sorted(self._seen)

    def still_for(self, mono: float) -> float:
        """Seconds the *least* still of them has stood still (infinite when there is none)."""
        return min((mono - since for _, since in self._seen.values()), default=math.inf)


class Standby:
    def __init__(self, lock: InstanceLock, engine: Engine, instance: str, settings: DaemonSettings,
                 clock: Callable[[], datetime], monotonic: Callable[[], float] = time.monotonic):
        self.lock, self.engine, self.instance, self.settings = lock, engine, instance, settings
        self.clock, self.monotonic = clock, monotonic
        self.watch = HeartbeatWatch(timedelta(seconds=settings.stale_seconds) + DEAD_BEYOND)

    def wait(self, stop_wait: Callable[[float], bool], on_poll: Callable[[], None]) -> bool:
        """Take the lock (waiting as a standby with PostgreSQL); False when told to stop first.

        ``stop_wait(seconds)`` sleeps and returns True when the daemon should stop (a threading.Event.wait);
        ``on_poll`` runs after every try (the standby heartbeat, noting signals); its database errors are waited out.
        With SQLite a held lock raises the ConfigError of :meth:`InstanceLock.refuse`.
        """
        announced = unreachable = waiting_for_predecessor = False
        while True:
            try:
                self._look()
                if self._ours():
                    if self._predecessors_stopped():
                        return True
                    if not waiting_for_predecessor:
                        log.warning("took the instance lock; waiting up to %.0f s for %s to stop its work",
                                    self.settings.lease_seconds + MARGIN, ", ".join(self.watch.actives))
                        waiting_for_predecessor = True
                elif not self.lock.waits:
                    raise self.lock.refuse()
                else:
                    if not announced:
                        log.info("another daemon is active; waiting as a standby (%s)", self.lock.describe())
                        announced = True
                    if self._end_stale_holder() and self._ours() and self._predecessors_stopped():
                        return True
                on_poll()
                if unreachable:
                    log.info("the database is reachable again; still waiting as a standby")
                    unreachable = False
            except Exception as exc:  # noqa: BLE001 - a standby outlives any database outage
                if not self.lock.waits:
                    raise
                if not unreachable:
                    log.warning("the database cannot be reached while waiting as a standby (%s); trying again every "
                                "%.0f s", type(exc).__name__, self.settings.poll_seconds)
                    unreachable = True
            if stop_wait(1.0 if waiting_for_predecessor else self.settings.poll_seconds):
                return False

    def _ours(self) -> bool:
        if self.lock.owned:
            if self.lock.held():
                return True
            self.lock.drop()
        return self.lock.try_acquire()

    def _look(self) -> None:
        with self.engine.connect() as conn:
            rows = conn.execute(select(instances.c.instance, instances.c.heartbeat_at).where(
                instances.c.role == "active", instances.c.instance != self.instance)).all()
        self.watch.observe([(r.instance, r.heartbeat_at) for r in rows], self.clock(), self.monotonic())

    def _predecessors_stopped(self) -> bool:
        """Every other active instance has been still past its lease; then their rows are marked stopped."""
        # with SQLite the file lock is proof enough: no other process holds it, frozen or not
        if self.lock.waits and self.watch.still_for(self.monotonic()) < self.settings.lease_seconds + MARGIN:
            return False
        if self.watch.actives:
            with self.engine.begin() as conn:
                conn.execute(update(instances).where(instances.c.instance.in_(self.watch.actives),
                                                     instances.c.role == "active").values(role="stopped"))
            log.warning("took over from %s (no heartbeat for over %.0f s)", ", ".join(self.watch.actives),
                        self.settings.lease_seconds)
        else:
            log.info("took over as the active daemon")
        return True

    def _end_stale_holder(self) -> bool:
        still = self.watch.still_for(self.monotonic())
        if not self.watch.actives or still < self.settings.stale_seconds:
            return False
        pid = self.lock.holder()
        if pid is None or not self.lock.end_holder(pid):
            return False
        log.warning("active daemon %s has not written a heartbeat for %.0f s (limit %.0f s); ended its lock session "
                    "(server process %d) to take over", ", ".join(self.watch.actives), still,
                    self.settings.stale_seconds, pid)
        return True
