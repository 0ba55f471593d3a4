"""What the tests and the benchmarks share: the PostgreSQL server they run on, a schema of
their own there, and due plans seeded in bulk."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy import insert, text

from routines.cadence import zone
from storage.engine import Database
from storage.models import Plan, User

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
CHUNK = 5_000
ROUTINE = "gentle_sciatica_set"


def in_schema(schema: str) -> Database:
    """A database on PG_URL that sees only the tables of `schema`."""
    return Database(PG_URL, connect_args={"server_settings": {"search_path": schema}})


@asynccontextmanager
async def postgres_schema(prefix: str) -> AsyncIterator[str]:
    """A new, empty schema on PG_URL, so runs never see each other's rows; yields its name
    and drops it with everything in it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = Database(PG_URL)
    try:
        async with admin.engine.begin() as conn:
            await conn.execute(text(f"CREATE SCHEMA {name}"))
        try:
            yield name
        finally:
            async with admin.engine.begin() as conn:
                await conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
    finally:
        await admin.dispose()


async def seed_due_plans(
    db: Database, *, count: int, due_at: datetime, first_id: int = 100_000, tz: str = "UTC"
) -> list[int]:
    """`count` people, each with an every-day plan due at `due_at`; returns their chat ids.

    Bulk inserts, so 100,000 take seconds rather than the hours onboarding would."""
    ids = list(range(first_id, first_id + count))
    at = due_at.astimezone(zone(tz)).strftime("%H:%M")
    for start in range(0, count, CHUNK):
        chunk = ids[start : start + CHUNK]
        users = [{"id": i, "chat_id": i, "created_at": due_at} for i in chunk]
        plans = [_plan(i, at, tz, due_at) for i in chunk]
        async with db.session() as s:
            await s.execute(insert(User), users)
            await s.execute(insert(Plan), plans)
    return ids


def _plan(user_id: int, at: str, tz: str, due_at: datetime) -> dict[str, object]:
    return {
        "user_id": user_id,
        "routine_id": ROUTINE,
        "side": "left",
        "days": "0,1,2,3,4,5,6",
        "time_local": at,
        "tz": tz,
        "next_due_at": due_at,
        "created_at": due_at,
        "updated_at": due_at,
    }
