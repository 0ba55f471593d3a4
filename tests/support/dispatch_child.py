"""A reminder sender process that a test can kill.

Run as `python -m tests.support.dispatch_child DB_URL BASE_URL [--advance SECONDS]`: it
builds the real Application (no polling), drains every due reminder through the reminder sender,
prints "drained" and exits. `--advance` moves its clock, e.g. past the lease of a killed run."""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta

from bot.app import build_application
from bot.reminder_sender import send_due_reminders
from bot.runtime import Runtime
from bot.settings import load_settings
from tests.support.standin import TOKEN


async def drain(db_url: str, base_url: str, advance: float) -> None:
    settings = load_settings(
        telegram_bot_token=TOKEN,
        telegram_api_base_url=base_url,
        database_url=db_url,
        rate_limit_per_second=0,
        dispatch_batch_size=100,
    )
    app = build_application(settings)
    rt: Runtime = app.bot_data.rt
    rt.clock.advance(timedelta(seconds=advance))
    async with app.bot:
        await send_due_reminders(rt, app.bot)
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
