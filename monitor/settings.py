"""Settings from the environment (prefix ``MONITOR_``, ``__`` for nested sections) or a ``.env`` file.

Nothing is read at import time: call :func:`load_settings` at an entry point and pass the result down.
"""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from monitor.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite:///data/monitor.db"


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
        "working directory; PostgreSQL: postgresql+psycopg://user:password@host:5432/dbname.",
    )
    timezone: str = Field(
        "Asia/Shanghai",
        description="IANA time zone that decides what 'today' is for --as-of defaults and schedules.",
    )
    plans_dir: Path = Field(
        Path("config/plans"),
        description="Folder of plan files (*.yaml) that `monitor init` loads.",
    )

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
        return {
            name: mask_secrets(str(getattr(self, name)))
            for name in type(self).model_fields
        }


_URL_PASSWORD = re.compile(r"(?P<head>://[^:/@]*:)(?P<secret>[^@]*)(?P<tail>@)")
_QUERY_SECRET = re.compile(r"(?i)(?P<head>(?:key|token|access_token|secret|password)=)(?P<secret>[^&\s]+)")


def mask_secrets(text: str) -> str:
    """Replace the password of a URL and key/token query values with ***."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}***{m['tail']}", text)
    return _QUERY_SECRET.sub(lambda m: f"{m['head']}***", text)


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning validation failures into one readable ConfigError."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            name = "MONITOR_" + "__".join(str(p).upper() for p in err["loc"])
            parts.append(f"{name}: {err['msg']}")
        raise ConfigError("invalid settings: " + "; ".join(parts)) from exc
