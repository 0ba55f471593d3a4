"""Runs the real Application against the stand-in, with time shrunk so routines take ms."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram.ext import Application

from bot import webhook
from bot.app import build_application
from bot.clock import Clock
from bot.settings import Settings, load_settings
from devtools.standin import StandIn
from devtools.standin.polling import polling
from storage.engine import Database
from tests.support.standin import TOKEN

FAST = {
    "timer_scale": 0.002,
    "get_ready_seconds": 5.0,
    "countdown_edit_seconds": 30.0,
    "rate_limit_per_second": 0,
    "dispatch_interval_seconds": 3600.0,
    "metrics_port": 0,
}


def bot_settings(standin: StandIn, db: Database, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": TOKEN,
        "telegram_api_base_url": standin.base_url,
        "database_url": db.url,
        **FAST,
        **overrides,
    }
    return load_settings(**values)


@asynccontextmanager
async def running_bot(
    standin: StandIn, db: Database, *, clock: Clock | None = None, **overrides: Any
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    app = build_application(bot_settings(standin, db, **overrides), clock=clock, db=db)
    async with polling(app):
        yield app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def webhook_bot(
    standin: StandIn, db: Database, *, secret: str = "s3cret", **overrides: Any
) -> AsyncIterator[tuple[Application, str]]:  # type: ignore[type-arg]
    """The bot in webhook mode on a free local port; yields the app and its base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = bot_settings(
        standin,
        db,
        webhook_url=f"{url}/telegram",
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_secret=secret,
        **overrides,
    )
    app = build_application(settings, db=db)
    runner = await webhook.start(app)
    try:
        yield app, url
    finally:
        await webhook.stop(app, runner)
