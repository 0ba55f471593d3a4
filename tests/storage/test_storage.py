"""Storage on SQLite and PostgreSQL: migrations, aware timestamps, constraints, SQLite tuning."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import BigInteger, Boolean, Column, Integer, MetaData, String, Table, select, text
from sqlalchemy.exc import IntegrityError, OperationalError, StatementError
from sqlmodel import SQLModel

from storage import sqlite_inline
from storage.engine import Database
from storage.migrate import alembic_config, upgrade
from storage.models import Delivery, Plan, ProcessedUpdate, User
from storage.queries import plans as plan_q
from storage.queries import users as user_q
from storage.types import UTCDateTime

NOW = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)


async def _user_with_plan(db: Database, user_id: int = 1) -> None:
    async with db.session() as s:
        await user_q.get_or_create_user(s, user_id=user_id, chat_id=user_id, first_name="Ann")
        plan = await plan_q.save_plan(
            s,
            user_id=user_id,
            routine_id="r",
            side="left",
            floor=True,
            days="0,2",
            time_local="07:30",
            tz="Europe/Berlin",
            at=NOW,
        )
        plan_q.schedule_next(plan, now=NOW)


async def _user_with_plan_at_0001(db: Database) -> None:
    """The rows as the first schema had them: the models of today have columns it lacks."""
    tables = MetaData()
    users = Table(
        "app_user", tables, Column("id", BigInteger), Column("chat_id", BigInteger),
        Column("first_name", String), Column("draft", String),
        Column("created_at", UTCDateTime(timezone=True)),
    )  # fmt: skip
    plans = Table(
        "plan", tables, Column("user_id", BigInteger), Column("routine_id", String),
        Column("level", Integer), Column("side", String), Column("days", String),
        Column("time_local", String), Column("tz", String), Column("status", String),
        Column("offer_up_pending", Boolean), Column("next_due_at", UTCDateTime(timezone=True)),
        Column("created_at", UTCDateTime(timezone=True)),
        Column("updated_at", UTCDateTime(timezone=True)),
    )  # fmt: skip
    async with db.engine.begin() as conn:
        await conn.execute(
            users.insert().values(id=1, chat_id=1, first_name="Ann", draft="{}", created_at=NOW)
        )
        await conn.execute(
            plans.insert().values(
                user_id=1, routine_id="r", level=1, side="left", days="0,2",
                time_local="07:30", tz="Europe/Berlin", status="active", offer_up_pending=False,
                next_due_at=NOW + timedelta(days=1), created_at=NOW, updated_at=NOW,
            )
        )  # fmt: skip


async def test_upgrade_from_the_first_migration_keeps_the_data(database: Database) -> None:
    async with database.engine.begin() as conn:
        await conn.run_sync(lambda c: SQLModel.metadata.drop_all(c))
        await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await upgrade(database.engine, "0001")
    await _user_with_plan_at_0001(database)
    await upgrade(database.engine)
    async with database.session() as s:
        plan = (await s.execute(select(Plan))).scalar_one()
        s.add(ProcessedUpdate(update_id=42, received_at=NOW))
        version = (await s.execute(text("select version_num from alembic_version"))).scalar_one()
    assert version == ScriptDirectory.from_config(alembic_config(database.url)).get_current_head()
    assert plan.time_local == "07:30" and plan.next_due_at is not None
    assert plan.floor, "people from before the floor question keep their floor steps"


async def test_models_and_migrations_agree(database: Database) -> None:
    def diff(connection) -> list[object]:
        return compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)

    async with database.engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_timestamps_come_back_aware_utc_and_naive_ones_are_refused(
    database: Database,
) -> None:
    await _user_with_plan(database)
    async with database.session() as s:
        plan = (await s.execute(select(Plan))).scalar_one()
    assert plan.next_due_at == datetime(2026, 3, 30, 5, 30, tzinfo=UTC)  # 07:30 CEST, after DST
    assert plan.next_due_at.tzinfo is not None and plan.next_due_at.utcoffset() == timedelta(0)
    with pytest.raises(StatementError, match="naive datetime"):
        async with database.session() as s:
            s.add(User(id=9, chat_id=9, created_at=datetime(2026, 1, 1)))


async def test_one_delivery_per_occurrence_key(database: Database) -> None:
    await _user_with_plan(database)
    async with database.session() as s:
        plan = (await s.execute(select(Plan))).scalar_one()
        s.add(Delivery(plan_id=plan.id, occurrence_key="1:2026-03-30", due_at=NOW, status="sent"))
    with pytest.raises(IntegrityError):
        async with database.session() as s:
            s.add(
                Delivery(
                    plan_id=plan.id, occurrence_key="1:2026-03-30", due_at=NOW, status="claimed"
                )
            )


async def test_deleting_a_person_leaves_other_people_alone(database: Database) -> None:
    await _user_with_plan(database, 1)
    await _user_with_plan(database, 2)
    async with database.session() as s:
        await user_q.delete_user_everywhere(s, user_id=1)
    async with database.session() as s:
        assert [p.user_id for p in (await s.execute(select(Plan))).scalars()] == [2]
        assert await s.get(User, 1) is None


async def test_sqlite_is_tuned(sqlite_db: Database) -> None:
    async with sqlite_db.engine.connect() as conn:
        pragmas = {
            name: (await conn.execute(text(f"PRAGMA {name}"))).scalar_one()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        }
    # No busy handler: it would sleep on the event loop's thread (see sqlite_inline).
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 0}


def _hold_write_lock(path: str, seconds: float) -> threading.Thread:
    """Another process's writer, as far as SQLite can tell: a connection of its own that
    takes the write lock and keeps it for `seconds`."""
    taken = threading.Event()

    def hold() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        taken.set()
        time.sleep(seconds)
        other.execute("COMMIT")
        other.close()

    thread = threading.Thread(target=hold)
    thread.start()
    taken.wait()
    return thread


async def test_waiting_for_another_writer_does_not_block_the_loop(tmp_path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/lock.db")
    await upgrade(db.engine)
    holder = _hold_write_lock(f"{tmp_path}/lock.db", 0.5)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticking = asyncio.create_task(ticker())
    began = time.monotonic()
    await _user_with_plan(db)
    waited = time.monotonic() - began
    ticking.cancel()
    holder.join()
    async with db.session() as s:
        assert (await s.execute(select(Plan.level))).scalar_one() == 1
    assert waited >= 0.4
    # The loop ran other work while the transaction waited for the lock.
    assert ticks >= 10
    await db.dispose()


async def test_a_lock_held_too_long_is_an_error_not_a_hang(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(sqlite_inline, "BUSY_WAIT_SECONDS", 0.2)
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/lock.db")
    await upgrade(db.engine)
    holder = _hold_write_lock(f"{tmp_path}/lock.db", 1.0)
    with pytest.raises(OperationalError, match="locked"):
        await _user_with_plan(db)
    holder.join()
    await _user_with_plan(db)
    await db.dispose()


async def test_two_sqlite_writers_never_hit_busy_on_upgrade(tmp_path) -> None:
    """Two engines (as two processes would) read, then write: BEGIN IMMEDIATE makes it safe."""
    url = f"sqlite+aiosqlite:///{tmp_path}/busy.db"
    first, second = Database(url), Database(url)
    await upgrade(first.engine)
    await _user_with_plan(first)

    async def bump(db: Database) -> None:
        for _ in range(25):
            async with db.session() as s:
                plan = (await s.execute(select(Plan))).scalar_one()
                await asyncio.sleep(0)
                plan.level += 1

    await asyncio.gather(bump(first), bump(second))
    async with first.session() as s:
        assert (await s.execute(select(Plan.level))).scalar_one() == 51
    await first.dispose()
    await second.dispose()
