"""Plain webhooks: the renderer's Alertmanager-shaped JSON, POSTed as it is, optionally signed.

One message is one part (no size limit, no splitting). When the message has no ``body`` (a renderer that only
made text), the part is ``{"title": ..., "text": ...}`` so the receiver still learns something.

With a secret, the exact bytes sent are signed and the signature goes in the ``X-Monitor-Signature`` header
(``t=<unix seconds>,v1=<hex>``); :mod:`monitor.channels.signing` documents how a receiver verifies it.

Answers: 2xx accepted; 408, 429 and 5xx retried (after ``Retry-After`` when the receiver sends it, in seconds
or as an HTTP date); any other status is permanent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from monitor.channels.answers import target_id
from monitor.channels.base import Message, RateLimit, Receipt
from monitor.channels.http import (encode_json, post_json, redact_url, remember_url, scrub, status_error,
                                   url_secrets)
from monitor.channels.signing import SIGNATURE_HEADER, epoch_seconds, webhook_signature_header


class WebhookChannel:
    kind = "webhook"
    max_bytes: int | None = None
    rate_limits: tuple[RateLimit, ...] = ()

    def __init__(self, url: str, *, secret: str | None = None, timeout: float = 10):
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"a webhook URL starts with https:// or http:// (got {redact_url(url)})")
        self.url = url
        remember_url(url, secret)
        self.secret = secret or None
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"WebhookChannel({self.target()})"

    def target(self) -> str:
        return target_id(self.kind, self.url)

    def parts(self, message: Message, max_bytes: int | None = None) -> list[dict[str, Any]]:
        if message.body is not None:
            return [message.body]
        return [{"title": message.title, "text": message.text}]

    def send(self, payload: dict[str, Any], *, now: datetime) -> Receipt:
        body = encode_json(payload)
        headers = {}
        if self.secret:
            headers[SIGNATURE_HEADER] = webhook_signature_header(self.secret, int(epoch_seconds(now)), body)
        answer = post_json(self.url, body, timeout=self.timeout, headers=headers)
        error = status_error(answer, f"webhook {redact_url(self.url)}", now=now)
        if error is not None:
            error.args = (scrub(str(error), *url_secrets(self.url), self.secret),)
            raise error
        return Receipt(http_status=answer.status)
