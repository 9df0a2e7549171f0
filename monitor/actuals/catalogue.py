"""What a submitted row may name: regions and, per region, indicators, by code, id, name or alias (folded)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace

from monitor.actuals.normalise import fold, same_unit
from monitor.plans.model import Level, Plan

# Labels that name the whole country in submitted files, whatever a 全国 plan calls itself; a label a plan gives to
# another region wins over these.
NATIONAL_LABELS = ("全国", "中国", "中华人民共和国")
_NATIONAL_KEYS = frozenset(fold(label) for label in NATIONAL_LABELS)


@dataclass(frozen=True)
class RegionRef:
    code: str
    name: str


@dataclass(frozen=True)
class IndicatorRef:
    """An indicator as a region's plans define it; ``name`` is the label printed in the plan.

    ``uses`` holds (first plan year, kind, printed name) for each plan of the region that names the indicator:
    plans may give one id different kinds (a 十四五 level, a 十五五 reduction of the same id), so what a row may say
    depends on its period (:meth:`kinds_in`). It is left out of comparisons: a ref is the indicator, whatever its
    plans.
    """

    region_code: str
    region_name: str
    indicator_id: str
    name: str
    unit: str
    uses: tuple[tuple[int, str, str], ...] = field(default=(), compare=False)

    @property
    def kinds(self) -> frozenset[str]:
        """The kinds (Kind values) any plan gives the indicator."""
        return frozenset(kind for _, kind, _ in self.uses)

    def kinds_in(self, year: int | None) -> frozenset[str]:
        """The kinds (Kind values) the plans in force in ``year`` give the indicator.

        The plan in force for a year is the one of latest start not after that year, as with `succeeds`, where the
        successor judges the shared indicators from the first day of its period: a 2026 value of an id that is a
        十四五 level and a 十五五 reduction is a reduction, its 2025 value a level. A year before every plan (a
        baseline year) falls to the earliest plan. Plans that start in the same year are all in force (several
        kinds when they disagree); with ``year`` None (a period that cannot be read), every plan's kind.
        """
        return frozenset(kind for _, kind, _ in self._in_force(year))

    def name_in(self, year: int | None) -> str:
        """The name printed by the plan in force in ``year`` (see :meth:`kinds_in`), else :attr:`name`."""
        names = sorted({name for _, _, name in self._in_force(year)})
        return self.name if self.name in names or len(names) != 1 else names[0]

    def _in_force(self, year: int | None) -> list[tuple[int, str, str]]:
        if not self.uses or year is None:
            return list(self.uses)
        started = [start for start, _, _ in self.uses if start <= year]
        first = max(started) if started else min(start for start, _, _ in self.uses)
        return [use for use in self.uses if use[0] == first]


@dataclass(frozen=True)
class _Owner:
    ref: IndicatorRef
    plan_id: str


@dataclass(frozen=True)
class Catalogue:
    """Lookups by folded label. Build it with :meth:`from_plans`."""

    regions: tuple[RegionRef, ...]
    _regions: dict[str, RegionRef] = field(repr=False)
    _indicators: dict[str, dict[str, IndicatorRef]] = field(repr=False)  # region code → folded label → ref
    _labels: dict[str, dict[str, str]] = field(repr=False)  # region code → folded label → label as written

    @classmethod
    def from_plans(cls, plans: list[Plan]) -> Catalogue:
        """Index every plan; raise ValueError when two plans disagree on a unit or a label names two things."""
        region_keys: dict[str, tuple[RegionRef, str]] = {}
        regions: dict[str, RegionRef] = {}
        owners: dict[str, dict[str, _Owner]] = {}
        by_label: dict[str, dict[str, _Owner]] = {}
        labels: dict[str, dict[str, str]] = {}
        uses: dict[tuple[str, str], set[tuple[int, str, str]]] = {}  # (region, indicator) → (start, kind, name)
        for plan in plans:
            ref = regions.setdefault(plan.region.code, RegionRef(plan.region.code, plan.region.name))
            for label in (plan.region.code, plan.region.name, *plan.region.aliases):
                known = region_keys.setdefault(fold(label), (ref, plan.id))
                if known[0].code != ref.code:
                    raise ValueError(
                        f"地区名称“{label}”在规划 {known[1]} 中指 {known[0].code}，在规划 {plan.id} 中指 {ref.code}"
                    )
            region_owners = owners.setdefault(ref.code, {})
            for ind in plan.indicators:
                uses.setdefault((ref.code, ind.id), set()).add((plan.period.start, ind.kind.value, ind.name))
                owner = region_owners.setdefault(
                    ind.id, _Owner(IndicatorRef(ref.code, ref.name, ind.id, ind.name, ind.unit), plan.id)
                )
                if not same_unit(owner.ref.unit, ind.unit):
                    raise ValueError(
                        f"地区 {ref.code} 的指标 {ind.id} 在规划 {owner.plan_id} 中的单位是“{owner.ref.unit}”，"
                        f"在规划 {plan.id} 中却是“{ind.unit}”"
                    )
                keyed = by_label.setdefault(ref.code, {})
                for label in (ind.id, ind.name, *ind.aliases):
                    known_owner = keyed.setdefault(fold(label), _Owner(owner.ref, plan.id))
                    if known_owner.ref.indicator_id != ind.id:
                        raise ValueError(
                            f"地区 {ref.code} 的指标名称“{label}”在规划 {known_owner.plan_id} 中指 "
                            f"{known_owner.ref.indicator_id}，在规划 {plan.id} 中指 {ind.id}"
                        )
                    labels.setdefault(ref.code, {}).setdefault(fold(label), label)
        for plan in plans:
            if plan.region.level is Level.national:
                for label in NATIONAL_LABELS:
                    region_keys.setdefault(fold(label), (regions[plan.region.code], plan.id))
        complete: dict[tuple[str, str], IndicatorRef] = {}

        def with_kinds(ref: IndicatorRef) -> IndicatorRef:
            key = (ref.region_code, ref.indicator_id)
            if key not in complete:
                complete[key] = replace(ref, uses=tuple(sorted(uses[key])))
            return complete[key]

        return cls(
            regions=tuple(regions.values()),
            _regions={key: ref for key, (ref, _) in region_keys.items()},
            _indicators={code: {key: with_kinds(o.ref) for key, o in keyed.items()}
                         for code, keyed in by_label.items()},
            _labels=labels,
        )

    def region(self, label: str) -> RegionRef | None:
        """The region a code, official name or alias names (全国 and 中国 for a national plan), or None.

        A code typed into Excel as a number loses its leading zeros (000000, 全国, becomes 0): digits shorter than
        a code are read as the code they stand for."""
        found = self._regions.get(fold(label))
        text = label.strip()
        if found is None and text.isdigit() and len(text) < 6:
            found = self._regions.get(fold(text.zfill(6)))
        return found

    def regions_in(self, text: str) -> list[RegionRef]:
        """The regions whose code, name or alias (of two characters or more) ``text`` contains, e.g. a file named
        城口县_2025年报.xlsx; a national label counts only when no other region is named."""
        key = fold(text)
        found: dict[str, RegionRef] = {}
        for label, ref in self._regions.items():
            if len(label) < 2 or label not in key:
                continue
            if label.isdigit() and (len(label) != 6 or re.search(rf"(?<!\d){label}(?!\d)", key) is None):
                continue  # a code only as six digits of its own, not inside a date such as 20250229
            found[ref.code] = ref
        national = {ref.code for ref in found.values() if fold(ref.name) in _NATIONAL_KEYS} | (
            {"000000"} & found.keys())
        if len(found) > 1:
            found = {code: ref for code, ref in found.items() if code not in national} or found
        return [found[code] for code in sorted(found)]

    def indicator(self, region_code: str, label: str) -> IndicatorRef | None:
        """The indicator of ``region_code``'s plans that an id, name or alias names, or None."""
        return self._indicators.get(region_code, {}).get(fold(label))

    def suggestions(self, region_code: str, label: str) -> list[str]:
        """Up to three labels of the region's indicators that look like ``label``, for 'did you mean' hints."""
        written = self._labels.get(region_code, {})
        close = difflib.get_close_matches(fold(label), list(written), n=12, cutoff=0.5)
        out: list[str] = []
        seen: set[str] = set()
        for key in close:
            ref = self._indicators[region_code][key]
            if ref.indicator_id not in seen:  # one hint per indicator, shown as the label that matched
                seen.add(ref.indicator_id)
                out.append(written[key])
        return out[:3]
