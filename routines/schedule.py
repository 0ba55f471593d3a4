"""A plan's status and the rules of its schedule: when the next reminder is due, and which
pauses only a professional's all-clear may lift."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum

from routines.cadence import next_occurrence, zone


class PlanStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"
    BLOCKED = "blocked"  # the person blocked the bot


class PlanReason(StrEnum):
    """Why a plan is not active."""

    USER = "user"
    RED_FLAG = "red_flag"  # tier 1: A&E or 999
    SEE_GP = "see_gp"  # tier 2: an urgent GP appointment or 111
    SEVERE_PAIN = "severe_pain"
    FLARE_UP = "flare_up"  # worse two mornings running
    NO_PROGRESS = "no_progress"  # setbacks at the gentlest level
    PRE_SCREEN = "pre_screen"  # to be cleared before the first session
    BOT_BLOCKED = "bot_blocked"


# Pauses that only a professional's all-clear, and the red-flag screen after it, may lift;
# never a timer or a new /start.
SAFETY_REASONS = frozenset(
    {
        PlanReason.RED_FLAG,
        PlanReason.SEE_GP,
        PlanReason.SEVERE_PAIN,
        PlanReason.FLARE_UP,
        PlanReason.NO_PROGRESS,
        PlanReason.PRE_SCREEN,
    }
)
# The safety pauses, gravest first: a pause is never changed to one lower in this list, so
# /resume asks about the gravest reason there was.
GRAVEST_FIRST = (
    PlanReason.RED_FLAG,
    PlanReason.SEE_GP,
    PlanReason.SEVERE_PAIN,
    PlanReason.NO_PROGRESS,
    PlanReason.FLARE_UP,
    PlanReason.PRE_SCREEN,
)


def graver(reason: PlanReason, than: str | None) -> bool:
    """Whether a new safety pause for `reason` outranks the plan's current one."""
    if than not in SAFETY_REASONS:
        return True
    return GRAVEST_FIRST.index(reason) < GRAVEST_FIRST.index(PlanReason(than))


# A morning, for the next-morning check: a reminder time from MORNING_FROM to before
# MORNING_UNTIL is used for it; any other time gives way to the default.
MORNING_FROM, MORNING_UNTIL = time(5, 0), time(12, 0)


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


def morning_check_at(
    *, session_date: date, tz: str, reminder_time: str, default_time: time
) -> datetime:
    """When the next-morning check goes: the day after the session's local date, at the
    person's reminder time if that is a morning time, else at `default_time`; in UTC."""
    hour, minute = (int(part) for part in reminder_time.split(":"))
    at = time(hour, minute)
    if not MORNING_FROM <= at < MORNING_UNTIL:
        at = default_time
    start = datetime.combine(session_date + timedelta(days=1), time(0), tzinfo=zone(tz))
    # From the local midnight itself: `next_occurrence` looks strictly after `after`.
    found = next_occurrence(days=range(7), at=at, tz=tz, after=start - timedelta(microseconds=1))
    assert found is not None, "every day is allowed"
    return found
