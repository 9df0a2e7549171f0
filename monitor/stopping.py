"""The process-wide stop request: SIGTERM asks every delivery running in the process to finish the parts in hand
and take no new one.

A module of its own with nothing but the standard library, so the daemon imports it before it installs its signal
handlers and a handler never imports anything: a signal that arrives while the main thread is importing the
deliverer would otherwise find that module half initialised.
"""

from __future__ import annotations

import threading

_event = threading.Event()


def stop_all() -> None:
    """Ask every delivery running in this process to finish the parts in hand and take no new one (SIGTERM)."""
    _event.set()


def stopping() -> bool:
    """Whether :func:`stop_all` was called in this process (the daemon is stopping)."""
    return _event.is_set()
