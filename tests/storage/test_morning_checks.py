"""The next-morning check on both databases: at most once per session, whatever two
instances, crashes mid-send and expired leases do, in any order."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from bot import texts
from bot.app import build_application
from bot.clock import Clock
from bot.morning_checks import RETRY_AFTER, send_morning_checks
from devtools.standin import StandIn
from storage.engine import Database
from storage.models import ExerciseSession, MorningCheck, Plan, User
from storage.queries import mornings as morning_q
from tests.support.harness import bot_settings

PEOPLE = (7101, 7102, 7103)
LEASE = 30


@pytest.fixture
async def instances(standin: StandIn, database: Database) -> AsyncIterator[list[Any]]:
    """Two instances' runtimes and bots on one database and one clock."""
    clock = Clock()
    for uid in PEOPLE:
        standin.user(uid)
    apps = [
        build_application(
            bot_settings(standin, database, delivery_lease_seconds=LEASE), clock=clock, db=database
        )
        for _ in range(2)
    ]
    for app in apps:
        await app.bot.initialize()
    yield apps
    for app in apps:
        await app.bot.shutdown()


async def _seed(db: Database, now: datetime) -> None:
    async with db.session() as s:
        for table in (MorningCheck, ExerciseSession, Plan, User):
            await s.execute(delete(table))
    async with db.session() as s:
        s.add_all([User(id=uid, chat_id=uid) for uid in PEOPLE])
        await s.flush()
        for uid in PEOPLE:
            s.add(Plan(user_id=uid, routine_id="r", side="left", days="0", time_local="07:00",
                       tz="UTC"))  # fmt: skip
        await s.flush()
        for uid in PEOPLE:
            row = ExerciseSession(user_id=uid, routine_id="r", level=1, side="left",
                                  state="done", total_steps=1, local_date="2026-12-01")  # fmt: skip
            s.add(row)
            await s.flush()
            morning_q.add(s, row=row, due_at=now - timedelta(minutes=1))


class _DyingProcess:
    """A bot whose process dies as the message goes out: counted, claimed, never settled."""

    async def send_message(self, *args: Any, **kwargs: Any) -> None:
        raise asyncio.CancelledError


async def _crash_mid_send(app: Any) -> None:
    with contextlib.suppress(asyncio.CancelledError):
        await send_morning_checks(app.bot_data.rt, _DyingProcess())


STEPS = st.lists(st.sampled_from(["a", "b", "both", "crash", "later"]), min_size=1, max_size=8)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=STEPS)
async def test_the_next_morning_check_is_sent_at_most_once_per_session(
    standin: StandIn, database: Database, instances: list[Any], steps: list[str]
) -> None:
    a, b = instances
    clock = a.bot_data.rt.clock
    await _seed(database, clock.now())
    mark = len(standin.calls)
    for step in steps:
        if step == "a":
            await send_morning_checks(a.bot_data.rt, a.bot)
        elif step == "b":
            await send_morning_checks(b.bot_data.rt, b.bot)
        elif step == "both":
            await asyncio.gather(
                send_morning_checks(a.bot_data.rt, a.bot), send_morning_checks(b.bot_data.rt, b.bot)
            )
        elif step == "crash":
            await _crash_mid_send(a)
        else:
            clock.advance(timedelta(seconds=LEASE + 1))
    sent = [
        call.params["chat_id"]
        for call in standin.calls[mark:]
        if call.method == "sendMessage" and call.params["text"] == texts.NEXT_DAY_QUESTION
    ]
    assert len(sent) == len(set(sent))
    async with database.session() as s:
        checks = list((await s.execute(select(MorningCheck))).scalars())
    for check in checks:
        assert check.attempts <= 1
        # Sent, or settled unsent because a crash left it in doubt, or still waiting.
        if check.user_id in sent:
            assert check.status == "sent"
        else:
            assert check.status in {"due", "claimed", "unconfirmed"}
    # With no crash, one round by either instance sends every check.
    if "crash" not in steps and any(step in {"a", "b", "both"} for step in steps):
        assert sorted(sent) == list(PEOPLE)


async def test_a_check_waits_for_its_morning_and_skips_a_paused_plan(
    standin: StandIn, database: Database, instances: list[Any]
) -> None:
    a, _ = instances
    rt = a.bot_data.rt
    now = rt.clock.now()
    await _seed(database, now + timedelta(hours=2))
    assert await send_morning_checks(rt, a.bot) == 0
    async with database.session() as s:
        plan = (await s.execute(select(Plan).where(Plan.user_id == PEOPLE[0]))).scalar_one()
        plan.status = "paused"
    rt.clock.advance(timedelta(hours=3))
    assert await send_morning_checks(rt, a.bot) == len(PEOPLE) - 1
    async with database.session() as s:
        statuses = {c.user_id: c.status for c in (await s.execute(select(MorningCheck))).scalars()}
    assert statuses == {PEOPLE[0]: "skipped", PEOPLE[1]: "sent", PEOPLE[2]: "sent"}


async def test_a_send_that_fails_on_the_way_is_tried_again_once(
    standin: StandIn, database: Database, instances: list[Any]
) -> None:
    a, _ = instances
    rt = a.bot_data.rt
    await _seed(database, rt.clock.now())
    mark = len(standin.calls)
    standin.fail_next("sendMessage", 429, n=1, retry_after=1)
    first = await send_morning_checks(rt, a.bot)
    async with database.session() as s:
        waiting = [
            c for c in (await s.execute(select(MorningCheck))).scalars() if c.status == "due"
        ]
    assert first == len(PEOPLE) - 1 and len(waiting) == 1
    assert waiting[0].attempts == 0  # the refused send did not arrive, so it does not count
    assert await send_morning_checks(rt, a.bot) == 0  # not before the wait Telegram asked for
    rt.clock.advance(timedelta(seconds=RETRY_AFTER + 1))
    assert await send_morning_checks(rt, a.bot) == 1
    sent = [
        c.params["chat_id"]
        for c in standin.calls[mark:]
        if c.method == "sendMessage" and c.params["text"] == texts.NEXT_DAY_QUESTION
    ]
    assert sorted(sent) == list(PEOPLE)
