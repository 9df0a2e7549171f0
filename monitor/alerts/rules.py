"""Alert rule files: the model, the loader and the JSON Schema (``docs/rules.md`` explains the format).

A rules folder holds YAML files, each with a top-level ``rules:`` list. Rule ids are unique across all files.
Every problem is reported as a :class:`~monitor.errors.Problem` naming the file, the line and the field path.
"""

from __future__ import annotations

import re
import string
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from monitor.alerts import model as m
from monitor.core import columns as c
from monitor.core.status import FINAL, FINAL_STATUSES, NOT_STARTED, PHASES, STATUSES
from monitor.errors import ConfigError, DataError, Problem
from monitor.yamlfile import dotted, line_of, read_yaml

RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)]
LabelName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)]
Status = Literal[STATUSES]  # type: ignore[valid-type]
Phase = Literal[PHASES]  # type: ignore[valid-type]
FinalStatus = Literal[FINAL_STATUSES]  # type: ignore[valid-type]
BUILTIN_LABELS = (
    m.LABEL_PLAN, m.LABEL_REGION, m.LABEL_REGION_CODE, m.LABEL_INDICATOR, m.LABEL_KIND, m.LABEL_BINDING,
    m.LABEL_STATUS, m.LABEL_SEVERITY, m.LABEL_RULE, m.LABEL_PHASE, m.LABEL_ANNOUNCE,
)
# words a summary may use besides the fields: the status, the phase, the final verdict and the status of the
# latest value of a late series, in plan language (明显滞后, 已结束, 超额完成, 基本达到，需加快)
SUMMARY_LABELS = ("status_label", "phase_label", "final_label", "last_status_label", "due_period_text")
# what a summary may use: the fields of `monitor check --format json`, and those labels
SUMMARY_FIELDS = (*c.ASSESSMENT_COLUMNS, *SUMMARY_LABELS)
# phases whose rows no pace rule can ever select (an ended plan and a plan not yet begun raise no pace alerts)
SILENT_PHASES = (NOT_STARTED, FINAL)

_DURATION = re.compile(r"(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_DURATION_PATTERN = r"^(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?$"


def parse_duration(text: str) -> timedelta:
    """'7d', '12h', '30m', '1d12h', '2w', '90s' → timedelta; raise ValueError for anything else."""
    found = _DURATION.fullmatch(text.strip()) if isinstance(text, str) else None
    if not found or not any(found.groups()):
        raise ValueError(f"{text!r} is not a duration; write e.g. 7d, 12h, 30m or 1d12h (units w d h m s)")
    weeks, days, hours, minutes, seconds = (int(g or 0) for g in found.groups())
    return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The inverse of :func:`parse_duration` for whole seconds: timedelta(days=1, hours=12) → '1d12h'."""
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return parse_duration(value)


Duration = Annotated[
    timedelta,
    BeforeValidator(_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema({"type": "string", "pattern": _DURATION_PATTERN, "examples": ["7d", "12h", "30m"]}),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Select(_Strict):
    """Which series the rule looks at; every list given must contain the series' value."""

    plans: list[str] | None = Field(None, min_length=1, description="Plan ids.")
    regions: list[str] | None = Field(
        None, min_length=1, description="Official names, aliases or 6-digit codes (行政区划代码)."
    )
    indicators: list[str] | None = Field(None, min_length=1, description="Indicator ids.")
    kinds: list[Literal["level", "cumulative", "growth_rate"]] | None = Field(None, min_length=1)
    binding: list[Literal["binding", "expected", "unstated"]] | None = Field(
        None, min_length=1, description="binding (约束性), expected (预期性), unstated (the plan does not say)."
    )
    status: list[Status] | None = Field(None, min_length=1, description="Assessment statuses.")
    phase: list[Phase] | None = Field(
        None, min_length=1, description="Phases of the plan: not_started, in_progress, awaiting_final, final, "
        "continuing (docs/method.md).")
    final_status: list[FinalStatus] | None = Field(
        None, min_length=1, description="The final verdict of the plan's last milestone: achieved, missed, no_data.")


class When(_Strict):
    """Thresholds on the assessment; all that are given must hold. A missing (null) number never fires."""

    pace_below: float | None = Field(None, description="pace < this (1.0 = on the trajectory).")
    shortfall_above: float | None = Field(
        None, description="shortfall > this, in the indicator's unit, positive when behind."
    )
    shortfall_ratio_above: float | None = Field(
        None, description="shortfall / |target − baseline| > this (0.1 = a tenth of the planned change)."
    )
    projected_misses_milestone: bool | None = Field(
        None, description="true: the projection falls short of the active milestone target; false: it does not."
    )
    no_data: bool | None = Field(None, description="true: no value counts by the as-of date; false: one does.")


class Rule(_Strict):
    id: RuleId = Field(description="Unique across all rule files; part of the alert's identity.")
    description: str | None = Field(None, description="What the rule is for, in Chinese.")
    select: Select = Field(default_factory=Select)
    when: When = Field(default_factory=When)
    severity: Literal["warning", "critical"]
    labels: dict[LabelName, str] = Field(default_factory=dict, description="Extra labels for routing.")
    summary: str = Field(
        min_length=1, description="Chinese text with {placeholders} from the assessment, e.g. {region_name}."
    )
    group_by: list[LabelName] | None = Field(None, description="Labels to group by, instead of the route's.")
    repeat_interval: Duration | None = Field(None, description="Re-send a still-firing alert after this long.")
    announce: Literal["final"] | None = Field(
        None, description="final: announce final verdicts (终期评估) once per region and plan, never repeated.")

    @field_validator("labels")
    @classmethod
    def _no_builtin_labels(cls, value: dict[str, str]) -> dict[str, str]:
        taken = sorted(set(value) & set(BUILTIN_LABELS))
        if taken:
            raise ValueError(f"{', '.join(taken)} are set by the monitor itself; choose other label names")
        return value

    @field_validator("summary")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        check_summary(value)
        return value

    @field_validator("repeat_interval")
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value <= timedelta(0):
            raise ValueError("repeat_interval must be longer than zero")
        return value

    @model_validator(mode="after")
    def _has_a_condition(self) -> Rule:
        if not self.select.model_fields_set and not self.when.model_fields_set and self.announce is None:
            raise ValueError("a rule needs at least one condition under select or when, or it fires for everything")
        return self

    @model_validator(mode="after")
    def _fits_the_phases(self) -> Rule:
        phases = set(self.select.phase or ())
        if self.announce is not None:
            if self.repeat_interval is not None:
                raise ValueError("an announcement (announce: final) is sent once and never repeated; "
                                 "remove repeat_interval")
            if phases - {FINAL, "continuing"}:
                raise ValueError("an announcement (announce: final) is about final verdicts: "
                                 "select.phase may only list final and continuing")
        elif phases & set(SILENT_PHASES):
            raise ValueError(f"rows in phase {', '.join(sorted(phases & set(SILENT_PHASES)))} raise no alerts "
                             "(a plan not yet begun, an ended plan); use announce: final for final verdicts")
        return self


class RuleFile(_Strict):
    rules: list[Rule] = Field(description="The rules of this file; ids are unique across all files.")


def check_summary(text: str) -> None:
    """Raise ValueError unless every {placeholder} is an assessment field (format specs are allowed)."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ValueError(f"the summary is not a valid template: {exc}; write {{{{ and }}}} for literal braces") from exc
    for _, name, spec, _ in parsed:
        if spec and "{" in spec:
            raise ValueError(f"a placeholder inside a format spec ({{{name}:{spec}}}) is not supported")
        if name is not None and name not in SUMMARY_FIELDS:
            raise ValueError(
                f"unknown placeholder {{{name}}} in the summary; use assessment fields such as "
                "{region_name}, {indicator_name}, {pace}, {expected}, {actual}, {status_label}"
            )


def rules_json_schema() -> dict[str, Any]:
    """The JSON Schema of a rules file, for editors and `monitor rules schema`."""
    schema = RuleFile.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": "Alert rules file"}


def rule_files_in(folder: Path) -> list[Path]:
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def load_rules(folder: Path) -> list[Rule]:
    """Every rule in the folder's YAML files, in file-name order; DataError lists every problem of every file."""
    if not folder.is_dir():
        raise ConfigError(f"rules folder {folder} does not exist (MONITOR_RULES_DIR); `rules/` ships the defaults")
    paths = rule_files_in(folder)
    if not paths:
        raise ConfigError(f"rules folder {folder} has no rule files (*.yaml); copy rules/default.yaml there")
    return read_rule_files(paths)


def read_rule_files(paths: list[Path]) -> list[Rule]:
    """Read several files; rule ids must be unique across all of them."""
    rules: list[Rule] = []
    problems: list[Problem] = []
    seen: dict[str, tuple[str, int | None]] = {}
    for path in paths:
        try:
            loaded, lines = _read(path)
        except DataError as exc:
            problems.extend(exc.problems)
            continue
        for position, (rule, line) in enumerate(zip(loaded, lines)):
            where = (str(path), line)
            first = seen.setdefault(rule.id, where)
            if first != where:
                other = first[0] + (f", row {first[1]}" if first[1] is not None else "")
                problems.append(Problem(str(path), line, f"rules[{position}].id",
                                        f"rule id {rule.id!r} is also used in {other}", "a unique id"))
            else:
                rules.append(rule)
    if problems:
        raise DataError(f"{len(problems)} problem(s) in rule files", problems)
    return rules


def read_rule_file(path: Path) -> list[Rule]:
    """Parse and validate one rules file, or raise DataError listing every problem in it."""
    return read_rule_files([path])


def _read(path: Path) -> tuple[list[Rule], list[int | None]]:
    name = str(path)
    data, root = read_yaml(path, "rules file")
    if not isinstance(data, dict):
        problem = Problem(name, None, None, "expected a mapping with a top-level rules: list", "rules: [...]")
        raise DataError(f"{name}: not a rules file", [problem])
    problems = [Problem(name, line, field, message) for line, field, message in _duplicate_keys(root, ())]
    try:
        parsed = RuleFile.model_validate(data)
    except ValidationError as exc:
        problems += [Problem(name, line_of(root, err["loc"]), dotted(err["loc"]), _message(err))
                     for err in exc.errors()]
    if problems:
        raise DataError(f"{name}: {len(problems)} problem(s) in the rules file", problems)
    lines = [line_of(root, ("rules", i, "id")) for i in range(len(parsed.rules))]
    return parsed.rules, lines


def _message(err: dict[str, Any]) -> str:
    text = err["msg"].removeprefix("Value error, ")
    given = err.get("input")
    if err["type"] != "missing" and isinstance(given, (str, int, float, bool)) and len(str(given)) <= 60:
        text += f" (given: {given!r})"
    return text


def _duplicate_keys(node: yaml.Node | None, loc: tuple) -> list[tuple[int, str, str]]:
    """A key written twice in one mapping (YAML would silently keep the last): (line, field, message)."""
    found: list[tuple[int, str, str]] = []
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for key, value in node.value:
            name, line = str(key.value), key.start_mark.line + 1
            if name in first:
                found.append((line, dotted((*loc, name)), f"{name!r} is written twice (first on row {first[name]})"))
            first.setdefault(name, line)
            found += _duplicate_keys(value, (*loc, name))
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            found += _duplicate_keys(item, (*loc, position))
    return found
