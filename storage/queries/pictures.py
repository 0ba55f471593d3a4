"""The file_ids of uploaded step pictures: not a person's data, one row per picture."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import PictureFile


async def file_ids(session: AsyncSession) -> dict[str, str]:
    result = await session.execute(select(col(PictureFile.name), col(PictureFile.file_id)))
    return dict(result.all())


async def save(session: AsyncSession, *, name: str, file_id: str, at: datetime) -> None:
    """Store or replace the picture's file_id (two instances may upload it at once)."""
    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(PictureFile).values(name=name, file_id=file_id, uploaded_at=at)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[col(PictureFile.name)],
            set_={"file_id": file_id, "uploaded_at": at},
        )
    )
