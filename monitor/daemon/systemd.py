"""Tell systemd how the daemon is doing (``Type=notify``): READY once its signal handlers are in place, STATUS as
its role changes, STOPPING when it stops. Nothing happens outside systemd (no ``NOTIFY_SOCKET``).

With ``Type=notify`` systemd holds back a ``systemctl reload`` until the daemon said READY, so a SIGHUP never
reaches a process that cannot handle it yet.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


def notify(*fields: str) -> bool:
    """Send ``fields`` (e.g. "READY=1", "STATUS=standby") to systemd; False when not run by systemd or it failed."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall("\n".join(fields).encode())
        return True
    except OSError as exc:
        log.debug("could not notify systemd: %s", exc)
        return False
