"""Webhook mode: the secret is checked, retried updates are handled once, health and metrics."""

from __future__ import annotations

import logging
import socket
from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from sqlmodel import col

from bot import webhook
from bot.settings import load_settings
from devtools.standin import StandIn
from storage.engine import Database
from storage.models import ProcessedUpdate
from tests.support.harness import free_port, running_bot, webhook_bot
from tests.support.standin import TOKEN

HEADERS = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
PRIVATE_PATHS = ("/healthz", "/metrics")


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
    metrics_port = free_port()
    async with (
        webhook_bot(standin, database, metrics_port=metrics_port) as (_app, url),
        httpx.AsyncClient() as client,
    ):
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
        for _ in range(3):
            assert (
                await client.post(f"{url}/telegram", json=update, headers=HEADERS)
            ).status_code == 200
        await standin.user(5002).wait_for("Stretch Coach")
        metrics = (await client.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
    assert standin.count("sendMessage") == 1
    assert _sample(metrics, "stretchcoach_events_total", event="updates_duplicate") == 2


async def test_health_and_metrics_are_not_on_the_public_port(
    standin: StandIn, sqlite_db: Database
) -> None:
    metrics_port = free_port()
    async with (
        webhook_bot(standin, sqlite_db, metrics_port=metrics_port) as (_app, url),
        httpx.AsyncClient() as client,
    ):
        ann = standin.user(5003)
        await ann.send("/help")
        await ann.wait_for("Stretch Coach")
        public = [(await client.get(f"{url}{path}")).status_code for path in PRIVATE_PATHS]
        ops = f"http://127.0.0.1:{metrics_port}"
        health = await client.get(f"{ops}/healthz")
        metrics = await client.get(f"{ops}/metrics")
    assert public == [404, 404]
    assert health.status_code == 200 and health.json() == {"database": "ok", "scheduler": "ok"}
    assert metrics.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert _sample(metrics.text, "stretchcoach_events_total", event="updates_handled") == 1
    assert _sample(metrics.text, "stretchcoach_handler_seconds_count") == 1
    assert _sample(metrics.text, "stretchcoach_sessions_running") == 0


def _sample(exposition: str, name: str, **labels: str) -> float:
    """A sample's value, found by parsing: a missing one fails rather than reads as zero."""
    [value] = [
        sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == name and sample.labels == labels
    ]
    return value


def test_the_listener_is_local_unless_told_otherwise() -> None:
    settings = load_settings(telegram_bot_token=TOKEN)
    assert (settings.metrics_listen, settings.metrics_port) == ("127.0.0.1", 9464)


@pytest.mark.parametrize(
    "body",
    [
        "null",
        "[]",
        "1",
        '"update"',
        "{}",
        '{"update_id": "7"}',
        '{"update_id": -1}',
        '{"update_id": 99999999999999999999999}',
        '{"update_id": 5, "message": 3}',
        "{not json",
    ],
)
async def test_what_is_not_an_update_gets_400_and_no_traceback(
    standin: StandIn, sqlite_db: Database, caplog: pytest.LogCaptureFixture, body: str
) -> None:
    async with webhook_bot(standin, sqlite_db) as (_app, url), httpx.AsyncClient() as client:
        answer = await client.post(f"{url}/telegram", content=body, headers=HEADERS)
    assert answer.status_code == 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def test_processed_update_ids_are_kept_for_a_day(
    standin: StandIn, database: Database
) -> None:
    async with webhook_bot(standin, database) as (app, _url):
        rt = app.bot_data.rt
        now = rt.clock.now()
        async with database.session() as s:
            s.add(ProcessedUpdate(update_id=1, received_at=now - timedelta(hours=25)))
            s.add(ProcessedUpdate(update_id=2, received_at=now - timedelta(hours=23)))
        await webhook.prune_processed(rt)
        async with database.session() as s:
            kept = (await s.execute(select(col(ProcessedUpdate.update_id)))).scalars().all()
    assert kept == [2]


async def test_a_taken_metrics_port_is_one_error_line_and_the_bot_still_runs(
    standin: StandIn, sqlite_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with running_bot(standin, sqlite_db, metrics_port=port):
            ann = standin.user(5004)
            await ann.send("/help")
            await ann.wait_for("Stretch Coach")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "METRICS_PORT" in errors[0].getMessage()
    assert not errors[0].exc_info
