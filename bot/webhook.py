"""Webhook mode: an aiohttp server that checks Telegram's secret and drops retried updates.
Health and metrics have a listener of their own (bot/ops.py)."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from datetime import timedelta
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col
from telegram import Update
from telegram.ext import Application

from bot.context import App
from bot.ops import data_file_intact
from bot.runtime import Runtime
from storage.models import ProcessedUpdate

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# processed_update.update_id is a BIGINT.
UPDATE_ID_MAX = 2**63 - 1
KEEP_PROCESSED = timedelta(days=1)
APP_KEY = web.AppKey("application", Application)


def make_server(app: App) -> web.Application:
    rt: Runtime = app.bot_data.rt
    path = urlsplit(rt.settings.webhook_url or "/").path or "/"
    server = web.Application(client_max_size=1 << 20)
    server[APP_KEY] = app
    server.router.add_post(path, _on_update)
    return server


async def _on_update(request: web.Request) -> web.Response:
    app = request.app[APP_KEY]
    rt: Runtime = app.bot_data.rt
    expected = rt.settings.webhook_secret or ""
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return web.Response(status=403, text="forbidden")
    if not await data_file_intact(app):
        # Telegram keeps an update it could not deliver and tries again later.
        return web.Response(status=503, text="database file gone")
    update = _parse(await request.text(), app)
    if update is None:
        return web.Response(status=400, text="bad update")
    if await _first_time(rt, update.update_id):
        await app.update_queue.put(update)
    else:
        rt.metrics.inc("updates_duplicate")
    return web.Response(text="ok")


def _parse(body: str, app: App) -> Update | None:
    """The update in the body, or None for anything that is not one Telegram would send."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    update_id = payload.get("update_id") if isinstance(payload, dict) else None
    if not isinstance(update_id, int) or not 0 <= update_id <= UPDATE_ID_MAX:
        return None
    try:
        return Update.de_json(payload, app.bot)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


async def _first_time(rt: Runtime, update_id: int) -> bool:
    """Record the id; False when another delivery (or another instance) already had it."""
    insert = pg_insert if rt.db.dialect == "postgresql" else sqlite_insert
    statement = (
        insert(ProcessedUpdate)
        .values(update_id=update_id, received_at=rt.clock.now())
        .on_conflict_do_nothing(index_elements=["update_id"])
    )
    async with rt.db.session() as s:
        result = await s.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def prune_processed(rt: Runtime) -> None:
    """Telegram gives up retrying an update within a day, so older ids guard nothing."""
    before = rt.clock.now() - KEEP_PROCESSED
    async with rt.db.session() as s:
        await s.execute(delete(ProcessedUpdate).where(col(ProcessedUpdate.received_at) < before))


async def start(app: App) -> web.AppRunner:
    """Start the Application, register the webhook with Telegram, and listen."""
    rt: Runtime = app.bot_data.rt
    settings = rt.settings
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.start()
    await app.bot.set_webhook(
        settings.webhook_url or "",
        secret_token=settings.webhook_secret,
        allowed_updates=["message", "edited_message", "callback_query"],
    )
    runner = web.AppRunner(make_server(app), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.webhook_listen, settings.webhook_port).start()
    log.info("webhook server listening on %s:%s", settings.webhook_listen, settings.webhook_port)
    return runner


async def stop(app: App, runner: web.AppRunner) -> None:
    await runner.cleanup()
    await app.stop()
    if app.post_stop:
        await app.post_stop(app)
    await app.shutdown()
    if app.post_shutdown:
        await app.post_shutdown(app)


async def serve(app: App) -> None:
    """Run until SIGINT or SIGTERM."""
    runner = await start(app)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    try:
        await stopping.wait()
    finally:
        await stop(app, runner)
