"""What /progress, /history, /export and /stats read: a person's record, and operators' totals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from routines.cadence import local_date
from routines.safety import PAUSING
from routines.schedule import PlanStatus, parse_days
from storage.models import CheckIn, ExerciseSession, LevelChange, Plan, SessionStep, User

FINISHED = ("done", "stopped")
# Check-in decisions that paused the plan; a pause by /pause leaves no row behind.
PAUSING_ACTIONS = tuple(sorted(action.value for action in PAUSING))
# A new routine starts at level 1; that is a fresh start, not a step back for safety.
NOT_A_REGRESSION = "routine_changed"


async def finished_sessions(
    session: AsyncSession, *, user_id: int, since: datetime
) -> Sequence[ExerciseSession]:
    """Finished sessions started since then, oldest first."""
    result = await session.execute(
        select(ExerciseSession)
        .where(
            col(ExerciseSession.user_id) == user_id,
            col(ExerciseSession.state).in_(FINISHED),
            col(ExerciseSession.started_at) >= since,
        )
        .order_by(col(ExerciseSession.started_at))
    )
    return result.scalars().all()


async def last_sessions(
    session: AsyncSession, *, user_id: int, limit: int
) -> Sequence[ExerciseSession]:
    """The latest finished sessions, newest first."""
    result = await session.execute(
        select(ExerciseSession)
        .where(
            col(ExerciseSession.user_id) == user_id,
            col(ExerciseSession.state).in_(FINISHED),
        )
        .order_by(col(ExerciseSession.started_at).desc())
        .limit(limit)
    )
    return result.scalars().all()


async def level_changes(
    session: AsyncSession, *, user_id: int, since: datetime | None = None
) -> Sequence[LevelChange]:
    """Oldest first; all of them when `since` is None."""
    query = select(LevelChange).where(col(LevelChange.user_id) == user_id)
    if since is not None:
        query = query.where(col(LevelChange.created_at) >= since)
    result = await session.execute(query.order_by(col(LevelChange.created_at)))
    return result.scalars().all()


async def pause_times(session: AsyncSession, *, user_id: int, since: datetime) -> list[datetime]:
    """When a check-in paused the plan: an answered red flag or pain too high to go on."""
    result = await session.execute(
        select(col(CheckIn.created_at))
        .where(
            col(CheckIn.user_id) == user_id,
            col(CheckIn.created_at) >= since,
            or_(col(CheckIn.action).in_(PAUSING_ACTIONS), col(CheckIn.red_flag).is_(True)),
        )
        .order_by(col(CheckIn.created_at))
    )
    return list(result.scalars())


async def checkins(session: AsyncSession, *, user_id: int) -> Sequence[CheckIn]:
    result = await session.execute(
        select(CheckIn).where(col(CheckIn.user_id) == user_id).order_by(col(CheckIn.created_at))
    )
    return result.scalars().all()


async def steps(session: AsyncSession, *, user_id: int) -> Sequence[SessionStep]:
    result = await session.execute(
        select(SessionStep)
        .join(ExerciseSession, col(ExerciseSession.id) == col(SessionStep.session_id))
        .where(col(ExerciseSession.user_id) == user_id)
        .order_by(col(SessionStep.session_id), col(SessionStep.number))
    )
    return result.scalars().all()


async def all_sessions(session: AsyncSession, *, user_id: int) -> Sequence[ExerciseSession]:
    """Every session, open ones too: an export leaves nothing out."""
    result = await session.execute(
        select(ExerciseSession)
        .where(col(ExerciseSession.user_id) == user_id)
        .order_by(col(ExerciseSession.started_at))
    )
    return result.scalars().all()


# Operators' totals, over everyone.


async def count_people(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(User))).scalar_one())


def _paused(now: datetime) -> ColumnElement[bool]:
    # /pause N keeps the status "active" and sets paused_until; /pause alone sets "paused".
    # The NULL test is spelled out: NOT (NULL > now) is NULL, which would drop the row.
    return or_(
        col(Plan.status) == PlanStatus.PAUSED.value,
        and_(col(Plan.paused_until).is_not(None), col(Plan.paused_until) > now),
    )


def _reminding(now: datetime) -> ColumnElement[bool]:
    return and_(col(Plan.status) == PlanStatus.ACTIVE.value, not_(_paused(now)))


async def count_plans(session: AsyncSession, *, now: datetime) -> tuple[int, int]:
    """(active, paused): plans that remind now, and plans paused for now."""
    counts = [
        await session.execute(select(func.count()).select_from(Plan).where(which))
        for which in (_reminding(now), _paused(now))
    ]
    active, paused = (int(result.scalar_one()) for result in counts)
    return active, paused


async def count_sessions_since(session: AsyncSession, *, since: datetime) -> tuple[int, int]:
    """(started, done) since then."""
    result = await session.execute(
        select(func.count(), func.count().filter(col(ExerciseSession.state) == "done")).where(
            col(ExerciseSession.started_at) >= since
        )
    )
    started, done = result.one()
    return int(started), int(done)


async def adherence(session: AsyncSession, *, now: datetime, days: int) -> tuple[int, int]:
    """(done, planned) over the last `days` days, for the plans that remind now.

    Both count days, not sessions: a plan asks for one session on each of its days, so a
    second session on one day does not make up for a missed one."""
    reminding = select(col(Plan.user_id)).where(_reminding(now))
    done_days = (
        select(col(ExerciseSession.user_id), col(ExerciseSession.local_date))
        .where(
            col(ExerciseSession.state) == "done",
            col(ExerciseSession.started_at) >= now - timedelta(days=days),
            col(ExerciseSession.user_id).in_(reminding),
        )
        .distinct()
        .subquery()
    )
    done = await session.execute(select(func.count()).select_from(done_days))
    return int(done.scalar_one()), await _planned_days(session, now=now, days=days)


async def _planned_days(session: AsyncSession, *, now: datetime, days: int) -> int:
    """Plan days in the window. Every weekday comes once a week, so a plan older than the
    window counts its number of days; only newer plans need their own dates counted, from
    the day they were set up to today."""
    since = now - timedelta(days=days)
    old = await session.execute(
        select(col(Plan.days), func.count())
        .where(_reminding(now), col(Plan.created_at) <= since)
        .group_by(col(Plan.days))
    )
    total = sum(len(parse_days(d)) * n for d, n in old.all()) * days // 7
    new = await session.execute(
        select(col(Plan.days), col(Plan.tz), col(Plan.created_at)).where(
            _reminding(now), col(Plan.created_at) > since
        )
    )
    for plan_days, tz, created in new.all():
        total += _days_between(parse_days(plan_days), local_date(created, tz), local_date(now, tz))
    return total


def _days_between(weekdays: list[int], first: date, last: date) -> int:
    span = (last - first).days + 1
    return sum(1 for n in range(span) if (first + timedelta(days=n)).weekday() in weekdays)


async def count_stops(session: AsyncSession, *, since: datetime) -> int:
    """Sessions that ended early: stopped by the person, by a check-in, or left open."""
    result = await session.execute(
        select(func.count())
        .select_from(ExerciseSession)
        .where(
            col(ExerciseSession.started_at) >= since,
            col(ExerciseSession.stop_reason).is_not(None),
        )
    )
    return int(result.scalar_one())


async def count_regressions(session: AsyncSession, *, since: datetime) -> int:
    result = await session.execute(
        select(func.count())
        .select_from(LevelChange)
        .where(
            col(LevelChange.created_at) >= since,
            col(LevelChange.level_after) < col(LevelChange.level_before),
            col(LevelChange.reason) != NOT_A_REGRESSION,
        )
    )
    return int(result.scalar_one())


async def count_red_flags(session: AsyncSession, *, since: datetime) -> int:
    result = await session.execute(
        select(func.count())
        .select_from(CheckIn)
        .where(col(CheckIn.created_at) >= since, col(CheckIn.red_flag).is_(True))
    )
    return int(result.scalar_one())
