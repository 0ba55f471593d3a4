"""People and their open dialog."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import (
    CheckIn,
    Delivery,
    ExerciseSession,
    LevelChange,
    MorningCheck,
    Plan,
    SessionStep,
    User,
)


async def get_user(session: AsyncSession, *, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def get_or_create_user(
    session: AsyncSession, *, user_id: int, chat_id: int, first_name: str
) -> User:
    user = await session.get(User, user_id)
    if user is None:
        user = User(id=user_id, chat_id=chat_id, first_name=first_name[:128])
        session.add(user)
        await session.flush()
    return user


def read_draft(user: User) -> dict[str, Any]:
    try:
        value = json.loads(user.draft or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def set_dialog(
    user: User,
    *,
    dialog: str | None,
    draft: dict[str, Any] | None = None,
) -> None:
    user.dialog = dialog
    if draft is not None:
        user.draft = json.dumps(draft, separators=(",", ":"))


async def delete_user_everywhere(session: AsyncSession, *, user_id: int) -> None:
    """Erase every row of the person, explicitly, so it does not depend on cascades."""
    session_ids = select(col(ExerciseSession.id)).where(col(ExerciseSession.user_id) == user_id)
    plan_ids = select(col(Plan.id)).where(col(Plan.user_id) == user_id)
    await session.execute(delete(SessionStep).where(col(SessionStep.session_id).in_(session_ids)))
    await session.execute(delete(MorningCheck).where(col(MorningCheck.user_id) == user_id))
    await session.execute(delete(CheckIn).where(col(CheckIn.user_id) == user_id))
    await session.execute(delete(ExerciseSession).where(col(ExerciseSession.user_id) == user_id))
    await session.execute(delete(Delivery).where(col(Delivery.plan_id).in_(plan_ids)))
    await session.execute(delete(LevelChange).where(col(LevelChange.user_id) == user_id))
    await session.execute(delete(Plan).where(col(Plan.user_id) == user_id))
    await session.execute(delete(User).where(col(User.id) == user_id))
