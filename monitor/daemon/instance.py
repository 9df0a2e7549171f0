"""The daemon's row in ``instances``: its role (active, standby, stopped) and heartbeat, read by `monitor status`,
`monitor health`, the metrics and the standbys."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine, insert, update

from monitor.storage.tables import instances

log = logging.getLogger(__name__)


def write_heartbeat(engine: Engine, instance: str, role: str, now: datetime) -> datetime:
    with engine.begin() as conn:
        done = conn.execute(update(instances).where(instances.c.instance == instance)
                            .values(heartbeat_at=now, role=role)).rowcount
        if not done:
            conn.execute(insert(instances).values(instance=instance, hostname=socket.gethostname(), pid=os.getpid(),
                                                  started_at=now, heartbeat_at=now, role=role))
    return now


def mark_stopped(engine: Engine, instance: str, clock: Callable[[], datetime], attempts: int = 3) -> None:
    """The row says stopped, so `monitor health` counts one active after a take-over; a database that is
    restarting gets a few tries (then the next active daemon marks the row when it takes over)."""
    for attempt in range(attempts):
        try:
            with engine.begin() as conn:
                conn.execute(update(instances).where(instances.c.instance == instance).values(
                    role="stopped", heartbeat_at=clock()))
            return
        except Exception as exc:  # noqa: BLE001 - exiting anyway
            if attempt == attempts - 1:
                log.warning("could not mark the instance stopped (%s); the next active daemon marks it",
                            type(exc).__name__)
            else:
                time.sleep(1.0)
