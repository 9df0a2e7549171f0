"""A channel that sends only while the daemon may work: the last check before any message leaves.

An active daemon that froze (SIGSTOP, a stalled machine) may have parts in hand when it runs again; by then a standby
may have taken over. Its lease (monitor.daemon.runner) ran out while it was frozen, so every send it still tries is
refused here as a retryable error: the part stays in the outbox for the active daemon.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from monitor.channels.base import Channel, DeliveryError, Receipt


class FencedChannel:
    def __init__(self, inner: Channel, may_send: Callable[[], bool]):
        self._inner, self._may_send = inner, may_send

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def send(self, payload: dict[str, Any], *, now: datetime) -> Receipt:
        if not self._may_send():
            raise DeliveryError("this daemon is no longer the active one; the part is left for the active daemon",
                                "retry")
        return self._inner.send(payload, now=now)


def fenced(channels: Mapping[str, Channel], may_send: Callable[[], bool]) -> dict[str, Channel]:
    return {name: FencedChannel(channel, may_send) for name, channel in channels.items()}  # type: ignore[misc]
