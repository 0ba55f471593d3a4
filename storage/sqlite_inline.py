"""SQLite run on the event loop's own thread, for SQLAlchemy's aiosqlite dialect.

aiosqlite runs every call on a worker thread, so one statement (cursor, execute, fetch,
close) is four trips through a queue and back through the event loop: about 1 ms for a
short transaction on a 2-vCPU machine. On a local WAL database the statement itself takes
microseconds, so it runs inline instead.

The one thing that can take long is waiting for the write lock while another process holds
it. SQLite's busy handler would sleep on the loop's thread, so it is off (`busy_timeout=0`)
and the wait is an asyncio sleep between attempts instead, up to `BUSY_WAIT_SECONDS`.
Only statements outside a transaction are retried: `BEGIN IMMEDIATE` and PRAGMAs. Inside
a write transaction this process already holds the lock.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from sqlalchemy.engine import URL

BUSY_WAIT_SECONDS = 10.0
FIRST_BACKOFF = 0.001
MAX_BACKOFF = 0.05
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    # Deleted rows are overwritten with zeros, so an erased person's data is not left behind
    # in free pages of the file.
    "PRAGMA secure_delete=ON",
    "PRAGMA busy_timeout=0",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
)


class LockTimeout(sqlite3.OperationalError):
    """Another process held the write lock for all of `BUSY_WAIT_SECONDS`: the work was not
    started, so trying again later is safe."""

    def __init__(self, waited: float) -> None:
        super().__init__(f"database is locked: waited {waited:.1f} s for the write lock")
        self.waited = waited


def lock_timeout(error: BaseException | None) -> LockTimeout | None:
    """The `LockTimeout` behind `error`, raised as is or wrapped by SQLAlchemy."""
    for candidate in (error, getattr(error, "orig", None)):
        if isinstance(candidate, LockTimeout):
            return candidate
    return None


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


async def _run(connection: sqlite3.Connection, attempt: Callable[[], Any]) -> Any:
    """Run `attempt`; while another process holds the lock, retry it without blocking."""
    started = time.monotonic()
    backoff = FIRST_BACKOFF
    while True:
        try:
            return attempt()
        except sqlite3.OperationalError as error:
            if not _is_busy(error) or connection.in_transaction:
                raise
            if time.monotonic() + backoff > started + BUSY_WAIT_SECONDS:
                raise LockTimeout(time.monotonic() - started) from error
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, MAX_BACKOFF)


class Cursor:
    """The part of `aiosqlite.Cursor` that SQLAlchemy's adapter uses."""

    def __init__(self, connection: Connection) -> None:
        self._sqlite = connection._live
        self._cursor = self._sqlite.cursor()

    async def __aenter__(self) -> Cursor:
        return self

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Cursor:
        args = (sql,) if parameters is None else (sql, parameters)
        await _run(self._sqlite, lambda: self._cursor.execute(*args))
        return self

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Cursor:
        await _run(self._sqlite, lambda: self._cursor.executemany(sql, rows))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class Connection:
    """The part of `aiosqlite.Connection` that SQLAlchemy's adapter uses."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        # SQLAlchemy's adapter checks this attribute, by this name, before commit and rollback.
        self._connection: sqlite3.Connection | None = connection

    @property
    def _live(self) -> sqlite3.Connection:
        if self._connection is None:
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        return self._connection

    @property
    def isolation_level(self) -> str | None:
        return self._live.isolation_level

    def cursor(self) -> Cursor:
        return Cursor(self)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._live.create_function(*args, **kwargs)

    async def commit(self) -> None:
        self._live.commit()

    async def rollback(self) -> None:
        self._live.rollback()

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


async def checkpoint(connection: Connection) -> None:
    """Copy the write-ahead log into the database file and empty it: the log still holds
    the pages as they were before the last changes."""
    live = connection._live
    await _run(live, lambda: live.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall())


def connector(url: URL) -> Callable[[], Any]:
    """The `async_creator` for an engine on `url`: a connection in autocommit mode (the
    engine issues its own BEGIN) with WAL, foreign keys and no busy handler."""
    database = url.database or ":memory:"
    uri = str(url.query.get("uri", "")).lower() in ("1", "true")

    async def connect() -> Connection:
        raw = sqlite3.connect(database, uri=uri, isolation_level=None, check_same_thread=False)
        for pragma in PRAGMAS:
            await _run(raw, partial(raw.execute, pragma))
        return Connection(raw)

    return connect
