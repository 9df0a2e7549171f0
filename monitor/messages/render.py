"""Render a :class:`Notification` into a channel's :class:`Message` with Jinja2 templates.

Templates are looked up first in the user's folder (``MONITOR_TEMPLATES_DIR``, settings ``templates_dir``), then
in the bundled ``templates/`` folder, so a user replaces one file and keeps the rest. The bundled folder is the
``templates/`` directory next to the ``monitor`` package (a source checkout or an editable install) or, for an
installed wheel (``pip install .``, the Docker image), ``<prefix>/share/plan-pace-monitor/templates``, which
pyproject's ``[tool.setuptools.data-files]`` puts there. Without either, the user's folder must hold them all.

Which templates make which message (``kind`` is firing, resolved, reminder, digest or final):

=========  ======================  ===========================  ==================================
channel    title                   text                         more
=========  ======================  ===========================  ==================================
wecom      wecom/title.j2          wecom/<kind>.md.j2
dingtalk   dingtalk/title.j2       dingtalk/<kind>.md.j2
feishu     feishu/title.j2         feishu/<kind>.txt.j2
email      email/subject.j2        email/<kind>.txt.j2          html: email/<kind>.html.j2
webhook    email/subject.j2        email/<kind>.txt.j2          body: code, or webhook/body.json.j2;
                                                                per alert: webhook/description.txt.j2
log        email/subject.j2        email/<kind>.txt.j2
=========  ======================  ===========================  ==================================

The submission reminder (kind ``submission``, monitor/reminders, docs/reminders.md) has a title template of its
own in each folder: ``<folder>/submission.title.j2`` (``email/submission.subject.j2`` for email, webhook and log),
text ``<folder>/submission.md.j2`` / ``.txt.j2`` and, for email, ``email/submission.html.j2``.

Undefined variables are errors (StrictUndefined); autoescaping is on for ``.html`` templates only. Every error
becomes a :class:`ConfigError` naming the template, the file and the line.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from pathlib import Path
from typing import Any

import jinja2

from monitor.channels.base import Message
from monitor.errors import ConfigError
from monitor.messages.context import build_context
from monitor.messages.environment import TemplateEnvironment
from monitor.messages.filters import FILTERS, oneline
from monitor.messages.model import Notification
from monitor.messages.samples import sample_notification
from monitor.messages.webhook_body import alertmanager_body

log = logging.getLogger(__name__)

CHANNEL_KINDS = ("wecom", "dingtalk", "feishu", "email", "webhook", "log")
KINDS = ("firing", "resolved", "reminder", "digest", "final")  # the alert kinds (final: 终期评估)
SUBMISSION = "submission"  # a submission reminder (monitor/reminders)
ALL_KINDS = (*KINDS, SUBMISSION)
WEBHOOK_BODY = "webhook/body.json.j2"
WEBHOOK_DESCRIPTION = "webhook/description.txt.j2"
DISTRIBUTION = "plan-pace-monitor"



def bundled_candidates() -> tuple[Path, ...]:
    """Where the bundled templates may be, in order of preference."""
    return (
        Path(__file__).resolve().parents[2] / "templates",  # source checkout, editable install
        Path(sys.prefix) / "share" / DISTRIBUTION / "templates",  # wheel: pyproject [tool.setuptools.data-files]
    )


def bundled_templates_dir() -> Path | None:
    """The templates shipped with the monitor: the checkout's ``templates/``, else the wheel's data files."""
    for candidate in bundled_candidates():
        if (candidate / "common" / "_headline.j2").is_file():
            return candidate
    return None


def template_names(channel_kind: str, kind: str) -> dict[str, str]:
    """The template behind each part of the message for ``channel_kind`` and ``kind`` (see the module table)."""
    if channel_kind not in CHANNEL_KINDS:
        raise ConfigError(f"unknown channel kind {channel_kind!r} (expected one of {', '.join(CHANNEL_KINDS)})")
    if kind not in ALL_KINDS:
        raise ConfigError(f"unknown notification kind {kind!r} (expected one of {', '.join(ALL_KINDS)})")
    if kind == SUBMISSION:
        return _submission_names(channel_kind)
    if channel_kind in ("wecom", "dingtalk"):
        return {"title": f"{channel_kind}/title.j2", "text": f"{channel_kind}/{kind}.md.j2"}
    if channel_kind == "feishu":
        return {"title": "feishu/title.j2", "text": f"feishu/{kind}.txt.j2"}
    names = {"title": "email/subject.j2", "text": f"email/{kind}.txt.j2"}
    if channel_kind == "email":
        names["html"] = f"email/{kind}.html.j2"
    if channel_kind == "webhook":
        names["description"] = WEBHOOK_DESCRIPTION
    return names


def _submission_names(channel_kind: str) -> dict[str, str]:
    if channel_kind in ("wecom", "dingtalk"):
        return {"title": f"{channel_kind}/submission.title.j2", "text": f"{channel_kind}/submission.md.j2"}
    if channel_kind == "feishu":
        return {"title": "feishu/submission.title.j2", "text": "feishu/submission.txt.j2"}
    names = {"title": "email/submission.subject.j2", "text": "email/submission.txt.j2"}
    if channel_kind == "email":
        names["html"] = "email/submission.html.j2"
    if channel_kind == "webhook":
        names["description"] = WEBHOOK_DESCRIPTION
    return names


def _tidy(text: str) -> str:
    """Trailing spaces off every line, at most one blank line in a row, no blank lines at either end."""
    text = "\n".join([line.rstrip() for line in text.replace("\r\n", "\n").split("\n")])
    while "\n\n\n" in text:  # each pass shortens every run of line breaks (quicker than a regex for \n{3,})
        text = text.replace("\n\n\n", "\n\n")
    return text.strip("\n")


class Renderer:
    """Renders notifications with the user's templates first and the bundled ones second.

    ``user_dir``: a folder laid out like templates/ (only the files to replace); ``external_url``: where people
    can see the monitor, for the webhook body's ``externalURL``.
    """

    def __init__(self, user_dir: Path | None = None, *, external_url: str = "") -> None:
        self.bundled_dir = bundled_templates_dir()
        self.user_dir = Path(user_dir) if user_dir is not None else None
        if self.user_dir is not None and not self.user_dir.is_dir():
            raise ConfigError(f"templates folder {self.user_dir} does not exist (MONITOR_TEMPLATES_DIR)")
        if self.bundled_dir is None and self.user_dir is None:
            raise ConfigError(
                "the bundled message templates were not found (looked in "
                + ", ".join(str(c) for c in bundled_candidates())
                + "); set MONITOR_TEMPLATES_DIR to a complete copy of the project's templates/ folder"
            )
        self.external_url = external_url
        folders = [f for f in (self.user_dir, self.bundled_dir) if f is not None]
        loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(f, encoding="utf-8") for f in folders]
        self.env = TemplateEnvironment(
            loader=jinja2.ChoiceLoader(loaders),
            undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(
                enabled_extensions=("html", "html.j2", "htm"), default_for_string=False, default=False
            ),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            # a renderer keeps the templates it has compiled: a national run renders thousands of messages and
            # would otherwise look at each file's time stamp for every template and import of every message
            # (the daemon builds a new renderer, checked, when it reloads: README "systemctl reload")
            auto_reload=False,
        )
        self.env.filters.update(FILTERS)
        self._templates: dict[str, jinja2.Template] = {}

    # -- rendering -------------------------------------------------------------------------------------------

    def render(self, notification: Notification, channel_kind: str) -> Message:
        """The message for one channel; raises ConfigError naming the template when one fails."""
        names = template_names(channel_kind, notification.kind)
        context = build_context(notification)
        title = oneline(self._render(names["title"], context))
        if not title:
            raise ConfigError(f"message template {names['title']} rendered an empty title")
        text = _tidy(self._render(names["text"], context))
        html = self._render(names["html"], context).strip() if "html" in names else None
        body = None
        if channel_kind == "webhook":
            body = self._webhook_body(notification, context, names["description"], title, text)
        return Message(title=title, text=text, html=html, body=body)

    def _webhook_body(self, notification: Notification, context: dict[str, Any], description: str, title: str,
                      text: str) -> dict[str, Any]:
        views = context["items"]
        descriptions = [_tidy(self._render(description, {**context, "item": view})) for view in views]
        body = alertmanager_body(notification, views, descriptions, title=title, text=text,
                                 external_url=self.external_url, review=context["review"])
        if not self._exists(WEBHOOK_BODY):
            return body
        rendered = self._render(WEBHOOK_BODY, {**context, "body": body, "title": title, "text": text})
        try:
            custom = json.loads(rendered)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"message template {WEBHOOK_BODY} ({self._origin(WEBHOOK_BODY)}) did not produce "
                              f"valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from exc
        if not isinstance(custom, dict):
            raise ConfigError(f"message template {WEBHOOK_BODY} must produce a JSON object, "
                              f"not {type(custom).__name__}")
        return custom

    def _exists(self, name: str) -> bool:
        try:
            self.env.loader.get_source(self.env, name)  # type: ignore[union-attr]
        except jinja2.TemplateNotFound:
            return False
        return True

    def _origin(self, name: str) -> str:
        """Which file a template name resolves to, for error messages."""
        for folder in (self.user_dir, self.bundled_dir):
            if folder is not None and (folder / name).is_file():
                return str(folder / name)
        return "not found"

    def _render(self, name: str, context: dict[str, Any]) -> str:
        try:
            template = self._templates.get(name)
            if template is None:
                template = self._templates[name] = self.env.get_template(name)
            with self.env.rendering():
                return template.render(context)
        except jinja2.TemplateSyntaxError as exc:
            where = exc.name or name
            raise ConfigError(
                f"message template {where} ({exc.filename or self._origin(where)}), line {exc.lineno}: "
                f"{exc.message}"
            ) from exc
        except jinja2.TemplateNotFound as exc:
            searched = ", ".join(str(f) for f in (self.user_dir, self.bundled_dir) if f is not None)
            needed = "" if exc.name == name else f", needed by {name}"
            raise ConfigError(f"message template {exc.name} not found (looked in {searched}){needed}") from exc
        except Exception as exc:  # UndefinedError, or a filter refusing a value: both are template mistakes
            raise ConfigError(f"message template {self._where(exc, name)}: {exc}") from exc

    def _where(self, exc: BaseException, name: str) -> str:
        """The template file and line where ``exc`` was raised, then the templates that called it, innermost
        first: ``common/_lines.j2 (…), line 6, called from wecom/firing.md.j2 (…), line 2``. Jinja2 maps its
        frames back to template files and lines, so the traceback has them."""
        roots = [f.resolve() for f in (self.user_dir, self.bundled_dir) if f is not None]
        frames: list[str] = []
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            path = Path(frame.filename)
            root = next((r for r in roots if path.is_relative_to(r)), None)
            if root is None:
                continue
            text = f"{path.relative_to(root).as_posix()} ({path}), line {frame.lineno}"
            if not frames or frames[-1] != text:
                frames.append(text)
        return ", called from ".join(frames) if frames else f"{name} ({self._origin(name)})"

    # -- start-up check --------------------------------------------------------------------------------------

    def validate_templates(self) -> list[str]:
        """Render every channel × kind with a sample notification; return the template names checked.

        Raises ConfigError naming the first broken template and line. Files in the user's folder that no
        message uses are reported in the log (a misspelt name would otherwise be silently ignored). The
        submission reminder's templates are checked as well; their names are returned by
        :meth:`validate_submission_templates`, so the list here stays that of the alert kinds.
        """
        checked: set[str] = set()
        for kind in KINDS:
            checked |= self._validate_kind(sample_notification(kind))
        self._warn_unused(checked | set(self.validate_submission_templates()))
        return sorted(checked)

    def validate_submission_templates(self) -> list[str]:
        """Render the submission reminder on every channel with a sample; return the template names checked."""
        from monitor.reminders.message import sample_notification as sample_submission  # a sample, not a layer

        return sorted(self._validate_kind(sample_submission()))

    def _validate_kind(self, notification: Notification) -> set[str]:
        checked: set[str] = set()
        for channel_kind in CHANNEL_KINDS:
            names = template_names(channel_kind, notification.kind)
            self.render(notification, channel_kind)
            checked.update(names.values())
            if channel_kind == "webhook" and self._exists(WEBHOOK_BODY):
                checked.add(WEBHOOK_BODY)
        return checked

    def _warn_unused(self, used: set[str]) -> None:
        if self.user_dir is None:
            return
        for path in sorted(self.user_dir.rglob("*.j2")):
            name = path.relative_to(self.user_dir).as_posix()
            if name not in used and not path.name.startswith("_") and not name.startswith("common/"):
                log.warning("template %s in %s is not used by any message (a misspelt name?)", name, self.user_dir)
