"""Rules that sit between the features: a safety pause that a timer cannot lift, typing in
the middle of a hold, and a timer left behind by an instance that died."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.clock import Clock
from bot.session_engine import adopt_orphans, cancel_tick
from devtools.standin import StandIn
from storage.engine import Database
from storage.models import ExerciseSession, Plan
from tests.support.flows import onboard
from tests.support.harness import running_bot


async def _start_holding(user) -> None:
    await user.send("/now")
    await user.wait_for("Before we start")
    await user.press("2")
    await user.wait_for("tingling")
    await user.press("None")
    await user.wait_for("Step 1 of")


async def test_pause_for_days_cannot_lift_a_safety_pause(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db):
        ann = standin.user(8001)
        await onboard(ann)
        await ann.send("/now")
        await ann.wait_for("Before we start")
        await ann.press("9")
        await ann.wait_for("too much to stretch through")
        await ann.send("/pause 3")
        await ann.wait_for("already paused for your safety")
    async with sqlite_db.session() as s:
        plan = (await s.execute(select(Plan).where(Plan.user_id == 8001))).scalar_one()
    assert (plan.status, plan.status_reason, plan.paused_until, plan.next_due_at) == (
        "paused",
        "severe_pain",
        None,
        None,
    )


async def test_typing_during_a_hold_points_to_the_buttons(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db, timer_scale=1.0):
        bo = standin.user(8002)
        await onboard(bo)
        await _start_holding(bo)
        await bo.send("how long is left?")
        await bo.wait_for("You're in a session")


async def test_a_live_instance_adopts_the_timer_of_a_dead_one(
    standin: StandIn, sqlite_db: Database
) -> None:
    clock = Clock()
    async with running_bot(standin, sqlite_db, clock=clock, timer_scale=1.0) as app:
        cy = standin.user(8003)
        await onboard(cy)
        await _start_holding(cy)
        rt = app.bot_data.rt
        async with sqlite_db.session() as s:
            row = (
                await s.execute(select(ExerciseSession).where(ExerciseSession.user_id == 8003))
            ).scalar_one()
        # Overdue, and nothing armed, but the instance that owns it (this one) is alive.
        cancel_tick(rt, row.id)
        clock.advance(timedelta(minutes=2))
        await adopt_orphans(rt, app.bot)
        assert rt.scheduler.get_job(f"session-{row.id}") is None
        # Now its instance is one that is gone; nothing would move the session on.
        async with sqlite_db.session() as s:
            await s.execute(
                update(ExerciseSession).where(ExerciseSession.id == row.id).values(owner="gone")
            )
        await adopt_orphans(rt, app.bot)
        await cy.wait_for("Step 2 of")
    assert rt.metrics.count("timers_adopted") == 1
