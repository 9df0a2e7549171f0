"""Read plan files (YAML or JSON) into validated :class:`Plan` objects; errors name the file, line and field."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from monitor.errors import DataError, Problem
from monitor.plans.model import Plan
from monitor.plans.succession import Candidate, succession_problems
from monitor.yamlfile import dotted, line_of


@dataclass(frozen=True)
class PlanFile:
    path: Path
    plan: Plan
    sha256: str
    succeeds_line: int | None = None  # line of the `succeeds` key, for messages about it


def read_plan_file(path: Path) -> PlanFile:
    """Parse and validate one plan file, or raise DataError listing every problem in it."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{name}: cannot read the plan file", [Problem(name, None, None, exc.strerror or str(exc))])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{name}: not UTF-8 text", [Problem(name, None, None, "plan files must be saved as UTF-8")])
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = Problem(name, line, None, f"not valid YAML: {getattr(exc, 'problem', exc)}")
        raise DataError(f"{name}: the plan file could not be parsed", [problem]) from exc
    if not isinstance(data, dict):
        raise DataError(f"{name}: not a plan", [Problem(name, None, None, "expected a mapping with id, region, …")])
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(name, line_of(root, err["loc"]), dotted(err["loc"]), err["msg"])
            for err in exc.errors()
        ]
        raise DataError(f"{name}: {len(problems)} problem(s) in the plan file", problems) from exc
    line = line_of(root, ("succeeds",)) if "succeeds" in data else None
    return PlanFile(path=path, plan=plan, sha256=hashlib.sha256(raw).hexdigest(), succeeds_line=line)


def read_plan_files(paths: list[Path], stored: list[Plan] | None = None) -> list[PlanFile]:
    """Read several files; every file's problems are reported together, and plan ids must be unique.

    ``stored`` is the plans already in the database, against which `succeeds` is checked together with the files;
    ``None`` when no database is consulted (then only a predecessor among the files is checked).
    """
    loaded: list[PlanFile] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            loaded.append(read_plan_file(path))
        except DataError as exc:
            problems.extend(exc.problems)
    seen: dict[str, Path] = {}
    for item in loaded:
        other = seen.setdefault(item.plan.id, item.path)
        if other != item.path:
            problems.append(Problem(str(item.path), None, "id", f"plan id {item.plan.id!r} is also used by {other}"))
    if not problems:
        candidates = [Candidate(item.plan, str(item.path), item.succeeds_line) for item in loaded]
        problems += succession_problems(candidates, stored)
    if problems:
        raise DataError(f"{len(problems)} problem(s) in plan files", problems)
    return loaded


def plan_files_in(folder: Path) -> list[Path]:
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml"), *folder.glob("*.json")])
