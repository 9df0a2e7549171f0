"""Loopback HTTP servers that behave like the real group robots, and pytest fixtures that run them.

Each robot listens on 127.0.0.1 (a free port), answers errors as HTTP 200 with an error code in the body like the
real ones, records what it accepted, and can be made to misbehave:

- ``robot.accepted``: the JSON bodies it accepted, in order; ``robot.requests``: every request with its reply.
- ``robot.fail_next(n, status=500)`` answers the next n requests with that HTTP status;
  ``robot.fail_next(n, errcode=45009)`` with that error code (HTTP 200); ``retry_after=`` adds the header.
- ``robot.go_silent()``: accept connections but never answer (clients time out; keep their timeout short);
  ``robot.speak_again()`` ends it.
- ``robot.down()`` stops the server (connections are refused); ``robot.up()`` starts it on the same port.
- ``robot.clock``: the server's clock for signature windows and rate windows. It starts at :data:`ROBOT_NOW`
  and moves only when a test moves it (``clock.advance(61)``, ``clock.set(datetime)``), so nothing sleeps.
  Sign with the same instant: ``channel.send(payload, now=robot.clock.now())``.
- ``robot.channel(**options)`` builds the matching channel (short timeout, the robot's URL and secret).
- ``robot.latency = 0.05`` answers every request that much later (the decision is taken when it arrives);
  ``robot.connections`` counts the TCP connections it accepted (keep-alive reuse shows as fewer connections than
  requests); ``request.at`` is when a request arrived (``time.monotonic()``).
- Many robots behind one server: :class:`WeComRobots` and :class:`DingTalkRobots` take a list of keys (tokens), keep
  a rate window, a throttle and an ``accepted_by[key]`` list per key, exactly as that many single robots would, and
  give each key's URL (``robots.url_for(key)``) and channel (``robots.channel_for(key)``). With
  ``clock=WallClock()`` their windows run on real time, for benchmarks.

Robots: :class:`WeComRobot` (``wecom_robot``), :class:`DingTalkRobot` (``dingtalk_robot``, signing on),
:class:`FeishuRobot` (``feishu_robot``, signing on), :class:`WebhookReceiver` (``webhook_receiver``, signature
checked). Mail: :class:`MailServer`, a real aiosmtpd server (``smtp_server`` plain; build STARTTLS or implicit
TLS ones with the ``tls_certificate`` fixture, which skips when the openssl tool is missing).

Use the fixtures by importing them into a test module (``from tests.robots import wecom_robot``) or with
``pytest_plugins = ["tests.robots"]`` at the top of the module; or use a robot as a context manager
(``with DingTalkRobot(secret=None, keyword="规划") as robot: ...``).

PYTEST_DONT_REWRITE: this module has no asserts, and test modules import it before pytest loads it as a plugin.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from monitor.channels.dingtalk import DingTalkChannel
from monitor.channels.feishu import FeishuChannel
from monitor.channels.signing import SIGNATURE_HEADER, verify_webhook_signature
from monitor.channels.webhook import WebhookChannel
from monitor.channels.wecom import WeComChannel

ROBOT_NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=8)))
SILENCE_LIMIT_S = 30  # a silent robot drops the connection after this, so no thread outlives a test run


class Clock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime = ROBOT_NOW):
        self._seconds = start.timestamp()

    def time(self) -> float:
        return self._seconds

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._seconds, tz=ROBOT_NOW.tzinfo)

    def set(self, when: datetime) -> None:
        self._seconds = when.timestamp()

    def advance(self, seconds: float) -> None:
        self._seconds += seconds


class WallClock(Clock):
    """Real time (``advance`` still moves it on), for robots whose rate windows must run on the wall clock."""

    def __init__(self) -> None:
        self._offset = 0.0

    def time(self) -> float:
        return time.time() + self._offset

    def set(self, when: datetime) -> None:
        self._offset = when.timestamp() - time.time()

    def advance(self, seconds: float) -> None:
        self._offset += seconds


class Window:
    """At most ``limit`` events in any ``seconds`` of the clock: a sliding window."""

    def __init__(self, limit: int, seconds: float, clock: Clock):
        self.limit, self.seconds, self.clock = limit, seconds, clock
        self._times: deque[float] = deque()

    def allow(self) -> bool:
        now = self.clock.time()
        while self._times and self._times[0] <= now - self.seconds:
            self._times.popleft()
        if len(self._times) >= self.limit:
            return False
        self._times.append(now)
        return True


@dataclass
class Request:
    """One request as the robot saw it, and what it answered (status None: no answer)."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    json: Any
    status: int | None = None
    reply: Any = None
    at: float = 0.0  # time.monotonic() when it arrived
    answered_at: float | None = None  # time.monotonic() when the answer was written (None: never)


@dataclass
class Reply:
    status: int
    body: Any  # a dict (sent as JSON) or bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Failure:
    status: int
    errcode: int | None
    errmsg: str
    retry_after: float | None


class Robot:
    """The common behaviour: a threaded HTTP server, records, failure injection, silence, downtime."""

    code_field, message_field = "errcode", "errmsg"

    def __init__(self, clock: Clock | None = None):
        self.clock = clock or Clock()
        self.accepted: list[Any] = []
        self.requests: list[Request] = []
        self.port = 0
        self.latency = 0.0  # seconds before each answer
        self.connections = 0  # TCP connections accepted
        self._lock = threading.Lock()
        self._failures: deque[_Failure] = deque()
        self._silent = False
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    # lifecycle -----------------------------------------------------------------------------------------------
    def __enter__(self):
        self.up()
        return self

    def __exit__(self, *exc_info) -> None:
        self.speak_again()
        self.down()

    def up(self) -> None:
        """Start serving (on the same port as before, after a down())."""
        server = _Server(("127.0.0.1", self.port), _Handler)
        server.daemon_threads = True
        server.robot = self  # type: ignore[attr-defined]
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def down(self) -> None:
        """Stop serving: new connections are refused until up()."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # misbehaviour --------------------------------------------------------------------------------------------
    def fail_next(self, n: int = 1, *, status: int | None = None, errcode: int | None = None,
                  errmsg: str = "injected", retry_after: float | None = None) -> None:
        """Answer the next ``n`` requests with an error code in the body (HTTP ``status``, default 200) when
        ``errcode`` is given, else with HTTP ``status`` (default 500) and a body that is not JSON."""
        if status is None:
            status = 200 if errcode is not None else 500
        with self._lock:
            self._failures.extend(_Failure(status, errcode, errmsg, retry_after) for _ in range(n))

    def go_silent(self) -> None:
        self._release.clear()
        self._silent = True

    def speak_again(self) -> None:
        self._silent = False
        self._release.set()

    # answering -----------------------------------------------------------------------------------------------
    def error(self, code: int, message: str) -> Reply:
        return Reply(200, {self.code_field: code, self.message_field: message})

    def ok(self) -> Reply:
        return Reply(200, {self.code_field: 0, self.message_field: "ok"})

    def handle(self, request: Request) -> Reply:  # pragma: no cover - each robot has its own
        raise NotImplementedError

    def _receive(self, request: Request) -> Reply | None:
        with self._lock:
            self.requests.append(request)
            if self._silent:
                return None
            if self._failures:
                failure = self._failures.popleft()
                if failure.errcode is not None:
                    reply = self.error(failure.errcode, failure.errmsg)
                    reply.status = failure.status
                else:
                    reply = Reply(failure.status, b"injected failure")
                if failure.retry_after is not None:
                    reply.headers["Retry-After"] = f"{failure.retry_after:g}"
            else:
                reply = self.handle(request)
            request.status, request.reply = reply.status, reply.body
            return reply


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # many deliverer threads connect at once; the default backlog of 5 drops them


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        robot: Robot = self.server.robot  # type: ignore[attr-defined]
        with robot._lock:
            robot.connections += 1

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        robot: Robot = self.server.robot  # type: ignore[attr-defined]
        arrived = time.monotonic()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        parts = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(parts.query, keep_blank_values=True).items()}
        try:
            parsed = json.loads(body.decode("utf-8"))
        except ValueError:
            parsed = None
        request = Request(parts.path, query, dict(self.headers.items()), body, parsed, at=arrived)
        reply = robot._receive(request)
        if robot.latency:
            time.sleep(robot.latency)
        if reply is None:  # silent: hold the connection without answering, then drop it
            robot._release.wait(SILENCE_LIMIT_S)
            self.close_connection = True
            return
        data = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body, ensure_ascii=False).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        request.answered_at = time.monotonic()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet test output
        pass


class WeComRobot(Robot):
    """``POST /cgi-bin/webhook/send?key=KEY``: 93000 wrong key, 40058 too long, 45009 over 20 a minute."""

    def __init__(self, key: str = "0f6c1d2e-3a4b-4c5d-8e9f-a1b2c3d4e5f6", clock: Clock | None = None):
        super().__init__(clock)
        self.key = key
        self.window = Window(20, 60, self.clock)

    @property
    def url(self) -> str:
        return self.url_for(self.key)

    def url_for(self, key: str) -> str:
        return f"{self.base}/cgi-bin/webhook/send?key={key}"

    def channel(self, **options: Any) -> WeComChannel:
        return WeComChannel(self.url, **{"timeout": 2, **options})

    def handle(self, request: Request) -> Reply:
        if request.path != "/cgi-bin/webhook/send":
            return Reply(404, b"not found")
        if request.query.get("key") != self.key:
            return self.error(93000, "invalid webhook url, hint: [1700000000_93000], from ip: 127.0.0.1")
        if not isinstance(request.json, dict):
            return self.error(40035, "invalid parameter: body is not JSON")
        if not self.window.allow():
            return self.error(45009, "api freq out of limit, hint: [1700000000_45009]")
        kind = request.json.get("msgtype")
        if kind == "image":
            return self._image(request.json)
        limits = {"markdown": 4096, "text": 2048}
        if kind not in limits:
            return self.error(40008, "invalid message type")
        content = (request.json.get(kind) or {}).get("content")
        if not isinstance(content, str) or not content:
            return self.error(41009, f"missing {kind}.content")
        if len(content.encode("utf-8")) > limits[kind]:
            return self.error(40058, f"{kind}.content exceed max length {limits[kind]}. invalid Request Parameter")
        self.accepted.append(request.json)
        return self.ok()

    def _image(self, body: dict[str, Any]) -> Reply:
        """An image message as the real robot checks it: base64 of a JPG or PNG of at most 2 MB, and its md5."""
        image = body.get("image") or {}
        try:
            data = base64.b64decode(image.get("base64") or "", validate=True)
        except (binascii.Error, ValueError):
            return self.error(40005, "invalid media type: image.base64 is not base64")
        if not data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
            return self.error(40005, "invalid media type: only JPG and PNG images")
        if len(data) > 2 * 1024 * 1024:
            return self.error(40009, "invalid image size: more than 2M")
        if image.get("md5") != hashlib.md5(data).hexdigest():
            return self.error(301019, "media md5 not match")
        self.accepted.append(body)
        return self.ok()


class DingTalkRobot(Robot):
    """``POST /robot/send?access_token=T&timestamp=&sign=``: signature and 1-hour window (310000), body of
    20,000 bytes or more (460101), over 20 a minute (130101, then throttled for ``throttle_seconds``), markdown
    without title (400402), no msgtype (300001), unknown token (300005), missing keyword when one is set."""

    def __init__(self, token: str = "a" * 24 + "0123456789abcdef" * 2 + "b" * 8, *,
                 secret: str | None = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab",
                 keyword: str | None = None, throttle_seconds: float = 600, clock: Clock | None = None):
        super().__init__(clock)
        self.token, self.secret, self.keyword = token, secret, keyword
        self.throttle_seconds = throttle_seconds
        self.throttled_until = float("-inf")
        self.window = Window(20, 60, self.clock)

    @property
    def url(self) -> str:
        return f"{self.base}/robot/send?access_token={self.token}"

    def channel(self, **options: Any) -> DingTalkChannel:
        return DingTalkChannel(self.url, **{"secret": self.secret, "timeout": 2, **options})

    def handle(self, request: Request) -> Reply:
        if request.path != "/robot/send":
            return Reply(404, b"not found")
        if request.query.get("access_token") != self.token:
            return self.error(300005, "token is not exist")
        if self.secret and not self._signed(request.query):
            return self.error(310000, "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]")
        now = self.clock.time()
        if now < self.throttled_until:
            return self.error(130101, "send too fast, exceed 20 times per minute")
        if len(request.body) >= 20000:
            return self.error(460101, "description: body 大小不合法;solution:请保持大小在 20000bytes 以内;")
        if not self.window.allow():
            self.throttled_until = now + self.throttle_seconds
            return self.error(130101, "send too fast, exceed 20 times per minute")
        body = request.json if isinstance(request.json, dict) else {}
        kind = body.get("msgtype")
        if not kind:
            return self.error(300001, "param error: msgtype is null")
        content = body.get(kind) or {}
        if kind == "markdown" and not content.get("title"):
            return self.error(400402, "markdown title is empty")
        if self.keyword and self.keyword not in json.dumps(content, ensure_ascii=False):
            return self.error(310000, "keywords not in content")
        self.accepted.append(body)
        return self.ok()

    def _signed(self, query: dict[str, str]) -> bool:
        try:
            timestamp = int(query["timestamp"])
        except (KeyError, ValueError):
            return False
        if abs(self.clock.time() * 1000 - timestamp) > 3600 * 1000:
            return False
        digest = hmac.new(self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256).digest()
        return hmac.compare_digest(base64.b64encode(digest).decode(), query.get("sign", ""))


class FeishuRobot(Robot):
    """``POST /open-apis/bot/v2/hook/TOKEN``: signature in the body (19021), keyword (19024), 5 a second and 100
    a minute (11232), body over 20 KB (19036), bad JSON (HTTP 400, 9499), unknown token (19001).
    ``legacy=True`` answers like bots made before 2020 (``StatusCode``/``StatusMessage``)."""

    code_field, message_field = "code", "msg"
    MAX_BODY = 20 * 1024

    def __init__(self, token: str = "9f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9", *,
                 secret: str | None = "feishuSecret0123456789AB", keyword: str | None = None, legacy: bool = False,
                 clock: Clock | None = None):
        super().__init__(clock)
        self.token, self.secret, self.keyword = token, secret, keyword
        self.windows = [Window(5, 1, self.clock), Window(100, 60, self.clock)]
        if legacy:
            self.code_field, self.message_field = "StatusCode", "StatusMessage"

    @property
    def url(self) -> str:
        return f"{self.base}/open-apis/bot/v2/hook/{self.token}"

    def channel(self, **options: Any) -> FeishuChannel:
        return FeishuChannel(self.url, **{"secret": self.secret, "timeout": 2, **options})

    def ok(self) -> Reply:
        return Reply(200, {self.code_field: 0, self.message_field: "success", "data": {}})

    def handle(self, request: Request) -> Reply:
        if not request.path.startswith("/open-apis/bot/v2/hook/"):
            return Reply(404, {"code": 99991201, "msg": "resource not find"})
        if request.path.rsplit("/", 1)[1] != self.token:
            return self.error(19001, "param invalid: incoming webhook access token invalid")
        body = request.json
        if not isinstance(body, dict):
            return Reply(400, {self.code_field: 9499, self.message_field: "Bad Request"})
        if self.secret and not self._signed(body):
            return self.error(19021, "sign match fail or timestamp is not within one hour from current time")
        if len(request.body) > self.MAX_BODY:
            return self.error(19036, "The message exceeds the size limit of 20KB")
        if not all(window.allow() for window in self.windows):
            return self.error(11232, "frequency limited psm[lark.oapi.app_platform_runtime]")
        if body.get("msg_type") not in ("text", "post", "interactive", "image", "share_chat"):
            return self.error(19002, "params error, msg_type need")
        if self.keyword and self.keyword not in json.dumps(body.get("content"), ensure_ascii=False):
            return self.error(19024, "Key Words Not Found")
        self.accepted.append(body)
        return self.ok()

    def _signed(self, body: dict[str, Any]) -> bool:
        try:
            timestamp = int(body["timestamp"])
        except (KeyError, ValueError, TypeError):
            return False
        if abs(self.clock.time() - timestamp) > 3600:
            return False
        key = f"{timestamp}\n{self.secret}".encode()
        expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        return hmac.compare_digest(expected, str(body.get("sign", "")))


class WebhookReceiver(Robot):
    """Any path: verifies X-Monitor-Signature against ``secret`` (401 when it does not verify), records the
    bodies (``accepted``) and the raw bytes (``requests[i].body``), answers 200 with ``{"status": "ok"}``."""

    def __init__(self, *, secret: str | None = "whsec_0123456789abcdef", tolerance_s: float = 300,
                 clock: Clock | None = None):
        super().__init__(clock)
        self.secret, self.tolerance_s = secret, tolerance_s

    @property
    def url(self) -> str:
        return f"{self.base}/hooks/monitor"

    def channel(self, **options: Any) -> WebhookChannel:
        return WebhookChannel(self.url, **{"secret": self.secret, "timeout": 2, **options})

    def error(self, code: int, message: str) -> Reply:
        return Reply(200, {"status": "error", "code": code, "message": message})

    def handle(self, request: Request) -> Reply:
        if self.secret:
            header = next((v for k, v in request.headers.items() if k.lower() == SIGNATURE_HEADER.lower()), None)
            if not verify_webhook_signature(self.secret, header, request.body, now_s=self.clock.time(),
                                            tolerance_s=self.tolerance_s):
                return Reply(401, {"status": "error", "message": "signature does not verify"})
        self.accepted.append(request.json)
        return Reply(200, {"status": "ok"})


class WeComRobots(WeComRobot):
    """Many WeCom robots behind one server: one per key, each with its own 20-a-minute window and records."""

    def __init__(self, keys: list[str], clock: Clock | None = None, latency: float = 0.0):
        super().__init__(keys[0], clock)
        self.windows = {key: Window(20, 60, self.clock) for key in keys}
        self.accepted_by: dict[str, list[Any]] = defaultdict(list)
        self.latency = latency

    def channel_for(self, key: str, **options: Any) -> WeComChannel:
        return WeComChannel(self.url_for(key), **{"timeout": 2, **options})

    def handle(self, request: Request) -> Reply:
        key = request.query.get("key")
        if key not in self.windows:
            return self.error(93000, "invalid webhook url, hint: [1700000000_93000], from ip: 127.0.0.1")
        self.key, self.window = key, self.windows[key]  # under the robot's lock: the single robot's rules
        reply = super().handle(request)
        if isinstance(reply.body, dict) and reply.body.get(self.code_field) == 0:
            self.accepted_by[key].append(request.json)
        return reply


class DingTalkRobots(DingTalkRobot):
    """Many DingTalk robots behind one server: one per access token, each signed with ``secret``, each with its own
    20-a-minute window, throttle and records."""

    def __init__(self, tokens: list[str], *, secret: str | None = "SEC" + "5" * 64, clock: Clock | None = None,
                 latency: float = 0.0, throttle_seconds: float = 600):
        super().__init__(tokens[0], secret=secret, throttle_seconds=throttle_seconds, clock=clock)
        self.windows = {token: Window(20, 60, self.clock) for token in tokens}
        self.throttled = {token: float("-inf") for token in tokens}
        self.accepted_by: dict[str, list[Any]] = defaultdict(list)
        self.latency = latency

    def url_for(self, token: str) -> str:
        return f"{self.base}/robot/send?access_token={token}"

    def channel_for(self, token: str, **options: Any) -> DingTalkChannel:
        return DingTalkChannel(self.url_for(token), **{"secret": self.secret, "timeout": 2, **options})

    def handle(self, request: Request) -> Reply:
        token = request.query.get("access_token")
        if token not in self.windows:
            return self.error(300005, "token is not exist")
        self.token, self.window, self.throttled_until = token, self.windows[token], self.throttled[token]
        reply = super().handle(request)
        self.throttled[token] = self.throttled_until
        if isinstance(reply.body, dict) and reply.body.get(self.code_field) == 0:
            self.accepted_by[token].append(request.json)
        return reply


@pytest.fixture
def wecom_robot():
    """A WeCom robot with key ``robot.key``."""
    with WeComRobot() as robot:
        yield robot


@pytest.fixture
def dingtalk_robot():
    """A DingTalk robot that requires signing with ``robot.secret`` (``DingTalkRobot(secret=None)`` for none)."""
    with DingTalkRobot() as robot:
        yield robot


@pytest.fixture
def feishu_robot():
    """A Feishu bot that requires signing with ``robot.secret`` (``FeishuRobot(secret=None)`` for none)."""
    with FeishuRobot() as robot:
        yield robot


@pytest.fixture
def webhook_receiver():
    """A webhook receiver that verifies X-Monitor-Signature with ``robot.secret`` and records bodies."""
    with WebhookReceiver() as robot:
        yield robot


# -- SMTP ---------------------------------------------------------------------------------------------------------


@dataclass
class Mail:
    """One message the mail server took: the envelope, the raw bytes, whether TLS was on, who logged in."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    tls: bool
    login: str | None


class MailServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that records what it takes.

    ``security``: "none", "starttls" (STARTTLS offered and required) or "tls" (implicit TLS); both TLS modes need
    ``certificate`` = (cert_file, key_file), e.g. from the ``tls_certificate`` fixture. ``users`` turns on AUTH
    (over TLS only, like real servers). ``refuse[address] = "550 5.1.1 no such user"`` refuses a recipient;
    ``data_replies.append("451 4.3.0 try again later")`` answers the next DATA with that reply instead of 250.
    """

    def __init__(self, *, security: str = "none", certificate: tuple[str, str] | None = None,
                 users: dict[str, str] | None = None):
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        self.mails: list[Mail] = []
        self.refuse: dict[str, str] = {}
        self.data_replies: deque[str] = deque()
        self.users = users or {}
        self.host, self.port = "127.0.0.1", _free_port()
        context = None
        if security != "none":
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*certificate)

        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and \
                self.users.get(auth_data.login.decode()) == auth_data.password.decode()
            return AuthResult(success=ok, handled=False, auth_data=auth_data.login.decode() if ok else None)

        options: dict[str, Any] = {"authenticator": authenticate if self.users else None}
        if security == "starttls":
            options.update(tls_context=context, require_starttls=True)
        elif security == "tls":
            options.update(ssl_context=context, auth_require_tls=False)  # the whole connection is TLS
        else:
            options.update(auth_require_tls=False)
        self._controller = Controller(_MailHandler(self), hostname=self.host, port=self.port, **options)

    def __enter__(self):
        self._controller.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._controller.stop()


class _MailHandler:
    def __init__(self, server: MailServer):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's name
        if address in self.server.refuse:
            return self.server.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.server.data_replies:
            return self.server.data_replies.popleft()
        login = session.auth_data if isinstance(session.auth_data, str) else None
        self.server.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content,
                                      session.ssl is not None, login))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def tls_certificate(tmp_path_factory) -> tuple[str, str]:
    """A throwaway self-signed certificate for 127.0.0.1 and localhost: (cert_file, key_file)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command-line tool is not installed, so no test certificate can be made")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )
    return str(cert), str(key)


@pytest.fixture
def smtp_server():
    """A plain SMTP server without login: ``smtp_server.mails`` holds what it took."""
    with MailServer() as server:
        yield server
