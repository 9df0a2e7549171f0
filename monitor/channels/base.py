"""The contract every channel module implements.

The deliverer (monitor.delivery) stores each rendered :class:`Message` in the outbox as the payloads that
:meth:`Channel.parts` returns, then calls :meth:`Channel.send` with one payload at a time. ``send`` returns a
:class:`Receipt` when the receiver accepted the part, and raises :class:`DeliveryError` otherwise; the error says
what to do next: ``retry`` later (after ``retry_after`` seconds when the receiver said how long), ``permanent``
(stop and report: the receiver is misconfigured or refused this message for good), or ``too_large`` (split the
part again with a smaller budget and send the pieces instead).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

ErrorKind = Literal["retry", "permanent", "too_large"]


@dataclass(frozen=True)
class Message:
    """A rendered message, channel-neutral enough for every channel to take what it needs.

    title: the DingTalk preview title, the email subject, the Feishu title.
    text: the markdown body for the robots (already in that channel's markdown flavour), plain text for email.
    html: the HTML body for email.
    body: the complete JSON body for plain webhooks (the Alertmanager webhook shape).
    images: charts of the message's worst indicators (monitor.messages.charts), each a dict with ``cid`` (a
    Content-ID without angle brackets), ``alt`` (the indicator, in Chinese) and ``png`` (the PNG bytes, base64);
    email shows them inline under the HTML table, WeCom sends each as an image message after the text. JSON-ready,
    so they are stored with the message in the outbox and a resend sends the same bytes.
    """

    title: str
    text: str
    html: str | None = None
    body: dict[str, Any] | None = None
    images: tuple[dict[str, str], ...] = ()


def stored_message(message: Message) -> dict[str, Any]:
    """The message as the outbox stores it (JSON-ready); a message without images is stored as it always was."""
    record = asdict(message)
    if not record["images"]:
        del record["images"]
    return record


@dataclass(frozen=True)
class Mentions:
    """Who a message should notify for real (not only name in the text)."""

    mobiles: tuple[str, ...] = ()
    user_ids: tuple[str, ...] = ()
    everyone: bool = False


@dataclass(frozen=True)
class RateLimit:
    messages: int
    seconds: float


@dataclass(frozen=True)
class Receipt:
    """The receiver's answer to an accepted part."""

    http_status: int | None = None
    errcode: int | None = None
    errmsg: str | None = None


class DeliveryError(Exception):
    """A part was not accepted. ``kind`` decides what happens next; the text never holds a URL or secret."""

    def __init__(
        self,
        message: str,
        kind: ErrorKind,
        *,
        http_status: int | None = None,
        errcode: int | None = None,
        errmsg: str | None = None,
        retry_after: float | None = None,
    ):
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.http_status = http_status
        self.errcode = errcode
        self.errmsg = errmsg
        self.retry_after = retry_after

    @property
    def permanent(self) -> bool:
        return self.kind == "permanent"


class Channel(Protocol):
    """One configured receiver endpoint (a robot, a list of mailboxes, a webhook)."""

    kind: str  # "wecom", "dingtalk", "feishu", "email", "webhook", "log"
    max_bytes: int | None  # the limit one part must respect, None for none
    rate_limits: tuple[RateLimit, ...]  # per target, e.g. (RateLimit(20, 60),)

    def target(self) -> str:
        """A stable identifier of the endpoint, for rate limits and logs, that reveals no secret."""
        ...

    def parts(self, message: Message, max_bytes: int | None = None) -> list[dict[str, Any]]:
        """The JSON-serialisable payloads that carry ``message``: split at line boundaries into numbered parts
        when it exceeds ``max_bytes`` (default: the channel's own), with the configured mentions."""
        ...

    def send(self, payload: dict[str, Any], *, now: datetime) -> Receipt:
        """Send one part; signatures use ``now``. Raises DeliveryError for every refusal or network failure."""
        ...

    # optional: ``hold_until(now) -> datetime | None``, a moment before which the receiver prefers no messages
    # (Feishu: the first half minute of each hour and half hour); the deliverer postpones parts due then
