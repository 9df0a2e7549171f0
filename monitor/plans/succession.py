"""Succession between plans (`succeeds: <plan id>`): the 十五五 plan of a county follows on from its 十四五 plan.

Pure: takes plans, returns problems. A successor must name a plan that is known (in the files being loaded or
already stored), of the same region, whose period ends before the successor's begins; a plan has at most one
successor. Messages are in Chinese, for the planners who write plan files.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.errors import Problem
from monitor.plans.model import Plan

FIELD = "succeeds"


@dataclass(frozen=True)
class Candidate:
    """A plan about to be loaded, with the file it comes from and the line of its `succeeds` key (if known)."""

    plan: Plan
    file: str
    line: int | None = None


def succession_problems(candidates: list[Candidate], stored: list[Plan] | None) -> list[Problem]:
    """Problems with the `succeeds` fields of ``candidates`` and of stored plans that name a candidate.

    ``stored`` is the database's plans (a file being loaded replaces the stored plan of the same id); ``None`` means
    no database was consulted (`monitor plans validate`): a predecessor that is not among the files is then not
    an error, because it may be stored.
    """
    by_id: dict[str, Plan] = {p.id: p for p in stored or []}
    where: dict[str, Candidate] = {}
    for cand in candidates:
        by_id[cand.plan.id] = cand.plan
        where[cand.plan.id] = cand
    problems: list[Problem] = []

    def place(plan: Plan) -> tuple[str, int | None]:
        cand = where.get(plan.id)
        return (cand.file, cand.line) if cand else (f"已存储的规划 {plan.id}", None)

    successors: dict[str, list[Plan]] = {}
    for plan in by_id.values():
        if plan.succeeds is None:
            continue
        predecessor = by_id.get(plan.succeeds)
        touched = plan.id in where or plan.succeeds in where
        if predecessor is not None:
            successors.setdefault(predecessor.id, []).append(plan)
        if not touched:
            continue  # an old inconsistency among stored plans is not this load's business
        file, line = place(plan)
        if predecessor is None:
            if stored is not None or plan.succeeds in where:
                problems.append(Problem(file, line, FIELD, _unknown(plan)))
            continue
        message = _mismatch(plan, predecessor)
        if message:
            problems.append(Problem(file, line, FIELD, message))
    for pred_id, followers in sorted(successors.items()):
        if len(followers) > 1 and any(f.id in where for f in followers):
            names = "、".join(sorted(f.id for f in followers))
            for follower in followers:
                if follower.id in where:
                    file, line = place(follower)
                    problems.append(Problem(file, line, FIELD, f"规划 {pred_id} 只能由一个规划接续，现有 {names} 都声明接续它"))
    return problems


def _unknown(plan: Plan) -> str:
    return (f"接续的规划 {plan.succeeds} 不存在：它既不在本次载入的文件中，也不在数据库里；"
            f"请先载入 {plan.succeeds}，或与它一起载入（monitor plans load 旧规划文件 新规划文件）")


def _mismatch(plan: Plan, predecessor: Plan) -> str | None:
    if predecessor.region.code != plan.region.code:
        return (f"接续的规划 {predecessor.id} 属于{predecessor.region.name}（{predecessor.region.code}），"
                f"与本规划的地区{plan.region.name}（{plan.region.code}）不同；只能接续同一地区的规划")
    if predecessor.period.end >= plan.period.start:
        return (f"接续的规划 {predecessor.id} 的规划期{predecessor.period.start}–{predecessor.period.end}年"
                f"未在本规划期开始（{plan.period.start}年）之前结束")
    return None


def successor_of(plan: Plan, plans: list[Plan]) -> Plan | None:
    """The plan that names ``plan`` in `succeeds` (the one starting first, should there be several)."""
    followers = [p for p in plans if p.succeeds == plan.id and p.region.code == plan.region.code]
    return min(followers, key=lambda p: (p.period.start, p.id), default=None)
