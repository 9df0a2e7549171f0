"""Build the channel of each configured receiver, with its URL and secret read from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import IO

from monitor.alerts.receivers import Receiver, ReceiversFile, require_environment
from monitor.channels.base import Channel
from monitor.settings import SmtpSettings

DEFAULT_TIMEOUT = 10.0


def build_channel(receiver: Receiver, environ: Mapping[str, str], smtp: SmtpSettings, *,
                  log_stream: IO[str] | None = None, timeout: float = DEFAULT_TIMEOUT) -> Channel:
    config = receiver.config
    kind = receiver.kind

    def secret() -> str | None:
        name = getattr(config, "secret_env", None)
        return environ.get(name) if name else None

    if kind == "wecom":
        from monitor.channels.wecom import WeComChannel

        return WeComChannel(environ[config.url_env], mention_mobiles=tuple(config.mention_mobiles),
                            mention_user_ids=tuple(config.mention_user_ids), timeout=timeout)
    if kind == "dingtalk":
        from monitor.channels.dingtalk import DingTalkChannel

        return DingTalkChannel(environ[config.url_env], secret=secret(),
                               mention_mobiles=tuple(config.mention_mobiles),
                               mention_user_ids=tuple(config.mention_user_ids), at_all=config.at_all,
                               timeout=timeout)
    if kind == "feishu":
        from monitor.channels.feishu import FeishuChannel

        return FeishuChannel(environ[config.url_env], secret=secret(),
                             mention_user_ids=tuple(config.mention_user_ids), at_all=config.at_all, timeout=timeout)
    if kind == "email":
        from monitor.channels.email import EmailChannel

        return EmailChannel(tuple(config.to), smtp=smtp)
    if kind == "webhook":
        from monitor.channels.webhook import WebhookChannel

        return WebhookChannel(environ[config.url_env], secret=secret(), timeout=timeout)
    from monitor.channels.log import LogChannel

    return LogChannel(log_stream)


def build_channels(config: ReceiversFile, smtp: SmtpSettings, environ: Mapping[str, str] | None = None, *,
                   log_stream: IO[str] | None = None) -> dict[str, Channel]:
    """Every receiver's channel; a missing environment variable is a DataError naming the receiver."""
    env = os.environ if environ is None else environ
    require_environment(config, env)
    return {r.name: build_channel(r, env, smtp, log_stream=log_stream) for r in config.receivers}
