"""Invariants of the trajectory and the status ladder, checked by hypothesis over many plans."""

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.core import paths
from monitor.core.assess import assess
from tests.frames import frames, observations, series

values = st.floats(min_value=1.0, max_value=1e6, allow_nan=False, allow_infinity=False)
trajectories = st.sampled_from(["linear", "compound"])
STATUS_ORDER = ["regressing", "off_track", "behind", "on_track", "achieved"]


def assess_values(item, obs, as_of):
    s, m = frames(item)
    return assess(s, m, obs, as_of)


@settings(max_examples=60, deadline=None)
@given(base=values, v25=values, v35=values, trajectory=trajectories)
def test_expected_equals_each_milestone_at_its_time(base, v25, v35, trajectory):
    item = series("x", baseline=base, milestones={2025: v25, 2035: v35}, trajectory=trajectory)
    s, m = frames(item)
    # each value assessed as soon as its period has ended, before its figure is due
    for label, want in (("2025", v25), ("2035", v35)):
        row = assess(s, m, observations(("x", label, 1.0)), date(int(label) + 1, 1, 1)).iloc[0]
        assert row.expected == pytest.approx(want, rel=1e-9)
        assert row.baseline == base


@settings(max_examples=60, deadline=None)
@given(base=values, v25=values, v35=values, trajectory=trajectories)
def test_expected_moves_monotonically_between_milestones(base, v25, v35, trajectory):
    times = np.array([y + q / 4 for y in range(2021, 2036) for q in range(1, 5)])
    n = len(times)
    start_t = np.tile([2021.0, 2026.0, 2036.0], (n, 1))
    points = np.tile([base, v25, v35], (n, 1))
    passed = (start_t[:, 1:] < times[:, None] - 1e-9).sum(axis=1)
    compound = np.full(n, trajectory == "compound")
    expected = paths.expected(times, start_t, points, points, passed, np.full(n, 2), compound)
    first = expected[: 5 * 4]
    second = expected[5 * 4 - 1:]
    for segment, start, end in ((first, base, v25), (second, v25, v35)):
        steps = np.diff(segment) * np.sign(end - start)
        assert (steps >= -1e-9 * max(abs(start), abs(end))).all()
        assert segment.min() >= min(start, end) * (1 - 1e-9)
        assert segment.max() <= max(start, end) * (1 + 1e-9)


@settings(max_examples=60, deadline=None)
@given(base=values, target=values, year=st.integers(2021, 2024), trajectory=trajectories)
def test_a_value_exactly_on_the_trajectory_has_pace_one_and_is_on_track(base, target, year, trajectory):
    if abs(target - base) < 1e-6 * max(base, target):
        return
    item = series("x", baseline=base, milestones={2025: target}, trajectory=trajectory,
                  direction="higher" if target > base else "lower")
    probe = assess_values(item, observations(("x", str(year), base)), date(year + 1, 6, 1)).iloc[0]
    row = assess_values(item, observations(("x", str(year), probe.expected)), date(year + 1, 6, 1)).iloc[0]
    assert row.pace == pytest.approx(1.0, rel=1e-6)
    assert row.status == "on_track"


@settings(max_examples=60, deadline=None)
@given(base=values, gain=st.floats(0.01, 10), a=st.floats(0, 2), b=st.floats(0, 2), year=st.integers(2021, 2024))
def test_a_better_value_never_gets_a_worse_status(base, gain, a, b, year):
    target = base * (1 + gain)
    item = series("x", baseline=base, milestones={2025: target})
    low, high = sorted([a, b])
    rows = [assess_values(item, observations(("x", str(year), base + f * (target - base) - 0.5 * base * (f == 0))),
                          date(year + 1, 6, 1)).iloc[0] for f in (low, high)]
    ranks = [STATUS_ORDER.index(r.status) for r in rows]
    assert ranks[0] <= ranks[1]


@settings(max_examples=60, deadline=None)
@given(base=values, target=values, actual=values, year=st.integers(2021, 2025))
def test_flipping_the_sign_and_the_direction_gives_the_same_verdict(base, target, actual, year):
    up = series("x", baseline=base, milestones={2025: target})
    down = series("x", baseline=-base, milestones={2025: -target}, direction="lower")
    as_of = date(year + 1, 6, 1)
    r1 = assess_values(up, observations(("x", str(year), actual)), as_of).iloc[0]
    r2 = assess_values(down, observations(("x", str(year), -actual)), as_of).iloc[0]
    assert r1.status == r2.status
    assert r1.shortfall == pytest.approx(r2.shortfall, rel=1e-9, abs=1e-9)
    if r1.pace == r1.pace:
        assert r1.pace == pytest.approx(r2.pace, rel=1e-9, abs=1e-9)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 12), seed=st.integers(0, 10_000))
def test_assessing_many_series_at_once_equals_assessing_each_alone(n, seed):
    rng = np.random.default_rng(seed)
    items, obs_rows = [], []
    for i in range(n):
        base = float(rng.uniform(1, 100))
        item = series(f"s{i}", baseline=base, milestones={2025: base * float(rng.uniform(0.5, 3))},
                      trajectory=str(rng.choice(["linear", "compound"])))
        items.append(item)
        for year in range(2021, 2021 + int(rng.integers(0, 5))):
            obs_rows.append((f"s{i}", str(year), base * float(rng.uniform(0.5, 3))))
    s, m = frames(*items)
    together = assess(s, m, observations(*obs_rows), date(2026, 1, 1))
    for i, item in enumerate(items):
        alone = assess_values(item, observations(*[o for o in obs_rows if o[0] == f"s{i}"]), date(2026, 1, 1))
        a, b = together.iloc[i], alone.iloc[0]
        assert a.status == b.status
        for col in ("expected", "actual", "pace", "projected", "required_rate"):
            assert (a[col] == b[col]) or (a[col] != a[col] and b[col] != b[col]) or a[col] == pytest.approx(b[col])
