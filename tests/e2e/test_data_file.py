"""The data folder deleted under a running bot: noticed, reported, and nothing written."""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

import httpx
import pytest

from devtools.standin import StandIn
from storage.engine import Database
from storage.migrate import upgrade
from tests.support.harness import free_port, running_bot


async def test_a_vanished_data_folder_stops_the_bot_and_fails_health(
    standin: StandIn, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    db = Database(f"sqlite+aiosqlite:///{folder}/bot.db")
    await upgrade(db.engine)
    port = free_port()
    health = f"http://127.0.0.1:{port}/healthz"
    try:
        async with running_bot(standin, db, metrics_port=port) as app, httpx.AsyncClient() as http:
            ann = standin.user(7101)
            await ann.send("/help")
            await ann.wait_for("Stretch Coach")
            assert (await http.get(health)).status_code == 200

            shutil.rmtree(folder)
            first, second = await http.get(health), await http.get(health)
            sent = standin.count("sendMessage")
            await ann.send("/start")
            await asyncio.sleep(0.5)
            assert standin.updates, "the update waits at Telegram for the bot's return"
            assert app.updater is not None and not app.updater.running
            assert app.bot_data.rt.scheduler.state != 1  # paused: no reminders, no timers
    finally:
        await db.dispose()
    assert (first.status_code, second.status_code) == (503, 503)
    assert first.json()["database"] == "error: database file gone"
    assert standin.count("sendMessage") == sent
    assert not folder.exists()
    gone = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(gone) == 1 and "deleted or replaced" in gone[0].getMessage()
