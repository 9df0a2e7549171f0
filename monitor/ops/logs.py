"""Log lines for people (text) or for collectors (one JSON object per line), with secrets masked.

``configure_logging("json", logging.INFO)`` at the daemon's start; then
``log.info("sent %s", what, extra={"job_id": "deliver", "outbox_id": 7, "receiver": "chengkou-wecom"})`` puts
those fields in the JSON object (and, in text mode, as ``key=value`` at the end of the line). Every other command
calls :func:`configure_cli_logging`.

:class:`SecretFilter` masks robot keys and tokens, URL passwords, Feishu ``/hook/<token>`` paths, DingTalk
signatures and bearer tokens in every message, extra field and traceback before anything is written, in their
URL-encoded forms too (a robot that echoes the request URL in its error page encodes it, once or twice), and every
secret the process has been told about (:func:`remember_secrets`: robot URLs' keys and tokens, signing secrets, the
SMTP and database passwords), whole or in part (an echo cut short at 200 characters leaves half a signature).

This module imports only the standard library: the CLI installs the filter before every command, `--help` too.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Iterable
from datetime import datetime, timezone, tzinfo
from typing import IO, Literal
from urllib.parse import quote, quote_plus, unquote, unquote_plus

# the attributes every LogRecord has; anything else came in through `extra=`
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}

MASK = "***"

# `=` as written, URL-encoded once (%3D) and twice (%253D); a value ends at `&` in the same three forms
_EQ = r"(?:=|%3D|%253D)"
_VALUE = r"(?:(?!%26|%2526)[^&\s\"'<>()\\])+"

# scheme://user:password@host — the password runs to the last `@` of the address, so a raw `@` in it (which
# should have been written %40) does not leave the rest of it in view
_URL_PASSWORD = re.compile(r"(?P<head>://[^:/@\s\"'<>]*:)(?P<secret>[^\s\"'<>]*)(?P<tail>@)")
_QUERY_SECRET = re.compile(rf"(?i)(?P<head>(?:key|token|access_token|secret|password){_EQ})(?P<secret>{_VALUE})")

_MORE_SECRETS = (
    # Feishu / Lark robots: https://open.feishu.cn/open-apis/bot/v2/hook/<token>, also URL-encoded
    (re.compile(r"(?i)(?P<head>(?:/|%2F|%252F)hook(?:/|%2F|%252F))(?P<secret>(?:(?!%2F|%252F|%3F|%253F)"
                r"[^/?#&\s\"'<>\\])+)"), r"\g<head>***"),
    # DingTalk and other signed URLs; `key`, `token`, `access_token`, `secret`, `password` are in _QUERY_SECRET
    (re.compile(rf"(?i)(?P<head>(?:[?&]|%3F|%26|%253F|%2526|\b)(?:sign|signature|webhook_key|api_key|apikey)"
                rf"{_EQ})(?P<secret>{_VALUE})"), r"\g<head>***"),
    (re.compile(r"(?i)(?P<head>\bbearer\s+)(?P<secret>[A-Za-z0-9._~+/=-]+)"), r"\g<head>***"),
    # "password": "…", 'secret': '…' in printed dicts and JSON
    (re.compile(r"(?i)(?P<head>[\"'](?:password|secret|token|access_token|key)[\"']\s*:\s*[\"'])(?P<secret>[^\"']+)"),
     r"\g<head>***"),
)


def mask_secrets(text: str) -> str:
    """Replace the password of a URL and key/token query values (as written or URL-encoded) with ***."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}***{m['tail']}", text)
    return _QUERY_SECRET.sub(lambda m: f"{m['head']}***", text)


def mask(text: str) -> str:
    """:func:`mask_secrets`, the patterns above, and every remembered secret (:func:`remember_secrets`)."""
    text = mask_secrets(text)
    for pattern, replacement in _MORE_SECRETS:
        text = pattern.sub(replacement, text)
    return _REMEMBERED.scrub(text)


# --- secrets known by value --------------------------------------------------------------------------------------

FRAGMENT = 10  # a run this long of a long secret's characters is masked wherever it appears
LONG = 2 * FRAGMENT  # secrets this long are also masked in part (half of one is a fragment)
SHORTEST = 6  # shorter values are not remembered: masking every "2" or "json" would garble the logs
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*")  # what URL-encoding leaves as it is


def forms(secret: str) -> set[str]:
    """The ways ``secret`` may appear in a text: as it is, URL-decoded, URL-encoded once and twice, JSON-escaped."""
    if _PLAIN.fullmatch(secret):
        return {secret}
    found = {secret, unquote(secret), unquote_plus(secret)}
    for value in list(found):
        once = quote(value, safe="")
        found |= {once, quote_plus(value, safe=""), quote(once, safe=""), value.replace("/", "\\/")}
    return {f for f in found if f}


class Secrets:
    """A set of secret values; :meth:`scrub` masks them in a text.

    A text is masked where it holds any form of a secret (:func:`forms`); for secrets of :data:`LONG` characters
    or more, also where it holds a run of their characters (case ignored), so a secret cut short, or cut in two by
    an encoding, is masked too. The index of those runs is made on the first :meth:`scrub` after :meth:`add`;
    a lookup costs one set probe per character of the text, however many secrets are known.

    ``step``: the index keeps the runs of :data:`FRAGMENT` characters that start every ``step`` characters of a
    secret (1: all; the process-wide set, which holds every robot's key, keeps every 4th, a quarter of the memory);
    then any run of ``FRAGMENT + step - 1`` characters is found, and each hit is masked ``step - 1`` characters
    wider on both sides, which covers the rest of the run."""

    def __init__(self, values: Iterable[str | None] = (), *, shortest: int = 1, step: int = 1):
        self.shortest, self.step = shortest, step
        self._short: list[str] = []
        self._fragments: set[str] = set()
        self._seen: set[str] = set()
        self._pending: list[str] = []
        self._lock = threading.Lock()
        self.add(*values)

    def __bool__(self) -> bool:
        return bool(self._seen)

    def clear(self) -> None:
        with self._lock:
            self._short, self._fragments, self._seen, self._pending = [], set(), set(), []

    def add(self, *values: str | None) -> None:
        with self._lock:
            for value in values:
                if value and len(value) >= self.shortest and value not in self._seen:
                    self._seen.add(value)
                    self._pending.append(value)

    def _index(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
            short = set(self._short)
            for value in pending:
                for form in forms(value):
                    if len(form) >= LONG:
                        low = form.lower()
                        starts = range(0, len(low) - FRAGMENT + 1, self.step)
                        self._fragments.update(low[i:i + FRAGMENT] for i in starts)
                    else:
                        short.add(form)
            self._short = sorted(short, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        if not self._seen or not text:
            return text
        if self._pending:
            self._index()
        for value in self._short:
            if value in text:
                text = text.replace(value, MASK)
        if not self._fragments or len(text) < FRAGMENT:
            return text
        lowered, fragments, wider = text.lower(), self._fragments, self.step - 1
        spans: list[list[int]] = []
        for start in range(len(lowered) - FRAGMENT + 1):
            if lowered[start:start + FRAGMENT] in fragments:
                begin, end = max(0, start - wider), start + FRAGMENT + wider
                if spans and begin <= spans[-1][1]:
                    spans[-1][1] = end
                else:
                    spans.append([begin, end])
        if not spans:
            return text
        pieces, position = [], 0
        for start, end in spans:
            pieces += [text[position:start], MASK]
            position = end
        pieces.append(text[position:])
        return "".join(pieces)


_REMEMBERED = Secrets(shortest=SHORTEST, step=4)


def remember_secrets(*values: str | None) -> None:
    """Mask these values (and their forms and parts) in every log line and CLI error of this process from now on.

    Called where a secret enters the process: a channel built from a robot URL and signing secret, the SMTP
    settings, a database URL. Values shorter than :data:`SHORTEST` characters are ignored."""
    _REMEMBERED.add(*values)


def forget_secrets() -> None:
    """Forget every remembered secret: for a process that runs one configuration after another (the test suite,
    where one test's robot key must not mask another test's file names)."""
    _REMEMBERED.clear()


def scrub(text: str, *secrets: str | None) -> str:
    """``text`` with every form of each non-empty secret, and every fragment of a long one, replaced by ***."""
    return Secrets(secrets).scrub(text) if any(secrets) else text


class SecretFilter(logging.Filter):
    """Masks secrets in the formatted message, string extras and exception text of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        for name, value in list(vars(record).items()):
            if name not in _STANDARD and isinstance(value, str):
                setattr(record, name, mask(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


def extras(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class TextFormatter(logging.Formatter):
    """``2025-07-01 09:00:00,123 INFO monitor.jobs: message key=value …``"""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = extras(record)
        if fields:
            head, sep, tail = line.partition("\n")
            line = head + "".join(f" {k}={v}" for k, v in fields.items()) + sep + tail
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO-8601), level, logger, message, extra fields, exception."""

    def __init__(self, tz: tzinfo = timezone.utc) -> None:
        super().__init__()
        self.tz = tz

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, self.tz).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in extras(record).items():
            data.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["exception"] = mask(record.exc_text)
        return json.dumps(data, ensure_ascii=False, default=str)


def install_secret_filter(logger: logging.Logger | None = None) -> None:
    """Put a :class:`SecretFilter` on every handler of ``logger`` (the root logger) that has none.

    A filter on a handler sees every record that handler writes, whichever logger made it (urllib3's, SQLAlchemy's,
    APScheduler's); a filter on a logger would see only that logger's own records."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, SecretFilter) for f in handler.filters):
            handler.addFilter(SecretFilter())


def configure_cli_logging(level: int) -> None:
    """Logging for a one-off command: plain lines on stderr at ``level`` (``logging.basicConfig``, which adds no
    handler where the root logger has one already), every handler of the root logger masking secrets."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_secret_filter()


def configure_logging(fmt: Literal["text", "json"] = "text", level: int | str = logging.INFO, *,
                      stream: IO[str] | None = None, tz: tzinfo = timezone.utc) -> logging.Handler:
    """Send every log record to ``stream`` (stderr) as text or JSON lines, secrets masked; returns the handler.

    Replaces the handler of an earlier call and the plain stream handler of ``logging.basicConfig``; leaves other
    handlers (a file handler, pytest's capture) alone.
    """
    if fmt not in ("text", "json"):
        raise ValueError(f"log format {fmt!r}: use text or json")
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_monitor_ops", False) or type(old) is logging.StreamHandler:
            root.removeHandler(old)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler._monitor_ops = True  # type: ignore[attr-defined]
    handler.addFilter(SecretFilter())
    handler.setFormatter(JsonFormatter(tz) if fmt == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    return handler
