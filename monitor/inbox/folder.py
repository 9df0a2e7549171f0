"""The inbox folder on disk: which files are candidates, when a file has settled, and moving files out of it.

Candidates are regular files directly in the folder named ``*.csv``, ``*.xlsx``, ``*.xlsm`` or ``*.xls`` (the
reader refuses .xls with a plain explanation, which is better than silence). Ignored: hidden files (``.x``), Office
and WPS lock and temp files (``~$x.xlsx``, ``~x.tmp``), partial downloads and copies (``.part``, ``.tmp``,
``.crdownload`` …), symbolic links, and every subfolder (``processed/`` and ``rejected/`` among them).

The settle rule. A file is taken only when both hold, judged by the clock passed in:

1. its modification time is at least ``settle`` before now, and
2. an earlier scan saw it with the same size and modification time, at least ``settle`` before now.

(1) alone misses copies that keep the source's old modification time (``cp -p``, ``rsync -t``, Windows Explorer
copying onto a share); (2) alone misses a writer that pauses. Sightings are kept in the hidden file
``.monitor-inbox.json`` in the folder, so the daemon and a cron-run ``monitor inbox scan`` share them and a
restart loses nothing; losing the file only delays files by one scan. A modification time in the future (a share
whose clock is ahead) counts as just modified. With ``settle`` = 0 both conditions hold at the first sighting:
files are taken at once (for tests, and for folders that receive files only by atomic rename).

Names. A name that is not UTF-8 (GBK bytes from a Windows zip or FTP client) is shown and moved as
:func:`safe_name` gives it. Names moved out, with the timestamp and counter :func:`free_name` may add and the
``.errors.txt`` beside them, are kept within the 255 bytes a Linux file name may have by shortening the stem
(:func:`fit_name`). ``processed/`` and ``rejected/`` must be real folders inside the inbox
(:func:`destination_problem`): no file is moved or written through a symbolic link. (The inbox folder itself may
be a link, e.g. to a mounted share.)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

log = logging.getLogger(__name__)

SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls")
TEMP_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".filepart", ".swp", ".lock")
TEMP_PREFIXES = (".", "~")  # hidden files, ~$book.xlsx lock files, ~WRL0001.tmp
PROCESSED = "processed"
REJECTED = "rejected"
STATE_FILE = ".monitor-inbox.json"
NAME_MAX = 255  # bytes in one file name: ext4, xfs, btrfs, and CIFS/SMB mounts
_STAMP_ROOM = len("-20250701-100020-99999")  # what free_name may add to a taken name


class UnsafeFolderError(OSError):
    """A destination folder of the inbox is a symbolic link: nothing is moved or written through it."""


def is_candidate(name: str) -> bool:
    """True for a file name the inbox may take (see the module docstring)."""
    lower = name.lower()
    if name.startswith(TEMP_PREFIXES) or lower.endswith(TEMP_SUFFIXES):
        return False
    return os.path.splitext(lower)[1] in SUFFIXES


@dataclass(frozen=True)
class Seen:
    """A file as one scan found it."""

    path: Path
    size: int
    mtime_ns: int

    @property
    def mtime(self) -> datetime:
        return datetime.fromtimestamp(self.mtime_ns / 1e9, timezone.utc)


def candidates(folder: Path) -> list[Seen]:
    """Every candidate directly in ``folder``, oldest first (a correction dropped after a file is imported after
    it, so its values become the current revision), then by name."""
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if not entry.is_file(follow_symlinks=False) or not is_candidate(entry.name):
                continue
            try:
                stat = entry.stat(follow_symlinks=False)
            except FileNotFoundError:  # moved away while we looked
                continue
            found.append(Seen(Path(entry.path), stat.st_size, stat.st_mtime_ns))
    return sorted(found, key=lambda s: (s.mtime_ns, s.path.name))


@dataclass(frozen=True)
class Sighting:
    """A file's size and modification time, and when a scan first saw it with exactly these."""

    size: int
    mtime_ns: int
    since: datetime


def sight(previous: Sighting | None, seen: Seen, now: datetime, settle: timedelta) -> tuple[Sighting, bool]:
    """The updated sighting of ``seen`` and whether the file has settled (the rule in the module docstring)."""
    if previous is None or (previous.size, previous.mtime_ns) != (seen.size, seen.mtime_ns):
        previous = Sighting(seen.size, seen.mtime_ns, now)
    quiet = now - seen.mtime >= settle
    watched = now - previous.since >= settle
    return previous, quiet and watched


class Sightings:
    """The sightings of one inbox folder, read from and written to its hidden state file."""

    def __init__(self, folder: Path):
        self.path = folder / STATE_FILE
        self.items: dict[str, Sighting] = {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            self.items = {name: Sighting(int(v["size"]), int(v["mtime_ns"]), datetime.fromisoformat(v["since"]))
                          for name, v in raw.items()}
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("inbox state %s unreadable (%s); files wait one more scan", self.path, exc)
        self._saved = dict(self.items)

    def settled(self, files: list[Seen], now: datetime, settle: timedelta) -> tuple[list[Seen], list[Seen]]:
        """(settled, still waiting); forgets files that are no longer there."""
        ready, waiting = [], []
        current: dict[str, Sighting] = {}
        for seen in files:
            current[seen.path.name], ok = sight(self.items.get(seen.path.name), seen, now, settle)
            (ready if ok else waiting).append(seen)
        self.items = current
        return ready, waiting

    def forget(self, name: str) -> None:
        self.items.pop(name, None)

    def save(self) -> None:
        if self.items == self._saved:
            return
        data = {name: {"size": s.size, "mtime_ns": s.mtime_ns, "since": s.since.isoformat()}
                for name, s in self.items.items()}
        # a name that is not UTF-8 is kept as a JSON escape (\udcb3…), which reads back as the same name
        plain = all(is_utf8(name) for name in data)
        try:
            write_atomically(self.path, json.dumps(data, ensure_ascii=not plain, indent=1), encoding="utf-8")
        except OSError as exc:
            log.warning("cannot write inbox state %s: %s", self.path, exc)
        self._saved = dict(self.items)


def is_utf8(name: str) -> bool:
    """False for a name os.listdir gave with surrogate escapes: its bytes on disk are not UTF-8."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def safe_name(name: str) -> str:
    """A UTF-8 form of a file name, for showing, recording and moving it: the name itself when it is UTF-8; else
    its bytes read as GB18030 (what Chinese Windows writes as "ANSI"), else with each byte that is not UTF-8
    written as %XX."""
    if is_utf8(name):
        return name
    try:
        text = os.fsencode(name).decode("gb18030")
        if text.isprintable():
            return text
    except UnicodeDecodeError:
        pass
    return "".join(f"%{ord(c) - 0xDC00:02X}" if 0xDC80 <= ord(c) <= 0xDCFF else c for c in name)


def fit_name(name: str, limit: int = NAME_MAX) -> str:
    """``name`` if it has at most ``limit`` bytes; else its stem cut (at a character) and marked with a hash of the
    whole name, so two long names that begin alike stay apart, and its extension kept: 长…~3f2a9c1e.csv."""
    if len(os.fsencode(name)) <= limit:
        return name
    stem, suffix = os.path.splitext(name)
    if len(os.fsencode(suffix)) > 16:  # not an extension: a dot near the end of a long name
        stem, suffix = name, ""
    mark = "~" + hashlib.sha256(os.fsencode(name)).hexdigest()[:8]
    room = limit - len(os.fsencode(mark + suffix))
    cut = os.fsencode(stem)[:max(room, 0)].decode("utf-8", "ignore")  # drops a character cut in half
    return cut + mark + suffix


def free_name(folder: Path, name: str, stamp: datetime, *, room: int = 0) -> Path:
    """``folder/name``, or with a timestamp (and a counter) added before the suffix when that name is taken. The
    name is shortened (:func:`fit_name`) so that it, what may be added to it and ``room`` more bytes (for a
    ``.errors.txt`` beside it) fit in one file name."""
    target = folder / fit_name(name, NAME_MAX - room)
    if not _taken(target):
        return target
    stem, suffix = os.path.splitext(fit_name(name, NAME_MAX - room - _STAMP_ROOM))
    base = f"{stem}-{stamp:%Y%m%d-%H%M%S}"
    target, number = folder / f"{base}{suffix}", 1
    while _taken(target):
        number += 1
        target = folder / f"{base}-{number}{suffix}"
    return target


def destination_problem(inbox: Path, folder: Path) -> str | None:
    """Why files must not be moved into ``folder`` (``processed/`` or ``rejected/`` of ``inbox``), or None: it
    must be a real folder directly inside the inbox, or not exist yet."""
    if folder.is_symlink():
        return (f"{folder} 是符号链接（指向 {os.readlink(folder)}）；收件箱只把文件移入其中的真实文件夹："
                "请把链接换成文件夹")
    if not folder.exists():
        return None
    if not folder.is_dir():
        return f"{folder} 不是文件夹，收件箱要把文件移入其中：请删除或改名"
    if folder.resolve().parent != inbox.resolve():
        return f"{folder} 实际指向 {folder.resolve()}，不在收件箱 {inbox.resolve()} 之内"
    return None


def _taken(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def move(path: Path, target: Path) -> Path:
    """Move ``path`` to ``target`` (same file system: a rename), refusing to replace an existing file and to move
    through a destination folder that is a symbolic link."""
    _real_folder(target.parent)
    if _taken(target):
        raise FileExistsError(f"{target} 已存在；收件箱从不覆盖文件")
    os.rename(path, target)
    return target


def write_atomically(path: Path, text: str, *, encoding: str = "utf-8-sig", newline: str | None = None,
                     destination: bool = False) -> None:
    """Write ``text`` to a hidden temporary file beside ``path``, then rename it into place; the temporary file is
    not followed if it is a symbolic link. ``destination``: ``path`` is in ``processed/`` or ``rejected/``, which
    is refused if it is a symbolic link."""
    if destination:
        _real_folder(path.parent)
    else:
        path.parent.mkdir(exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    if len(os.fsencode(temporary.name)) > NAME_MAX:
        temporary = path.with_name(f".{hashlib.sha256(os.fsencode(path.name)).hexdigest()[:16]}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    with open(os.open(temporary, flags, 0o644), "w", encoding=encoding, newline=newline) as handle:
        handle.write(text)
    os.replace(temporary, path)


def _real_folder(folder: Path) -> None:
    """Create ``folder`` if missing; refuse it if it is a symbolic link (the inbox never writes through one)."""
    if folder.is_symlink():
        raise UnsafeFolderError(f"{folder} 是符号链接；收件箱从不经由符号链接移动或写入文件")
    folder.mkdir(exist_ok=True)
