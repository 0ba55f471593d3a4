"""Webhook mode: the secret is checked, retried updates are handled once, health and metrics."""

from __future__ import annotations

import httpx

from bot.standin import StandIn
from storage.engine import Database
from tests.harness import webhook_bot


async def test_webhook_answers_start_and_is_registered_with_the_secret(
    standin: StandIn, database: Database
) -> None:
    async with webhook_bot(standin, database) as (_app, url):
        assert standin.webhook_url == f"{url}/telegram" and standin.webhook_secret == "s3cret"
        ann = standin.user(5001, first_name="Ann")
        await ann.send("/start")
        await ann.wait_for("not medical advice")


async def test_request_without_the_secret_gets_403(standin: StandIn, sqlite_db: Database) -> None:
    async with webhook_bot(standin, sqlite_db) as (_app, url), httpx.AsyncClient() as client:
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 7, "type": "private"},
                "text": "/start",
            },
        }
        missing = await client.post(f"{url}/telegram", json=update)
        wrong = await client.post(
            f"{url}/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}
        )
    assert (missing.status_code, wrong.status_code) == (403, 403)
    assert standin.count("sendMessage") == 0


async def test_a_retried_update_is_handled_once(standin: StandIn, database: Database) -> None:
    async with webhook_bot(standin, database) as (_app, url), httpx.AsyncClient() as client:
        update = {
            "update_id": 777,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 5002, "type": "private"},
                "from": {"id": 5002, "is_bot": False, "first_name": "Bo"},
                "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
        headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
        for _ in range(3):
            assert (
                await client.post(f"{url}/telegram", json=update, headers=headers)
            ).status_code == 200
        await standin.user(5002).wait_for("Stretch Coach")
        metrics = (await client.get(f"{url}/metrics")).text
    assert standin.count("sendMessage") == 1
    assert 'stretchcoach_events_total{event="updates_duplicate"} 2' in metrics


async def test_health_and_metrics(standin: StandIn, sqlite_db: Database) -> None:
    async with webhook_bot(standin, sqlite_db) as (_app, url), httpx.AsyncClient() as client:
        ann = standin.user(5003)
        await ann.send("/help")
        await ann.wait_for("Stretch Coach")
        health = await client.get(f"{url}/healthz")
        metrics = await client.get(f"{url}/metrics")
    assert health.status_code == 200 and health.json() == {"database": "ok", "scheduler": "ok"}
    assert 'stretchcoach_events_total{event="updates_handled"} 1' in metrics.text
    assert "stretchcoach_handler_seconds_count 1" in metrics.text
    assert "stretchcoach_sessions_running 0" in metrics.text
