"""Splitting a message body into numbered parts that each fit a byte budget. Pure functions.

Robots limit a message by bytes, not characters: WeCom markdown content to 4,096 bytes of UTF-8, DingTalk and
Feishu the whole JSON body to about 20,000 bytes. A Chinese character takes three bytes, so a 1,500-character
report is already too long for WeCom.

:func:`split_bodies` cuts ``text`` between items where it can, else at line ends, into bodies such that, for every part ``i`` of ``n``,
``measure(prefix(i, n)) + measure(body) + reserve <= max_bytes``. ``reserve`` is the caller's fixed overhead
(mention lines, the JSON around the text); ``measure`` is how the caller's wire format counts a string, by
default its UTF-8 length (for a JSON string value use :func:`json_string_bytes`, which counts escapes). An item
is a paragraph with the blank line after it (the templates put one after every alert; a one-line paragraph, a
heading, stays with the paragraph after it): an item that does not fit in what is left of a part starts the next
part, so no alert is cut in half unless it alone is longer than a part; then it is cut at line ends, and a line
longer than a whole part between characters, never inside one. Joining the bodies gives back ``text``
exactly. A text that fits as a whole is one unnumbered part.

:func:`split_text` returns the parts with their numbering prefix, （1/3）and a line break by default.
"""

from __future__ import annotations

import json
import re
from typing import Callable

Measure = Callable[[str], int]
Prefix = Callable[[int, int], str]

_LINE_ENDS = re.compile(r"(?<=\n)")
_BLANK_RUNS = re.compile(r"\n\n+")  # a paragraph starts after one, unless the text ends there
_MIN_BUDGET = 8  # room for the widest character in any measure we use (a 6-byte JSON escape)


def numbered(i: int, n: int) -> str:
    """The default part prefix: （1/3） and a line break."""
    return f"（{i}/{n}）\n"


def utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def json_string_bytes(text: str) -> int:
    """Bytes ``text`` takes inside a JSON string encoded without ASCII escaping (quotes not counted)."""
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8")) - 2


def split_bodies(
    text: str,
    max_bytes: int,
    *,
    reserve: int = 0,
    prefix: Prefix = numbered,
    measure: Measure = utf8_bytes,
) -> list[str]:
    """The bodies of the parts (without their prefixes); see the module docstring for the guarantee."""
    if measure(text) + reserve <= max_bytes:
        return [text]
    blocks = _blocks(text)
    sizes = [measure(block) for block in blocks]  # the same for every number of parts tried
    n = 2
    for _ in range(64):
        budgets = _Budgets(max_bytes, reserve, prefix, measure, n)
        bodies = _pack(blocks, sizes, budgets, measure)
        if len(bodies) == n:
            return bodies
        n = len(bodies)
    raise ValueError("could not settle on a number of parts; is the prefix function stable?")


def split_text(
    text: str,
    max_bytes: int,
    *,
    reserve: int = 0,
    prefix: Prefix = numbered,
    measure: Measure = utf8_bytes,
) -> list[str]:
    """The parts of ``text``, numbered with ``prefix`` when there is more than one."""
    bodies = split_bodies(text, max_bytes, reserve=reserve, prefix=prefix, measure=measure)
    if len(bodies) == 1:
        return bodies
    return [prefix(i, len(bodies)) + body for i, body in enumerate(bodies, start=1)]


class _Budgets:
    """The room for the body of part ``i`` when there are ``n`` parts."""

    def __init__(self, max_bytes: int, reserve: int, prefix: Prefix, measure: Measure, n: int):
        self._max = max_bytes - reserve
        self._prefix = prefix
        self._measure = measure
        self._n = n

    def __call__(self, i: int) -> int:
        room = self._max - self._measure(self._prefix(i, self._n))
        if room < _MIN_BUDGET:
            raise ValueError(f"a part of at most {self._max} bytes leaves no room for text after the numbering")
        return room


def _pack(blocks: list[str], sizes: list[int], budget: Callable[[int], int], measure: Measure) -> list[str]:
    """Greedy: fill each part with whole items (``blocks``, measuring ``sizes``), else whole lines; cut a line only
    when it alone is longer than a part. An item that does not fit in what is left of a part starts the next one
    when it fits there."""
    packer = _Packer(budget, measure)
    for block, size in zip(blocks, sizes):
        if packer.used + size <= packer.room:
            packer.add(block, size)
        elif packer.current and size <= budget(len(packer.bodies) + 2):
            packer.close()
            packer.add(block, size)
        else:  # longer than a part: its lines, as they come
            for line in _LINE_ENDS.split(block):
                if line:
                    packer.line(line)
    return packer.finish()


def _blocks(text: str) -> list[str]:
    """``text`` cut into items: paragraphs with the blank line after them. A one-line paragraph (a heading, an
    item's bold title on DingTalk) stays with the paragraph after it. Joining the items gives back ``text``."""
    out: list[str] = []
    pending = ""
    for piece in _paragraphs(text):
        pending += piece
        if "\n" not in piece.rstrip("\n"):
            continue
        out.append(pending)
        pending = ""
    if pending:
        out.append(pending)
    return out


def _paragraphs(text: str) -> list[str]:
    """``text`` cut after every blank line that a paragraph follows (what splitting at ``_BLOCK_ENDS`` gives, without
    its empty pieces): at the end of each run of two or more line breaks, found by a quick search for the run."""
    out: list[str] = []
    start = 0
    for run in _BLANK_RUNS.finditer(text):
        end = run.end()
        if end < len(text):
            out.append(text[start:end])
            start = end
    if start < len(text):
        out.append(text[start:])
    return out


class _Packer:
    """The parts filled so far, and the one being filled."""

    def __init__(self, budget: Callable[[int], int], measure: Measure) -> None:
        self.budget, self.measure = budget, measure
        self.bodies: list[str] = []
        self.current: list[str] = []
        self.used = 0
        self.room = budget(1)

    def add(self, piece: str, size: int) -> None:
        self.current.append(piece)
        self.used += size

    def close(self) -> None:
        self.bodies.append("".join(self.current))
        self.current, self.used, self.room = [], 0, self.budget(len(self.bodies) + 1)

    def line(self, line: str) -> None:
        size = self.measure(line)
        if self.used + size <= self.room:
            self.add(line, size)
            return
        if self.current:
            self.close()
        while size > self.room:
            head, line = _cut(line, self.room, self.measure)
            self.bodies.append(head)
            self.room = self.budget(len(self.bodies) + 1)
            size = self.measure(line)
        self.add(line, size)

    def finish(self) -> list[str]:
        if self.current or not self.bodies:
            self.bodies.append("".join(self.current))
        return self.bodies


def _cut(line: str, room: int, measure: Measure) -> tuple[str, str]:
    """The longest head of ``line`` (whole characters) that measures at most ``room``, and the rest."""
    if measure is utf8_bytes:
        head = line.encode("utf-8")[:room].decode("utf-8", errors="ignore")
    else:
        used = 0
        end = 0
        for end, char in enumerate(line):
            used += measure(char)
            if used > room:
                break
        else:
            end = len(line)
        head = line[:end]
    if not head:
        raise ValueError(f"a part of {room} bytes cannot hold the character {line[0]!r}")
    return head, line[len(head):]
