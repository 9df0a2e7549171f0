"""``inbox_files``: every file the inbox has taken, by the SHA-256 of its content, and what became of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from monitor.storage.tables import inbox_files

IMPORTED, REJECTED = "imported", "rejected"


@dataclass(frozen=True)
class InboxFile:
    sha256: str
    file_name: str
    outcome: str
    processed_at: datetime
    detail: str | None


def _row(found) -> InboxFile:  # type: ignore[no-untyped-def]
    return InboxFile(found.sha256, found.file_name, found.outcome, found.processed_at, found.detail)


def recorded(conn: Connection, sha256: str) -> InboxFile | None:
    found = conn.execute(select(inbox_files).where(inbox_files.c.sha256 == sha256)).first()
    return None if found is None else _row(found)


def record(conn: Connection, *, sha256: str, file_name: str, outcome: str, now: datetime, detail: str | None,
           replaces: InboxFile | None) -> bool:
    """Insert the file's row, or take over the row of an earlier rejection of the same content.

    Inserting first in the transaction makes a second scanner of the same content wait for this one and then fail
    on the primary key (an IntegrityError), so a file is never imported twice. Taking over answers False when
    another scanner imported the content meanwhile.
    """
    values = dict(file_name=file_name, outcome=outcome, processed_at=now, detail=detail)
    if replaces is None:
        conn.execute(insert(inbox_files).values(sha256=sha256, **values))
        return True
    result = conn.execute(update(inbox_files).where(
        inbox_files.c.sha256 == sha256, inbox_files.c.outcome == REJECTED).values(**values))
    return result.rowcount == 1


def set_detail(conn: Connection, sha256: str, detail: str) -> None:
    conn.execute(update(inbox_files).where(inbox_files.c.sha256 == sha256).values(detail=detail))


def recent(conn: Connection, limit: int = 50) -> list[InboxFile]:
    query = select(inbox_files).order_by(inbox_files.c.processed_at.desc(), inbox_files.c.file_name).limit(limit)
    return [_row(found) for found in conn.execute(query)]
