"""DingTalk custom robot (钉钉自定义机器人): signed markdown messages under 20,000 bytes, with real mentions.

Each part is ``{"msgtype": "markdown", "markdown": {"title", "text"}, "at": {...}}``. ``title`` is what the
notification preview shows: the message title, with （i/n） when the message is split. Mentions go with the
first part only: ``at.atMobiles`` / ``at.atUserIds`` / ``at.isAtAll`` *and* ``@138…`` / ``@userid`` written at
the end of the text, because DingTalk notifies only the people whose ``@`` appears in a markdown text.

The byte limit applies to the whole JSON body (as :func:`monitor.channels.http.encode_json` encodes it), so the
splitter counts the text the way JSON escapes it and reserves the room the rest of the body takes. With a
secret, ``timestamp`` and ``sign`` are computed from ``now`` and appended to the URL at send time (never stored
in the payload: a stored signature would be stale by the time a retry goes out).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from monitor.channels.answers import Verdict, judge, target_id
from monitor.channels.base import DeliveryError, Mentions, Message, RateLimit, Receipt
from monitor.channels.http import encode_json, post_json, redact_url, remember_url, url_secrets
from monitor.channels.signing import dingtalk_sign, epoch_seconds
from monitor.channels.split import json_string_bytes, split_text

BODY_MAX_BYTES = 19_999  # "under 20,000 bytes"; the robot answers 460101 from 20,000 on
TITLE_MAX_CHARS = 64

ERRCODES: dict[int, Verdict] = {
    -1: Verdict("retry", 60, "system busy"),
    130101: Verdict("retry", 600, "sent too fast; the robot is throttled for 10 minutes"),
    310000: Verdict("permanent", None, "signature, timestamp, keyword or IP allow-list refused; check the robot's "
                                       "security settings and the server clock"),
    460101: Verdict("too_large", None, "message too long; split it"),
    101002: Verdict("too_large", None, "message too long; split it"),
    300001: Verdict("permanent", None, "msgtype missing or invalid"),
    300005: Verdict("permanent", None, "access token does not exist; check the receiver configuration"),
    400402: Verdict("permanent", None, "markdown title missing"),
}


class DingTalkChannel:
    kind = "dingtalk"
    max_bytes: int | None = BODY_MAX_BYTES
    rate_limits = (RateLimit(20, 60),)

    def __init__(
        self,
        url: str,
        *,
        secret: str | None = None,
        mention_mobiles: Iterable[str] = (),
        mention_user_ids: Iterable[str] = (),
        at_all: bool = False,
        timeout: float = 10,
    ):
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"a DingTalk robot URL starts with https:// (got {redact_url(url)})")
        self.url = url
        remember_url(url, secret)
        self.secret = secret or None
        self.timeout = timeout
        self.mentions = Mentions(tuple(mention_mobiles), tuple(mention_user_ids), at_all)

    def __repr__(self) -> str:
        return f"DingTalkChannel({self.target()})"

    def target(self) -> str:
        return target_id(self.kind, self.url)

    def parts(self, message: Message, max_bytes: int | None = None) -> list[dict[str, Any]]:
        limit = min(max_bytes or BODY_MAX_BYTES, BODY_MAX_BYTES)
        title = message.title if len(message.title) <= TITLE_MAX_CHARS else message.title[: TITLE_MAX_CHARS - 1] + "…"
        tail = self._mention_tail()
        skeleton = self._payload(f"{title}（999/999）", tail, first=True)
        texts = split_text(message.text, limit, reserve=len(encode_json(skeleton)), measure=json_string_bytes)
        n = len(texts)
        return [
            self._payload(title if n == 1 else f"{title}（{i}/{n}）", text + (tail if i == 1 else ""), first=i == 1)
            for i, text in enumerate(texts, start=1)
        ]

    def send(self, payload: dict[str, Any], *, now: datetime) -> Receipt:
        size = len(encode_json(payload))
        if size > BODY_MAX_BYTES:
            raise DeliveryError(f"DingTalk body is {size} bytes; it must stay under 20,000", "too_large")
        url = self.url
        if self.secret:
            timestamp = int(epoch_seconds(now) * 1000)
            url += ("&" if "?" in url else "?") + f"timestamp={timestamp}&sign={dingtalk_sign(self.secret, timestamp)}"
        answer = post_json(url, payload, timeout=self.timeout)
        return judge(answer, what=f"DingTalk robot {self.target()}", codes=ERRCODES,
                     secrets=[*url_secrets(url), self.secret], now=now)

    def _mention_tail(self) -> str:
        names = [f"@{m}" for m in self.mentions.mobiles] + [f"@{u}" for u in self.mentions.user_ids]
        if self.mentions.everyone:
            names.append("@所有人")
        return "\n\n" + " ".join(names) if names else ""

    def _payload(self, title: str, text: str, *, first: bool) -> dict[str, Any]:
        payload: dict[str, Any] = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
        if first and (self.mentions.mobiles or self.mentions.user_ids or self.mentions.everyone):
            payload["at"] = {
                "atMobiles": list(self.mentions.mobiles),
                "atUserIds": list(self.mentions.user_ids),
                "isAtAll": self.mentions.everyone,
            }
        return payload
