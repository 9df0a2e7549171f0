"""What a submitted row may name: regions and, per region, indicators, by code, id, name or alias (folded)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from monitor.actuals.normalise import fold, same_unit
from monitor.plans.model import Level, Plan

# Labels that name the whole country in submitted files, whatever a 全国 plan calls itself; a label a plan gives to
# another region wins over these.
NATIONAL_LABELS = ("全国", "中国", "中华人民共和国")


@dataclass(frozen=True)
class RegionRef:
    code: str
    name: str


@dataclass(frozen=True)
class IndicatorRef:
    """An indicator as a region's plans define it; ``name`` is the label printed in the plan."""

    region_code: str
    region_name: str
    indicator_id: str
    name: str
    unit: str


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
        for plan in plans:
            ref = regions.setdefault(plan.region.code, RegionRef(plan.region.code, plan.region.name))
            for label in (plan.region.code, plan.region.name, *plan.region.aliases):
                known = region_keys.setdefault(fold(label), (ref, plan.id))
                if known[0].code != ref.code:
                    raise ValueError(
                        f"region label {label!r} names {known[0].code} in plan {known[1]!r} "
                        f"and {ref.code} in plan {plan.id!r}"
                    )
            region_owners = owners.setdefault(ref.code, {})
            for ind in plan.indicators:
                owner = region_owners.setdefault(
                    ind.id, _Owner(IndicatorRef(ref.code, ref.name, ind.id, ind.name, ind.unit), plan.id)
                )
                if not same_unit(owner.ref.unit, ind.unit):
                    raise ValueError(
                        f"indicator {ind.id!r} of region {ref.code} has unit {owner.ref.unit!r} in plan "
                        f"{owner.plan_id!r} but {ind.unit!r} in plan {plan.id!r}"
                    )
                keyed = by_label.setdefault(ref.code, {})
                for label in (ind.id, ind.name, *ind.aliases):
                    known_owner = keyed.setdefault(fold(label), _Owner(owner.ref, plan.id))
                    if known_owner.ref.indicator_id != ind.id:
                        raise ValueError(
                            f"label {label!r} in region {ref.code} names {known_owner.ref.indicator_id!r} "
                            f"(plan {known_owner.plan_id!r}) and {ind.id!r} (plan {plan.id!r})"
                        )
                    labels.setdefault(ref.code, {}).setdefault(fold(label), label)
        for plan in plans:
            if plan.region.level is Level.national:
                for label in NATIONAL_LABELS:
                    region_keys.setdefault(fold(label), (regions[plan.region.code], plan.id))
        return cls(
            regions=tuple(regions.values()),
            _regions={key: ref for key, (ref, _) in region_keys.items()},
            _indicators={code: {key: o.ref for key, o in keyed.items()} for code, keyed in by_label.items()},
            _labels=labels,
        )

    def region(self, label: str) -> RegionRef | None:
        """The region a code, official name or alias names (全国 and 中国 for a national plan), or None."""
        return self._regions.get(fold(label))

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
