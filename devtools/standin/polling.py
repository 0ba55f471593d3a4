"""Run a built Application against a stand-in with long polling, as `run_polling` would,
but inside an event loop that is already running (tests, benchmarks, the playground)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram.ext import Application


@asynccontextmanager
async def polling(app: Application[Any, Any, Any, Any, Any, Any]) -> AsyncIterator[None]:
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    assert app.updater is not None, "the Application was built without an Updater"
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    await app.start()
    try:
        yield
    finally:
        # The bot stops polling by itself when its database file is gone (bot/datafile.py).
        if app.updater.running:
            await app.updater.stop()
        await app.stop()
        if app.post_stop:
            await app.post_stop(app)
        await app.shutdown()
        # run_polling calls these three hooks itself; started by hand, so must we.
        if app.post_shutdown:
            await app.post_shutdown(app)
