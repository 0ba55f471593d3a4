"""A person's plan: routine, level, side and schedule."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from routines import schedule
from routines.schedule import PlanReason, PlanStatus
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
    floor: bool,
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
            floor=floor,
            days=days,
            time_local=time_local,
            tz=tz,
            created_at=at,
        )
    plan.routine_id, plan.side, plan.floor, plan.days = routine_id, side, floor, days
    plan.time_local, plan.tz, plan.updated_at = time_local, tz, at
    session.add(plan)
    await session.flush()
    return plan


def safety_paused(plan: Plan) -> bool:
    return schedule.safety_paused(plan.status, plan.status_reason)


def set_status(
    plan: Plan,
    *,
    status: PlanStatus,
    reason: PlanReason | None,
    at: datetime,
    until: datetime | None = None,
) -> None:
    plan.status = status.value
    plan.status_reason = reason.value if reason else None
    plan.paused_until = until
    plan.lease_until = None
    plan.updated_at = at


def pause_for(plan: Plan, *, reason: PlanReason, at: datetime) -> None:
    """A safety pause: no reminders until its lifting rule (routines/safety.py) allows. An
    earlier, graver pause keeps its reason."""
    current = plan.status_reason
    if plan.status == PlanStatus.PAUSED and current and not schedule.graver(reason, current):
        reason = PlanReason(current)
    set_status(plan, status=PlanStatus.PAUSED, reason=reason, at=at)
    schedule_next(plan, now=at)
    plan.offer_up_pending = False


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


def schedule_next(plan: Plan, *, now: datetime) -> None:
    """Store when the plan's next reminder is due, by the rules of routines/schedule.py."""
    plan.next_due_at = schedule.next_due(
        status=plan.status,
        days=plan.days,
        time_local=plan.time_local,
        tz=plan.tz,
        paused_until=plan.paused_until,
        now=now,
    )
    if plan.next_due_at is not None:
        plan.lease_until = None


async def blocked_user_ids(session: AsyncSession) -> set[int]:
    """People whose plan stopped because they blocked the bot."""
    result = await session.execute(
        select(col(Plan.user_id)).where(col(Plan.status) == PlanStatus.BLOCKED.value)
    )
    return set(result.scalars())


async def unblock(session: AsyncSession, *, user_id: int, now: datetime) -> Plan | None:
    """The person is back: their plan runs again from the next planned day. None when it
    was not blocked (any more: another instance may have seen them first)."""
    plan = await get_plan(session, user_id=user_id)
    if plan is None or plan.status != PlanStatus.BLOCKED:
        return None
    set_status(plan, status=PlanStatus.ACTIVE, reason=None, at=now)
    schedule_next(plan, now=now)
    return plan
