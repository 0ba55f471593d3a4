"""A plan's status and the rules of its schedule: when the next reminder is due, and which
pauses only a professional's all-clear may lift."""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum

from routines.cadence import next_occurrence


class PlanStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"
    BLOCKED = "blocked"  # the person blocked the bot


class PlanReason(StrEnum):
    """Why a plan is not active."""

    USER = "user"
    RED_FLAG = "red_flag"
    SEVERE_PAIN = "severe_pain"
    BOT_BLOCKED = "bot_blocked"


# Pauses that only a professional's all-clear may lift, never a timer or a new /start.
SAFETY_REASONS = frozenset({PlanReason.RED_FLAG, PlanReason.SEVERE_PAIN})


def safety_paused(status: str, reason: str | None) -> bool:
    return status == PlanStatus.PAUSED and reason in SAFETY_REASONS


def parse_days(days: str) -> list[int]:
    """Weekdays from their stored form ("0,2,4": Monday is 0); anything else is dropped."""
    return sorted({int(d) for d in days.split(",") if d.strip().isdigit() and int(d) < 7})


def format_days(days: list[int]) -> str:
    return ",".join(str(d) for d in sorted(set(days)))


def next_due(
    *,
    status: str,
    days: str,
    time_local: str,
    tz: str,
    paused_until: datetime | None,
    now: datetime,
) -> datetime | None:
    """The only schedule there is: the next planned day at the person's time, in their
    zone, after any pause; none unless the plan is active."""
    if status != PlanStatus.ACTIVE:
        return None
    after = max(now, paused_until) if paused_until else now
    hour, minute = (int(part) for part in time_local.split(":"))
    return next_occurrence(days=parse_days(days), at=time(hour, minute), tz=tz, after=after)
