"""Reading a group robot's answer: robots say HTTP 200 and put the verdict in an error code in the body.

Each robot module keeps a table ``{errcode: Verdict}``; :func:`judge` applies it. Codes not in the table are
permanent: an unknown refusal retried forever would hide a misconfiguration, while a permanent error is
reported and can be sent again by hand.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping, Sequence

from monitor.channels.base import DeliveryError, ErrorKind, Receipt
from monitor.channels.http import Answer, scrub, status_error


@dataclass(frozen=True)
class Verdict:
    """What to do about one error code."""

    kind: ErrorKind
    retry_after: float | None = None
    meaning: str = ""


GATEWAY_STATUSES = frozenset({404})
"""HTTP statuses that are permanent from the robot itself but not from what stands in front of it.

A robot's service answers a wrong key or token with HTTP 200 (or its own JSON error body), never with a bare 404.
A bare 404 comes from a gateway, reverse proxy or load balancer on the way (an outbound proxy, a company gateway, a
service being redeployed): no proof that the robot is gone, and failing it for good would fail every queued part
at once. It is retried like a 502/503/504 (those are retried as 5xx anyway); after ``GIVE_UP_AFTER`` (about a day,
monitor.delivery.deliver) the part fails for good and is reported. A 404 carrying the robot's own error code is
judged by that code (an invalid key stays permanent)."""


def target_id(kind: str, url: str) -> str:
    """``kind:`` and the first 12 hex digits of the SHA-256 of the URL: stable, and reveals no secret."""
    return f"{kind}:{hashlib.sha256(url.encode('utf-8')).hexdigest()[:12]}"


def judge(
    answer: Answer,
    *,
    what: str,
    codes: Mapping[int, Verdict],
    code_fields: Sequence[str] = ("errcode",),
    message_fields: Sequence[str] = ("errmsg",),
    secrets: Sequence[str | None] = (),
    now: datetime | None = None,
) -> Receipt:
    """The Receipt for an accepted message, or raise the DeliveryError the answer calls for.

    HTTP 408/429/5xx are retried whatever the body says. Other HTTP errors are judged by the body's error code
    when it has one (some services answer 400 with a code), else they are permanent, except a 404 without one
    (:data:`GATEWAY_STATUSES`): retried. A 2xx answer without an error code is not proof of delivery (a proxy or
    captive portal may have answered): retry.
    """
    code, errmsg = _code_and_message(answer.json, code_fields, message_fields)
    http_error = status_error(answer, what, now=now)
    if http_error is not None and code is None and answer.status in GATEWAY_STATUSES:
        raise _scrubbed(DeliveryError(f"{http_error} (without the robot's own error code: a gateway or proxy in "
                                      "front of it answered; retried)", "retry", http_status=answer.status,
                                      retry_after=http_error.retry_after), secrets)
    if http_error is not None and (http_error.kind == "retry" or code is None):
        raise _scrubbed(http_error, secrets)
    if code is None:
        raise _scrubbed(
            DeliveryError(f"{what} answered without an error code: {answer.text[:200]}", "retry",
                          http_status=answer.status),
            secrets,
        )
    if code == 0:
        return Receipt(http_status=answer.status, errcode=0, errmsg=errmsg)
    verdict = codes.get(code, Verdict("permanent", meaning="unknown error code"))
    text = f"{what} refused the message: errcode {code}"
    text += f" ({errmsg})" if errmsg else ""
    text += f" - {verdict.meaning}" if verdict.meaning else ""
    error = DeliveryError(
        text, verdict.kind, http_status=answer.status, errcode=code, errmsg=errmsg, retry_after=verdict.retry_after
    )
    raise _scrubbed(error, secrets)


def _code_and_message(
    body: Any, code_fields: Sequence[str], message_fields: Sequence[str]
) -> tuple[int | None, str | None]:
    if not isinstance(body, dict):
        return None, None
    code = next((body[f] for f in code_fields if f in body), None)
    message = next((body[f] for f in message_fields if f in body), None)
    try:
        code = int(code) if code is not None else None
    except (TypeError, ValueError):
        code = None
    return code, (str(message) if message is not None else None)


def _scrubbed(error: DeliveryError, secrets: Sequence[str | None]) -> DeliveryError:
    """The same error with every secret removed from its text and errmsg."""
    return DeliveryError(
        scrub(str(error), *secrets),
        error.kind,
        http_status=error.http_status,
        errcode=error.errcode,
        errmsg=scrub(error.errmsg, *secrets) if error.errmsg else error.errmsg,
        retry_after=error.retry_after,
    )
