"""Reminder dispatch benchmark: throughput, the 30/s limiter, start-up time and memory.

    python -m bench.dispatch --plans 10000 --db sqlite
    python -m bench.dispatch --plans 100000 --db postgres --startup
    python -m bench.dispatch --plans 300 --db sqlite --rate 30
    python -m bench.dispatch --plans 100000 --db sqlite --no-send

The parent seeds a fresh database and starts the Bot API stand-in in a process of its own,
so that its CPU and memory are not counted; each measurement then runs in a fresh child
interpreter: the baseline (a bare PTB Bot sending the same message, no database) and the
reminder sender; or with --rate, the real app behind its limiter; or with --startup, the bot's
start-up. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col
from telegram import Chat, Message

from bot import keyboards
from bot.app import build_application
from bot.reminder_sender import CONCURRENCY, send_due_reminders
from bot.runtime import Runtime
from bot.settings import load_settings
from devtools.standin import FloodLimit, StandIn
from devtools.support import PG_URL, in_schema, postgres_schema, seed_due_plans
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import Delivery

TOKEN = "123456:BENCH"
BASELINE_MAX = 20_000
SAMPLE_TEXT = "⏰ Time for your stretches: <b>Gentle stretches</b> (about 2 min)."


# --- the stand-in process -----------------------------------------------------------------


async def serve_standin(flood: int) -> None:
    """Prints the port, serves until stdin closes, then prints what it received as JSON."""
    standin = StandIn(flood=FloodLimit(overall=flood) if flood else None)
    per_chat: Counter[int] = Counter()
    standin.add_listener(lambda kind, m: per_chat.update([m.chat_id]) if kind == "sent" else None)
    async with standin:
        print(standin.port, flush=True)
        forget = asyncio.create_task(_forget(standin))
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        forget.cancel()
    refused = Counter(f.error_code for f in standin.failed)
    stats = {
        "sent": per_chat.total(),
        "chats": len(per_chat),
        "max_per_chat": max(per_chat.values(), default=0),
    }
    print(json.dumps({**stats, "refused": dict(refused)}), flush=True)


async def _forget(standin: StandIn) -> None:
    # The stand-in keeps every message for tests to inspect; here only the counts matter.
    while True:
        await asyncio.sleep(1)
        standin.calls.clear()
        standin.chats.clear()


# --- child measurements ----------------------------------------------------------------------


def _rss_mb() -> dict[str, float]:
    """Resident memory now and at its peak. VmHWM, not ru_maxrss: Linux carries ru_maxrss
    over from the forking parent, here the process that seeded the database."""
    with open("/proc/self/status") as status:
        fields = dict(line.split(":", 1) for line in status)
    return {
        "rss_mb": round(int(fields["VmRSS"].split()[0]) / 1024, 1),
        "peak_rss_mb": round(int(fields["VmHWM"].split()[0]) / 1024, 1),
    }


def _database(url: str, schema: str | None) -> Database:
    if schema is None:
        return Database(url)
    return Database(url, connect_args={"server_settings": {"search_path": schema}})


def _app(args: argparse.Namespace, db: Database, **overrides: Any) -> Any:
    settings = load_settings(
        telegram_bot_token=TOKEN,
        telegram_api_base_url=args.base_url,
        database_url=args.db_url,
        dispatch_batch_size=args.batch,
        **overrides,
    )
    return build_application(settings, db=db)


async def child_baseline(args: argparse.Namespace) -> dict[str, Any]:
    """The same message sent by a bare PTB Bot with as many in flight, no database."""
    from telegram.ext import Application

    app = Application.builder().token(TOKEN).base_url(args.base_url).build()
    semaphore = asyncio.Semaphore(CONCURRENCY)
    markup = keyboards.reminder(1, redflag_due=False)

    async def one(chat_id: int) -> None:
        async with semaphore:
            await app.bot.send_message(chat_id, SAMPLE_TEXT, reply_markup=markup)

    async with app.bot:
        started = time.perf_counter()
        await asyncio.gather(*(one(1_000_000_000 + i) for i in range(args.count)))
        elapsed = time.perf_counter() - started
    return {
        "sent": args.count,
        "seconds": round(elapsed, 3),
        "per_second": round(args.count / elapsed),
    }


async def child_dispatch(args: argparse.Namespace) -> dict[str, Any]:
    """Claim to sent for everything due, with the limiter off: send_due_reminders drains it all.
    With --no-send, a stub answers instead of the Bot API: the reminder sender's own cost."""
    db = _database(args.db_url, args.schema)
    app = _app(args, db, rate_limit_per_second=0)
    rt: Runtime = app.bot_data.rt
    async with app.bot:
        bot: Any = _NoSend() if args.no_send else app.bot
        started = time.perf_counter()
        await send_due_reminders(rt, bot)
        elapsed = time.perf_counter() - started
    statuses = await _statuses(db)
    await db.dispose()
    sent = statuses.get("sent", 0)
    return {
        "seconds": round(elapsed, 3),
        "per_second": round(sent / elapsed),
        "statuses": statuses,
        **_rss_mb(),
    }


class _NoSend:
    """Answers send_message at once with a Message, as the Bot API would, without HTTP."""

    def __init__(self) -> None:
        self.ids = itertools.count(1)

    async def send_message(self, chat_id: int, text: str, **_: Any) -> Message:
        return Message(next(self.ids), datetime.now(UTC), Chat(chat_id, Chat.PRIVATE))


async def child_limited(args: argparse.Namespace) -> dict[str, Any]:
    """The real app with its scheduler tick and AIORateLimiter, until every reminder is out."""
    db = _database(args.db_url, args.schema)
    app = _app(args, db, rate_limit_per_second=args.rate)
    async with _started(app):
        started = time.perf_counter()
        # The scheduler's tick does the work; the database is where it shows.
        while (await _statuses(db)).get("sent", 0) < args.count:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
    ideal = args.count / args.rate
    return {
        "seconds": round(elapsed, 2),
        "ideal_seconds": round(ideal, 2),
        "per_second": round(args.count / elapsed, 1),
        "vs_ideal": round(ideal / elapsed, 2),
    }


async def child_startup(args: argparse.Namespace) -> dict[str, Any]:
    """build_application and post_init (migrations included) on the seeded database."""
    started = time.perf_counter()
    db = _database(args.db_url, args.schema)
    app = _app(args, db)
    await app.initialize()
    await app.post_init(app)
    elapsed = time.perf_counter() - started
    memory = _rss_mb()
    await app.shutdown()
    await db.dispose()
    return {"seconds": round(elapsed, 3), **memory}


@asynccontextmanager
async def _started(app: Any) -> AsyncIterator[None]:
    await app.initialize()
    await app.post_init(app)
    await app.start()
    try:
        yield
    finally:
        await app.stop()
        await app.shutdown()


async def _statuses(db: Database) -> dict[str, int]:
    async with db.session() as s:
        rows = await s.execute(
            select(col(Delivery.status), func.count()).group_by(col(Delivery.status))
        )
        return {status: count for status, count in rows.all()}


# --- the parent ------------------------------------------------------------------------------


@asynccontextmanager
async def fresh_database(kind: str) -> AsyncIterator[tuple[str, str | None]]:
    """A migrated, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{folder}/bench.db"
            db = Database(url)
            await upgrade(db.engine)
            await db.dispose()
            yield url, None
        return
    async with postgres_schema("bench") as schema:
        db = in_schema(schema)
        await upgrade(db.engine)
        await db.dispose()
        yield PG_URL, schema


class StandInProcess:
    def __init__(self, flood: int) -> None:
        command = [sys.executable, "-m", "bench.dispatch", "serve", "--flood", str(flood)]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.base_url = f"http://127.0.0.1:{int(self.process.stdout.readline())}/bot"

    def finish(self) -> dict[str, Any]:
        out, _ = self.process.communicate(timeout=60)
        return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def run_child(mode: str, *extra: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.dispatch", mode, *extra]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{mode} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


async def seed(url: str, schema: str | None, count: int) -> float:
    db = _database(url, schema)
    started = time.perf_counter()
    await seed_due_plans(db, count=count, due_at=datetime.now(UTC) - timedelta(minutes=1))
    await db.dispose()
    return time.perf_counter() - started


async def parent(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {"machine": _machine(), "plans": args.plans, "db": args.db}
    async with fresh_database(args.db) as (url, schema):
        report["seed_seconds"] = round(await seed(url, schema, args.plans), 1)
        db_args = ["--db-url", url, "--batch", str(args.batch)]
        db_args += ["--schema", schema] if schema else []
        count = ["--count", str(args.plans)]
        if args.startup:
            report["startup"] = measure("startup", *db_args)
        elif args.rate:
            rate = ["--rate", str(args.rate)]
            report["limited"] = measure("limited", *db_args, *count, *rate, flood=30)
        elif args.no_send:
            report["dispatch_no_send"] = measure("dispatch", *db_args, *count, "--no-send")
        else:
            # A rate is a rate: the baseline needs no more than 20,000 to settle.
            sample = ["--count", str(min(args.plans, BASELINE_MAX))]
            report["baseline"] = measure("baseline", *sample)
            report["dispatch"] = measure("dispatch", *db_args, *count)
            report["ratio_vs_baseline"] = round(
                report["dispatch"]["per_second"] / report["baseline"]["per_second"], 2
            )
    return report


def measure(mode: str, *extra: str, flood: int = 0) -> dict[str, Any]:
    """One child against a stand-in of its own; adds what the stand-in received and the
    child's wall time, interpreter start and imports included."""
    standin = StandInProcess(flood)
    started = time.perf_counter()
    result = run_child(mode, *extra, "--base-url", standin.base_url)
    result["process_seconds"] = round(time.perf_counter() - started, 2)
    return {**result, "standin": standin.finish()}


def _machine() -> str:
    return f"nproc={os.cpu_count()} {os.uname().machine} Python {sys.version.split()[0]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", nargs="?", default="parent")
    parser.add_argument("--plans", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rate", type=float, default=0.0, help="limiter on, messages/s")
    parser.add_argument("--startup", action="store_true", help="time start-up and RSS instead")
    parser.add_argument("--batch", type=int, default=200, help="DISPATCH_BATCH_SIZE")
    parser.add_argument("--no-send", action="store_true", help="the reminder sender's own cost")
    # For the child processes.
    parser.add_argument("--flood", type=int, default=0)
    parser.add_argument("--db-url")
    parser.add_argument("--schema")
    parser.add_argument("--base-url")
    parser.add_argument("--count", type=int, default=0)
    args = parser.parse_args()
    if args.mode == "serve":
        asyncio.run(serve_standin(args.flood))
        return
    children = {
        "baseline": child_baseline,
        "dispatch": child_dispatch,
        "limited": child_limited,
        "startup": child_startup,
    }
    work = children.get(args.mode, parent)
    print(json.dumps(asyncio.run(work(args)), indent=None if work is not parent else 2))


if __name__ == "__main__":
    main()
