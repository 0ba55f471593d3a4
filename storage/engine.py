"""The async engine: SQLite (WAL, foreign keys, run inline) by default, PostgreSQL for scale."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import sqlite_inline


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if not is_sqlite(url):
        return create_async_engine(url, pool_pre_ping=True, pool_size=10, **kwargs)
    # One connection per process: transactions queue in asyncio instead of spinning on the
    # lock, and other processes are held off by BEGIN IMMEDIATE below.
    engine = create_async_engine(
        url,
        async_creator=sqlite_inline.connector(make_url(url)),
        pool_size=1,
        max_overflow=0,
        pool_timeout=60,
        **kwargs,
    )
    _begin_immediate(engine)
    return engine


def _begin_immediate(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A deferred transaction that reads and then writes can fail with SQLITE_BUSY on the
        # lock upgrade, which cannot be retried; taking the write lock first can.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """The engine and its session factory; `session()` commits on success."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **kwargs)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session, session.begin():
            yield session

    async def checkpoint(self) -> None:
        """On SQLite, leave nothing in the write-ahead log that the file no longer holds
        (after erasing a person). PostgreSQL reclaims deleted rows by its own vacuum."""
        if self.dialect != "sqlite":
            return
        async with self.engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            assert isinstance(raw, sqlite_inline.Connection), "SQLite runs inline"
            await sqlite_inline.checkpoint(raw)

    async def dispose(self) -> None:
        await self.engine.dispose()
