"""The receivers file (config/receivers.yaml): receivers, the route tree and inhibition rules.

Secrets never live in the file: robots name the environment variables that hold their webhook URL and signing
secret (``url_env``, ``secret_env``). Without a receivers file every message goes to the log channel, which prints
it, so the monitor runs with no keys at all.

What the file names is checked where the values are read (:func:`environment_problems`, from
`monitor receivers validate` and before any channel is built): every variable set, every URL an http:// or
https:// address with a host, and, when the SMTP settings are given, a server and a sender for email receivers.
Each problem names the file, the receiver and the field, and never the value (a robot URL is its credential).
"""

from __future__ import annotations

import os
import weakref
from collections import Counter
from collections.abc import Mapping
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from monitor.alerts.inhibit import DEFAULT_INHIBIT_RULES, InhibitRule
from monitor.alerts.routing import Route, receivers_named
from monitor.errors import ConfigError, DataError, Problem
from monitor.yamlfile import load_model

if TYPE_CHECKING:
    from monitor.settings import SmtpSettings

CHANNEL_KINDS = ("wecom", "dingtalk", "feishu", "email", "webhook", "log")
CHART_KINDS = {"email": 3, "wecom": 0}  # the channels that can carry charts, and how many they get by default
LOG_RECEIVER = "log"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WeComConfig(_Strict):
    url_env: str = Field(description="Environment variable holding the robot's webhook URL (it contains the key).")
    mention_mobiles: list[str] = Field(default_factory=list)
    mention_user_ids: list[str] = Field(default_factory=list)


class DingTalkConfig(_Strict):
    url_env: str = Field(description="Environment variable holding the robot's webhook URL (with access_token).")
    secret_env: str | None = Field(None, description="Environment variable holding the signing secret (SEC…).")
    mention_mobiles: list[str] = Field(default_factory=list)
    mention_user_ids: list[str] = Field(default_factory=list)
    at_all: bool = False


class FeishuConfig(_Strict):
    url_env: str
    secret_env: str | None = None
    mention_user_ids: list[str] = Field(default_factory=list)
    at_all: bool = False


class EmailConfig(_Strict):
    to: list[str] = Field(min_length=1, description="Addresses; the SMTP server comes from MONITOR_SMTP__*.")

    @field_validator("to")
    @classmethod
    def _mailboxes(cls, value: list[str]) -> list[str]:
        bad = [address for address in value if not _is_mailbox(address)]
        if bad:
            raise ValueError(f"not a mail address: {', '.join(repr(a) for a in bad)} (expected e.g. "
                             "kjj@example.gov.cn or 科技局 <kjj@example.gov.cn>)")
        return value


def _is_mailbox(address: str) -> bool:
    if any(ch in address for ch in "\r\n\0"):
        return False
    mailbox = parseaddr(address)[1]
    local, at, domain = mailbox.rpartition("@")
    return bool(at and local and domain) and " " not in mailbox


class WebhookConfig(_Strict):
    url_env: str
    secret_env: str | None = Field(None, description="Signs each body: X-Monitor-Signature: t=…,v1=hex HMAC.")


class LogConfig(_Strict):
    pass


class Receiver(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,80}$")
    send_resolved: bool = Field(True, description="Send a 已恢复 message when an alert clears.")
    charts: int | None = Field(None, ge=0, le=10, description="How many of a message's worst indicators get a "
                               "chart (email: inline images, default 3; wecom: image messages, default 0).")
    wecom: WeComConfig | None = None
    dingtalk: DingTalkConfig | None = None
    feishu: FeishuConfig | None = None
    email: EmailConfig | None = None
    webhook: WebhookConfig | None = None
    log: LogConfig | None = None

    @model_validator(mode="after")
    def _exactly_one_channel(self) -> Receiver:
        chosen = [kind for kind in CHANNEL_KINDS if getattr(self, kind) is not None]
        if len(chosen) != 1:
            raise ValueError(f"a receiver has exactly one of {', '.join(CHANNEL_KINDS)}; "
                             f"{self.name!r} has {len(chosen)}")
        if self.charts and chosen[0] not in CHART_KINDS:
            raise ValueError(f"charts is for email and wecom receivers only; {self.name!r} is {chosen[0]}")
        return self

    @property
    def chart_count(self) -> int:
        """How many charts each message to this receiver carries (``charts``, or the channel's default)."""
        return self.charts if self.charts is not None else CHART_KINDS.get(self.kind, 0)

    @property
    def kind(self) -> str:
        return next(kind for kind in CHANNEL_KINDS if getattr(self, kind) is not None)

    @property
    def config(self) -> BaseModel:
        return getattr(self, self.kind)

    def env_names(self) -> list[str]:
        config = self.config
        return [name for name in (getattr(config, "url_env", None), getattr(config, "secret_env", None)) if name]


class ReceiversFile(_Strict):
    receivers: list[Receiver]
    route: Route
    inhibit_rules: list[InhibitRule] | None = Field(
        None, description="Omitted: a critical alert hides the warning for the same plan, region and indicator.")
    digest_receivers: list[str] | None = Field(
        None, description="Who gets the weekly digest and escalated reminders; omitted: the top-level route's "
        "receiver.")
    _source: Path | None = PrivateAttr(None)  # the file it was read from, for messages

    @property
    def source(self) -> Path | None:
        return self._source

    @model_validator(mode="after")
    def _names_resolve(self) -> ReceiversFile:
        names = [r.name for r in self.receivers]
        duplicated = sorted(n for n, count in Counter(names).items() if count > 1)
        if duplicated:
            raise ValueError(f"receiver names must be unique: {', '.join(duplicated)}")
        if not self.route.receiver:
            raise ValueError("the top-level route needs a receiver (the default for every alert)")
        unknown = sorted((receivers_named(self.route) | set(self.digest_receivers or [])) - set(names))
        if unknown:
            raise ValueError(f"routes name receivers that are not defined: {', '.join(unknown)}")
        return self

    def receiver(self, name: str) -> Receiver:
        for fresh in (False, True):
            positions = _positions(self, fresh)
            position = positions.get(name)
            # checked, so that a list changed after the index was built is indexed again
            if position is not None and position < len(self.receivers) and self.receivers[position].name == name:
                return self.receivers[position]
        raise ConfigError(f"no receiver named {name!r}; the receivers file defines "
                          + ", ".join(r.name for r in self.receivers))

    @property
    def digest_targets(self) -> list[str]:
        return list(self.digest_receivers) if self.digest_receivers else [self.route.receiver or LOG_RECEIVER]

    @property
    def inhibitions(self) -> list[InhibitRule]:
        return list(DEFAULT_INHIBIT_RULES) if self.inhibit_rules is None else self.inhibit_rules


_POSITIONS: dict[int, tuple[weakref.ref, dict[str, int]]] = {}


def _positions(config: ReceiversFile, fresh: bool) -> dict[str, int]:
    """Receiver name → its position in ``config.receivers``, built once per file (a national file has thousands
    of receivers, and every message looks its receiver up); kept beside the model so that it takes no part in
    comparing or copying models."""
    key = id(config)
    entry = _POSITIONS.get(key)
    if entry is not None and entry[0]() is config and not fresh:
        return entry[1]
    positions: dict[str, int] = {}
    for position, item in enumerate(config.receivers):
        positions.setdefault(item.name, position)
    _POSITIONS[key] = (weakref.ref(config, lambda _ref, key=key: _POSITIONS.pop(key, None)), positions)
    return positions


def log_only() -> ReceiversFile:
    """The configuration used when there is no receivers file: everything is printed by the log channel."""
    return ReceiversFile(receivers=[Receiver(name=LOG_RECEIVER, log=LogConfig())],
                         route=Route(receiver=LOG_RECEIVER, group_by=["region"]))


def load_receivers(path: Path) -> ReceiversFile:
    """The receivers file at ``path``; the log-only configuration when there is none.

    A valid file is parsed by LibYAML (the C parser, where PyYAML has it) with PyYAML's own safe constructor and
    resolver, so it gives the same data as the pure-Python parser in a fraction of the time (a national file, a
    receiver and a route per county, in about 0.2 s rather than 3). Anything else (a file that cannot be read,
    is not valid YAML, or does not validate) goes the way it always went, through
    :func:`monitor.yamlfile.load_model`, which names each problem's line."""
    if not path.exists():
        return log_only()
    config = _load(path)
    config._source = path
    return config


def _load(path: Path) -> ReceiversFile:
    data = _fast_yaml(path)
    if data is not None:
        try:
            return ReceiversFile.model_validate(data)
        except ValidationError:
            pass  # parse again the slow way, for the line of each problem
    return load_model(path, ReceiversFile, "receivers file")


_C_LOADER = getattr(yaml, "CSafeLoader", None)


def _fast_yaml(path: Path) -> dict | None:
    """The file's mapping by LibYAML, or None where the pure-Python loader should decide (and word the error)."""
    if _C_LOADER is None:
        return None
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    if yaml.reader.Reader.NON_PRINTABLE.search(text):  # the pure-Python reader refuses these; LibYAML may not
        return None
    try:
        data = yaml.load(text, Loader=_C_LOADER)  # noqa: S506 - CSafeLoader is the safe loader
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


def environment_problems(config: ReceiversFile, environ: Mapping[str, str] | None = None,
                         path: Path | None = None, smtp: SmtpSettings | None = None) -> list[Problem]:
    """Everything the receivers need from the environment that is missing or unusable: a variable a receiver
    names that is unset or empty, a URL that is not an http:// or https:// address with a host, and (when ``smtp``
    is given) email receivers without an SMTP server or sender. Values are never shown."""
    env = os.environ if environ is None else environ
    path = path or config.source
    where = str(path) if path else "receivers"
    problems: list[Problem] = []
    for r in config.receivers:
        settings = r.config
        for field in ("url_env", "secret_env"):
            name = getattr(settings, field, None)
            if not name:
                continue
            value = env.get(name)
            if not value:
                problems.append(Problem(where, None, f"receivers.{r.name}.{r.kind}.{field}",
                                        f"environment variable {name} is not set"))
            elif field == "url_env" and (reason := _url_problem(value)):
                problems.append(Problem(where, None, f"receivers.{r.name}.{r.kind}.{field}",
                                        f"environment variable {name} {reason}",
                                        expected="https://… or http://… with a host"))
        if r.kind == "email" and smtp is not None:
            problems += _smtp_problems(r, smtp, where)
    return problems


def _url_problem(value: str) -> str | None:
    """Why ``value`` cannot be a robot or webhook URL, in words that do not repeat it; None when it can."""
    if value != value.strip() or any(ch.isspace() for ch in value):
        return "holds spaces or line breaks"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number or out of range
    except ValueError:
        return "is not a valid URL"
    if not value.startswith(("https://", "http://")):
        shown = f"{parts.scheme}:" if parts.scheme and len(parts.scheme) <= 10 and parts.scheme.isalpha() else None
        return "does not hold an http:// or https:// URL" + (f" (it starts with {shown})" if shown else "")
    if not parts.hostname:
        return "holds a URL without a host"
    return None


def _smtp_problems(receiver: Receiver, smtp: SmtpSettings, where: str) -> list[Problem]:
    field = f"receivers.{receiver.name}.email"
    if not smtp.host:
        return [Problem(where, None, field, "email receivers need an SMTP server, and MONITOR_SMTP__HOST is not set",
                        expected="MONITOR_SMTP__HOST, MONITOR_SMTP__PORT, MONITOR_SMTP__SENDER …")]
    if "@" not in parseaddr(smtp.sender or smtp.username)[1]:
        return [Problem(where, None, field, "email receivers need a sender address, and neither "
                        "MONITOR_SMTP__SENDER nor MONITOR_SMTP__USERNAME is one",
                        expected="MONITOR_SMTP__SENDER=规划监测 <monitor@example.gov.cn>")]
    return []


def missing_environment(config: ReceiversFile, environ: Mapping[str, str] | None = None,
                        path: Path | None = None, smtp: SmtpSettings | None = None) -> list[Problem]:
    """:func:`environment_problems` under its first name."""
    return environment_problems(config, environ, path, smtp)


def require_environment(config: ReceiversFile, environ: Mapping[str, str] | None = None,
                        path: Path | None = None, smtp: SmtpSettings | None = None) -> None:
    """Raise a DataError listing :func:`environment_problems`, if there are any."""
    problems = environment_problems(config, environ, path, smtp)
    if problems:
        raise DataError(f"{len(problems)} receiver setting(s) missing or unusable in the environment", problems)
