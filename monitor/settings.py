"""Settings from the environment (prefix ``MONITOR_``, ``__`` for nested sections) or a ``.env`` file.

Nothing is read at import time: call :func:`load_settings` at an entry point and pass the result down.
"""

from __future__ import annotations

import re
from datetime import date
from email.utils import parseaddr
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from monitor.errors import ConfigError
from monitor.ops.logs import mask_secrets, remember_secrets

__all__ = ["Settings", "SmtpSettings", "load_settings", "mask_secrets"]

DEFAULT_DATABASE_URL = "sqlite:///data/monitor.db"


class SmtpSettings(BaseModel):
    """Outgoing mail (MONITOR_SMTP__HOST, MONITOR_SMTP__PORT, …)."""

    host: str = Field("", description="SMTP server; empty means email receivers cannot send.")
    port: int = Field(587, ge=1, le=65535, description="587 for STARTTLS, 465 for implicit TLS, 25 for neither.")
    security: Literal["starttls", "tls", "none"] = Field("starttls", description="starttls, tls or none.")
    username: str = Field("", description="Login name; empty for no login.")
    password: SecretStr = Field(SecretStr(""), description="Login password.")
    sender: str = Field("", description="From address, e.g. 规划监测 <monitor@example.gov.cn>.")
    timeout: float = Field(20.0, gt=0, le=600, description="Seconds to wait for the server.")

    @field_validator("host", "username", "sender")
    @classmethod
    def _one_plain_line(cls, value: str) -> str:
        value = value.strip()
        if any(ch in value for ch in "\r\n\0"):
            raise ValueError("must be one line")
        return value

    @field_validator("host")
    @classmethod
    def _host_name(cls, value: str) -> str:
        if value and not _HOST.fullmatch(value):
            raise ValueError(f"{value!r} is not a host name or IP address (e.g. smtp.example.gov.cn)")
        return value

    @field_validator("sender")
    @classmethod
    def _mailbox(cls, value: str) -> str:
        if value and "@" not in parseaddr(value)[1]:
            raise ValueError(f"{value!r} is not a mail address (e.g. 规划监测 <monitor@example.gov.cn>)")
        return value


# a DNS name (each label 1–63 letters, digits or hyphens, not starting with a hyphen), an IPv4 or a bracketless IPv6
_HOST = re.compile(r"(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?:\.(?!-)[A-Za-z0-9-]{1,63})*\.?|[0-9A-Fa-f:.]+")


class ScheduleSettings(BaseModel):
    """When the daemon's jobs run (MONITOR_SCHEDULE__ASSESS, …): crontab fields in MONITOR_TIMEZONE, five
    (minute hour day month weekday) or six with seconds first, e.g. "*/1 * * * * *" for every second in tests."""

    assess: str = Field("0 9 * * mon-fri", description="Assess and notify (default weekdays 09:00).")
    deliver: str = Field("*/30 * * * * *", description="Deliver the outbox (default every 30 seconds).")
    reminders: str = Field("30 9 * * *", description="Submission reminders (default daily 09:30).")
    digest: str = Field("0 9 * * mon", description="The digest to the digest receivers (default Mondays 09:00).")
    inbox: str = Field("* * * * *", description="Ingest the inbox folder (default every minute).")
    misfire_grace_seconds: int = Field(3600, description="A run missed by less than this still runs at start-up.")


class InboxSettings(BaseModel):
    """A folder where county staff (or a file share) drop submitted files (MONITOR_INBOX__PATH, …)."""

    path: Path | None = Field(None, description="The folder; unset means no inbox job.")
    settle_seconds: float = Field(5.0, description="A file must be unchanged this long before it is taken.")


class ReminderSettings(BaseModel):
    """The ladder of reminders for a figure that is due or late, and how far back figures are asked for
    (MONITOR_REMINDERS__GRACE_DAYS, MONITOR_REMINDERS__LOOKBACK_DAYS, …)."""

    before_days: int = Field(3, description="A notice this many days before the due date.")
    grace_days: int = Field(7, description="After the due date, wait this long before the overdue reminder.")
    every_days: int = Field(7, description="Then remind again every this many days.")
    escalate_after: int = Field(3, description="After this many reminders the digest receivers are told too.")
    lookback_days: int = Field(
        365, ge=0, description="Only figures due in the last this many days (or coming due) are asked for, so a new "
        "database is not flooded with years-old gaps; a large value such as 3650 asks for every gap.")
    since: date | None = Field(
        None, description="And none due before this date (YYYY-MM-DD), e.g. the day the monitor went live; unset: "
        "only lookback_days limits.")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MONITOR_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL of the database. The default is a SQLite file data/monitor.db under the "
        "working directory (a SQLite file's missing folder is created; one that cannot be is a one-line error "
        "naming it); PostgreSQL: postgresql+psycopg://user:password@host:5432/dbname, with @ : / % in the "
        "password written %40 %3A %2F %25.",
    )
    timezone: str = Field(
        "Asia/Shanghai",
        description="IANA time zone that decides what 'today' is for --as-of defaults and schedules.",
    )
    plans_dir: Path = Field(
        Path("config/plans"),
        description="Folder of plan files (*.yaml) that `monitor init` loads.",
    )
    rules_dir: Path = Field(Path("rules"), description="Folder of alert rule files (*.yaml).")
    receivers_file: Path = Field(
        Path("config/receivers.yaml"),
        description="Receivers and routes; when the file does not exist, messages go to the log channel.",
    )
    templates_dir: Path | None = Field(
        None, description="A folder of your own message templates; files there replace the bundled ones."
    )
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    delivery_workers: int = Field(
        64, ge=1, le=512,
        description="Robots and mailboxes served at once by one deliverer (each still one request at a time, its "
        "parts in order). A crash re-sends at most one part to each target that had a request in flight, so 1 "
        "means at most one re-sent part in all per crash, at the cost of speed.",
    )
    notify_lock_wait_seconds: float = Field(
        600.0, gt=0,
        description="How long `monitor check --notify` (and the daemon's assess job) waits for an alert evaluation "
        "running in another process before giving up with exit 3, having queued nothing.",
    )
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    inbox: InboxSettings = Field(default_factory=InboxSettings)
    reminders: ReminderSettings = Field(default_factory=ReminderSettings)
    log_format: Literal["text", "json"] = Field("text", description="Log lines as plain text or one JSON object each.")
    metrics_port: int | None = Field(None, description="Serve Prometheus metrics on this port (daemon only).")
    lock_file: Path = Field(Path("data/monitor.lock"), description="With SQLite, keeps a second daemon out.")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Asia/Shanghai") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def shown(self) -> dict[str, str]:
        """The effective settings as text, with passwords and tokens masked."""
        shown: dict[str, str] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, BaseModel):
                for sub in type(value).model_fields:
                    shown[f"{name}__{sub}"] = mask_secrets(str(getattr(value, sub)))
            else:
                shown[name] = mask_secrets(str(value))
        return shown


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning validation failures into one readable ConfigError."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            name = "MONITOR_" + "__".join(str(p).upper() for p in err["loc"])
            parts.append(f"{name}: {mask_secrets(err['msg'])}")
        raise ConfigError("invalid settings: " + "; ".join(parts)) from None
    remember_secrets(settings.smtp.password.get_secret_value(), _url_password(settings.database_url))
    return settings


def _url_password(url: str) -> str | None:
    """The password of ``scheme://user:password@host/…`` as written (up to the last ``@`` of the address)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return None
    userinfo, at, _host = rest.split("/", 1)[0].rpartition("@")
    return userinfo.partition(":")[2] or None if at else None
