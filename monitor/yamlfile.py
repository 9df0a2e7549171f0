"""Read a YAML configuration file into a pydantic model; every error names the file, the line and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from monitor.errors import DataError, Problem

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: Path, what: str) -> tuple[Any, yaml.Node | None]:
    """The parsed data and its node tree (for line numbers), or DataError naming the file and line."""
    name = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise DataError(f"{name}: cannot read the {what}", [Problem(name, None, None, exc.strerror or str(exc))])
    except UnicodeDecodeError:
        raise DataError(f"{name}: not UTF-8 text", [Problem(name, None, None, f"save the {what} as UTF-8")])
    try:
        return yaml.safe_load(text), yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = Problem(name, mark.line + 1 if mark else None, None,
                          f"not valid YAML: {getattr(exc, 'problem', exc)}")
        raise DataError(f"{name}: the {what} could not be parsed", [problem]) from exc


def load_model(path: Path, model: type[M], what: str) -> M:
    """Parse and validate ``path`` as ``model``; DataError lists every problem with its line and field."""
    data, root = read_yaml(path, what)
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        problems = [Problem(str(path), line_of(root, err["loc"]), dotted(err["loc"]), _message(err))
                    for err in exc.errors()]
        raise DataError(f"{path}: {len(problems)} problem(s) in the {what}", problems) from exc


def _message(err: dict) -> str:
    text = str(err["msg"])
    return text.removeprefix("Value error, ")


def dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top)"


def line_of(node: yaml.Node | None, loc: tuple) -> int | None:
    """Line (1-based) of the deepest YAML node the error location reaches."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if str(k.value) == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            match = node.value[part]
        else:
            match = None
        if match is None:
            break
        node = match
        line = node.start_mark.line + 1
    return line
