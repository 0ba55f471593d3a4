"""Next-morning checks: one per session, claimed across instances, sent at most once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from routines.schedule import PlanStatus
from storage.models import CheckIn, ExerciseSession, MorningCheck, MorningStatus, Plan, User

_WAITING = (MorningStatus.DUE.value, MorningStatus.CLAIMED.value)


@dataclass(frozen=True)
class MorningDue:
    session_id: int
    user_id: int
    chat_id: int
    # Sends of this check that may have arrived already (a crash after counting one).
    attempts: int


def add(session: AsyncSession, *, row: ExerciseSession, due_at: datetime) -> None:
    assert row.id is not None, "a stored session has an id"
    session.add(MorningCheck(session_id=row.id, user_id=row.user_id, due_at=due_at))


async def claim(
    session: AsyncSession, *, now: datetime, limit: int, lease_until: datetime
) -> list[MorningDue]:
    """Lease up to `limit` due checks to this instance. PostgreSQL skips rows another
    instance holds; SQLite's BEGIN IMMEDIATE makes this the only writer."""
    due = and_(
        col(MorningCheck.status).in_(_WAITING),
        col(MorningCheck.due_at) <= now,
        or_(col(MorningCheck.lease_until).is_(None), col(MorningCheck.lease_until) < now),
    )
    candidates = select(col(MorningCheck.session_id)).where(due).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    result = await session.execute(
        update(MorningCheck)
        .where(col(MorningCheck.session_id).in_(select(candidates.subquery().c.session_id)))
        .values(status=MorningStatus.CLAIMED.value, lease_until=lease_until)
        .returning(
            col(MorningCheck.session_id), col(MorningCheck.user_id), col(MorningCheck.attempts)
        )
        .execution_options(synchronize_session=False)
    )
    claimed = result.all()
    if not claimed:
        return []
    chats = dict(
        (
            await session.execute(
                select(col(User.id), col(User.chat_id)).where(
                    col(User.id).in_({row.user_id for row in claimed})
                )
            )
        ).all()
    )
    return [
        MorningDue(row.session_id, row.user_id, chats[row.user_id], row.attempts)
        for row in claimed
        if row.user_id in chats
    ]


async def still_wanted(session: AsyncSession, *, due: MorningDue) -> bool:
    """The plan is active and no newer session has started: the question still makes sense."""
    status = (
        await session.execute(select(col(Plan.status)).where(col(Plan.user_id) == due.user_id))
    ).scalar_one_or_none()
    return status == PlanStatus.ACTIVE.value and not await _newer_session(
        session, user_id=due.user_id, session_id=due.session_id
    )


async def count_attempt(session: AsyncSession, *, session_id: int) -> None:
    await session.execute(
        update(MorningCheck)
        .where(col(MorningCheck.session_id) == session_id)
        .values(attempts=col(MorningCheck.attempts) + 1)
    )


async def release(session: AsyncSession, *, session_id: int, until: datetime) -> None:
    """The send did not arrive: due again from `until`, its counted send not counted."""
    await session.execute(
        update(MorningCheck)
        .where(col(MorningCheck.session_id) == session_id)
        .values(
            status=MorningStatus.DUE.value,
            attempts=col(MorningCheck.attempts) - 1,
            lease_until=until,
        )
    )


async def settle(
    session: AsyncSession,
    *,
    session_id: int,
    status: MorningStatus,
    at: datetime,
    message_id: int | None = None,
) -> None:
    await session.execute(
        update(MorningCheck)
        .where(col(MorningCheck.session_id) == session_id)
        .values(
            status=status.value,
            lease_until=None,
            message_id=message_id,
            sent_at=at if status is MorningStatus.SENT else None,
        )
    )


async def pending(session: AsyncSession, *, user_id: int, now: datetime) -> int | None:
    """The session whose next-morning check is due and unanswered, with no newer session: a
    new session asks it first. One still waiting for the sender is taken from it, and one
    Telegram refused is asked now."""
    latest = (
        await session.execute(
            select(MorningCheck)
            .where(col(MorningCheck.user_id) == user_id, col(MorningCheck.due_at) <= now)
            .order_by(col(MorningCheck.session_id).desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if latest is None or latest.status == MorningStatus.SKIPPED.value:
        return None
    if await _answered(session, latest.session_id) or await _newer_session(
        session, user_id=user_id, session_id=latest.session_id
    ):
        return None
    # Asked here now: one the sender has not sent (or could not) becomes answerable.
    if latest.status in (MorningStatus.DUE.value, MorningStatus.FAILED.value):
        latest.status, latest.sent_at = MorningStatus.SENT.value, now
    return latest.session_id


async def answerable(session: AsyncSession, *, user_id: int, session_id: int) -> bool:
    """The check for this session went out, is not answered, and no newer session began."""
    check = await session.get(MorningCheck, session_id)
    if check is None or check.user_id != user_id:
        return False
    if check.status not in (MorningStatus.SENT.value, MorningStatus.UNCONFIRMED.value):
        return False
    return not await _answered(session, session_id) and not await _newer_session(
        session, user_id=user_id, session_id=session_id
    )


async def _answered(session: AsyncSession, session_id: int) -> bool:
    found = await session.execute(
        select(col(CheckIn.id))
        .where(col(CheckIn.session_id) == session_id, col(CheckIn.phase) == "next_day")
        .limit(1)
    )
    return found.scalar_one_or_none() is not None


async def _newer_session(session: AsyncSession, *, user_id: int, session_id: int) -> bool:
    found = await session.execute(
        select(col(ExerciseSession.id))
        .where(col(ExerciseSession.user_id) == user_id, col(ExerciseSession.id) > session_id)
        .limit(1)
    )
    return found.scalar_one_or_none() is not None
