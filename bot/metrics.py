"""Counters kept in memory per instance, served by the webhook's /metrics and used by benches."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Metrics:
    counts: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    hold_lateness: list[float] = field(default_factory=list)

    def inc(self, name: str, amount: int = 1) -> None:
        self.counts[name] += amount

    def observe_latency(self, seconds: float) -> None:
        # Bounded so a long-running process does not grow without limit.
        if len(self.latencies) >= 10_000:
            del self.latencies[:5_000]
        self.latencies.append(seconds)

    def observe_hold_lateness(self, seconds: float) -> None:
        if len(self.hold_lateness) >= 100_000:
            del self.hold_lateness[:50_000]
        self.hold_lateness.append(seconds)
