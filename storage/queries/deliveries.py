"""Claiming due reminders across instances, and recording what became of each occurrence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from routines.cadence import local_date, occurrence_key
from storage.models import Delivery, Plan


@dataclass(frozen=True)
class Due:
    """One claimed occurrence, with what is needed to send it without another query."""

    plan_id: int
    user_id: int
    routine_id: str
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


def _due(now: datetime) -> object:
    return and_(
        Plan.status == "active",
        or_(Plan.next_due_at <= now, Plan.snooze_due_at <= now),  # type: ignore[operator]
        or_(Plan.lease_until.is_(None), Plan.lease_until < now),  # type: ignore[union-attr, operator]
    )


async def claim(session: AsyncSession, *, now: datetime, limit: int, lease: timedelta) -> list[Due]:
    """Lease up to `limit` due plans to this instance.

    PostgreSQL skips rows another instance holds; SQLite's engine begins with BEGIN IMMEDIATE,
    so the UPDATE … RETURNING below is already the only writer."""
    candidates = select(Plan.id).where(_due(now)).order_by(Plan.next_due_at).limit(limit)  # type: ignore[arg-type]
    if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
        candidates = candidates.with_for_update(skip_locked=True)
    ids = select(candidates.subquery().c.id)
    result = await session.execute(
        update(Plan)
        .where(Plan.id.in_(ids))  # type: ignore[union-attr]
        .values(lease_until=now + lease)
        .returning(
            Plan.id,
            Plan.user_id,
            Plan.routine_id,
            Plan.tz,
            Plan.next_due_at,
            Plan.snooze_due_at,
            Plan.redflag_checked_at,
            Plan.created_at,
            Plan.days,
            Plan.time_local,
        )
        .execution_options(synchronize_session=False)
    )
    return [_to_due(row, now) for row in result.all()]


def _to_due(row: Sequence[object], now: datetime) -> Due:
    plan_id, user_id, routine_id, tz, next_due, snooze, checked, created, days, at = row
    snoozed = snooze is not None and snooze <= now  # type: ignore[operator]
    due = snooze if snoozed else next_due
    assert isinstance(due, datetime)
    key = f"{plan_id}:s:{int(due.timestamp())}" if snoozed else occurrence_key(plan_id, due, tz)  # type: ignore[arg-type]
    return Due(
        plan_id=plan_id,
        user_id=user_id,
        routine_id=routine_id,
        tz=tz,  # type: ignore[arg-type]
        due_at=due,
        key=key,
        snooze=snoozed,
        redflag_checked_at=checked,
        created_at=created,  # type: ignore[arg-type]
        days=days,
        time_local=at,  # type: ignore[arg-type]
    )


async def existing(session: AsyncSession, *, keys: Sequence[str]) -> dict[str, Delivery]:
    if not keys:
        return {}
    result = await session.execute(select(Delivery).where(Delivery.occurrence_key.in_(keys)))  # type: ignore[attr-defined]
    return {row.occurrence_key: row for row in result.scalars()}


async def get_owned(session: AsyncSession, *, delivery_id: int, user_id: int) -> Delivery | None:
    delivery = await session.get(Delivery, delivery_id)
    if delivery is None:
        return None
    plan = await session.get(Plan, delivery.plan_id)
    return delivery if plan is not None and plan.user_id == user_id else None
