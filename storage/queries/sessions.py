"""Exercise sessions, their steps and check-ins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from routines import session as machine
from routines.plan import PlannedStep
from routines.safety import NextDay, Reason, SessionRecord
from storage.models import CheckIn, ExerciseSession, Instance, SessionStep

# Sorted, so that the query text (and its cached plan) is the same in every process.
OPEN_STATES = tuple(sorted(state.value for state in machine.OPEN))
DONE = machine.State.DONE.value
ENDED_STATES = tuple(sorted(state.value for state in machine.TERMINAL))


async def get_owned(
    session: AsyncSession, *, session_id: int, user_id: int
) -> ExerciseSession | None:
    """The session, only if it belongs to this person: buttons carry ids that may be forged."""
    # Locked, so a tap and a timer on another instance take turns on the same session.
    row = await session.get(ExerciseSession, session_id, with_for_update=True)
    return row if row is not None and row.user_id == user_id else None


async def get_open(session: AsyncSession, *, user_id: int) -> ExerciseSession | None:
    result = await session.execute(
        select(ExerciseSession)
        .where(col(ExerciseSession.user_id) == user_id, col(ExerciseSession.state).in_(OPEN_STATES))
        .order_by(col(ExerciseSession.id).desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def orphaned_holds(
    session: AsyncSession, *, me: str, alive_since: datetime
) -> Sequence[ExerciseSession]:
    """Running holds whose instance is gone: none is named, or it has not beaten since then
    (`me` is never gone to itself). Locked, skipping rows in use: a tap or a tick on a live
    instance is not an orphan."""
    alive = select(col(Instance.id)).where(col(Instance.heartbeat_at) >= alive_since)
    owner = col(ExerciseSession.owner)
    result = await session.execute(
        select(ExerciseSession)
        .where(
            col(ExerciseSession.state) == machine.State.HOLDING.value,
            or_(owner.is_(None), and_(owner != me, owner.not_in(alive))),
        )
        .limit(500)
        .with_for_update(skip_locked=True, of=ExerciseSession)
    )
    return result.scalars().all()


async def open_sessions(session: AsyncSession, *, user_id: int) -> Sequence[ExerciseSession]:
    result = await session.execute(
        select(ExerciseSession)
        .where(
            col(ExerciseSession.user_id) == user_id,
            col(ExerciseSession.state).in_(OPEN_STATES),
        )
        .with_for_update()
    )
    return result.scalars().all()


def as_machine(
    row: ExerciseSession,
    steps: tuple[PlannedStep, ...],
    timing: machine.Timing,
    asked: machine.Question | None,
) -> machine.Session:
    """The row as the session machine reads it."""
    return machine.Session(
        id=row.id or 0,
        steps=steps,
        state=machine.State(row.state),
        step_index=row.step_index,
        version=row.version,
        timing=timing,
        hold_ends_at=row.hold_ends_at,
        remaining=row.remaining_seconds,
        pain_before=row.pain_before,
        pain_after=row.pain_after,
        nerve_off=row.nerve_off,
        stop_reason=row.stop_reason,
        pause_reason=machine.PauseReason(row.pause_reason) if row.pause_reason else None,
        ended_at=row.ended_at,
        asked=asked,
    )


def store(row: ExerciseSession, s: machine.Session) -> None:
    """Write what the session machine decided back to the row."""
    row.state = s.state.value
    row.step_index = s.step_index
    row.version = s.version
    row.hold_ends_at = s.hold_ends_at
    row.remaining_seconds = s.remaining
    row.pain_before = s.pain_before
    row.pain_after = s.pain_after
    row.nerve_off = s.nerve_off
    row.stop_reason = s.stop_reason
    row.pause_reason = s.pause_reason.value if s.pause_reason else None
    row.ended_at = s.ended_at


async def record_step(
    session: AsyncSession,
    *,
    row: ExerciseSession,
    step: PlannedStep,
    status: machine.StepStatus,
    seconds: float,
    at: datetime,
) -> None:
    """Record how a step of the session went; the first record of a step number stands."""
    assert row.id is not None, "a saved session has an id"
    existing = await session.execute(
        select(col(SessionStep.id)).where(
            col(SessionStep.session_id) == row.id, col(SessionStep.number) == step.number
        )
    )
    if existing.scalar_one_or_none() is None:
        session.add(
            SessionStep(
                session_id=row.id,
                number=step.number,
                step_id=step.step_id,
                side=step.side,
                status=status.value,
                seconds=max(0.0, seconds),
                ended_at=at,
            )
        )


async def checkins_of(session: AsyncSession, *, session_id: int | None) -> list[CheckIn]:
    """The session's check-ins so far, oldest first."""
    result = await session.execute(
        select(CheckIn).where(col(CheckIn.session_id) == session_id).order_by(col(CheckIn.id))
    )
    return list(result.scalars())


# Check-ins that asked about new weakness: the weekly question, and any red-flag screen.
WEAKNESS_ASKED = ("lift", "redflags", "screen", "weakness")


async def last_weakness_check(session: AsyncSession, *, user_id: int) -> datetime | None:
    result = await session.execute(
        select(func.max(col(CheckIn.created_at))).where(
            col(CheckIn.user_id) == user_id, col(CheckIn.phase).in_(WEAKNESS_ASKED)
        )
    )
    latest: datetime | None = result.scalar_one()
    return latest


async def history(
    session: AsyncSession, *, user_id: int, before_id: int | None, limit: int = 5
) -> list[SessionRecord]:
    """Finished sessions as the safety rules read them, most recent last."""
    query = select(ExerciseSession).where(
        col(ExerciseSession.user_id) == user_id,
        col(ExerciseSession.state).in_(ENDED_STATES),
    )
    if before_id is not None:
        query = query.where(col(ExerciseSession.id) < before_id)
    rows = (
        (await session.execute(query.order_by(col(ExerciseSession.id).desc()).limit(limit)))
        .scalars()
        .all()
    )
    ids = [row.id for row in rows]
    checks = (
        (await session.execute(select(CheckIn).where(col(CheckIn.session_id).in_(ids))))
        .scalars()
        .all()
    )
    return [_record(row, [c for c in checks if c.session_id == row.id]) for row in reversed(rows)]


def _record(row: ExerciseSession, checks: list[CheckIn]) -> SessionRecord:
    next_day = next((c.next_day for c in checks if c.next_day), None)
    return SessionRecord(
        level=row.level,
        pain_before=row.pain_before,
        pain_after=row.pain_after,
        new_tingling=any(c.tingling == "worse" for c in checks),
        next_day=NextDay(next_day) if next_day else None,
        completed=row.state == DONE and row.stop_reason is None,
    )


async def count_since(session: AsyncSession, *, user_id: int, since: datetime) -> int:
    result = await session.execute(
        select(func.count())
        .select_from(ExerciseSession)
        .where(
            col(ExerciseSession.user_id) == user_id,
            col(ExerciseSession.state) == DONE,
            col(ExerciseSession.started_at) >= since,
        )
    )
    return int(result.scalar_one())


async def done_dates(session: AsyncSession, *, user_id: int, limit: int = 400) -> list[str]:
    result = await session.execute(
        select(col(ExerciseSession.local_date))
        .where(
            col(ExerciseSession.user_id) == user_id,
            col(ExerciseSession.state) == DONE,
        )
        .distinct()
        .order_by(col(ExerciseSession.local_date).desc())
        .limit(limit)
    )
    return list(result.scalars())


# Setbacks that count towards a professional review when they happen at level 1.
GENTLEST_SETBACKS = tuple(
    sorted(r.value for r in (Reason.NEW_TINGLING, Reason.PAIN_HIGH_AFTER, Reason.NEXT_DAY_WORSE))
)


async def gentlest_setbacks(
    session: AsyncSession, *, user_id: int, since: datetime, besides: int | None
) -> int:
    """Sessions since `since`, other than `besides`, with a setback while at level 1."""
    query = select(func.count(func.distinct(col(CheckIn.session_id)))).where(
        col(CheckIn.user_id) == user_id,
        col(CheckIn.created_at) >= since,
        col(CheckIn.level_before) == 1,
        col(CheckIn.reason).in_(GENTLEST_SETBACKS),
    )
    if besides is not None:
        query = query.where(col(CheckIn.session_id) != besides)
    return int((await session.execute(query)).scalar_one())


async def pains_before(session: AsyncSession, *, user_id: int) -> list[tuple[datetime, int]]:
    """(started at, pain before) of every session that has one, for the six-week rule."""
    result = await session.execute(
        select(col(ExerciseSession.started_at), col(ExerciseSession.pain_before)).where(
            col(ExerciseSession.user_id) == user_id,
            col(ExerciseSession.pain_before).is_not(None),
        )
    )
    return [(at, pain) for at, pain in result.all() if pain is not None]
