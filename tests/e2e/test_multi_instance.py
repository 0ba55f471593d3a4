"""Two bot processes in webhook mode on one database, behind one stand-in that spreads
updates between them, as a load balancer would."""

from __future__ import annotations

import asyncio
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from devtools.standin import StandIn
from devtools.support import PG_URL, seed_due_plans
from storage.engine import Database
from storage.models import Delivery, ExerciseSession
from tests.support.databases import postgres_unreachable
from tests.support.flows import onboard
from tests.support.harness import free_port
from tests.support.processes import bot_env
from tests.support.standin import TOKEN, sends

SECRET = "multi-secret"


@asynccontextmanager
async def _fresh_postgres() -> AsyncIterator[str]:
    """A fresh PostgreSQL database, so two processes can share it by URL alone."""
    reason = await postgres_unreachable()
    if reason:
        pytest.skip(reason)
    name = f"sc_multi_{uuid.uuid4().hex[:10]}"
    admin = Database(PG_URL, isolation_level="AUTOCOMMIT")
    async with admin.engine.connect() as conn:
        await conn.execute(text(f"CREATE DATABASE {name}"))
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        async with admin.engine.connect() as conn:
            await conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        await admin.dispose()


@pytest.fixture
async def pg_database() -> AsyncIterator[str]:
    async with _fresh_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
async def shared_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database URL that two processes share: a SQLite file, or PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/shared.db"
        return
    async with _fresh_postgres() as url:
        yield url


async def _start(
    standin: StandIn, url: str, port: int, tmp_path: Path, *, timer_scale: str = "0.02"
) -> asyncio.subprocess.Process:
    env = bot_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=standin.base_url,
        DATABASE_URL=url,
        WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        WEBHOOK_SECRET=SECRET,
        METRICS_PORT=str(_metrics_port(port)),
        TIMER_SCALE=timer_scale,
        GET_READY_SECONDS="1",
        DISPATCH_INTERVAL_SECONDS="0.5",
        HEARTBEAT_SECONDS="0.5",
        RATE_LIMIT_PER_SECOND="0",
        LOG_LEVEL="WARNING",
    )
    log = (tmp_path / f"bot-{port}.log").open("w")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env, stdout=log, stderr=log
    )


_METRICS_PORTS: dict[int, int] = {}


def _metrics_port(webhook_port: int) -> int:
    """Each instance's health and metrics listener, on a free port of its own."""
    return _METRICS_PORTS.setdefault(webhook_port, free_port())


async def _healthy(port: int) -> None:
    import httpx

    async with httpx.AsyncClient() as client, asyncio.timeout(60):
        while True:
            try:
                if (
                    await client.get(f"http://127.0.0.1:{_metrics_port(port)}/healthz")
                ).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)


async def test_two_instances_share_the_work_and_survive_a_kill(
    standin: StandIn, pg_database: str, tmp_path: Path
) -> None:
    ports = [free_port(), free_port()]
    processes = [await _start(standin, pg_database, port, tmp_path) for port in ports]
    try:
        await asyncio.gather(*(_healthy(port) for port in ports))
        standin.webhook_targets = [f"http://127.0.0.1:{port}/telegram" for port in ports]

        # Onboarding and a session whose taps alternate between the two instances.
        ann = standin.user(6001, first_name="Ann")
        await onboard(ann)
        await ann.send("/now")
        await ann.wait_for("Before we start")
        await ann.press("2")
        await ann.wait_for("tingling")
        await ann.press("None")
        await ann.wait_for("Step 1 of")

        # One instance dies mid-session; the person carries on through the other.
        processes[0].send_signal(signal.SIGKILL)
        await processes[0].wait()
        standin.webhook_targets = [f"http://127.0.0.1:{ports[1]}/telegram"]
        await ann.send("/now")
        offer = await ann.wait_for("session in progress", timeout=10)
        await ann.press("▶ Resume", message_id=offer.message_id)
        last = await ann.wait_for("last stretch", timeout=30)
        await ann.press("2", message_id=last.message_id)
        await ann.wait_for("Session finished", timeout=10)

        # Reminders due for many people go out once each, from the surviving instance
        # and a restarted one claiming side by side.
        processes[0] = await _start(standin, pg_database, ports[0], tmp_path)
        await _healthy(ports[0])
        seeding = Database(pg_database)
        try:
            due_at = datetime.now(UTC) - timedelta(minutes=1)
            people = await seed_due_plans(seeding, count=300, due_at=due_at)
        finally:
            await seeding.dispose()
        async with asyncio.timeout(60):
            while sum(sends(standin)[p] for p in people) < len(people):  # noqa: ASYNC110
                await asyncio.sleep(0.2)
        await asyncio.sleep(2)
        assert {sends(standin)[p] for p in people} == {1}
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 30)
    db = Database(pg_database)
    async with db.session() as s:
        sent = (await s.execute(select(Delivery).where(Delivery.status == "sent"))).scalars().all()
        session = (
            await s.execute(select(ExerciseSession).where(ExerciseSession.user_id == 6001))
        ).scalar_one()
    await db.dispose()
    assert len(sent) == 300 and session.state == "done"
    for port in ports:
        assert "Traceback" not in (tmp_path / f"bot-{port}.log").read_text()


async def test_a_new_instance_leaves_live_sessions_alone_and_adopts_a_dead_ones(
    standin: StandIn, shared_database: str, tmp_path: Path
) -> None:
    """Starting B (a deploy) must not pause what A is running; A dying hands it to B."""
    ports = [free_port(), free_port()]
    # Holds of 2 s: long enough that A is still running one while B starts.
    a = await _start(standin, shared_database, ports[0], tmp_path, timer_scale="0.1")
    processes = [a]
    try:
        await _healthy(ports[0])
        standin.webhook_targets = [f"http://127.0.0.1:{ports[0]}/telegram"]
        bo = standin.user(6101, first_name="Bo")
        await onboard(bo, routine="runner_cooldown_sciatica")
        await bo.send("/now")
        await bo.wait_for("Before we start")
        await bo.press("2")
        await bo.wait_for("tingling")
        await bo.press("None")
        await bo.wait_for("Step 1 of")
        owner_a = (await _session_of(shared_database, 6101)).owner

        processes.append(
            await _start(standin, shared_database, ports[1], tmp_path, timer_scale="0.1")
        )
        await _healthy(ports[1])
        row = await _session_of(shared_database, 6101)
        assert row.state == "holding" and row.owner == owner_a
        assert not [m for m in bo.chat.events if "I restarted" in m.display_text]

        a.send_signal(signal.SIGKILL)
        await a.wait()
        standin.webhook_targets = [f"http://127.0.0.1:{ports[1]}/telegram"]
        seen = len(bo.chat.events)
        # Nobody taps: the next step's card can only come from B taking over the timer.
        async with asyncio.timeout(20):
            await standin.wait_until(
                lambda: any(
                    m.display_text.startswith("✅ Well done.") for m in bo.chat.events[seen:]
                )
            )
        assert (await _session_of(shared_database, 6101)).owner not in {None, owner_a}
        assert not [m for m in bo.chat.events if "I restarted" in m.display_text]
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 30)
    for port in ports:
        assert "Traceback" not in (tmp_path / f"bot-{port}.log").read_text()


async def _session_of(url: str, user_id: int) -> ExerciseSession:
    db = Database(url)
    try:
        async with db.session() as s:
            query = select(ExerciseSession).where(ExerciseSession.user_id == user_id)
            return (await s.execute(query)).scalar_one()
    finally:
        await db.dispose()
