"""Webhook mode: an aiohttp server that checks Telegram's secret, drops retried updates, and
serves /healthz and /metrics for the load balancer and Prometheus."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from telegram import Update
from telegram.ext import Application

from bot.metrics import prometheus_text
from bot.runtime import KEY, Runtime
from storage.models import ProcessedUpdate

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
APP_KEY = web.AppKey("application", Application)


def make_server(app: Application) -> web.Application:  # type: ignore[type-arg]
    rt: Runtime = app.bot_data[KEY]
    path = urlsplit(rt.settings.webhook_url or "/").path or "/"
    server = web.Application(client_max_size=1 << 20)
    server[APP_KEY] = app
    server.router.add_post(path, _on_update)
    server.router.add_get("/healthz", _on_health)
    server.router.add_get("/metrics", _on_metrics)
    return server


async def _on_update(request: web.Request) -> web.Response:
    app = request.app[APP_KEY]
    rt: Runtime = app.bot_data[KEY]
    expected = rt.settings.webhook_secret
    given = request.headers.get(SECRET_HEADER, "")
    if expected and not hmac.compare_digest(given.encode(), expected.encode()):
        return web.Response(status=403, text="forbidden")
    try:
        payload = json.loads(await request.text())
        update = Update.de_json(payload, app.bot)
    except (ValueError, TypeError, KeyError):
        return web.Response(status=400, text="bad update")
    if await _first_time(rt, update.update_id):
        await app.update_queue.put(update)
    else:
        rt.metrics.inc("updates_duplicate")
    return web.Response(text="ok")


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


async def _on_health(request: web.Request) -> web.Response:
    rt: Runtime = request.app[APP_KEY].bot_data[KEY]
    database = "ok"
    try:
        async with asyncio.timeout(3), rt.db.engine.connect() as conn:
            await conn.execute(text("select 1"))
    except Exception as exc:  # any failure is what the health check must report
        database = f"error: {type(exc).__name__}"
    scheduler = "ok" if rt.scheduler is not None and rt.scheduler.running else "stopped"
    healthy = database == "ok" and scheduler == "ok"
    return web.json_response(
        {"database": database, "scheduler": scheduler}, status=200 if healthy else 503
    )


async def _on_metrics(request: web.Request) -> web.Response:
    rt: Runtime = request.app[APP_KEY].bot_data[KEY]
    timers = [job for job in rt.scheduler.get_jobs() if job.id.startswith("session-")]
    body = prometheus_text(rt.metrics, running_sessions=len(timers))
    return web.Response(text=body, content_type="text/plain", charset="utf-8")


async def start(app: Application) -> web.AppRunner:  # type: ignore[type-arg]
    """Start the Application, register the webhook with Telegram, and listen."""
    rt: Runtime = app.bot_data[KEY]
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


async def stop(app: Application, runner: web.AppRunner) -> None:  # type: ignore[type-arg]
    await runner.cleanup()
    await app.stop()
    if app.post_stop:
        await app.post_stop(app)
    await app.shutdown()
    if app.post_shutdown:
        await app.post_shutdown(app)


async def serve(app: Application) -> None:  # type: ignore[type-arg]
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
