"""Regions and indicators as people name them in commands (``--region``, ``--indicator``, ``REGION`` arguments):
a code, the official or printed name, an alias or an indicator id, in any width or spacing (normalise.fold). A
name that matches nothing gets a did-you-mean (difflib over every name, alias and code) in the error line.

Pure: built from the plans, no storage. ``monitor.service`` builds it from the stored plans for every command.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from monitor.actuals.catalogue import NATIONAL_LABELS
from monitor.actuals.normalise import fold
from monitor.errors import MonitorError
from monitor.plans.model import NATIONAL_CODE, Plan

MAX_HINTS = 3
CUTOFF = 0.5  # difflib's similarity ratio a label needs to be offered


@dataclass(frozen=True)
class Named:
    """A region or an indicator of one region: its key (code or id), the name it is shown by, and its region."""

    key: str
    name: str
    region: str  # region code ("" for a region itself)


class Resolver:
    """Lookups by folded label over the plans' regions and indicators. Build it with :meth:`from_plans`."""

    def __init__(self, plans: Iterable[Plan]):
        self.regions: dict[str, set[Named]] = {}  # folded label → regions
        self.indicators: dict[str, set[Named]] = {}  # folded label → indicators (one per region that has it)
        self.written: dict[str, str] = {}  # folded label → as written, for hints
        self.region_names: dict[str, str] = {}
        for plan in plans:
            region = Named(plan.region.code, plan.region.name, "")
            self.region_names[region.key] = region.name
            labels = [plan.region.code, plan.region.name, *plan.region.aliases]
            if plan.region.code == NATIONAL_CODE:
                labels += NATIONAL_LABELS
            for label in labels:
                self._add(self.regions, label, region)
            for ind in plan.indicators:
                named = Named(ind.id, ind.name, plan.region.code)
                for label in (ind.id, ind.name, *ind.aliases):
                    self._add(self.indicators, label, named)

    @classmethod
    def from_plans(cls, plans: Iterable[Plan]) -> Resolver:
        return cls(plans)

    def _add(self, index: dict[str, set[Named]], label: str, named: Named) -> None:
        key = fold(label)
        if not key:
            return
        found = index.setdefault(key, set())
        if not any(n.key == named.key and n.region == named.region for n in found):
            found.add(named)
        self.written.setdefault(key, label)

    # regions ---------------------------------------------------------------------------------------------------

    def region_codes(self, label: str) -> list[str]:
        """The codes of the regions a code, name or alias names; MonitorError with a did-you-mean otherwise.

        A code typed as a number that lost its leading zeros (0 for 000000) is read as the code it stands for."""
        key = fold(label)
        found = self.regions.get(key)
        if not found and key.isdigit() and len(key) < 6:
            found = self.regions.get(key.zfill(6))
        if not found:
            hints = [f"{n.name}（{n.key}）" for n in self._close(self.regions, key)]
            hint = f"，是否指：{'、'.join(hints)}" if hints else ""
            raise MonitorError(f"没有覆盖地区“{label.strip()}”的规划{hint}；`monitor plans list` 列出各地区")
        return sorted({n.key for n in found})

    # indicators ------------------------------------------------------------------------------------------------

    def indicator_id(self, label: str, region_codes: Iterable[str] | None = None) -> str:
        """The id of the indicator an id, printed name or alias names in the regions given (None: every region).

        MonitorError with a did-you-mean when it names none, and when it names different indicators in different
        regions (then --region or the id tells them apart)."""
        codes = set(region_codes) if region_codes is not None else None
        key = fold(label)

        def within(found: Iterable[Named]) -> list[Named]:
            return [n for n in found if codes is None or n.region in codes]

        found = within(self.indicators.get(key, ()))
        ids = sorted({n.key for n in found})
        if len(ids) == 1:
            return ids[0]
        if ids:
            listed = "、".join(f"{n.key}（{self.region_names.get(n.region, n.region)}：{n.name}）"
                               for n in sorted(found, key=lambda n: (n.key, n.region)))
            raise MonitorError(f"指标“{label.strip()}”在不同地区的规划中指不同的指标：{listed}；"
                               "请用 --region 指定地区，或改用指标 ID")
        candidates = {k: within(v) for k, v in self.indicators.items()}
        hints = [f"{n.name}（{n.key}）" for n in self._close({k: set(v) for k, v in candidates.items() if v}, key)]
        hint = f"，是否指：{'、'.join(hints)}" if hints else ""
        scope = "、".join(self.region_names.get(c, c) for c in sorted(codes)) if codes else "已载入"
        raise MonitorError(f"{scope}的规划中没有指标“{label.strip()}”{hint}；`monitor plans show ID` 列出规划的指标")

    def _close(self, index: dict[str, set[Named]], key: str) -> list[Named]:
        """Up to MAX_HINTS different things whose labels look like ``key``, the closest first."""
        out: list[Named] = []
        seen: set[str] = set()
        for close in difflib.get_close_matches(key, list(index), n=4 * MAX_HINTS, cutoff=CUTOFF):
            for named in sorted(index[close], key=lambda n: (n.region, n.key)):
                if named.key not in seen:
                    seen.add(named.key)
                    out.append(named)
        return out[:MAX_HINTS]
