"""One typed answer's transaction, four ways: `python -m bench.transactions`.

The answer to "pain before" reads the person and the session, then updates both, in one
transaction (BEGIN IMMEDIATE ... COMMIT) on SQLite. This times that transaction, one after
another, through:

- `async ORM`: `storage.engine.Database` and SQLModel objects, as the bot does it;
- `sync ORM`: the same models through a synchronous SQLAlchemy `Session`;
- `async Core`: the same SQL as SQLAlchemy Core statements on the bot's async engine;
- `sqlite3`: the same SQL on a plain `sqlite3` connection, the baseline.

The four take turns for `--rounds` rounds, so that the machine's drift hits them alike;
the report gives each one's median time and its ratio to the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, event, select, update
from sqlalchemy.orm import Session, sessionmaker

from bench.sessions import machine, machine_line
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import ExerciseSession, User
from storage.queries import users as user_q

PEOPLE = 1_000
SYNCHRONOUS = "PRAGMA synchronous=NORMAL"  # as the bot's connections have it (sqlite_inline)
READ_USER = "SELECT id, dialog, draft FROM app_user WHERE id = ?"
READ_SESSION = "SELECT id, user_id, state, pain_before FROM exercise_session WHERE id = ?"
WRITE_SESSION = "UPDATE exercise_session SET state = ?, pain_before = ? WHERE id = ?"
WRITE_USER = "UPDATE app_user SET dialog = ?, draft = ? WHERE id = ?"

Way = Callable[[int], Awaitable[None]]


async def _seed(db: Database) -> None:
    now = datetime.now(UTC)
    async with db.session() as s:
        s.add_all(User(id=i, chat_id=i, first_name="Bench") for i in range(1, PEOPLE + 1))
        await s.flush()
        s.add_all(
            ExerciseSession(
                id=i,
                user_id=i,
                routine_id="seated_hamstring_progression",
                level=1,
                side="left",
                state="before_pain",
                total_steps=4,
                local_date=now.date().isoformat(),
                started_at=now,
            )
            for i in range(1, PEOPLE + 1)
        )


def _async_orm(db: Database) -> Way:
    async def answer(i: int) -> None:
        async with db.session() as s:
            user = await s.get(User, i % PEOPLE + 1)
            row = await s.get(ExerciseSession, i % PEOPLE + 1, with_for_update=True)
            assert user is not None and row is not None
            row.state, row.pain_before = f"s{i}", i % 11
            user_q.set_dialog(user, dialog=f"d{i}", draft={"pain": i % 11})

    return answer


def _async_core(db: Database) -> Way:
    users, sessions = User.__table__, ExerciseSession.__table__  # type: ignore[attr-defined]

    async def answer(i: int) -> None:
        key = i % PEOPLE + 1
        async with db.engine.begin() as conn:
            (await conn.execute(select(users.c.dialog).where(users.c.id == key))).one()
            (await conn.execute(select(sessions.c.state).where(sessions.c.id == key))).one()
            await conn.execute(
                update(sessions).where(sessions.c.id == key).values(state=f"s{i}", pain_before=1)
            )
            await conn.execute(update(users).where(users.c.id == key).values(dialog=f"d{i}"))

    return answer


def _sync_orm(path: Path) -> Way:
    engine = create_engine(f"sqlite:///{path}", pool_size=1, max_overflow=0)

    @event.listens_for(engine, "connect")
    def _connect(dbapi: sqlite3.Connection, _record: object) -> None:
        dbapi.isolation_level = None
        dbapi.execute(SYNCHRONOUS)

    @event.listens_for(engine, "begin")
    def _begin(conn: object) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # type: ignore[attr-defined]

    sessions = sessionmaker(engine, expire_on_commit=False)

    async def answer(i: int) -> None:
        s: Session
        with sessions.begin() as s:
            user = s.get(User, i % PEOPLE + 1)
            row = s.get(ExerciseSession, i % PEOPLE + 1)
            assert user is not None and row is not None
            row.state, row.pain_before = f"s{i}", i % 11
            user_q.set_dialog(user, dialog=f"d{i}", draft={"pain": i % 11})

    return answer


def _plain(path: Path) -> Way:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(SYNCHRONOUS)

    async def answer(i: int) -> None:
        key = i % PEOPLE + 1
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(READ_USER, (key,)).fetchone()
        conn.execute(READ_SESSION, (key,)).fetchone()
        conn.execute(WRITE_SESSION, (f"s{i}", i % 11, key))
        conn.execute(WRITE_USER, (f"d{i}", '{"pain": 1}', key))
        conn.execute("COMMIT")

    return answer


async def _time(way: Way, n: int, start: int) -> float:
    began = time.perf_counter()
    for i in range(start, start + n):
        await way(i)
    return (time.perf_counter() - began) / n


async def main_async(args: argparse.Namespace) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        path = Path(tmp) / "bench.db"
        db = Database(f"sqlite+aiosqlite:///{path}")
        await upgrade(db.engine)
        await _seed(db)
        ways = {
            "async ORM (the bot)": _async_orm(db),
            "async Core": _async_core(db),
            "sync ORM": _sync_orm(path),
            "sqlite3 (baseline)": _plain(path),
        }
        times: dict[str, list[float]] = {name: [] for name in ways}
        for number in range(args.rounds):
            for name, way in ways.items():
                times[name].append(await _time(way, args.n, number * args.n))
        await db.dispose()
    return times


def report(times: dict[str, list[float]], args: argparse.Namespace) -> str:
    base = statistics.median(times["sqlite3 (baseline)"])
    lines = [
        f"== one typed answer's transaction (2 reads, 2 updates), SQLite, {args.n} in a row, "
        f"{args.rounds} rounds",
        f"{'':22}{'median':>10}{'range':>20}{'vs sqlite3':>12}",
    ]
    for name, values in times.items():
        low, high, mid = min(values), max(values), statistics.median(values)
        lines.append(
            f"{name:22}{mid * 1000:8.3f}ms{low * 1000:9.3f}-{high * 1000:.3f} ms{mid / base:10.1f}x"
        )
    lines.append(machine_line(machine()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.transactions", description=__doc__)
    parser.add_argument("--n", type=int, default=2_000, help="transactions per round and way")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print(report(asyncio.run(main_async(args)), args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
