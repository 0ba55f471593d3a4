"""The reminder sender through the stand-in: on time, once, and through Bot API faults."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select, update
from sqlmodel import col
from telegram.error import NetworkError, TimedOut
from telegram.ext import Application

from bot import buttons as b
from bot import comeback, texts
from bot import reminder_sender as sender_module
from bot.app import build_application
from bot.reminder_sender import send_due_reminders, send_one_batch
from bot.runtime import Runtime
from bot.texts import STALE_BUTTON
from bot.timefmt import local_text
from devtools.standin import StandIn
from devtools.support import ROUTINE, in_schema, postgres_schema, seed_due_plans
from routines.model import default_catalog
from routines.plan import build_session
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import Delivery, ExerciseSession, Plan
from tests.support.databases import postgres_unreachable
from tests.support.flows import onboard
from tests.support.harness import bot_settings, running_bot
from tests.support.standin import sends

REMINDER = "Time for your stretches"
BUTTONS = ["▶ Start now", "⏰ Snooze 30 min", "Skip today"]


def runtime(app: Application) -> Runtime:  # type: ignore[type-arg]
    rt: Runtime = app.bot_data.rt
    return rt


@asynccontextmanager
async def reminder_sender(
    standin: StandIn, db: Database, **overrides: Any
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """The real Application's bot and runtime, without polling or a scheduler: the test ticks."""
    app = build_application(bot_settings(standin, db, **overrides), db=db)
    async with app.bot:
        yield app


async def seed(app: Application, count: int, *, ago: timedelta = timedelta(minutes=1)) -> list[int]:  # type: ignore[type-arg]
    rt = runtime(app)
    return await seed_due_plans(rt.db, count=count, due_at=rt.clock.now() - ago)


async def deliveries(db: Database) -> list[Delivery]:
    async with db.session() as s:
        return list((await s.execute(select(Delivery).order_by(col(Delivery.id)))).scalars())


async def plan_of(db: Database, user_id: int) -> Plan:
    async with db.session() as s:
        return (await s.execute(select(Plan).where(col(Plan.user_id) == user_id))).scalar_one()


async def set_plans(db: Database, user_ids: list[int], **values: Any) -> None:
    async with db.session() as s:
        await s.execute(update(Plan).where(col(Plan.user_id).in_(user_ids)).values(**values))


async def move_to_due(app: Application, db: Database, user_id: int) -> Plan:  # type: ignore[type-arg]
    """Moves the bot's clock one minute past the plan's next reminder."""
    plan = await plan_of(db, user_id)
    assert plan.next_due_at is not None
    rt = runtime(app)
    rt.clock.advance(plan.next_due_at + timedelta(minutes=1) - rt.clock.now())
    return plan


# --- on time, once, with the right words and buttons -----------------------------------------


async def test_a_due_plan_gets_exactly_one_reminder(standin: StandIn, database: Database) -> None:
    async with running_bot(standin, database) as app:
        ann = standin.user(4001)
        await onboard(ann, zone="Asia/Kolkata")
        plan = await move_to_due(app, database, ann.id)
        rt = runtime(app)
        assert await send_one_batch(rt, app.bot) == 1
        reminder = await ann.wait_for(REMINDER)
        assert await send_one_batch(rt, app.bot) == 0
    routine = default_catalog().get(plan.routine_id)
    minutes = build_session(routine, plan.level, plan.side).minutes  # type: ignore[arg-type]
    assert reminder.display_text is not None
    assert (
        routine.title in reminder.display_text and f"about {minutes} min" in reminder.display_text
    )
    assert [b["text"] for b in reminder.buttons] == BUTTONS
    assert sum(REMINDER in m.display_text for m in ann.chat.events if m.display_text) == 1
    [row] = await deliveries(database)
    assert (row.status, row.message_id, row.attempts) == ("sent", reminder.message_id, 1)
    assert plan.next_due_at is not None
    local_day = plan.next_due_at.astimezone(ZoneInfo("Asia/Kolkata")).date()
    assert row.occurrence_key == f"{plan.id}:{local_day}"
    after = await plan_of(database, ann.id)
    assert after.next_due_at is not None and after.next_due_at > rt.clock.now()
    assert after.lease_until is None


async def test_every_third_reminder_ends_with_a_line_from_learn(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db) as app:
        rt = runtime(app)
        # Screened just now, so no red-flag line takes the tip's place.
        await seed_due_plans(sqlite_db, count=9, due_at=rt.clock.now() - timedelta(minutes=1))
        async with sqlite_db.session() as s:
            await s.execute(update(Plan).values(redflag_checked_at=rt.clock.now()))
        assert await send_one_batch(rt, app.bot) == 9
    sent = [m for chat in standin.chats.values() for m in chat.messages]
    tips = 0
    for message in sent:
        snooze = b.unpack(message.buttons[1]["callback_data"], (b.Snooze,))
        assert isinstance(snooze, b.Snooze) and message.display_text is not None
        tip = texts.TIPS[snooze.delivery_id // 3 % len(texts.TIPS)]
        assert (tip in message.display_text) == (snooze.delivery_id % 3 == 0), message.display_text
        tips += tip in message.display_text
    assert len(sent) == 9 and tips == 3


async def test_the_scheduler_tick_sends_when_the_time_comes(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db, dispatch_interval_seconds=0.05) as app:
        bea = standin.user(4002)
        await onboard(bea)
        await move_to_due(app, sqlite_db, bea.id)
        await bea.wait_for(REMINDER)
        await asyncio.sleep(0.3)  # a few more ticks: none may send it again
    reminders = [c for c in standin.calls_for(bea.id) if REMINDER in c.params.get("text", "")]
    assert len(reminders) == 1


# --- late, down, paused, already done ---------------------------------------------------------


async def test_a_reminder_past_its_grace_is_missed_not_sent(
    standin: StandIn, database: Database
) -> None:
    async with reminder_sender(standin, database) as app:
        grace = timedelta(seconds=runtime(app).settings.reminder_grace_seconds)
        [late] = await seed(app, 1, ago=grace + timedelta(minutes=1))
        [in_time] = await seed_due_plans(
            database,
            count=1,
            due_at=runtime(app).clock.now() - grace + timedelta(minutes=1),
            first_id=200_000,
        )
        await send_due_reminders(runtime(app), app.bot)
    assert sends(standin) == {in_time: 1}
    statuses = {row.plan_id: row.status for row in await deliveries(database)}
    assert sorted(statuses.values()) == ["missed", "sent"]
    missed = await plan_of(database, late)
    assert missed.next_due_at is not None and missed.next_due_at > datetime.now(UTC)


async def test_after_downtime_each_plan_gets_one_catch_up(
    standin: StandIn, database: Database
) -> None:
    # Down for three days, with a grace long enough to cover them: still only one reminder.
    async with reminder_sender(standin, database, reminder_grace_seconds=5 * 86_400) as app:
        ids = await seed(app, 3, ago=timedelta(days=3, minutes=1))
        for _ in range(3):
            await send_due_reminders(runtime(app), app.bot)
    assert sends(standin) == dict.fromkeys(ids, 1)
    for user_id in ids:
        plan = await plan_of(database, user_id)
        assert plan.next_due_at is not None and plan.next_due_at > datetime.now(UTC)


async def test_paused_stopped_and_blocked_plans_get_nothing(
    standin: StandIn, database: Database
) -> None:
    async with reminder_sender(standin, database) as app:
        now = runtime(app).clock.now()
        paused, stopped, blocked, away, active = await seed(app, 5)
        await set_plans(database, [paused], status="paused")
        await set_plans(database, [stopped], status="stopped")
        await set_plans(database, [blocked], status="blocked")
        # Paused for some days stays "active"; a snooze from before the pause must wait too.
        await set_plans(
            database,
            [away],
            next_due_at=now + timedelta(days=3),
            paused_until=now + timedelta(days=2),
            snooze_due_at=now - timedelta(minutes=1),
        )
        await send_due_reminders(runtime(app), app.bot)
    assert sends(standin) == {active: 1}


async def test_no_reminder_on_a_day_a_session_already_ran(
    standin: StandIn, database: Database
) -> None:
    async with reminder_sender(standin, database) as app:
        stretched, only_started = await seed(app, 2)
        due = (await plan_of(database, stretched)).next_due_at
        assert due is not None
        async with database.session() as s:
            for user_id, state in ((stretched, "done"), (only_started, "before_pain")):
                session = ExerciseSession(
                    user_id=user_id,
                    routine_id=ROUTINE,
                    level=1,
                    side="left",
                    total_steps=5,
                    state=state,
                    local_date=due.date().isoformat(),  # the seeded plans are in UTC
                )
                s.add(session)
        await send_due_reminders(runtime(app), app.bot)
    # Answering the first check-in question is not stretching yet.
    assert sends(standin) == {only_started: 1}
    assert {r.status for r in await deliveries(database)} == {"suppressed", "sent"}
    assert (await plan_of(database, stretched)).next_due_at > datetime.now(UTC)  # type: ignore[operator]


# --- the buttons -------------------------------------------------------------------------------


async def test_snooze_makes_one_more_reminder_thirty_minutes_later(
    standin: StandIn, database: Database
) -> None:
    async with running_bot(standin, database) as app:
        rt = runtime(app)
        cy = standin.user(4003)
        await onboard(cy, time="19:00", zone="America/New_York")
        plan = await move_to_due(app, database, cy.id)
        await send_one_batch(rt, app.bot)
        await cy.wait_for(REMINDER)
        await cy.press("Snooze 30 min")
        snoozed = await cy.wait_for("Snoozed")
        assert "19:31" in snoozed.display_text and snoozed.buttons == []
        assert await send_one_batch(rt, app.bot) == 0
        rt.clock.advance(timedelta(minutes=29))
        assert await send_one_batch(rt, app.bot) == 0
        rt.clock.advance(timedelta(minutes=2))
        assert await send_one_batch(rt, app.bot) == 1
        again = await cy.wait_for(REMINDER)
        assert [b["text"] for b in again.buttons] == BUTTONS
        assert await send_one_batch(rt, app.bot) == 0
    rows = await deliveries(database)
    assert [r.status for r in rows] == ["sent", "sent"]
    assert ":s:" in rows[1].occurrence_key
    after = await plan_of(database, cy.id)
    # The snooze was one-off: the regular schedule moved on once, to the next day.
    assert after.snooze_due_at is None
    assert after.next_due_at is not None and after.next_due_at > plan.next_due_at  # type: ignore[operator]
    assert after.next_due_at.astimezone(ZoneInfo("America/New_York")).hour == 19


async def test_skip_records_a_skip_and_sends_nothing_more_today(
    standin: StandIn, database: Database
) -> None:
    async with running_bot(standin, database) as app:
        rt = runtime(app)
        dan = standin.user(4004)
        await onboard(dan)
        await move_to_due(app, database, dan.id)
        await send_one_batch(rt, app.bot)
        await dan.wait_for(REMINDER)
        await dan.press("Skip today")
        await dan.wait_for("no stretches today")
        rt.clock.advance(timedelta(hours=6))
        assert await send_one_batch(rt, app.bot) == 0
        await move_to_due(app, database, dan.id)
        assert await send_one_batch(rt, app.bot) == 1  # the next planned day
    assert [r.status for r in await deliveries(database)] == ["skipped", "sent"]


async def test_someone_elses_reminder_button_changes_nothing(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db) as app:
        eve, fay = standin.user(4005), standin.user(4006)
        await onboard(eve)
        await onboard(fay, time="19:00")
        await move_to_due(app, sqlite_db, eve.id)
        await send_one_batch(runtime(app), app.bot)
        reminder = await eve.wait_for(REMINDER)
        # Fay's evening reminder may fall due (as missed) before Eve's, by the day of the week.
        eves_plan = await plan_of(sqlite_db, eve.id)
        [row] = [r for r in await deliveries(sqlite_db) if r.plan_id == eves_plan.id]
        await fay.press_data(b.SkipToday(row.id or 0).pack(), reminder.message_id)
        async with asyncio.timeout(5):
            await standin.wait_until(
                lambda: any(c.params.get("text") == STALE_BUTTON for c in standin.calls)
            )
    assert [r.status for r in await deliveries(sqlite_db) if r.id == row.id] == ["sent"]


# --- a change of zone -----------------------------------------------------------------------


async def test_a_new_zone_in_settings_moves_the_next_reminder(
    standin: StandIn, database: Database
) -> None:
    async with running_bot(standin, database) as app:
        gus = standin.user(4007)
        await onboard(gus, time="07:00", zone="Europe/Berlin")
        before = await plan_of(database, gus.id)
        await gus.send("/settings")
        await gus.wait_for("What would you like to change?")
        await gus.press("Time zone")
        await gus.wait_for("time zone")
        await gus.send("Asia/Tokyo")
        await gus.wait_for("Your plan")
        after = await plan_of(database, gus.id)
        assert after.tz == "Asia/Tokyo" and after.next_due_at != before.next_due_at
        local = after.next_due_at.astimezone(ZoneInfo("Asia/Tokyo"))  # type: ignore[union-attr]
        assert (local.hour, local.minute) == (7, 0)
        await move_to_due(app, database, gus.id)
        assert await send_one_batch(runtime(app), app.bot) == 1
        await gus.wait_for(REMINDER)
    [row] = await deliveries(database)
    assert row.occurrence_key.endswith(local.date().isoformat())


class ChangingBot:
    """Before each send, the person moves their reminder, as a /settings update would."""

    def __init__(self, bot: Any, db: Database, moved_to: datetime) -> None:
        self.bot, self.db, self.moved_to = bot, db, moved_to

    async def send_message(self, chat_id: int, *args: Any, **kwargs: Any) -> Any:
        # A transaction of its own: on SQLite's one connection this would wait forever if
        # the sender held one open across the network call.
        async with self.db.session() as s:
            values = {"time_local": "21:30", "next_due_at": self.moved_to, "lease_until": None}
            await s.execute(update(Plan).where(Plan.user_id == chat_id).values(**values))  # type: ignore[arg-type]
        return await self.bot.send_message(chat_id, *args, **kwargs)


async def test_a_change_during_the_send_keeps_its_new_schedule(
    standin: StandIn, database: Database
) -> None:
    async with reminder_sender(standin, database) as app:
        [user_id] = await seed(app, 1)
        moved_to = runtime(app).clock.now().replace(microsecond=0) + timedelta(hours=3)
        async with asyncio.timeout(10):
            await send_due_reminders(runtime(app), ChangingBot(app.bot, database, moved_to))  # type: ignore[arg-type]
    assert sends(standin) == {user_id: 1}
    plan = await plan_of(database, user_id)
    assert (plan.next_due_at, plan.time_local) == (moved_to, "21:30")
    assert [r.status for r in await deliveries(database)] == ["sent"]


# --- Bot API faults ---------------------------------------------------------------------------


async def test_a_429_storm_waits_and_loses_nothing(standin: StandIn, database: Database) -> None:
    async with reminder_sender(standin, database) as app:
        ids = await seed(app, 30)
        standin.fail_next("sendMessage", 429, n=12, retry_after=1)
        started = time.monotonic()
        await send_due_reminders(runtime(app), app.bot)
        waited = time.monotonic() - started
        assert runtime(app).metrics.count("bot_api_retry_after") >= 1
    assert sends(standin) == dict.fromkeys(ids, 1)
    assert waited >= 1.0  # as told
    assert {r.status for r in await deliveries(database)} == {"sent"}


async def test_blocked_people_have_their_plan_deactivated(
    standin: StandIn, database: Database
) -> None:
    async with reminder_sender(standin, database) as app:
        ids = await seed(app, 10)
        for chat_id in ids[:3]:
            standin.block(chat_id)
        await send_due_reminders(runtime(app), app.bot)
        runtime(app).clock.advance(timedelta(days=1))
        await send_due_reminders(runtime(app), app.bot)
    assert sends(standin) == dict.fromkeys(ids[3:], 2)
    for user_id in ids[:3]:
        plan = await plan_of(database, user_id)
        assert (plan.status, plan.status_reason, plan.next_due_at) == (
            "blocked",
            "bot_blocked",
            None,
        )
    blocked = [r for r in await deliveries(database) if r.status == "blocked"]
    assert len(blocked) == 3 and all("blocked by the user" in (r.error or "") for r in blocked)


async def test_server_errors_are_retried_and_the_rest_come_after_the_lease(
    standin: StandIn, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sender_module, "BACKOFF_SECONDS", 0.01)
    async with reminder_sender(standin, database, delivery_lease_seconds=30) as app:
        rt = runtime(app)
        ids = await seed(app, 40)
        # Three failures in a row leave a reminder to the lease: about one in five here.
        standin.faults.rate_5xx = 0.6
        for _ in range(20):
            await send_due_reminders(rt, app.bot)
            if len(sends(standin)) == len(ids):
                break
            rt.clock.advance(timedelta(seconds=31))  # the leases of what was left run out
    assert sends(standin) == dict.fromkeys(ids, 1)
    assert rt.metrics.count("reminders_retry") >= 1
    assert rt.metrics.api_errors(NetworkError) >= 3
    rows = await deliveries(database)
    # An error Telegram answered with is no delivery: only the send that arrived counts.
    assert {r.status for r in rows} == {"sent"} and {r.attempts for r in rows} == {1}


async def test_a_bad_request_fails_that_one_and_is_not_resent(
    standin: StandIn, database: Database
) -> None:
    async with reminder_sender(standin, database) as app:
        rt = runtime(app)
        ids = await seed(app, 5)
        standin.fail_next("sendMessage", 400, description="Bad Request: chat not found")
        await send_due_reminders(rt, app.bot)
        rt.clock.advance(timedelta(minutes=10))  # past any lease
        await send_due_reminders(rt, app.bot)
    assert len(sends(standin)) == 4 and set(sends(standin).values()) == {1}
    statuses = Counter(r.status for r in await deliveries(database))
    assert statuses == {"sent": 4, "failed": 1}
    assert [(await plan_of(database, i)).status for i in ids] == ["active"] * 5


class FlakyBot:
    """A bot whose first send fails in a way nobody planned for."""

    def __init__(self, bot: Any) -> None:
        self.bot = bot
        self.calls = 0

    async def send_message(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("something nobody expected")
        return await self.bot.send_message(*args, **kwargs)


async def test_no_error_stops_the_reminder_sender(standin: StandIn, sqlite_db: Database) -> None:
    async with reminder_sender(standin, sqlite_db) as app:
        rt = runtime(app)
        gone, *rest = await seed(app, 4)
        await set_plans(sqlite_db, [gone], routine_id="no_longer_in_the_catalog")
        flaky = FlakyBot(app.bot)
        await send_due_reminders(rt, flaky)  # type: ignore[arg-type]
        rt.clock.advance(timedelta(seconds=rt.settings.delivery_lease_seconds + 1))
        await send_due_reminders(rt, flaky)  # type: ignore[arg-type]
    # The unknown routine failed alone; the unexpected error was retried after the lease.
    assert flaky.calls == 4
    assert sends(standin) == dict.fromkeys(rest, 1)
    statuses = {r.plan_id: r.status for r in await deliveries(sqlite_db)}
    assert Counter(statuses.values()) == {"sent": 3, "failed": 1}
    assert (await plan_of(sqlite_db, gone)).next_due_at > datetime.now(UTC)  # type: ignore[operator]


# --- two reminder senders on one PostgreSQL database -------------------------------------------------


@pytest.fixture
async def pg_pair() -> AsyncIterator[tuple[Database, Database]]:
    """Two engines on one fresh PostgreSQL schema, as two instances would have."""
    if reason := await postgres_unreachable():
        pytest.skip(reason)
    async with postgres_schema("t") as schema:
        pair = (in_schema(schema), in_schema(schema))
        try:
            await upgrade(pair[0].engine)
            yield pair
        finally:
            for db in pair:
                await db.dispose()


async def test_two_senders_deliver_each_of_5000_exactly_once(
    standin: StandIn, pg_pair: tuple[Database, Database]
) -> None:
    first, second = pg_pair
    async with (
        reminder_sender(standin, first, dispatch_batch_size=100) as a,
        reminder_sender(standin, second, dispatch_batch_size=100) as b,
    ):
        ids = await seed(a, 5000)
        await asyncio.gather(*(send_due_reminders(runtime(app), app.bot) for app in (a, b)))
        shares = [runtime(app).metrics.count("reminders_sent") for app in (a, b)]
    assert sends(standin) == dict.fromkeys(ids, 1)
    assert sum(shares) == 5000 and min(shares) > 0, shares
    rows = await deliveries(first)
    assert len(rows) == 5000 and {r.status for r in rows} == {"sent"}


# --- a person who blocked the bot comes back ---------------------------------------------


async def test_a_person_who_blocked_the_bot_and_comes_back_gets_reminders_again(
    standin: StandIn, database: Database
) -> None:
    async with running_bot(standin, database) as app:
        rt = runtime(app)
        hal = standin.user(4101)
        await onboard(hal)
        await move_to_due(app, database, hal.id)
        standin.fail_next("sendMessage", 403)
        await send_one_batch(rt, app.bot)
        assert (await plan_of(database, hal.id)).status == "blocked"

        rt.blocked.clear()  # as on an instance that did not send the reminder
        await comeback.refresh(rt)
        await hal.send("hello again")
        back = await hal.wait_for("Welcome back")
        plan = await plan_of(database, hal.id)
        assert plan.status == "active" and plan.next_due_at is not None
        assert local_text(plan.next_due_at, plan.tz) in back.display_text

        await move_to_due(app, database, hal.id)
        assert await send_one_batch(rt, app.bot) == 1
        await hal.wait_for(REMINDER)
        await hal.send("/start")
        summary = await hal.wait_for("Your plan")
    assert "none" not in summary.display_text.split("Next reminder:")[1].splitlines()[0]
    assert [m.display_text for m in hal.messages].count(back.display_text) == 1


async def test_a_slow_api_never_gets_anyone_the_same_reminder_three_times(
    standin: StandIn, database: Database
) -> None:
    """Answers later than the client waits (PTB gives up after 5 s), for longer than a lease:
    each timed-out send may well have arrived, so it counts as delivered."""
    async with reminder_sender(standin, database, delivery_lease_seconds=10) as app:
        rt = runtime(app)
        ids = await seed(app, 8)
        standin.faults.slow("sendMessage", 6, for_seconds=40)
        for _ in range(3):
            await send_due_reminders(rt, app.bot)
            rt.clock.advance(timedelta(seconds=11))  # past the lease
    counts = sends(standin)
    assert set(counts) == set(ids), "a reminder was lost"
    assert max(counts.values()) <= 2, counts
    rows = await deliveries(database)
    assert {r.status for r in rows} == {"sent"} and all(r.attempts <= 2 for r in rows)


class PoolBoundBot:
    """A bot whose first sends find no free connection: PTB's TimedOut, nothing sent."""

    def __init__(self, bot: Any, failures: int) -> None:
        self.bot = bot
        self.failures = failures

    async def send_message(self, *args: Any, **kwargs: Any) -> Any:
        if self.failures:
            self.failures -= 1
            raise TimedOut("Pool timeout") from httpx.PoolTimeout("no free connection")
        return await self.bot.send_message(*args, **kwargs)


async def test_a_timeout_before_anything_was_sent_is_tried_again(
    standin: StandIn, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a send that may have arrived counts as delivered; a pool timeout sent nothing."""
    monkeypatch.setattr(sender_module, "BACKOFF_SECONDS", 0.01)
    async with reminder_sender(standin, sqlite_db) as app:
        ids = await seed(app, 1)
        await send_due_reminders(runtime(app), PoolBoundBot(app.bot, failures=2))  # type: ignore[arg-type]
    assert sends(standin) == dict.fromkeys(ids, 1)
    [row] = await deliveries(sqlite_db)
    assert (row.status, row.error) == ("sent", None)
