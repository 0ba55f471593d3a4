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


BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


def prometheus_text(metrics: Metrics, *, running_sessions: int) -> str:
    """The Prometheus text format, written by hand: a few counters do not need a library."""
    lines = [
        "# TYPE stretchcoach_events_total counter",
        *(
            f'stretchcoach_events_total{{event="{name}"}} {value}'
            for name, value in sorted(metrics.counts.items())
        ),
        "# TYPE stretchcoach_sessions_running gauge",
        f"stretchcoach_sessions_running {max(0, running_sessions)}",
        "# TYPE stretchcoach_handler_seconds histogram",
    ]
    observed = metrics.latencies
    for bound in BUCKETS:
        count = sum(1 for value in observed if value <= bound)
        lines.append(f'stretchcoach_handler_seconds_bucket{{le="{bound}"}} {count}')
    lines += [
        f'stretchcoach_handler_seconds_bucket{{le="+Inf"}} {len(observed)}',
        f"stretchcoach_handler_seconds_sum {sum(observed):.6f}",
        f"stretchcoach_handler_seconds_count {len(observed)}",
    ]
    return "\n".join(lines) + "\n"
