"""Running instances and their heartbeats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Instance


async def beat(
    session: AsyncSession, *, instance_id: str, at: datetime, gone_before: datetime
) -> None:
    """Say this instance is alive, and forget those that have stopped saying so."""
    await session.execute(delete(Instance).where(col(Instance.heartbeat_at) < gone_before))
    result = await session.execute(
        update(Instance).where(col(Instance.id) == instance_id).values(heartbeat_at=at)
    )
    # A first beat, or one after a stall so long that another instance forgot this one.
    if not result.rowcount:  # type: ignore[attr-defined]
        session.add(Instance(id=instance_id, started_at=at, heartbeat_at=at))


async def remove(session: AsyncSession, *, instance_id: str) -> None:
    await session.execute(delete(Instance).where(col(Instance.id) == instance_id))
