"""What changed between two versions of a plan, in words a planner can check."""

from __future__ import annotations

from typing import Any

from monitor.plans.model import Plan


def describe_changes(old: Plan, new: Plan) -> list[str]:
    changes: list[str] = []
    old_doc = old.model_dump(mode="json", exclude={"indicators"})
    new_doc = new.model_dump(mode="json", exclude={"indicators"})
    changes += _compare("", old_doc, new_doc)
    before = {i.id: i for i in old.indicators}
    after = {i.id: i for i in new.indicators}
    for ind_id in after.keys() - before.keys():
        changes.append(f"indicator {ind_id} added ({after[ind_id].name})")
    for ind_id in before.keys() - after.keys():
        changes.append(f"indicator {ind_id} removed ({before[ind_id].name})")
    for ind_id in [i for i in after if i in before]:
        a = before[ind_id].model_dump(mode="json")
        b = after[ind_id].model_dump(mode="json")
        changes += _compare(f"indicator {ind_id} ", a, b)
    if not changes and [i.id for i in old.indicators] != [i.id for i in new.indicators]:
        changes.append("indicator order changed")
    return changes


def _compare(prefix: str, a: Any, b: Any, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in list(a) + [k for k in b if k not in a]:
            sub = f"{path}.{key}" if path else str(key)
            if key not in a:
                out.append(f"{prefix}{sub}: added {_show(b[key])}")
            elif key not in b:
                out.append(f"{prefix}{sub}: removed (was {_show(a[key])})")
            else:
                out += _compare(prefix, a[key], b[key], sub)
        return out
    if a != b:
        return [f"{prefix}{path}: {_show(a)} → {_show(b)}"]
    return []


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
