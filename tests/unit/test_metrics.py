"""The metrics: a well-formed exposition, counts that never go down, declared events only."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from telegram.error import NetworkError, TimedOut

from bot.metrics import EVENTS, Metrics


def _samples(metrics: Metrics, running_sessions: int = 0) -> dict[str, list[Sample]]:
    """Each family's samples, by family name, parsed back from what /metrics serves."""
    text = metrics.exposition(running_sessions=running_sessions).decode()
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def _value(samples: list[Sample], name: str, **labels: str) -> float:
    [value] = [s.value for s in samples if s.name == name and s.labels == labels]
    return value


def test_the_exposition_parses_with_every_family_and_type() -> None:
    metrics = Metrics()
    metrics.inc("updates_handled")
    metrics.api_error(TimedOut())
    metrics.observe_latency(0.007)
    metrics.observe_hold_lateness(0.2)
    text = metrics.exposition(running_sessions=3).decode()
    types = {family.name: family.type for family in text_string_to_metric_families(text)}
    assert {name: kind for name, kind in types.items() if not name.endswith("_created")} == {
        "stretchcoach_events": "counter",
        "stretchcoach_bot_api_errors": "counter",
        "stretchcoach_sessions_running": "gauge",
        "stretchcoach_handler_seconds": "histogram",
        "stretchcoach_hold_lateness_seconds": "histogram",
    }
    families = _samples(metrics, running_sessions=3)
    assert _value(families["stretchcoach_sessions_running"], "stretchcoach_sessions_running") == 3
    handler = families["stretchcoach_handler_seconds"]
    assert _value(handler, "stretchcoach_handler_seconds_bucket", le="0.005") == 0
    assert _value(handler, "stretchcoach_handler_seconds_bucket", le="0.01") == 1


def test_every_declared_event_is_served_from_zero() -> None:
    events = _samples(Metrics())["stretchcoach_events"]
    served = {s.labels["event"]: s.value for s in events if s.name == "stretchcoach_events_total"}
    assert served == dict.fromkeys(EVENTS, 0)


def test_counts_and_histograms_keep_every_observation() -> None:
    """The hand-written metrics dropped old latencies past 10,000 and lateness past 100,000."""
    metrics = Metrics()
    for _ in range(10_500):
        metrics.inc("reminders_sent")
        metrics.observe_latency(0.02)
    for _ in range(100_500):
        metrics.observe_hold_lateness(0.1)
    families = _samples(metrics)
    assert metrics.count("reminders_sent") == 10_500
    events = families["stretchcoach_events"]
    assert _value(events, "stretchcoach_events_total", event="reminders_sent") == 10_500
    handler = families["stretchcoach_handler_seconds"]
    assert _value(handler, "stretchcoach_handler_seconds_count") == 10_500
    assert _value(handler, "stretchcoach_handler_seconds_sum") == pytest.approx(210.0)
    holds = families["stretchcoach_hold_lateness_seconds"]
    assert _value(holds, "stretchcoach_hold_lateness_seconds_count") == 100_500


def test_an_undeclared_event_fails_loudly_and_makes_no_series() -> None:
    metrics = Metrics()
    with pytest.raises(ValueError, match="reminders_claimed"):
        metrics.reminder("claimed")
    with pytest.raises(ValueError, match="sesions_started"):
        metrics.inc("sesions_started")  # type: ignore[arg-type]
    served = {s.labels.get("event") for s in _samples(metrics)["stretchcoach_events"]}
    assert served == set(EVENTS)


def test_a_reminder_status_counts_as_its_event() -> None:
    metrics = Metrics()
    metrics.reminder("missed")
    metrics.reminder("missed")
    assert (metrics.count("reminders_missed"), metrics.count("reminders_sent")) == (2, 0)


def test_bot_api_errors_are_counted_by_class() -> None:
    metrics = Metrics()
    metrics.api_error(NetworkError("down"))
    metrics.api_error(TimedOut())
    metrics.api_error(TimedOut())
    assert (metrics.api_errors(NetworkError), metrics.api_errors(TimedOut)) == (1, 2)
    errors = _samples(metrics)["stretchcoach_bot_api_errors"]
    assert _value(errors, "stretchcoach_bot_api_errors_total", error="TimedOut") == 2


def test_instances_do_not_share_counts() -> None:
    first, second = Metrics(), Metrics()
    first.inc("red_flags")
    assert (first.count("red_flags"), second.count("red_flags")) == (1, 0)


def test_raw_samples_are_kept_only_once_switched_on() -> None:
    metrics = Metrics()
    metrics.observe_latency(0.5)
    assert metrics.samples is None
    samples = metrics.keep_samples()
    metrics.observe_latency(0.25)
    metrics.observe_hold_lateness(-0.3)
    assert (samples.latencies, samples.hold_lateness) == ([0.25], [-0.3])


def test_a_hold_ended_early_is_on_time_so_the_sum_never_goes_down() -> None:
    metrics = Metrics()
    metrics.observe_hold_lateness(0.4)
    metrics.observe_hold_lateness(-0.3)
    holds = _samples(metrics)["stretchcoach_hold_lateness_seconds"]
    assert _value(holds, "stretchcoach_hold_lateness_seconds_sum") == pytest.approx(0.4)
    assert _value(holds, "stretchcoach_hold_lateness_seconds_bucket", le="0.01") == 1
