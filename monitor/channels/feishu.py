"""Feishu / Lark custom bot (飞书自定义机器人): rich-text ``post`` messages under 20 KB, signed in the body.

Each part is a ``post`` with the title (（i/n） added when split) and the text as one text element (line breaks
kept; a ``post`` does not render markdown, so the renderer should give Feishu plain text). Mentions go with the
first part as a last paragraph of ``at`` elements; ``user_id`` takes an open_id, union_id or user_id, and "all"
for everyone. Custom bots cannot mention by mobile number.

With a secret, ``timestamp`` (seconds, as a string) and ``sign`` are added to the body at send time, computed
from ``now``.

Answers are ``{"code": 0, "msg": "success"}``; bots created before 2020 answer ``{"StatusCode": 0, ...}``; both
are read. Size: Feishu documents a 20 KB request body for custom bots, and reports oversize with 19036 ("the
message exceeds the size limit", seen in the wild for cards) or, on some paths, with the generic 9499 "Bad
Request". 19036 is ``too_large``; 9499 is ``too_large`` only when its message speaks of size or length, and
permanent otherwise (9499 also means malformed parameters, which splitting would never cure). The channel also
refuses to send a body it knows is over the limit.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Iterable

from monitor.channels.answers import Verdict, judge, target_id
from monitor.channels.base import DeliveryError, Mentions, Message, RateLimit, Receipt
from monitor.channels.http import encode_json, post_json, redact_url, remember_url, url_secrets
from monitor.channels.signing import epoch_seconds, feishu_sign
from monitor.channels.split import json_string_bytes, split_text

BODY_MAX_BYTES = 20_000  # documented as 20 KB; kept to the decimal reading to be safe
TITLE_MAX_CHARS = 64
BAD_REQUEST = 9499

ERRCODES: dict[int, Verdict] = {
    11232: Verdict("retry", 60, "sent too fast (5 a second, 100 a minute)"),
    99991400: Verdict("retry", 60, "request frequency limit"),
    19021: Verdict("permanent", None, "signature or timestamp refused; check the secret and the server clock"),
    19022: Verdict("permanent", None, "this IP address is not allowed to use the bot"),
    19024: Verdict("permanent", None, "the message lacks the bot's keyword"),
    19036: Verdict("too_large", None, "message exceeds the size limit; split it"),
    BAD_REQUEST: Verdict("permanent", None, "bad request"),
}

_ABOUT_SIZE = re.compile(r"(?i)size|too (large|long)|exceed|length|超")


QUIET_SECONDS = 30  # at hh:00 and hh:30


class FeishuChannel:
    kind = "feishu"
    max_bytes: int | None = BODY_MAX_BYTES
    rate_limits = (RateLimit(5, 1), RateLimit(100, 60))

    def __init__(
        self,
        url: str,
        *,
        secret: str | None = None,
        mention_user_ids: Iterable[str] = (),
        at_all: bool = False,
        timeout: float = 10,
    ):
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"a Feishu bot URL starts with https:// (got {redact_url(url)})")
        self.url = url
        remember_url(url, secret)
        self.secret = secret or None
        self.timeout = timeout
        self.mentions = Mentions((), tuple(mention_user_ids), at_all)

    def __repr__(self) -> str:
        return f"FeishuChannel({self.target()})"

    def target(self) -> str:
        return target_id(self.kind, self.url)

    def hold_until(self, now: datetime) -> datetime | None:
        """Feishu asks senders to avoid the first moments of each hour and half hour, when every scheduled bot
        sends at once; a part due then waits until the minute is half over."""
        if now.minute in (0, 30) and now.second < QUIET_SECONDS:
            return now.replace(second=QUIET_SECONDS, microsecond=0)
        return None

    def parts(self, message: Message, max_bytes: int | None = None) -> list[dict[str, Any]]:
        limit = min(max_bytes or BODY_MAX_BYTES, BODY_MAX_BYTES)
        title = message.title if len(message.title) <= TITLE_MAX_CHARS else message.title[: TITLE_MAX_CHARS - 1] + "…"
        # what a signed first part carries besides the text: the longest title, mentions, timestamp and sign
        skeleton = {"timestamp": "9" * 10, "sign": "x" * 44, **self._payload(f"{title}（999/999）", "", first=True)}
        texts = split_text(message.text, limit, reserve=len(encode_json(skeleton)), measure=json_string_bytes)
        n = len(texts)
        return [
            self._payload(title if n == 1 else f"{title}（{i}/{n}）", text, first=i == 1)
            for i, text in enumerate(texts, start=1)
        ]

    def send(self, payload: dict[str, Any], *, now: datetime) -> Receipt:
        body = dict(payload)
        if self.secret:
            timestamp = int(epoch_seconds(now))
            body = {"timestamp": str(timestamp), "sign": feishu_sign(self.secret, timestamp), **payload}
        size = len(encode_json(body))
        if size > BODY_MAX_BYTES:
            raise DeliveryError(f"Feishu body is {size} bytes; the limit is {BODY_MAX_BYTES}", "too_large")
        answer = post_json(self.url, body, timeout=self.timeout)
        try:
            return judge(answer, what=f"Feishu bot {self.target()}", codes=ERRCODES, code_fields=("code", "StatusCode"),
                         message_fields=("msg", "StatusMessage"), secrets=[*url_secrets(self.url), self.secret],
                         now=now)
        except DeliveryError as error:
            if error.errcode == BAD_REQUEST and _ABOUT_SIZE.search(error.errmsg or ""):
                raise DeliveryError(str(error), "too_large", http_status=error.http_status, errcode=error.errcode,
                                    errmsg=error.errmsg) from None
            raise

    def _payload(self, title: str, text: str, *, first: bool) -> dict[str, Any]:
        paragraphs: list[list[dict[str, str]]] = [[{"tag": "text", "text": text}]]
        ats = [{"tag": "at", "user_id": user} for user in self.mentions.user_ids]
        if self.mentions.everyone:
            ats.append({"tag": "at", "user_id": "all"})
        if first and ats:
            paragraphs.append(ats)
        return {"msg_type": "post", "content": {"post": {"zh_cn": {"title": title, "content": paragraphs}}}}
