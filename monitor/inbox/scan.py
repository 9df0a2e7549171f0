"""The inbox job: take each settled file in the inbox folder, import it whole or refuse it whole, move it out.

For each file that has settled (the rule is in :mod:`monitor.inbox.folder`):

1. Hash its bytes. Content already imported (a row in ``inbox_files``) is a duplicate: it moves to ``processed/``
   with a ``.duplicate.txt`` note and is not imported again.
2. Read and validate it completely (:mod:`monitor.actuals`), as ``monitor actuals import`` does.
3. A good file: one transaction inserts its ``inbox_files`` row first (a second scanner of the same content then
   waits, and fails on the primary key), stores the values and records the counts; then the file moves to
   ``processed/``.
4. A refused file (any validation problem, or unreadable): ``<name>.errors.txt`` is written into ``rejected/``; one
   transaction records the rejection and queues the message for the county's receivers (the deliver job sends
   it); then the file moves to ``rejected/``.

A crash after a commit and before the move leaves the file in the inbox, and the next scan finds its content in
``inbox_files``: an imported file then moves as a duplicate, so nothing is imported twice; a rejected one is
checked again (the plans may have changed since), which may queue its message a second time. Name collisions in
``processed/`` and ``rejected/`` get a timestamp suffix; nothing is overwritten.

A file whose name is not UTF-8 is refused (whatever its content) under the name :func:`folder.safe_name` gives it,
so its name can be recorded, shown and sent. When ``processed/`` or ``rejected/`` is a symbolic link (or otherwise
not a folder inside the inbox) no file is taken: the scan fails with a configuration error naming it.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from monitor import service
from monitor.actuals.catalogue import Catalogue, RegionRef
from monitor.actuals.reader import RawTable, read_table
from monitor.actuals.validate import Checked, check
from monitor.alerts.routing import destinations
from monitor.errors import ConfigError, DataError, MonitorError, Problem
from monitor.inbox import records
from monitor.inbox.folder import (
    PROCESSED,
    REJECTED,
    Seen,
    Sightings,
    candidates,
    destination_problem,
    free_name,
    move,
    safe_name,
    write_atomically,
)
from monitor.inbox.report import duplicate_note, errors_text, regions_named, rejection_message
from monitor.jobs import JobContext
from monitor.storage import actual_store, outbox_store

log = logging.getLogger(__name__)

SUBMITTED_BY = "inbox"  # 报送人 of rows that do not name one
LABEL_KIND = "submission"  # the routing label shared with submission reminders, so one route can take both
OUTBOX_KIND = "inbox"  # how `monitor outbox list` shows these messages
REPORT_SUFFIX = ".errors.txt"
NOTE_SUFFIX = ".duplicate.txt"
_DETAIL_LIMIT = 20000


@dataclass
class Tally:
    imported: int = 0
    rejected: int = 0
    duplicate: int = 0
    skipped: int = 0  # taken by another scanner meanwhile
    failed: int = 0  # an unexpected error; left in place for the next scan
    waiting: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        handled = self.imported + self.rejected + self.duplicate + self.skipped + self.failed
        text = f"处理 {handled} 个文件：导入 {self.imported} 个，退回 {self.rejected} 个"
        for name, words in (("duplicate", "重复"), ("skipped", "已由其他进程处理"), ("failed", "出错")):
            if getattr(self, name):
                text += f"，{words} {getattr(self, name)} 个"
        return text + (f"；{self.waiting} 个文件等待写完" if self.waiting else "")


def scan_inbox(ctx: JobContext) -> str:
    """Take every settled file in the inbox folder once; returns a one-line summary."""
    settings = ctx.settings.inbox
    if settings.path is None:
        return "未配置收件箱文件夹"
    folder = Path(settings.path)
    if not folder.is_dir():
        raise ConfigError(f"收件箱文件夹 {folder} 不存在（MONITOR_INBOX__PATH）")
    unsafe = [problem for problem in (destination_problem(folder, folder / sub) for sub in (PROCESSED, REJECTED))
              if problem]
    if unsafe:
        for problem in unsafe:
            log.error("inbox: %s; no file is taken until it is fixed", problem)
        raise ConfigError("；".join(unsafe) + "；没有处理任何文件")
    sightings = Sightings(folder)
    try:
        ready, waiting = sightings.settled(candidates(folder), ctx.clock(), timedelta(seconds=settings.settle_seconds))
        tally = Tally(waiting=len(waiting))
        if ready:
            inbox = _Inbox(ctx, folder, service.catalogue(ctx.engine))
            for seen in ready:
                _take_one(inbox, seen, tally, sightings)
    finally:
        sightings.save()
    summary = tally.summary()
    if tally.errors:
        raise MonitorError(f"{summary}；" + "；".join(tally.errors))
    return summary


def _take_one(inbox: _Inbox, seen: Seen, tally: Tally, sightings: Sightings) -> None:
    name = safe_name(seen.path.name)
    try:
        outcome = inbox.take(seen.path)
    except Exception as exc:  # noqa: BLE001 - one file must not stop the others; the run is still an error
        log.exception("inbox: %s failed and stays in the inbox for the next scan", name)
        tally.failed += 1
        tally.errors.append(f"{name}: {type(exc).__name__}: {exc}")
        return
    if outcome == "changed":
        tally.waiting += 1
    else:
        setattr(tally, outcome, getattr(tally, outcome) + 1)
    sightings.forget(seen.path.name)


class _Inbox:
    """What one scan needs for every file: the context, the folders and the plans' catalogue."""

    def __init__(self, ctx: JobContext, folder: Path, catalogue: Catalogue):
        self.ctx = ctx
        self.processed = folder / PROCESSED
        self.rejected = folder / REJECTED
        self.catalogue = catalogue

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.ctx.settings.tz)

    def take(self, path: Path) -> str:
        """imported, rejected, duplicate, skipped, or changed (written to since it settled: wait again)."""
        name = safe_name(path.name)  # the name shown, recorded and moved to: path.name unless it is not UTF-8
        try:
            sha256 = _sha256(path)  # in chunks: a huge file is refused by the reader, not read into memory here
        except FileNotFoundError:
            return "skipped"
        with self.ctx.engine.connect() as conn:
            known = records.recorded(conn, sha256)
        if known is not None and known.outcome == records.IMPORTED:
            return self._duplicate(path, name, sha256, known)
        table: RawTable | None = None
        try:
            table = _read(path, name)
            if table.sha256 != sha256:
                return "changed"
            checked = check(table, self.catalogue, submitted_by=SUBMITTED_BY)
        except DataError as error:
            return self._reject(path, name, sha256, table, _name_refused(path.name, name, error), known)
        if name != path.name:
            return self._reject(path, name, sha256, table, _name_refused(path.name, name, None), known)
        return self._import(path, sha256, checked, known)

    def _duplicate(self, path: Path, name: str, sha256: str, known: records.InboxFile) -> str:
        target = free_name(self.processed, name, self.local(self.ctx.clock()), room=len(NOTE_SUFFIX))
        note = duplicate_note(original_name=name, first_name=known.file_name,
                              first_at=self.local(known.processed_at), sha256=sha256)
        write_atomically(target.with_name(target.name + NOTE_SUFFIX), note, newline="\r\n", destination=True)
        move(path, target)
        log.info("inbox: %s has the content of %s, imported before; moved to %s", name, known.file_name, target)
        return "duplicate"

    def _import(self, path: Path, sha256: str, checked: Checked, known: records.InboxFile | None) -> str:
        now = self.ctx.clock()
        try:
            with self.ctx.engine.begin() as conn:
                if not records.record(conn, sha256=sha256, file_name=path.name, outcome=records.IMPORTED, now=now,
                                      detail=None, replaces=known):
                    return "skipped"
                result = actual_store.store_actuals(conn, checked.rows, file_name=path.name, sha256=sha256,
                                                    submitted_by=SUBMITTED_BY, now=now)
                blank = f"，{len(checked.blank)} 行未填数值" if checked.blank else ""
                records.set_detail(conn, sha256, f"{result.rows} 行：新数值 {result.new} 个，修订 {result.revised} 个，"
                                                 f"未变 {result.unchanged} 个{blank}")
        except IntegrityError as exc:
            return self._lost_race(sha256, exc)
        target = move(path, free_name(self.processed, path.name, self.local(now)))
        log.info("inbox: imported %s (%d rows, %d new, %d revised); moved to %s", path.name, result.rows,
                 result.new, result.revised, target)
        return "imported"

    def _reject(self, path: Path, name: str, sha256: str, table: RawTable | None, error: DataError,
                known: records.InboxFile | None) -> str:
        now = self.ctx.clock()
        target = free_name(self.rejected, name, self.local(now), room=len(REPORT_SUFFIX))
        report = target.with_name(target.name + REPORT_SUFFIX)
        write_atomically(report, errors_text(error, file_name=target.name, original_name=name, sha256=sha256,
                                             when=self.local(now)), newline="\r\n", destination=True)
        regions = regions_named(table, self.catalogue)
        region = regions[0] if len(regions) == 1 else None  # several regions: a municipal file, for the digest
        try:
            with self.ctx.engine.begin() as conn:
                if not records.record(conn, sha256=sha256, file_name=name, outcome=records.REJECTED, now=now,
                                      detail=error.report()[:_DETAIL_LIMIT], replaces=known):
                    report.unlink(missing_ok=True)
                    return "skipped"
                told = self._tell(conn, error, name, sha256, region, report.name, now)
        except IntegrityError as exc:
            report.unlink(missing_ok=True)
            return self._lost_race(sha256, exc)
        move(path, target)
        log.info("inbox: refused %s (%d problems); moved to %s; message queued for %s", name,
                 len(error.problems), target, ", ".join(told) or "nobody")
        return "rejected"

    def _tell(self, conn: Connection, error: DataError, file_name: str, sha256: str, region: RegionRef | None,
              report_name: str, now: datetime) -> list[str]:
        """Queue the message for the region's receivers (by the route), else for the digest receivers."""
        receivers = self.ctx.config.receivers  # type: ignore[attr-defined]
        labels = {"kind": LABEL_KIND, "severity": "warning"}
        if region is not None:
            labels = {"region": region.name, "region_code": region.code, **labels}
            names = [d.receiver for d in destinations(receivers.route, labels)]
        else:
            names = receivers.digest_targets
        told = []
        for name in names:
            channel = self.ctx.channels.get(name)
            if channel is None:
                log.warning("inbox: receiver %s has no channel; %s is not announced to it", name, file_name)
                continue
            message = rejection_message(error, channel_kind=receivers.receiver(name).kind, receiver=name,
                                        file_name=file_name, region=region, report_name=report_name,
                                        when=self.local(now), labels=labels)
            outbox_store.enqueue(conn, receiver=name, channel=channel.kind, target=channel.target(),
                                 kind=OUTBOX_KIND, group_key=f"{name}:{OUTBOX_KIND}:{sha256[:16]}",
                                 message=message, payloads=channel.parts(message), budget=channel.max_bytes,
                                 fingerprints=[], now=now)
            told.append(name)
        return told

    def _lost_race(self, sha256: str, exc: IntegrityError) -> str:
        """After an IntegrityError: skipped when another scanner recorded the content, else a real error."""
        with self.ctx.engine.connect() as conn:
            if records.recorded(conn, sha256) is None:
                raise exc
        log.info("inbox: content %s was taken by another scanner", sha256[:12])
        return "skipped"


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _read(path: Path, name: str) -> RawTable:
    """read_table, with a workbook that trips the Excel reader refused like any other unreadable file."""
    try:
        return read_table(path, name=name)
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken file is the sender's problem, not a crash of the job
        log.warning("inbox: %s cannot be read", name, exc_info=True)
        problem = Problem(name, None, None, f"文件无法读取（{type(exc).__name__}），可能已损坏",
                          ".csv 文件，或用 Excel、WPS 保存的 .xlsx 文件")
        raise DataError(f"{name}：无法读取，未导入任何数据", [problem], chinese=True) from exc


def _name_refused(raw: str, name: str, error: DataError | None) -> DataError:
    """``error`` (the content's problems, if any), with the problem of a file name that is not UTF-8 first."""
    if raw == name and error is not None:
        return error
    how = "无法识别的字节写成了 %XX" if _escaped(raw) else "看来是 GBK 编码"
    problem = Problem(name, None, None, f"文件名不是 UTF-8 编码（{how}，读作“{name}”），服务器不能按原名记录和回复",
                      "UTF-8 编码的文件名：在 Windows 中直接复制到报送文件夹即可；用压缩包或 FTP 传送时请选用 UTF-8 文件名")
    problems = [problem, *(error.problems if error else [])]
    return DataError(f"{name}：文件名不是 UTF-8 编码，未导入任何数据", problems, chinese=True)


def _escaped(raw: str) -> bool:
    """True when safe_name had to write bytes of ``raw`` as %XX (they are not GB18030 either)."""
    try:
        return not os.fsencode(raw).decode("gb18030").isprintable()
    except UnicodeDecodeError:
        return True
