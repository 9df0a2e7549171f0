"""How the daemon keeps one active instance (MONITOR_DAEMON__HEARTBEAT_SECONDS, MONITOR_DAEMON__STALE_SECONDS, …).

Read at the entry point (`monitor run`) like :class:`monitor.settings.Settings`, from the environment or ``.env``.
"""

from __future__ import annotations

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from monitor.errors import ConfigError


class DaemonSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MONITOR_DAEMON__", env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore")

    heartbeat_seconds: float = Field(
        5.0, gt=0, description="The active daemon checks its lock and writes its heartbeat this often.")
    stale_seconds: float = Field(
        30.0, gt=0, description="A standby (PostgreSQL) takes over from an active whose heartbeat has not moved for "
        "this long, ending the active's lock session. The active stops its own work when it has not confirmed its "
        "lock for half this time, so the two never work at once. At least three heartbeats.")
    poll_seconds: float = Field(5.0, gt=0, description="A standby tries the lock this often.")

    @model_validator(mode="after")
    def _room_for_heartbeats(self) -> DaemonSettings:
        if self.stale_seconds < 3 * self.heartbeat_seconds:
            raise ValueError("stale_seconds must be at least three heartbeats (3 × heartbeat_seconds)")
        return self

    @property
    def lease_seconds(self) -> float:
        """How long the active may work after its last confirmed heartbeat."""
        return self.stale_seconds / 2


def load_daemon_settings(**overrides: float) -> DaemonSettings:
    try:
        return DaemonSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        parts = [f"MONITOR_DAEMON__{'__'.join(str(p).upper() for p in e['loc']) or 'STALE_SECONDS'}: {e['msg']}"
                 for e in exc.errors()]
        raise ConfigError("invalid settings: " + "; ".join(parts)) from exc
