"""A settable clock, a job context over a tmp_path inbox with log channels, and files dropped with a chosen mtime."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import func, select

from monitor.alerts.receivers import ReceiversFile
from monitor.channels.log import LogChannel
from monitor.inbox.scan import scan_inbox
from monitor.jobs import JobContext
from monitor.settings import InboxSettings, Settings
from monitor.storage import outbox_store
from monitor.storage.tables import inbox_files

START = datetime(2025, 7, 1, 2, 0, tzinfo=timezone.utc)  # 10:00 in Asia/Shanghai
AS_OF = date(2025, 7, 1)
HEADER = "地区,指标,期间,数值,单位\n"

# 城口县's group gets its county's files; everything else goes to the city (also the digest receiver)
RECEIVERS = {
    "receivers": [{"name": "city", "log": {}}, {"name": "chengkou", "log": {}}],
    "route": {"receiver": "city", "routes": [{"matchers": {"region": "城口县"}, "receiver": "chengkou"}]},
    "digest_receivers": ["city"],
}


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Inbox:
    """The folder, the job context and what the receivers were sent."""

    def __init__(self, engine, folder: Path, clock: Clock, settle: float = 5.0):  # type: ignore[no-untyped-def]
        self.folder = folder
        self.clock = clock
        self.streams = {"city": io.StringIO(), "chengkou": io.StringIO()}
        self.channels = {name: LogChannel(stream=stream) for name, stream in self.streams.items()}
        settings = Settings(database_url="sqlite://", inbox=InboxSettings(path=folder, settle_seconds=settle))
        config = SimpleNamespace(receivers=ReceiversFile.model_validate(RECEIVERS))
        self.ctx = JobContext(engine, settings, config, self.channels, clock, "test:1")

    def scan(self) -> str:
        return scan_inbox(self.ctx)

    def scan_settled(self, wait: float = 10.0) -> str:
        """One scan to sight the files, then another after ``wait`` seconds, whose summary is returned."""
        self.scan()
        self.clock.advance(wait)
        return self.scan()

    def drop(self, name: str, content: str | bytes, *, age: float = 60.0, encoding: str = "utf-8") -> Path:
        """Write a file whose modification time is ``age`` seconds before the clock."""
        path = self.folder / name
        path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
        self.set_mtime(path, age)
        return path

    def set_mtime(self, path: Path, age: float) -> None:
        stamp = int((self.clock.now.timestamp() - age) * 1e9)
        os.utime(path, ns=(stamp, stamp))

    def names(self, sub: str | None = None) -> list[str]:
        folder = self.folder / sub if sub else self.folder
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))

    def outbox_rows(self) -> list[dict]:
        with self.ctx.engine.connect() as conn:
            return outbox_store.listing(conn, None, 100)


def count(engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar())


def recorded(engine) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return sorted((r.file_name, r.outcome) for r in conn.execute(select(inbox_files)))

