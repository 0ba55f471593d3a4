"""Which remaining-time marks a hold's countdown edits at."""

from __future__ import annotations

from itertools import pairwise

import pytest

from routines.session import next_edit


def marks(hold: float, interval: float) -> list[float]:
    """Every mark a hold goes through, from its start to its end (0)."""
    seen, remaining = [], hold
    while remaining > 0:
        remaining = next_edit(remaining, hold, interval)
        seen.append(remaining)
    return seen


@pytest.mark.parametrize(
    ("hold", "interval", "expected"),
    [
        (15, 30, [0.0]),  # too short for a countdown: only the end
        (20, 30, [10.0, 0.0]),
        (60, 30, [10.0, 0.0]),  # 30 s left would be too close to 10 s left
        (90, 30, [60.0, 10.0, 0.0]),
        (180, 30, [150.0, 120.0, 90.0, 60.0, 10.0, 0.0]),
        (60, 10, [50.0, 40.0, 30.0, 20.0, 10.0, 0.0]),  # the most the design allows
    ],
)
def test_marks(hold: float, interval: float, expected: list[float]) -> None:
    assert marks(hold, interval) == expected


def test_never_two_edits_closer_than_ten_seconds() -> None:
    for hold in range(5, 181):
        points = [hold, *marks(hold, 10)]
        assert all(a - b >= 10 for a, b in pairwise(points) if b > 0)
