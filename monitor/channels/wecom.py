"""WeCom group robot (企业微信群机器人): markdown messages, split by bytes, with real mentions.

Mentions. WeCom markdown notifies user ids written as ``<@userid>`` in the content, but it cannot mention by
mobile number nor @all; only ``text`` messages can (``mentioned_mobile_list``, ``mentioned_list: ["@all"]``).
So the user ids go on a last line of the first markdown part, and when mobiles or everyone are to be notified,
one short ``text`` message follows the first part, naming the message title and carrying
``mentioned_mobile_list`` / ``mentioned_list``. Only the first part mentions anyone, so nobody is notified once
per part; the notification arrives with the headline, and later parts follow it within the rate limit.

Charts. When the message carries images (monitor.messages.charts), one ``image`` message per chart follows the
text parts (``{"msgtype": "image", "image": {"base64": …, "md5": …}}``, the PNG at most 2 MB before encoding); each
is one of the robot's 20 messages a minute like any part.

Error codes (HTTP 200 with ``errcode`` in the body): see :data:`ERRCODES`; codes not listed are permanent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import datetime
from typing import Any, Iterable

from monitor.channels.answers import Verdict, judge, target_id
from monitor.channels.base import DeliveryError, Mentions, Message, RateLimit, Receipt
from monitor.channels.http import post_json, redact_url, remember_url, url_secrets
from monitor.channels.split import split_text, utf8_bytes

MARKDOWN_MAX_BYTES = 4096
TEXT_MAX_BYTES = 2048
IMAGE_MAX_BYTES = 2 * 1024 * 1024  # the image itself, before base64

ERRCODES: dict[int, Verdict] = {
    -1: Verdict("retry", 60, "system busy"),
    45009: Verdict("retry", 60, "more than 20 messages a minute; wait a minute"),
    40058: Verdict("too_large", None, "content longer than the robot takes; split it"),
    93000: Verdict("permanent", None, "invalid webhook URL or key; check the receiver configuration"),
}


class WeComChannel:
    kind = "wecom"
    max_bytes: int | None = MARKDOWN_MAX_BYTES
    rate_limits = (RateLimit(20, 60),)

    def __init__(
        self,
        url: str,
        *,
        mention_mobiles: Iterable[str] = (),
        mention_user_ids: Iterable[str] = (),
        at_all: bool = False,
        timeout: float = 10,
    ):
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"a WeCom robot URL starts with https:// (got {redact_url(url)})")
        self.url = url
        remember_url(url)
        self.timeout = timeout
        self.mentions = Mentions(tuple(mention_mobiles), tuple(mention_user_ids), at_all)

    def __repr__(self) -> str:
        return f"WeComChannel({self.target()})"

    def target(self) -> str:
        return target_id(self.kind, self.url)

    def parts(self, message: Message, max_bytes: int | None = None) -> list[dict[str, Any]]:
        limit = min(max_bytes or MARKDOWN_MAX_BYTES, MARKDOWN_MAX_BYTES)
        mention_line = " ".join(f"<@{user}>" for user in self.mentions.user_ids)
        tail = "\n" + mention_line if mention_line else ""
        texts = split_text(message.text, limit, reserve=utf8_bytes(tail))
        payloads = [markdown(text + (tail if i == 0 else "")) for i, text in enumerate(texts)]
        ping = self._ping(message.title, len(texts))
        if ping is not None:
            payloads.insert(1, ping)
        payloads.extend(image(item["png"]) for item in message.images)
        return payloads

    def send(self, payload: dict[str, Any], *, now: datetime) -> Receipt:
        _check_size(payload)
        answer = post_json(self.url, payload, timeout=self.timeout)
        return judge(answer, what=f"WeCom robot {self.target()}", codes=ERRCODES, secrets=url_secrets(self.url),
                     now=now)

    def _ping(self, title: str, count: int) -> dict[str, Any] | None:
        """The text message that notifies by mobile or @all, or None when nobody is to be notified that way."""
        if not (self.mentions.mobiles or self.mentions.everyone):
            return None
        suffix = f"（共 {count} 条）" if count > 1 else ""
        content = _truncate(f"请查看：{title}", TEXT_MAX_BYTES - utf8_bytes(suffix)) + suffix
        text: dict[str, Any] = {"content": content}
        if self.mentions.everyone:
            text["mentioned_list"] = ["@all"]
        if self.mentions.mobiles:
            text["mentioned_mobile_list"] = list(self.mentions.mobiles)
        return {"msgtype": "text", "text": text}


def markdown(content: str) -> dict[str, Any]:
    return {"msgtype": "markdown", "markdown": {"content": content}}


def image(png_base64: str) -> dict[str, Any]:
    """An image message: the picture as base64 and the md5 of its bytes."""
    data = base64.b64decode(png_base64, validate=True)
    digest = hashlib.md5(data, usedforsecurity=False).hexdigest()
    return {"msgtype": "image", "image": {"base64": png_base64, "md5": digest}}


def _check_size(payload: dict[str, Any]) -> None:
    """Refuse before sending what the robot would refuse: saves one of the 20 messages a minute."""
    kind = payload.get("msgtype")
    if kind == "image":
        try:
            size = len(base64.b64decode((payload.get("image") or {}).get("base64") or "", validate=True))
        except (binascii.Error, ValueError):
            raise DeliveryError("WeCom image is not valid base64", "permanent") from None
        if size > IMAGE_MAX_BYTES:  # splitting cannot make a picture smaller
            raise DeliveryError(f"WeCom image is {size} bytes; the limit is {IMAGE_MAX_BYTES}", "permanent")
        return
    limit = {"markdown": MARKDOWN_MAX_BYTES, "text": TEXT_MAX_BYTES}.get(str(kind))
    content = (payload.get(str(kind)) or {}).get("content", "")
    if limit is not None and utf8_bytes(content) > limit:
        raise DeliveryError(f"WeCom {kind} content is {utf8_bytes(content)} bytes; the limit is {limit}", "too_large")


def _truncate(text: str, max_bytes: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    return data[: max_bytes - 3].decode("utf-8", errors="ignore") + "…"
