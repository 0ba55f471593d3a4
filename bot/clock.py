"""The clock the bot reads. Injected, so tests and the playground can move time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self) -> None:
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> None:
        self._offset += delta

    def to_real(self, moment: datetime) -> datetime:
        """The wall-clock instant at which this clock will read `moment`; the scheduler
        runs on real time."""
        return moment - self._offset
