"""The one function all webhook HTTP goes through, and the helpers that keep secrets out of texts.

:func:`post_json` always sets a timeout, never follows redirects, and turns every network failure into a
``DeliveryError(kind="retry")`` whose text names only the redacted endpoint (a robot's URL *is* its credential:
the WeCom key, the DingTalk access token and the Feishu hook token all live in it). The exception is raised
``from None`` so that no traceback logged later carries the original requests exception, whose text holds the
full URL. Tests that do not want a server patch this one function; a patch returns an :class:`Answer`.

Connections: by default each call opens its own connection. A deliverer's worker thread runs inside
:func:`reused_connections`, which gives the thread one ``requests.Session`` (keep-alive connections, a few per host;
all WeCom robots share one host, all DingTalk robots another), so parts after the first reuse the connection and
its TLS handshake. The session keeps no cookies (one robot's cookie must not reach another's request).

``requests`` (and urllib3) are imported on the first send, not with this module: `monitor --help` and the commands
that send nothing start without them (tests/test_startup.py).
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections.abc import Iterator as Iter
from contextlib import contextmanager
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Iterator, Mapping
from urllib.parse import urlsplit

from monitor.channels.base import DeliveryError
from monitor.ops.logs import remember_secrets
from monitor.ops.logs import scrub as _scrub

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

_TOKEN_SEGMENT = re.compile(r"^[A-Za-z0-9_\-.~]{16,}$")
_local = threading.local()

HOSTS_KEPT = 16  # connection pools one session keeps (one per scheme, host and port), least recently used dropped
CONNECTIONS_PER_HOST = 2  # a worker sends one request at a time; the second covers a connection being replaced


class _RedactUrls(logging.Filter):
    """Takes the credentials out of urllib3's own debug lines (``"POST /robot/send?access_token=… HTTP/1.1" 200``):
    a robot's URL is its credential, and ``--debug`` must not print it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_target(a) if isinstance(a, str) and ("?" in a or "/" in a) else a
                                for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = _redact_target(record.msg)
        return True


def _redact_target(text: str) -> str:
    """A request target or URL with its query values and token-like path segments replaced by ***."""
    if "://" in text:
        return redact_url(text)
    path, _, query = text.partition("?")
    shown = "/".join("***" if _TOKEN_SEGMENT.match(s) else s for s in path.split("/"))
    if query:
        shown += "?" + "&".join(f"{pair.split('=', 1)[0]}=***" for pair in query.split("&") if pair)
    return shown


for _name in ("urllib3.connectionpool", "urllib3.util.retry"):
    logging.getLogger(_name).addFilter(_RedactUrls())


_SECRET_NAME = re.compile(r"(?i)key|token|secret|sign|pass|auth|code")


def remember_url(url: str, *secrets: str | None) -> None:
    """Tell the log filter about a robot URL's credentials and signing secrets, so no log line or CLI error of
    this process shows them, whole, URL-encoded or in part (:func:`monitor.ops.logs.remember_secrets`): the
    password, token-like path segments, and query values that are named like a credential or look like one."""
    try:
        parts = urlsplit(url)
        found = [parts.password]
    except ValueError:  # not a URL the channel could use either; nothing to pick out
        remember_secrets(*secrets)
        return
    found += [s for s in parts.path.split("/") if _TOKEN_SEGMENT.match(s)]
    for pair in parts.query.split("&"):
        name, _, value = pair.partition("=")
        if _SECRET_NAME.search(name) or _TOKEN_SEGMENT.match(value):
            found.append(value)
    remember_secrets(*found, *secrets)


class LazySession:
    """A thread's ``requests.Session``, made (and ``requests`` imported) on its first use: a deliverer gives each
    worker one, and one that only prints (the log channel) or mails never loads the HTTP library. Everything but
    :meth:`close` is the real session's."""

    def __init__(self) -> None:
        self._session: requests.Session | None = None

    def real(self) -> requests.Session:
        if self._session is None:
            self._session = _make_session()
        return self._session

    def post(self, *args: Any, **kwargs: Any) -> requests.Response:
        return self.real().post(*args, **kwargs)

    def close(self) -> None:
        if self._session is not None:
            self._session.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)


def new_session() -> LazySession:
    """A session for one thread (made on its first use, see :class:`LazySession`): keep-alive connections, no
    retries of its own, no cookies.

    The environment is read once, when the session is made, not for every request: requests would otherwise scan
    every environment variable several times per request looking for proxy settings, and a server with one robot
    URL variable per county has thousands (with 2,844 that took more CPU than the requests themselves). Proxies
    (``HTTPS_PROXY`` and ``NO_PROXY``) keep requests' own handling; otherwise ``REQUESTS_CA_BUNDLE`` /
    ``CURL_CA_BUNDLE`` are taken as they are then, and ``.netrc`` is not consulted (a robot's URL carries its
    credential).
    """
    return LazySession()


def _make_session() -> requests.Session:
    """The real session behind :func:`new_session`."""
    from http.cookiejar import DefaultCookiePolicy
    from urllib.request import getproxies_environment

    import requests
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    if not getproxies_environment():
        session.trust_env = False
        session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    adapter = HTTPAdapter(pool_connections=HOSTS_KEPT, pool_maxsize=CONNECTIONS_PER_HOST, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    return session


@contextmanager
def reused_connections(session: requests.Session | LazySession | None = None
                       ) -> Iter[requests.Session | LazySession]:
    """Within the block, :func:`post_json` calls made by this thread share one session; closed at the end."""
    own = session or new_session()
    previous = getattr(_local, "session", None)
    _local.session = own
    try:
        yield own
    finally:
        _local.session = previous
        if session is None:
            own.close()


def use_session(session: requests.Session | LazySession | None) -> None:
    """Make :func:`post_json` calls of this thread use ``session`` (None: a connection per call again)."""
    _local.session = session


def current_session() -> requests.Session | LazySession | None:
    """The session :func:`reused_connections` gave this thread, if any."""
    return getattr(_local, "session", None)


class Answer:
    """A receiver's answer: unpacks as ``(status, parsed_json_or_None, text)``; ``headers`` on the side."""

    def __init__(self, status: int, json_body: Any, text: str, headers: Mapping[str, str] | None = None):
        self.status = status
        self.json = json_body
        self.text = text
        self.headers: Mapping[str, str] = headers or {}

    def __iter__(self) -> Iterator[Any]:
        return iter((self.status, self.json, self.text))

    def __repr__(self) -> str:
        return f"Answer(status={self.status}, json={self.json!r})"


def encode_json(body: Any) -> bytes:
    """The exact bytes a JSON body goes over the wire as: compact, UTF-8, Chinese not escaped.

    Byte limits (DingTalk's 20,000, Feishu's 20 KB) are measured on this encoding.
    """
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def redact_url(url: str) -> str:
    """``scheme://host/path`` with every query value and every token-like path segment replaced by ***."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<invalid url>"
    segments = ["***" if _TOKEN_SEGMENT.match(s) else s for s in parts.path.split("/")]
    shown = f"{parts.scheme}://{host}{port}{'/'.join(segments)}"
    if parts.query:
        names = [pair.split("=", 1)[0] for pair in parts.query.split("&") if pair]
        shown += "?" + "&".join(f"{name}=***" for name in names)
    return shown


def scrub(text: str, *secrets: str | None) -> str:
    """``text`` with each non-empty secret replaced by ***: as it is, URL-decoded, URL-encoded once or twice, and
    any run of 10 of its characters when it is 20 or more long (an echo cut short leaves part of a signature)."""
    return _scrub(text, *secrets)


def url_secrets(url: str) -> list[str]:
    """The parts of a URL that act as credentials: query values and token-like path segments."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    found = [s for s in parts.path.split("/") if _TOKEN_SEGMENT.match(s)]
    found += [parts.password or ""]
    found += [pair.split("=", 1)[1] for pair in parts.query.split("&") if "=" in pair]
    return [s for s in found if s]


def post_json(
    url: str,
    body: Any,
    *,
    timeout: float,
    headers: Mapping[str, str] | None = None,
) -> Answer:
    """POST ``body`` (a JSON-ready value, or bytes sent as they are) and return the receiver's answer.

    Returns whatever HTTP status came back; classifying it is the caller's job (see :func:`status_error`).
    Raises DeliveryError(kind="retry") on a timeout or a connection failure, and kind="permanent" for a URL
    that cannot be used at all; the error names the redacted URL only.
    """
    data = body if isinstance(body, bytes) else encode_json(body)
    sent_headers = {"Content-Type": "application/json; charset=utf-8"}
    sent_headers.update(headers or {})
    import requests

    shown = redact_url(url)
    try:
        sender = getattr(_local, "session", None) or requests
        response = sender.post(url, data=data, headers=sent_headers, timeout=timeout, allow_redirects=False)
    except requests.Timeout:
        log.warning("POST %s timed out after %ss", shown, timeout)
        raise DeliveryError(f"{shown} did not answer within {timeout:g} s", "retry") from None
    except requests.ConnectionError as exc:
        log.warning("POST %s failed: %s", shown, type(exc).__name__)
        raise DeliveryError(f"could not connect to {shown} ({type(exc).__name__})", "retry") from None
    except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema,
            requests.exceptions.InvalidHeader) as exc:
        log.warning("POST %s cannot be sent: %s", shown, type(exc).__name__)
        raise DeliveryError(f"{shown} cannot be used ({type(exc).__name__}); check the receiver configuration",
                            "permanent") from None
    except requests.RequestException as exc:
        log.warning("POST %s failed: %s", shown, type(exc).__name__)
        raise DeliveryError(f"request to {shown} failed ({type(exc).__name__})", "retry") from None
    text = response.text
    try:
        parsed = response.json()
    except ValueError:
        parsed = None
    log.debug("POST %s -> HTTP %s", shown, response.status_code)
    return Answer(response.status_code, parsed, text, dict(response.headers))


def retry_after_seconds(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """The ``Retry-After`` header as seconds (a number, or an HTTP date measured from ``now``)."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    if now is None:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())


def status_error(answer: Answer, what: str, *, now: datetime | None = None) -> DeliveryError | None:
    """None for a 2xx answer; otherwise the DeliveryError its HTTP status calls for.

    408, 429 and 5xx are worth retrying (after ``Retry-After`` when given); every other status, redirects
    included, means the receiver refuses this request as configured.
    """
    status = answer.status
    if 200 <= status < 300:
        return None
    snippet = _snippet(answer.text)
    if status in (408, 429) or status >= 500:
        return DeliveryError(
            f"{what} answered HTTP {status}{snippet}",
            "retry",
            http_status=status,
            retry_after=retry_after_seconds(answer.headers, now),
        )
    return DeliveryError(f"{what} refused the request with HTTP {status}{snippet}", "permanent", http_status=status)


def _snippet(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    if not text:
        return ""
    return ": " + (text if len(text) <= limit else text[: limit - 1] + "…")
