"""Streaks and weekly counts, from the dates on which sessions were done."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta


def week_start(today: date) -> date:
    return today - timedelta(days=today.weekday())


def streak(done: Collection[date], *, days: Collection[int], today: date) -> int:
    """Planned days done in a row, counting back from today.

    Today does not break the streak while it may still happen; an extra session on a rest
    day adds to it, but a missed rest day never breaks it."""
    if not days:
        return 0
    count = 0
    day = today
    for _ in range(366 * 2):
        if day in done:
            count += 1
        elif day.weekday() in days and day != today:
            break
        day -= timedelta(days=1)
    return count
