"""Seeding many due plans fast, and a dispatcher process that a test can kill.

Run as `python -m tests.dispatch_child DB_URL BASE_URL [--advance SECONDS]`: it builds the
real Application (no polling), drains every due reminder through the dispatcher, prints
"drained" and exits. `--advance` moves its clock, e.g. past the lease of a killed run."""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime, timedelta

from sqlalchemy import insert

from bot.app import build_application
from bot.dispatcher import dispatch_tick
from bot.runtime import Runtime
from bot.settings import load_settings
from routines.cadence import zone
from storage.engine import Database
from storage.models import Plan, User

CHUNK = 5_000
ROUTINE = "gentle_sciatica_set"


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


async def drain(db_url: str, base_url: str, advance: float) -> None:
    settings = load_settings(
        telegram_bot_token="123456:TEST-TOKEN",
        telegram_api_base_url=base_url,
        database_url=db_url,
        rate_limit_per_second=0,
        dispatch_batch_size=100,
    )
    app = build_application(settings)
    rt: Runtime = app.bot_data.rt
    rt.clock.advance(timedelta(seconds=advance))
    async with app.bot:
        await dispatch_tick(rt, app.bot)
    await rt.db.dispose()
    print("drained", rt.metrics.count("reminders_sent"), "sent", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db_url")
    parser.add_argument("base_url")
    parser.add_argument("--advance", type=float, default=0.0)
    args = parser.parse_args()
    asyncio.run(drain(args.db_url, args.base_url, args.advance))


if __name__ == "__main__":
    main()
