"""The log channel: the fallback when no receivers are configured. It "sends" by printing a readable block.

Nothing leaves the machine, so every part is accepted; the printed blocks are also kept in ``printed`` for tests
and for ``monitor`` commands that want to show what would have been sent.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any, TextIO

from monitor.channels.base import Message, RateLimit, Receipt

RULE = "─" * 40


class LogChannel:
    kind = "log"
    max_bytes: int | None = None
    rate_limits: tuple[RateLimit, ...] = ()

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream
        self.printed: list[str] = []

    def __repr__(self) -> str:
        return "LogChannel()"

    def target(self) -> str:
        return "log:stdout" if self.stream is None else "log:stream"

    def parts(self, message: Message, max_bytes: int | None = None) -> list[dict[str, Any]]:
        return [{"title": message.title, "text": message.text}]

    def send(self, payload: dict[str, Any], *, now: datetime) -> Receipt:
        block = f"{RULE}\n{payload.get('title', '')}\n{now.isoformat(timespec='seconds')}\n\n{payload.get('text', '')}"
        block = block.rstrip("\n") + f"\n{RULE}\n"
        stream = self.stream if self.stream is not None else sys.stdout  # looked up now, so capture works
        stream.write(block)
        stream.flush()
        self.printed.append(block)
        return Receipt(errmsg="printed")
