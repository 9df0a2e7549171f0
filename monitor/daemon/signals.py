"""Signals, noted from the first moment of `monitor run`: the handlers only count, the daemon acts on the counts.

SIGTERM and SIGINT ask the daemon to stop (also before it is active: a standby or a daemon still starting stops
at once). SIGHUP asks for a reload; a standby or a starting daemon notes it, logs it and applies it once active,
so `systemctl reload` never takes down a process that is not yet the active daemon.
"""

from __future__ import annotations

import signal
from collections.abc import Callable


class Signals:
    def __init__(self) -> None:
        self.reloads = 0  # SIGHUPs received
        self.stops = 0  # SIGTERMs and SIGINTs received
        self._on_stop: Callable[[], None] | None = None

    def install(self) -> Signals:
        signal.signal(signal.SIGHUP, self._hup)
        signal.signal(signal.SIGTERM, self._term)
        signal.signal(signal.SIGINT, self._term)
        return self

    def on_stop(self, action: Callable[[], None]) -> None:
        """Run ``action`` on SIGTERM/SIGINT, and now if one came already."""
        self._on_stop = action
        if self.stops:
            action()

    def _hup(self, *_: object) -> None:
        self.reloads += 1

    def _term(self, *_: object) -> None:
        self.stops += 1
        if self._on_stop is not None:
            self._on_stop()
