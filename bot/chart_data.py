"""What the /progress chart shows, as plain data. Kept apart from the drawing so that
matplotlib is only imported when someone asks for a chart: it is most of the bot's memory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo


@dataclass(frozen=True)
class PainPoint:
    at: datetime
    before: int | None
    after: int | None


@dataclass(frozen=True)
class LevelMark:
    at: datetime
    before: int
    after: int


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class ProgressChart:
    """Everything the chart shows; `start` is a Monday midnight in the person's zone."""

    tz: tzinfo
    start: datetime
    weeks: list[int]  # sessions done in each week from `start`
    planned: int  # sessions a week in the plan
    plan_since: datetime  # the Monday of the week the plan was set up
    pains: list[PainPoint]
    levels: list[LevelMark]
    pauses: list[Span]

    @property
    def end(self) -> datetime:
        return self.start + timedelta(weeks=len(self.weeks))
