"""No secret in any output: every sending command, run with --debug (every logger at DEBUG, urllib3's request
lines included), against loopback robots and a mail server configured with distinctive fake secrets, prints none
of them, whole, URL-encoded or in half — also when a robot echoes the request URL in its error page.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, quote_plus, unquote_plus, urlencode

import pytest
from sqlalchemy.engine import make_url

from monitor.ops.logs import mask, mask_secrets, scrub
from tests.conftest import PLANS_DIR, ROOT, SAMPLES_DIR
from tests.robots import DingTalkRobot, FeishuRobot, MailServer, Reply, WallClock, WebhookReceiver, WeComRobot

WECOM_KEY = "wecomKEYfake-7f3a9c1e-5b2d-4068"
DING_TOKEN = "dingTOKENfake0a1b2c3d4e5f60718293a4b5c6d7e8f9"
DING_SECRET = "SECdingFAKE9e8d7c6b5a49382716a5b4c3d2e1f0"
FEISHU_TOKEN = "feishuTOKENfake-3c2b1a09-8f7e-6d5c"
FEISHU_SECRET = "feishuSECRETfake5a6b7c8d9e"
HOOK_TOKEN = "hookTOKENfake1234567890abcdef"
HOOK_SECRET = "whsecFAKEsecret0987654321"
SMTP_PASSWORD = "smtpPASSfake-4d3c2b1a"
DB_PASSWORD = "dbPASS@fake-5e6f7a8b"  # written %40 in the URL, as a URL must

RECEIVERS = """receivers:
  - {name: county-wecom, wecom: {url_env: T_WECOM_URL}}
  - {name: city-dingtalk, dingtalk: {url_env: T_DING_URL, secret_env: T_DING_SECRET}}
  - {name: city-feishu, feishu: {url_env: T_FEISHU_URL, secret_env: T_FEISHU_SECRET}}
  - {name: ops-hook, webhook: {url_env: T_HOOK_URL, secret_env: T_HOOK_SECRET}}
  - {name: bureau-mail, email: {to: ["kjj@example.gov.cn"]}}
route:
  receiver: county-wecom
  group_by: [region]
  routes:
    - {receiver: county-wecom, continue: true}
    - {receiver: city-dingtalk, continue: true}
    - {receiver: city-feishu, continue: true}
    - {receiver: ops-hook, continue: true}
    - {receiver: bureau-mail, continue: true}
digest_receivers: [county-wecom, city-dingtalk, city-feishu, ops-hook, bureau-mail]
"""
NEVER = "0 0 1 1 *"


class Echoing:
    """A robot whose next ``echoes`` answers are error pages that repeat the request URL, URL-encoded (as a
    gateway or a robot's "sign not match" page does), padded so that a 200-character excerpt ends mid-secret."""

    echoes = 0

    def echo_page(self, request, secret: str = "") -> str:
        full = f"{self.base}{request.path}?{urlencode(request.query)}" if request.query else self.base + request.path
        encoded = quote(full, safe="")
        head = " upstream refused "
        at = encoded.find(secret) if secret else -1
        pad = 199 - len(head) - at - len(secret) // 2 - 3 if at >= 0 else 0  # the excerpt ends past half of it
        return "x" * max(0, pad) + head + encoded + " " + full

    def _receive(self, request):  # type: ignore[no-untyped-def]
        with self._lock:
            echo, self.echoes = self.echoes > 0, self.echoes - 1
        if not echo:
            return super()._receive(request)
        reply = self.echo_reply(request)
        with self._lock:
            self.requests.append(request)
            request.status, request.reply = reply.status, reply.body
        return reply


class EchoingWeCom(Echoing, WeComRobot):
    def echo_reply(self, request) -> Reply:  # a gateway's HTML page: retried, its text cut at 200 characters
        return Reply(502, self.echo_page(request, WECOM_KEY).encode())


class EchoingDingTalk(Echoing, DingTalkRobot):
    def echo_reply(self, request) -> Reply:  # the robot's own refusal, with the signed URL in errmsg
        return self.error(310000, "sign not match: " + self.echo_page(request))


class EchoingWebhook(Echoing, WebhookReceiver):
    def echo_reply(self, request) -> Reply:
        return Reply(403, self.echo_page(request, HOOK_TOKEN).encode())


@pytest.fixture
def robots():
    clock = WallClock()
    found = {"wecom": EchoingWeCom(key=WECOM_KEY, clock=clock),
             "dingtalk": EchoingDingTalk(token=DING_TOKEN, secret=DING_SECRET, clock=clock),
             "feishu": FeishuRobot(token=FEISHU_TOKEN, secret=FEISHU_SECRET, clock=clock),
             "webhook": EchoingWebhook(secret=HOOK_SECRET, clock=clock)}
    for robot in found.values():
        robot.up()
    with MailServer(users={"monitor": SMTP_PASSWORD}) as mail:
        found["mail"] = mail
        yield found
    for robot in found.values():
        if robot is not mail:
            robot.speak_again()
            robot.down()


def environment(tmp_path: Path, database_url: str, robots) -> dict[str, str]:
    (tmp_path / "receivers.yaml").write_text(RECEIVERS, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update({
        "MONITOR_DATABASE_URL": database_url, "MONITOR_PLANS_DIR": str(PLANS_DIR),
        "MONITOR_RULES_DIR": str(ROOT / "rules"), "MONITOR_RECEIVERS_FILE": str(tmp_path / "receivers.yaml"),
        "MONITOR_LOCK_FILE": str(tmp_path / "monitor.lock"), "PYTHONPATH": str(ROOT),
        "MONITOR_SMTP__HOST": robots["mail"].host, "MONITOR_SMTP__PORT": str(robots["mail"].port),
        "MONITOR_SMTP__SECURITY": "none", "MONITOR_SMTP__USERNAME": "monitor",
        "MONITOR_SMTP__PASSWORD": SMTP_PASSWORD, "MONITOR_SMTP__SENDER": "规划监测 <monitor@example.gov.cn>",
        "T_WECOM_URL": robots["wecom"].url, "T_DING_URL": robots["dingtalk"].url, "T_DING_SECRET": DING_SECRET,
        "T_FEISHU_URL": robots["feishu"].url, "T_FEISHU_SECRET": FEISHU_SECRET,
        "T_HOOK_URL": f"{robots['webhook'].url}?token={HOOK_TOKEN}", "T_HOOK_SECRET": HOOK_SECRET,
        "MONITOR_SCHEDULE__ASSESS": "*/2 * * * * *", "MONITOR_SCHEDULE__DELIVER": "* * * * * *",
        "MONITOR_SCHEDULE__REMINDERS": NEVER, "MONITOR_SCHEDULE__DIGEST": NEVER, "MONITOR_SCHEDULE__INBOX": NEVER,
    })
    return env


def with_password(database_url: str) -> str:
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return database_url
    return url.set(password=DB_PASSWORD).render_as_string(hide_password=False)


def observed_secrets(robots) -> list[str]:
    """The signatures computed at send time: DingTalk's `sign`, Feishu's body `sign`, the webhook's HMAC."""
    found = [r.query["sign"] for r in robots["dingtalk"].requests if r.query.get("sign")]
    found += [r.json["sign"] for r in robots["feishu"].requests if isinstance(r.json, dict) and r.json.get("sign")]
    for r in robots["webhook"].requests:
        header = next((v for k, v in r.headers.items() if k.lower() == "x-monitor-signature"), "")
        found += [part[3:] for part in header.split(",") if part.startswith("v1=")]
    return found


def leaked_forms(secret: str) -> set[str]:
    """The secret, URL-encoded once and twice, and each half of it."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret), quote(quote_plus(secret), safe="")}
    if len(secret) >= 12:
        forms |= {secret[: len(secret) // 2], secret[len(secret) // 2:]}
    return forms


def wait_for(condition, timeout: float = 120.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout} s: {condition.__doc__}")


def test_no_sending_command_run_with_debug_prints_a_secret(database_url, tmp_path, robots):
    env = environment(tmp_path, with_password(database_url), robots)
    output: list[str] = []

    def monitor(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "monitor", "--debug", *args], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)
        output.append(f"$ monitor --debug {' '.join(args)}\n{done.stdout}{done.stderr}")
        return done

    assert monitor("init").returncode == 0, output[-1]
    for sample in sorted(SAMPLES_DIR.glob("*.csv")):
        assert monitor("actuals", "import", str(sample)).returncode == 0, output[-1]

    # the daemon assesses and sends; every robot's first answer echoes the URL
    for name in ("wecom", "dingtalk", "webhook"):
        robots[name].echoes = 1
    log = tmp_path / "daemon.log"
    with open(log, "w") as sink:
        daemon = subprocess.Popen([sys.executable, "-m", "monitor", "--debug", "run"], env=env, cwd=tmp_path,
                                  stdout=sink, stderr=subprocess.STDOUT)
        try:
            def everyone_heard_from_the_daemon() -> bool:
                """every robot and the mail server got something from the daemon"""
                return all(robots[n].requests for n in ("wecom", "dingtalk", "feishu", "webhook")) and \
                    bool(robots["mail"].mails)
            wait_for(everyone_heard_from_the_daemon)
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(120)
        finally:
            if daemon.poll() is None:
                daemon.kill()
                daemon.wait(60)
    output.append(log.read_text(encoding="utf-8", errors="replace"))

    # then every sending command by hand, the echoes armed again
    for name in ("wecom", "dingtalk", "webhook"):
        robots[name].echoes = 1
    for receiver in ("county-wecom", "city-dingtalk", "city-feishu", "ops-hook", "bureau-mail"):
        monitor("notify", "test", receiver)
    monitor("check", "--as-of", "2025-07-01", "--notify", "--fail-on", "never", "--format", "csv")
    monitor("digest")
    monitor("reminders", "send")
    monitor("outbox", "deliver")
    monitor("outbox", "list")
    monitor("config", "show")
    text = "\n".join(output)

    assert "urllib3.connectionpool" in text and "DEBUG" in text  # urllib3's own request lines were on
    assert "310000" in text and "502" in text  # the echo pages were answered and reported
    assert len(robots["mail"].mails) >= 2
    signatures = observed_secrets(robots)
    assert len(signatures) >= 6
    secrets = [WECOM_KEY, DING_TOKEN, DING_SECRET, FEISHU_TOKEN, FEISHU_SECRET, HOOK_TOKEN, HOOK_SECRET,
               SMTP_PASSWORD, *signatures]
    if make_url(database_url).get_backend_name() == "postgresql":
        secrets.append(DB_PASSWORD)
    assert len(secrets) >= 13
    leaks = sorted({form for secret in secrets for form in leaked_forms(secret) if form in text})
    assert leaks == [], "\n".join(line for line in text.splitlines() if any(leak in line for leak in leaks))[:3000]


def test_a_database_password_with_a_raw_at_sign_is_masked_whole():
    url = "postgresql+psycopg://monitor:p@ss-fake@word@db.example:5432/monitor"
    assert mask_secrets(url) == "postgresql+psycopg://monitor:***@db.example:5432/monitor"
    assert mask_secrets(f"cannot reach the database {url}: timeout") == \
        "cannot reach the database postgresql+psycopg://monitor:***@db.example:5432/monitor: timeout"
    assert mask("postgresql+psycopg://monitor:pa55@db/monitor and kjj@example.gov.cn") == \
        "postgresql+psycopg://monitor:***@db/monitor and kjj@example.gov.cn"


def test_a_signature_echoed_url_encoded_or_cut_short_is_scrubbed_whole():
    sign = quote_plus("ieLzRtwKdDE3Bxq/2tPTazt0h4FEkUp2AUHoEVso/4Q=")  # as sent in the URL
    echoed = quote(f"https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=1&sign={sign}", safe="")
    assert "sign%3D***" in mask(echoed) and "ieLzRtwK" not in mask(echoed)
    for text in (echoed, echoed[:-20], "page: " + sign[10:40] + " end", unquote_plus(sign)):
        scrubbed = scrub(text, sign)
        assert "2tPTazt0h4" not in scrubbed and "AUHoEVso" not in scrubbed, scrubbed


def test_every_handler_of_the_root_logger_masks_what_any_library_logs(tmp_path):
    script = f"""
import logging, sys
from monitor.cli import main
sys.argv = ["monitor", "--debug", "config", "show"]
try:
    main()
except SystemExit:
    pass
logging.getLogger("urllib3.connection").debug("POST %s", "https://qyapi.weixin.qq.com/send?key={WECOM_KEY}")
hook = "https%3A%2F%2Fopen.feishu.cn%2Fopen-apis%2Fbot%2Fv2%2Fhook%2F{HOOK_TOKEN}"
logging.getLogger("some.library").error("echo %s", hook)
try:
    raise RuntimeError("https://oapi.dingtalk.com/robot/send?access_token={DING_TOKEN}")
except RuntimeError:
    logging.getLogger("apscheduler.executors").exception("job failed")
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-c", script], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "key=***" in done.stderr and "hook%2F***" in done.stderr and "access_token=***" in done.stderr
    assert "job failed" in done.stderr and "Traceback" in done.stderr
    for secret in (WECOM_KEY, HOOK_TOKEN, DING_TOKEN):
        assert secret not in done.stderr
