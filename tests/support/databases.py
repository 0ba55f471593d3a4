"""Database fixtures (a migrated SQLite file, or a PostgreSQL schema of its own), and reading
and changing a person's rows straight in the tables."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlmodel import col

from devtools.support import PG_URL, in_schema, postgres_schema
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import ExerciseSession, Plan, SessionStep

_pg_state: dict[str, str | None] = {}


async def postgres_unreachable() -> str | None:
    if "reason" not in _pg_state:
        probe = Database(PG_URL, connect_args={"timeout": 3})
        try:
            async with probe.engine.connect() as conn:
                await conn.execute(text("select 1"))
            _pg_state["reason"] = None
        except Exception as exc:  # any failure to connect means: skip, and say why
            _pg_state["reason"] = f"PostgreSQL at {PG_URL} is not reachable: {exc!s:.120}"
        finally:
            await probe.dispose()
    return _pg_state["reason"]


@pytest.fixture(params=["sqlite", "postgres"])
async def database(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[Database]:
    """A migrated, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        db = Database(f"sqlite+aiosqlite:///{tmp_path}/test.db")
        await upgrade(db.engine)
        yield db
        await db.dispose()
        return
    reason = await postgres_unreachable()
    if reason:
        pytest.skip(reason)
    async with postgres_schema("t") as schema:
        db = in_schema(schema)
        try:
            await upgrade(db.engine)
            yield db
        finally:
            await db.dispose()


@pytest.fixture
async def sqlite_db(tmp_path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/test.db")
    await upgrade(db.engine)
    yield db
    await db.dispose()


async def rows(db: Database, model: Any, user_id: int) -> list[Any]:
    """A person's rows of `model`, oldest first; session steps are theirs by their session."""
    query = select(model)
    if model is SessionStep:
        query = query.join(ExerciseSession).where(col(ExerciseSession.user_id) == user_id)
    else:
        query = query.where(model.user_id == user_id)
    async with db.session() as s:
        return list((await s.execute(query.order_by(model.id))).scalars())


async def set_plan(db: Database, user_id: int, **values: Any) -> None:
    """Changes a person's plan in the table, e.g. to a level that takes weeks to earn."""
    async with db.session() as s:
        await s.execute(update(Plan).where(col(Plan.user_id) == user_id).values(**values))
