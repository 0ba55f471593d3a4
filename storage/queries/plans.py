"""A person's plan: routine, level, side and schedule."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from routines.cadence import next_occurrence
from storage.models import LevelChange, Plan


async def get_plan(session: AsyncSession, *, user_id: int) -> Plan | None:
    result = await session.execute(select(Plan).where(col(Plan.user_id) == user_id))
    return result.scalar_one_or_none()


async def save_plan(
    session: AsyncSession,
    *,
    user_id: int,
    routine_id: str,
    side: str,
    days: str,
    time_local: str,
    tz: str,
    at: datetime,
) -> Plan:
    """Create or update the person's one plan; the schedule is recomputed by the caller."""
    plan = await get_plan(session, user_id=user_id)
    if plan is None:
        plan = Plan(
            user_id=user_id,
            routine_id=routine_id,
            side=side,
            days=days,
            time_local=time_local,
            tz=tz,
            created_at=at,
        )
    plan.routine_id, plan.side, plan.days = routine_id, side, days
    plan.time_local, plan.tz, plan.updated_at = time_local, tz, at
    session.add(plan)
    await session.flush()
    return plan


# Pauses that only a professional's all-clear may lift, never a timer or a new /start.
SAFETY_REASONS = frozenset({"red_flag", "severe_pain"})


def safety_paused(plan: Plan) -> bool:
    return plan.status == "paused" and plan.status_reason in SAFETY_REASONS


def set_status(
    plan: Plan, *, status: str, reason: str | None, at: datetime, until: datetime | None = None
) -> None:
    plan.status = status
    plan.status_reason = reason
    plan.paused_until = until
    plan.lease_until = None
    plan.updated_at = at


async def change_level(
    session: AsyncSession, *, plan: Plan, level: int, reason: str, at: datetime
) -> LevelChange | None:
    if level == plan.level:
        return None
    assert plan.id is not None, "a saved plan has an id"
    change = LevelChange(
        user_id=plan.user_id,
        plan_id=plan.id,
        level_before=plan.level,
        level_after=level,
        reason=reason,
        created_at=at,
    )
    plan.level = level
    plan.updated_at = at
    session.add_all([plan, change])
    return change


def parse_days(days: str) -> list[int]:
    return sorted({int(d) for d in days.split(",") if d.strip().isdigit() and int(d) < 7})


def format_days(days: list[int]) -> str:
    return ",".join(str(d) for d in sorted(set(days)))


def schedule_next(plan: Plan, *, now: datetime) -> None:
    """Recompute the only schedule there is: `next_due_at`, from days, time and zone."""
    if plan.status != "active":
        plan.next_due_at = None
        return
    after = max(now, plan.paused_until) if plan.paused_until else now
    hour, minute = (int(part) for part in plan.time_local.split(":"))
    plan.next_due_at = next_occurrence(
        days=parse_days(plan.days), at=time(hour, minute), tz=plan.tz, after=after
    )
    plan.lease_until = None


async def blocked_user_ids(session: AsyncSession) -> set[int]:
    """People whose plan stopped because they blocked the bot."""
    result = await session.execute(select(col(Plan.user_id)).where(col(Plan.status) == "blocked"))
    return set(result.scalars())


async def unblock(session: AsyncSession, *, user_id: int, now: datetime) -> Plan | None:
    """The person is back: their plan runs again from the next planned day. None when it
    was not blocked (any more: another instance may have seen them first)."""
    plan = await get_plan(session, user_id=user_id)
    if plan is None or plan.status != "blocked":
        return None
    set_status(plan, status="active", reason=None, at=now)
    schedule_next(plan, now=now)
    return plan
