"""Signatures: DingTalk and Feishu robots, and our own signed webhooks. Pure functions; time is an argument.

DingTalk: ``sign = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp_ms}\\n{secret}")))``, appended to the
robot URL as ``&timestamp=<ms>&sign=<sign>``. The value is URL-encoded here, once; the caller appends it to the
URL as it is (passing it through ``params=`` would encode it a second time and DingTalk answers 310000).

Feishu: ``sign = base64(HMAC-SHA256(key=f"{timestamp_s}\\n{secret}", msg=b""))``; ``timestamp`` (seconds, as a
string) and ``sign`` go into the JSON body.

Our webhooks (for receivers that verify what they get)::

    X-Monitor-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(key=secret, msg=f"{t}.".encode() + raw_body)>

A receiver verifies it like this, on the raw request body, before parsing the JSON::

    from monitor.channels.signing import verify_webhook_signature
    ok = verify_webhook_signature(secret, request.headers.get("X-Monitor-Signature"), raw_body,
                                  now_s=time.time(), tolerance_s=300)

or, without this package: split the header at commas into ``t`` and ``v1``, recompute the HMAC over
``t + "." + body`` with the shared secret, compare in constant time (``hmac.compare_digest``) and refuse
timestamps more than a few minutes from your clock, which stops replays.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timezone
from urllib.parse import quote_plus

SIGNATURE_HEADER = "X-Monitor-Signature"


def epoch_seconds(now: datetime) -> float:
    """Seconds since the epoch; a naive ``now`` is taken as UTC."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return now.timestamp()


def _hmac_b64(key: str, message: str) -> str:
    digest = hmac.new(key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """The DingTalk ``sign`` query value, already URL-encoded (exactly once)."""
    return quote_plus(_hmac_b64(secret, f"{timestamp_ms}\n{secret}"))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """The Feishu ``sign`` body field (Base64, not URL-encoded: it travels in JSON)."""
    return _hmac_b64(f"{timestamp_s}\n{secret}", "")


def webhook_signature(secret: str, timestamp_s: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``f"{timestamp_s}.".encode() + body`` keyed with ``secret``."""
    message = f"{timestamp_s}.".encode("ascii") + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def webhook_signature_header(secret: str, timestamp_s: int, body: bytes) -> str:
    """The value of the X-Monitor-Signature header: ``t=<ts>,v1=<hex>``."""
    return f"t={timestamp_s},v1={webhook_signature(secret, timestamp_s, body)}"


def verify_webhook_signature(
    secret: str, header: str | None, body: bytes, *, now_s: float, tolerance_s: float = 300
) -> bool:
    """True when ``header`` (the X-Monitor-Signature value) signs ``body`` with ``secret`` within the window."""
    if not header:
        return False
    fields: dict[str, list[str]] = {}
    for item in header.split(","):
        name, sep, value = item.strip().partition("=")
        if sep:
            fields.setdefault(name, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError):
        return False
    if abs(now_s - timestamp) > tolerance_s:
        return False
    expected = webhook_signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, given) for given in fields.get("v1", []))
