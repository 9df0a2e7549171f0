"""Log lines for people (text) or for collectors (one JSON object per line), with secrets masked.

``configure_logging("json", logging.INFO)`` at the daemon's start; then
``log.info("sent %s", what, extra={"job_id": "deliver", "outbox_id": 7, "receiver": "chengkou-wecom"})`` puts
those fields in the JSON object (and, in text mode, as ``key=value`` at the end of the line).

:class:`SecretFilter` masks robot keys and tokens, URL passwords, Feishu ``/hook/<token>`` paths, DingTalk
signatures and bearer tokens in every message, extra field and traceback before anything is written.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import datetime, timezone, tzinfo
from typing import IO, Literal

from monitor.settings import mask_secrets

# the attributes every LogRecord has; anything else came in through `extra=`
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}

_MORE_SECRETS = (
    # Feishu / Lark robots: https://open.feishu.cn/open-apis/bot/v2/hook/<token>
    (re.compile(r"(?i)(?P<head>/hook/)(?P<secret>[^/?#\s\"']+)"), r"\g<head>***"),
    # DingTalk and other signed URLs; `key`, `token`, `access_token`, `secret`, `password` are in mask_secrets
    (re.compile(r"(?i)(?P<head>[?&](?:sign|signature|webhook_key|api_key|apikey)=)(?P<secret>[^&\s\"']+)"),
     r"\g<head>***"),
    (re.compile(r"(?i)(?P<head>\bbearer\s+)(?P<secret>[A-Za-z0-9._~+/=-]+)"), r"\g<head>***"),
    # "password": "…", 'secret': '…' in printed dicts and JSON
    (re.compile(r"(?i)(?P<head>[\"'](?:password|secret|token|access_token|key)[\"']\s*:\s*[\"'])(?P<secret>[^\"']+)"),
     r"\g<head>***"),
)


def mask(text: str) -> str:
    """``monitor.settings.mask_secrets`` and the patterns above."""
    text = mask_secrets(text)
    for pattern, replacement in _MORE_SECRETS:
        text = pattern.sub(replacement, text)
    return text


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
