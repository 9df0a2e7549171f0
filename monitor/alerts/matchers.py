"""Alertmanager-style label matchers, shared by routes, silences and inhibition rules.

Two spellings are accepted wherever a ``matchers`` field appears:

- a mapping of label → value, each an equality: ``{region: 城口县, severity: critical}``;
- a list of strings ``name<op>value`` with op ``=``, ``!=``, ``=~`` (regex) or ``!~`` (negated regex):
  ``["region=城口县", "severity!=warning", "indicator=~rd_.*"]``. A value may be written in double quotes
  (``region="城口县"``), as in Alertmanager.

A regular expression must match the whole value (``re.fullmatch``). A label the alert does not have counts as
the empty string, so ``binding=""`` selects alerts without a binding and ``binding!=""`` those with one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema

Op = Literal["=", "!=", "=~", "!~"]
OPS: tuple[str, ...] = ("=", "!=", "=~", "!~")
LABEL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MATCHER = re.compile(r"\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<op>=~|!~|!=|=)\s*(?P<value>.*?)\s*")


@dataclass(frozen=True)
class Matcher:
    """One condition on one label: ``name op value``."""

    name: str
    op: Op
    value: str
    _pattern: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not LABEL_NAME.fullmatch(self.name):
            raise ValueError(f"{self.name!r} is not a label name (letters, digits and _, not starting with a digit)")
        if self.op not in OPS:
            raise ValueError(f"unknown matcher operator {self.op!r}; use one of = != =~ !~")
        if self.op in ("=~", "!~"):
            try:
                object.__setattr__(self, "_pattern", re.compile(self.value))
            except re.error as exc:
                raise ValueError(f"matcher {self} has a bad regular expression: {exc}") from exc

    def matches(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.name, "")
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        hit = self._pattern.fullmatch(value) is not None  # type: ignore[union-attr]
        return hit if self.op == "=~" else not hit

    def __str__(self) -> str:
        return f"{self.name}{self.op}{self.value}"


def parse_matcher(text: str) -> Matcher:
    """One matcher from ``name<op>value``; raise ValueError saying what is wrong."""
    if not isinstance(text, str):
        raise ValueError(f"a matcher is a string such as \"region=城口县\", not {text!r}")
    found = _MATCHER.fullmatch(text)
    if found is None:
        raise ValueError(
            f"{text!r} is not a matcher; write label=value, label!=value, label=~regex or label!~regex"
        )
    value = found["value"]
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return Matcher(found["name"], found["op"], value)  # type: ignore[arg-type]


def parse_matchers(obj: Any) -> tuple[Matcher, ...]:
    """Matchers from a mapping (equalities), a list of strings or Matchers, or None (no matchers)."""
    if obj is None:
        return ()
    if isinstance(obj, Matcher):
        return (obj,)
    if isinstance(obj, str):
        return (parse_matcher(obj),)
    if isinstance(obj, Mapping):
        out = []
        for name, value in obj.items():
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                raise ValueError(f"the value of {name!r} must be text, not {value!r}")
            out.append(Matcher(str(name), "=", str(value)))
        return tuple(out)
    if isinstance(obj, Iterable):
        return tuple(item if isinstance(item, Matcher) else parse_matcher(item) for item in obj)
    raise ValueError(f"matchers are a mapping {{label: value}} or a list of \"label=value\" strings, not {obj!r}")


def matches(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    """True when every matcher holds; no matchers match everything."""
    return all(m.matches(labels) for m in matchers)


def format_matchers(matchers: Iterable[Matcher]) -> list[str]:
    """The list-of-strings spelling, e.g. for storage or display; :func:`parse_matchers` reads it back."""
    return [str(m) for m in matchers]


_SCHEMA = {
    "description": "Label matchers: a mapping label → value (equality), or a list of 'label=value', "
    "'label!=value', 'label=~regex', 'label!~regex' strings.",
    "anyOf": [
        {"type": "object", "additionalProperties": {"type": "string"}},
        {"type": "array", "items": {"type": "string", "pattern": r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*(=~|!~|!=|=)"}},
    ],
}

Matchers = Annotated[
    tuple[Matcher, ...],
    PlainValidator(parse_matchers),
    PlainSerializer(format_matchers, return_type=list[str]),
    WithJsonSchema(_SCHEMA),
]
"""A pydantic field type: ``matchers: Matchers = ()`` accepts both spellings and serialises as strings."""
