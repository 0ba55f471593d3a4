"""The operators' listener: /healthz for a load balancer, /metrics for Prometheus.

It listens on METRICS_LISTEN:METRICS_PORT (127.0.0.1 by default), apart from the public
webhook port: counts of red flags and pain pauses are nobody else's business."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from apscheduler.schedulers.base import STATE_RUNNING
from sqlalchemy import text
from telegram.ext import Application

from bot.context import App
from bot.metrics import CONTENT_TYPE
from bot.runtime import Runtime

log = logging.getLogger(__name__)

APP_KEY = web.AppKey("application", Application)


def make_server(app: App) -> web.Application:
    server = web.Application()
    server[APP_KEY] = app
    server.router.add_get("/healthz", _on_health)
    server.router.add_get("/metrics", _on_metrics)
    return server


async def start(app: App) -> web.AppRunner | None:
    """Listen, unless METRICS_PORT is 0."""
    settings = app.bot_data.rt.settings
    if not settings.metrics_port:
        return None
    where = f"{settings.metrics_listen}:{settings.metrics_port}"
    runner = web.AppRunner(make_server(app), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.metrics_listen, settings.metrics_port).start()
    except OSError as exc:
        # The bot still coaches; a failing health check tells the operator the rest.
        log.error("no health and metrics listener on %s (%s): set METRICS_PORT", where, exc)
        await runner.cleanup()
        return None
    log.info("health and metrics on %s", where)
    return runner


async def data_file_intact(app: App) -> bool:
    """Check the SQLite file; the first time it is found gone, stop taking updates."""
    rt: Runtime = app.bot_data.rt
    if rt.data_file is None or rt.data_file.intact():
        return True
    if rt.scheduler.state == STATE_RUNNING:
        rt.scheduler.pause()
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    return False


async def _on_health(request: web.Request) -> web.Response:
    app = request.app[APP_KEY]
    rt: Runtime = app.bot_data.rt
    database = "ok" if await data_file_intact(app) else "error: database file gone"
    if database == "ok":
        try:
            async with asyncio.timeout(3), rt.db.engine.connect() as conn:
                await conn.execute(text("select 1"))
        except Exception as exc:  # any failure is what the health check must report
            database = f"error: {type(exc).__name__}"
    scheduler = (
        "ok" if rt.scheduler is not None and rt.scheduler.state == STATE_RUNNING else "stopped"
    )
    healthy = database == "ok" and scheduler == "ok"
    return web.json_response(
        {"database": database, "scheduler": scheduler}, status=200 if healthy else 503
    )


async def _on_metrics(request: web.Request) -> web.Response:
    rt: Runtime = request.app[APP_KEY].bot_data.rt
    timers = [job for job in rt.scheduler.get_jobs() if job.id.startswith("session-")]
    body = rt.metrics.exposition(running_sessions=len(timers))
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})
