"""Every metric the bot keeps, served by the operators' /metrics (bot/ops.py) and read by
tests and benches. Each instance has a registry of its own: tests run several in a process."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# generate_latest writes the 0.0.4 text format whatever CONTENT_TYPE_LATEST says (1.0.0 since
# prometheus-client 0.22); the library's own handler sends this with it.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Handlers reply in milliseconds; seconds means an overloaded instance.
HANDLER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# The budget is a p99 of 1 s late; the stress bench shows holds ending 10 s late.
HOLD_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


# What stretchcoach_events_total counts. A name not here fails mypy, and at run time raises
# rather than starting a series nobody declared.
Event = Literal[
    "updates_handled",
    "updates_duplicate",
    "handler_errors",
    "reminder_sender_errors",
    "bot_api_retry_after",
    "reminders_sent",
    "reminders_blocked",
    "reminders_failed",
    "reminders_retry",
    "reminders_missed",
    "reminders_suppressed",
    "reminders_unconfirmed",
    "reminders_already_settled",
    "sessions_started",
    "sessions_finished",
    "sessions_paused_unshown",
    "timers_adopted",
    "red_flags",
    "red_flags_urgent",
    "morning_checks_sent",
    "morning_checks_failed",
    "morning_checks_skipped",
    "morning_checks_unconfirmed",
    "morning_checks_due",
    "plans_paused_for_pain",
    "plans_unblocked",
    "pictures_uploaded",
]
EVENTS: tuple[str, ...] = get_args(Event)


@dataclass
class Samples:
    """Every observation, for a bench's percentiles; a histogram's buckets are too coarse.
    Unbounded, so only a run that ends switches it on."""

    latencies: list[float] = field(default_factory=list)
    hold_lateness: list[float] = field(default_factory=list)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.samples: Samples | None = None
        self._events = Counter(
            "stretchcoach_events",
            "Things the bot did, by event",
            ["event"],
            registry=self.registry,
        )
        # Zero from the start, so that rate() sees the first one.
        for event in EVENTS:
            self._events.labels(event)
        self._api_errors = Counter(
            "stretchcoach_bot_api_errors",
            "Bot API calls that failed, by the error's class",
            ["error"],
            registry=self.registry,
        )
        self._sessions_running = Gauge(
            "stretchcoach_sessions_running",
            "Sessions whose timer this instance runs",
            registry=self.registry,
        )
        self._handler_seconds = Histogram(
            "stretchcoach_handler_seconds",
            "Time to handle one update",
            buckets=HANDLER_BUCKETS,
            registry=self.registry,
        )
        self._hold_lateness = Histogram(
            "stretchcoach_hold_lateness_seconds",
            "How late a timer ended a hold, once it had read the session",
            buckets=HOLD_BUCKETS,
            registry=self.registry,
        )

    def inc(self, event: Event) -> None:
        self._count(event)

    def reminder(self, status: str) -> None:
        """A reminder settled with a DeliveryStatus: sent, missed, retry, ..."""
        self._count(f"reminders_{status}")

    def morning(self, status: str) -> None:
        """A next-morning check settled with a MorningStatus."""
        self._count(f"morning_checks_{status}")

    def api_error(self, exc: BaseException) -> None:
        self._api_errors.labels(type(exc).__name__).inc()

    def observe_latency(self, seconds: float) -> None:
        self._handler_seconds.observe(seconds)
        if self.samples is not None:
            self.samples.latencies.append(seconds)

    def observe_hold_lateness(self, seconds: float) -> None:
        # A timer may end a hold up to half a second early; as on time it keeps the
        # histogram's sum from going down, which rate() would read as a restart.
        self._hold_lateness.observe(max(0.0, seconds))
        if self.samples is not None:
            self.samples.hold_lateness.append(seconds)

    def keep_samples(self) -> Samples:
        """Switch on the raw samples, from now on."""
        self.samples = Samples()
        return self.samples

    def count(self, event: Event) -> int:
        return self._read("stretchcoach_events_total", {"event": event})

    def api_errors(self, error: type[BaseException]) -> int:
        return self._read("stretchcoach_bot_api_errors_total", {"error": error.__name__})

    def exposition(self, *, running_sessions: int) -> bytes:
        self._sessions_running.set(running_sessions)
        return generate_latest(self.registry)

    def _count(self, event: str) -> None:
        if event not in EVENTS:
            raise ValueError(f"undeclared event {event!r}: declare it in bot.metrics.Event")
        self._events.labels(event).inc()

    def _read(self, name: str, labels: dict[str, str]) -> int:
        return int(self.registry.get_sample_value(name, labels) or 0)
