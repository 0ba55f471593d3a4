"""Claiming due reminders across instances, and recording what became of each occurrence."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from routines.cadence import local_date, occurrence_key
from routines.schedule import PlanStatus
from storage.models import Delivery, ExerciseSession, Plan, User

# A session that got past its check-ins counts as stretching that day.
_NOT_STARTED = ("before_pain", "before_tingle")


@dataclass(frozen=True)
class Due:
    """One claimed occurrence, with what is needed to send it without another query."""

    plan_id: int
    user_id: int
    routine_id: str
    level: int
    side: str
    floor: bool
    tz: str
    due_at: datetime
    key: str
    snooze: bool
    redflag_checked_at: datetime | None
    created_at: datetime
    days: str
    time_local: str

    @property
    def local_date(self) -> str:
        return local_date(self.due_at, self.tz).isoformat()


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        col(Plan.status) == PlanStatus.ACTIVE.value,
        or_(col(Plan.next_due_at) <= now, col(Plan.snooze_due_at) <= now),
        or_(col(Plan.lease_until).is_(None), col(Plan.lease_until) < now),
        # A pause for some days keeps the plan active; a snooze from before it must wait too.
        or_(col(Plan.paused_until).is_(None), col(Plan.paused_until) <= now),
    )


async def claim(
    session: AsyncSession, *, now: datetime, limit: int, lease_until: datetime
) -> list[Due]:
    """Lease up to `limit` due plans to this instance, until `lease_until`.

    PostgreSQL skips rows another instance holds; SQLite's engine begins with BEGIN IMMEDIATE,
    so the UPDATE … RETURNING below is already the only writer."""
    candidates = select(col(Plan.id)).where(_due(now)).order_by(col(Plan.next_due_at)).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    result = await session.execute(
        update(Plan)
        .where(col(Plan.id).in_(select(candidates.subquery().c.id)))
        .values(lease_until=lease_until)
        .returning(
            col(Plan.id),
            col(Plan.user_id),
            col(Plan.routine_id),
            col(Plan.level),
            col(Plan.side),
            col(Plan.floor),
            col(Plan.tz),
            col(Plan.next_due_at),
            col(Plan.snooze_due_at),
            col(Plan.redflag_checked_at),
            col(Plan.created_at),
            col(Plan.days),
            col(Plan.time_local),
        )
        .execution_options(synchronize_session=False)
    )
    return [_to_due(row, now) for row in result.all()]


def _to_due(row: Row[*tuple[Any, ...]], now: datetime) -> Due:
    # A due snooze goes first; the regular occurrence, if also due, follows on the next claim.
    snoozed = row.snooze_due_at is not None and row.snooze_due_at <= now
    due: datetime = row.snooze_due_at if snoozed else row.next_due_at
    key = f"{row.id}:s:{int(due.timestamp())}" if snoozed else occurrence_key(row.id, due, row.tz)
    return Due(
        plan_id=row.id,
        user_id=row.user_id,
        routine_id=row.routine_id,
        level=row.level,
        side=row.side,
        floor=row.floor,
        tz=row.tz,
        due_at=due,
        key=key,
        snooze=snoozed,
        redflag_checked_at=row.redflag_checked_at,
        created_at=row.created_at,
        days=row.days,
        time_local=row.time_local,
    )


async def existing(session: AsyncSession, *, keys: Sequence[str]) -> dict[str, Delivery]:
    if not keys:
        return {}
    result = await session.execute(select(Delivery).where(col(Delivery.occurrence_key).in_(keys)))
    return {row.occurrence_key: row for row in result.scalars()}


async def insert_new(session: AsyncSession, *, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Bulk INSERT of delivery rows, skipping any whose occurrence key is already there (an
    occurrence seen before); returns the new rows' ids by occurrence key."""
    if not rows:
        return {}
    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        dialect_insert(Delivery)
        .on_conflict_do_nothing(index_elements=[col(Delivery.occurrence_key)])
        .returning(col(Delivery.id), col(Delivery.occurrence_key))
    )
    result = await session.execute(statement, rows)
    return {key: delivery_id for delivery_id, key in result.all() if delivery_id is not None}


async def chat_ids(session: AsyncSession, *, user_ids: Iterable[int]) -> dict[int, int]:
    result = await session.execute(
        select(col(User.id), col(User.chat_id)).where(col(User.id).in_(list(user_ids)))
    )
    return dict(result.all())


async def stretched_on(session: AsyncSession, *, dues: Sequence[Due]) -> set[tuple[int, str]]:
    """(user id, local date) pairs among `dues` on which a session already ran."""
    result = await session.execute(
        select(col(ExerciseSession.user_id), col(ExerciseSession.local_date)).where(
            col(ExerciseSession.user_id).in_({d.user_id for d in dues}),
            col(ExerciseSession.local_date).in_({d.local_date for d in dues}),
            col(ExerciseSession.state).not_in(_NOT_STARTED),
        )
    )
    return set(result.all())


async def count_attempts(session: AsyncSession, *, ids: Sequence[int]) -> None:
    """One more send of each of these deliveries is about to go out."""
    await session.execute(
        update(Delivery)
        .where(col(Delivery.id).in_(ids))
        .values(attempts=col(Delivery.attempts) + 1)
        .execution_options(synchronize_session=False)
    )


async def record(
    session: AsyncSession,
    *,
    deliveries: list[dict[str, Any]],
    plans: list[dict[str, Any]],
    lease_until: datetime,
) -> None:
    """Bulk UPDATE by id; each dict holds "id" and the columns to set.

    A plan is updated only while the lease is still this claim's: a plan changed meanwhile
    (a change clears the lease) keeps its new schedule, and a lease that another instance
    took over is that instance's to settle."""
    if deliveries:
        await session.execute(update(Delivery), deliveries)
    if plans:
        ours = update(Plan).where(col(Plan.lease_until) == lease_until)
        # No ORM objects are loaded to synchronise, and SQLAlchemy cannot with extra criteria.
        await session.execute(ours.execution_options(synchronize_session=None), plans)


async def get_owned(session: AsyncSession, *, delivery_id: int, user_id: int) -> Delivery | None:
    delivery = await session.get(Delivery, delivery_id)
    if delivery is None:
        return None
    plan = await session.get(Plan, delivery.plan_id)
    return delivery if plan is not None and plan.user_id == user_id else None
