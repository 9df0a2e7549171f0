"""Thousands of loopback group robots for the alerting benchmark, with the real limits and a fixed latency.

One server for all WeCom robots (one robot per ``key``) and one for all DingTalk robots (one per ``access_token``,
signed), as the real services have one host each: :class:`tests.robots.WeComRobots` and
:class:`tests.robots.DingTalkRobots`, the same robots the tests use, on the wall clock. Each robot keeps its own
20-a-minute window (DingTalk: and its own 10-minute throttle once exceeded), answers a throttle error when its limit
is exceeded, and records every request with its arrival and answer times.

:meth:`Farm.figures` reads the records: requests, accepted parts, throttle answers, the most requests that reached
one robot within any 60 s, parts accepted twice (the same body to the same robot), the first arrival and last
answer on the wall clock, and how many requests the robots had in hand.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass

from tests.robots import DingTalkRobots, Request, WallClock, WeComRobots

LATENCY_S = 0.05
THROTTLE_CODES = {45009, 130101}  # WeCom: over 20 a minute; DingTalk: sent too fast
DINGTALK_SECRET = "SEC" + "7" * 64


@dataclass
class Figures:
    requests: int
    accepted: int
    throttled: int
    other_errors: int
    max_per_minute: int  # the most requests that reached one robot within any 60 s
    duplicates: int  # parts accepted more than once by the same robot
    robots_used: int
    connections: int
    first_arrival: float | None  # time.time()
    last_answer: float | None  # time.time()
    answer_ms_median: float | None  # arrival to answer written, as the robots saw it (their latency included)
    in_hand_max: int  # the most requests the robots had in hand at one moment
    in_hand_mean: float  # on average, between the first arrival and the last answer


class Farm:
    """WeCom robots for ``wecom_keys`` and signed DingTalk robots for ``dingtalk_tokens``, all on loopback."""

    def __init__(self, wecom_keys: list[str], dingtalk_tokens: list[str], latency: float = LATENCY_S):
        clock = WallClock()
        self.wecom = WeComRobots(wecom_keys or ["unused"], clock=clock, latency=latency)
        self.dingtalk = DingTalkRobots(dingtalk_tokens or ["unused"], secret=DINGTALK_SECRET, clock=clock,
                                       latency=latency)
        self._wall_minus_monotonic = time.time() - time.monotonic()

    def __enter__(self) -> Farm:
        self.wecom.up()
        self.dingtalk.up()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.wecom.down()
        self.dingtalk.down()

    def wecom_url(self, key: str) -> str:
        return self.wecom.url_for(key)

    def dingtalk_url(self, token: str) -> str:
        return self.dingtalk.url_for(token)

    def requests(self) -> list[tuple[str, Request]]:
        """Every request so far as (robot id, request), robot id ``wecom:KEY`` or ``dingtalk:TOKEN``."""
        out = []
        for kind, robots, field in (("wecom", self.wecom, "key"), ("dingtalk", self.dingtalk, "access_token")):
            with robots._lock:
                records = list(robots.requests)
            out += [(f"{kind}:{r.query.get(field)}", r) for r in records]
        return out

    def figures(self) -> Figures:
        requests = self.requests()
        arrivals: dict[str, list[float]] = defaultdict(list)
        accepted = 0
        bodies: dict[tuple[str, str], int] = defaultdict(int)
        throttled = other = 0
        for robot, r in requests:
            code = (r.reply or {}).get("errcode") if isinstance(r.reply, dict) else None
            arrivals[robot].append(r.at)
            if code == 0:
                accepted += 1
                digest = hashlib.sha256(json.dumps(r.json, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
                bodies[(robot, digest)] += 1
            elif code in THROTTLE_CODES:
                throttled += 1
            else:
                other += 1
        most = 0
        for times in arrivals.values():
            times.sort()
            for i, t in enumerate(times):  # requests that reached this robot within [t, t + 60)
                most = max(most, bisect_left(times, t + 60.0, lo=i) - i)
        answered = [r.answered_at for _, r in requests if r.answered_at is not None]
        spans = sorted(r.answered_at - r.at for _, r in requests if r.answered_at is not None)
        events = sorted([(r.at, 1) for _, r in requests] + [(r.answered_at, -1) for _, r in requests
                                                           if r.answered_at is not None])
        in_hand = most_in_hand = 0
        for _, step in events:
            in_hand += step
            most_in_hand = max(most_in_hand, in_hand)
        busy = (max(answered) - min(r.at for _, r in requests)) if answered else 0.0
        return Figures(
            requests=len(requests),
            accepted=accepted,
            throttled=throttled,
            other_errors=other,
            max_per_minute=most,
            duplicates=sum(n - 1 for n in bodies.values() if n > 1),
            robots_used=len(arrivals),
            connections=self.wecom.connections + self.dingtalk.connections,
            first_arrival=self._wall(min((r.at for _, r in requests), default=None)),
            last_answer=self._wall(max(answered, default=None)),
            answer_ms_median=spans[len(spans) // 2] * 1000 if spans else None,
            in_hand_max=most_in_hand,
            in_hand_mean=sum(spans) / busy if busy else 0.0,
        )

    def _wall(self, monotonic: float | None) -> float | None:
        return None if monotonic is None else monotonic + self._wall_minus_monotonic


# --- robots that answer slowly, for the fault-injection suite (benchmarks/faults.py) -----------------------------


class _RandomLatency:
    """A ``latency`` drawn anew for every request, uniformly from ``latency_range`` (seconds)."""

    latency_range: tuple[float, float] = (0.0, 0.0)
    _draws: random.Random

    @property
    def latency(self) -> float:
        low, high = self.latency_range
        return self._draws.uniform(low, high) if high > 0 else 0.0

    @latency.setter
    def latency(self, value: float | tuple[float, float]) -> None:
        self.latency_range = value if isinstance(value, tuple) else (value, value)


class SlowWeComRobots(_RandomLatency, WeComRobots):
    """:class:`tests.robots.WeComRobots` on the wall clock whose every answer takes a random time in ``latency``."""

    def __init__(self, keys: list[str], latency: tuple[float, float] = (0.2, 1.0), seed: int | None = None):
        self._draws = random.Random(seed)
        super().__init__(keys, clock=WallClock(), latency=latency)  # type: ignore[arg-type]


class SlowDingTalkRobots(_RandomLatency, DingTalkRobots):
    """:class:`tests.robots.DingTalkRobots` (signed with :data:`DINGTALK_SECRET`) on the wall clock whose every
    answer takes a random time in ``latency``; throttled for ``throttle_seconds`` when over 20 a minute."""

    def __init__(self, tokens: list[str], latency: tuple[float, float] = (0.2, 1.0), seed: int | None = None,
                 throttle_seconds: float = 60):
        self._draws = random.Random(seed)
        super().__init__(tokens, secret=DINGTALK_SECRET, clock=WallClock(), latency=latency,  # type: ignore[arg-type]
                         throttle_seconds=throttle_seconds)
