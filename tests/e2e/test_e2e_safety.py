"""Every row of the rules table (routines/safety.py) end to end, through the stand-in: what
the person is told, and what changes in the database. `ROWS` at the bottom names the test
of each row."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlmodel import col

from bot import buttons as b
from bot import texts
from bot.app import build_application
from bot.clock import Clock
from bot.morning_checks import send_morning_checks
from bot.reminder_sender import send_one_batch
from devtools.standin import BotMessage, ScriptedUser, StandIn
from devtools.support import in_schema
from routines.safety import NextDay, Reason
from storage.engine import Database
from storage.models import (
    CheckIn,
    ExerciseSession,
    LevelChange,
    MorningCheck,
    Plan,
    SessionStep,
    User,
)
from tests.support.databases import rows, set_plan
from tests.support.flows import has_button, onboard, pass_screen, run_session, to_side_question
from tests.support.harness import bot_settings, running_bot
from tests.support.standin import toasts

ROUTINE = "seated_hamstring_progression"
STALE = texts.STALE_BUTTON


async def _last(db: Database, model: Any, user_id: int) -> Any:
    found = await rows(db, model, user_id)
    return found[-1] if found else None


async def _plan(db: Database, user_id: int) -> Plan:
    plan = await _last(db, Plan, user_id)
    assert plan is not None
    return plan


async def _user(db: Database, user_id: int) -> User:
    async with db.session() as s:
        user = await s.get(User, user_id)
    assert user is not None
    return user


async def _mornings(db: Database, user_id: int) -> list[MorningCheck]:
    async with db.session() as s:
        query = (
            select(MorningCheck)
            .where(col(MorningCheck.user_id) == user_id)
            .order_by(col(MorningCheck.session_id))
        )
        return list((await s.execute(query)).scalars())


async def _morning(app: Any, clock: Clock, db: Database, user: ScriptedUser) -> BotMessage:
    """Move the clock to the latest session's next-morning check and send what is due."""
    check = (await _mornings(db, user.id))[-1]
    clock.advance(check.due_at + timedelta(minutes=1) - clock.now())
    await send_morning_checks(app.bot_data.rt, app.bot)
    return await user.wait_for("Good morning")


async def _hurts(user: ScriptedUser) -> None:
    """Start a session and tap "It hurts" during the first step."""
    await user.send("/now")
    await user.wait_for("Before we start")
    await user.press("3")
    await user.wait_for("tingling or numbness")
    await user.press("None")
    await user.wait_for("Step 1 of")
    await user.press(texts.HURTS)
    await user.wait_for("Sorry it hurts")


async def _lift(user: ScriptedUser, question: str) -> BotMessage:
    """/resume on a safety pause: the pause's question, yes, and the whole screen again."""
    await user.send("/resume")
    await user.wait_for(question)
    await user.press(texts.CLEARED_YES)
    await user.wait_for(texts.LIFT_SCREEN)
    await pass_screen(user)
    return await user.wait_for("Welcome back")


# Red flags, and the signs that take their routes


async def test_red_flag(standin: StandIn, database: Database) -> None:
    clock = Clock()
    async with running_bot(standin, database, clock=clock, timer_scale=0.05) as app:
        di = standin.user(9101)
        await onboard(di, routine=ROUTINE)
        due = (await _plan(database, di.id)).next_due_at
        await di.send("/now")
        await di.wait_for("Before we start")
        await di.press("2")
        await di.wait_for("tingling or numbness")
        await di.press("None")
        await di.wait_for("Step 1 of")
        await di.send("/redflags")
        asked = await di.wait_for("Since your sciatica or back pain started")
        await di.press(texts.RED_FLAG_YES)
        urgent = await di.wait_for("urgent medical help")
        mark = len(di.chat.events)
        await asyncio.sleep(1.0)  # step 1 would have ended by now
        after = [m.display_text for m in di.chat.events[mark:]]
        await di.send("/now")
        refused = await di.wait_for("paused for safety")
        clock.advance(due + timedelta(minutes=1) - clock.now())
        await send_one_batch(app.bot_data.rt, app.bot)
    assert "not normal for you" in asked.display_text and "chest pain" in asked.display_text
    assert (
        "A&E" in urgent.display_text
        and "999" in urgent.display_text
        and "Do not do the stretches" in urgent.display_text
    )
    assert after == [] and "Time for your stretches" not in di.chat.events[-1].display_text
    assert "doctor checked you" in refused.display_text
    sessions = await rows(database, ExerciseSession, di.id)
    assert [(s.state, s.stop_reason) for s in sessions] == [("stopped", "red_flag")]
    flag = next(c for c in await rows(database, CheckIn, di.id) if c.phase == "redflags")
    assert (flag.red_flag, flag.action, flag.reason) == (True, "urgent_care", "red_flag")
    plan = await _plan(database, di.id)
    assert (plan.status, plan.status_reason, plan.next_due_at) == ("paused", "red_flag", None)


async def test_both_legs(standin: StandIn, sqlite_db: Database) -> None:
    async with running_bot(standin, sqlite_db):
        al = standin.user(9102)
        await to_side_question(al)
        await al.press("Both legs")
        await al.wait_for("new, or getting worse")
        await al.press(texts.BOTH_LEGS_NEW)
        urgent = await al.wait_for("urgent medical help")
        # Someone whose both-legs pain is as it has been sets up as usual.
        bo = standin.user(9103)
        await onboard(bo, side="Both legs")
        await bo.wait_for("Your plan")
    assert "A&E" in urgent.display_text
    assert (await _user(sqlite_db, al.id)).red_flag_at is not None
    assert await rows(sqlite_db, Plan, al.id) == []
    check = await _last(sqlite_db, CheckIn, al.id)
    assert (check.phase, check.red_flag, check.reason) == ("bothlegs", True, "red_flag")
    assert (await _plan(sqlite_db, bo.id)).side == "both"


async def test_both_legs_in_settings(standin: StandIn, sqlite_db: Database) -> None:
    async with running_bot(standin, sqlite_db):
        cy = standin.user(9104)
        await onboard(cy)
        await cy.send("/settings")
        await cy.wait_for("What would you like to change")
        await cy.press("Side")
        await cy.wait_for("Where is your pain")
        await cy.press("Both legs")
        await cy.wait_for("new, or getting worse")
        await cy.press(texts.BOTH_LEGS_NEW)
        await cy.wait_for("urgent medical help")
    plan = await _plan(sqlite_db, cy.id)
    assert (plan.status, plan.status_reason, plan.side) == ("paused", "red_flag", "left")


async def test_red_flag_urgent(standin: StandIn, database: Database) -> None:
    async with running_bot(standin, database):
        ed = standin.user(9105)
        await onboard(ed)
        await ed.send("/redflags")
        await ed.wait_for("safety check")
        await ed.press(texts.RED_FLAG_NO)
        second = await ed.wait_for("And any of these")
        await ed.press(texts.RED_FLAG_YES)
        told = await ed.wait_for("urgent GP appointment")
        await ed.send("/now")
        refused = await ed.wait_for("paused for safety")
    assert (
        "losing weight without trying" in second.display_text
        and "foot that catches" in second.display_text
    )
    assert (
        "111" in told.display_text
        and "A&amp;E" not in told.display_text
        and "A&E or call 999" in told.display_text
    )
    assert "Have you been seen" in refused.display_text
    plan = await _plan(database, ed.id)
    assert (plan.status, plan.status_reason, plan.next_due_at) == ("paused", "see_gp", None)
    flag = await _last(database, CheckIn, ed.id)
    assert (flag.phase, flag.action, flag.reason) == ("redflags", "see_gp", "red_flag_urgent")


async def test_new_weakness(standin: StandIn, sqlite_db: Database) -> None:
    clock = Clock()
    async with running_bot(standin, sqlite_db, clock=clock):
        fa = standin.user(9106)
        await onboard(fa)
        await fa.send("/now")
        first = await fa.wait_for("Before we start")  # screened today: no weekly question
        await fa.send("/now")  # the open session is offered back; end it
        await fa.wait_for("in progress")
        await fa.press(texts.END_SESSION)
        await fa.wait_for("That session has ended")
        clock.advance(timedelta(days=8))
        await fa.send("/now")
        asked = await fa.wait_for("Weekly check")
        await fa.press(texts.WEAKNESS_YES)
        told = await fa.wait_for("urgent GP appointment")
    assert "Weekly check" not in first.display_text
    assert "new weakness in your leg or foot" in asked.display_text
    assert "111" in told.display_text
    plan = await _plan(sqlite_db, fa.id)
    assert (plan.status, plan.status_reason) == ("paused", "see_gp")
    check = await _last(sqlite_db, CheckIn, fa.id)
    assert (check.phase, check.red_flag, check.reason) == ("weakness", True, "red_flag_urgent")
    assert len(await rows(sqlite_db, ExerciseSession, fa.id)) == 1


async def test_no_new_weakness_starts_the_session(standin: StandIn, sqlite_db: Database) -> None:
    clock = Clock()
    async with running_bot(standin, sqlite_db, clock=clock):
        gi = standin.user(9107)
        await onboard(gi)
        clock.advance(timedelta(days=8))
        await gi.send("/now")
        await gi.wait_for("Weekly check")
        await gi.press(texts.WEAKNESS_NO)
        started = await gi.wait_for("Before we start")
        mark = len(standin.calls)
        await gi.press_data(b.Weakness(yes=False).pack(), started.message_id)
        await asyncio.sleep(0.2)
    assert toasts(standin, mark) == [STALE]
    check = next(c for c in await rows(sqlite_db, CheckIn, gi.id) if c.phase == "weakness")
    assert (check.red_flag, check.reason) == (False, "ok")
    assert (await _plan(sqlite_db, gi.id)).status == "active"


# Pain


@pytest.mark.parametrize("when", ["before", "during", "after"])
async def test_severe_pain(standin: StandIn, sqlite_db: Database, when: str) -> None:
    scale = 0.05 if when == "during" else 0.002
    async with running_bot(standin, sqlite_db, timer_scale=scale):
        bo = standin.user(9110)
        await onboard(bo, routine=ROUTINE)
        if when == "after":
            told = await run_session(bo, pain_before=3, pain_after=9)
        else:
            if when == "during":
                await _hurts(bo)
            else:
                await bo.send("/now")
                await bo.wait_for("Before we start")
            mark = len(bo.chat.events)
            await bo.press("9")
            told = await bo.wait_for("too much to stretch through")
            # That much pain pauses the plan at once: no tingling question first.
            assert not any("tingling" in m.display_text for m in bo.chat.events[mark:])
    assert (
        "9/10" in told.display_text
        and "within a day or two" in told.display_text
        and "111" in told.display_text
    )
    assert "rest" not in told.display_text.replace("rather than lying still", "")
    plan = await _plan(sqlite_db, bo.id)
    assert (plan.status, plan.status_reason, plan.next_due_at) == ("paused", "severe_pain", None)
    session = await _last(sqlite_db, ExerciseSession, bo.id)
    assert session.stop_reason == "severe_pain"
    assert session.state == ("done" if when == "after" else "stopped")
    last = (await rows(sqlite_db, CheckIn, bo.id))[-1]
    assert (last.action, last.reason, last.pain) == ("pause_plan", "severe_pain", 9)
    assert await _mornings(sqlite_db, bo.id) == []  # the advice is to get checked, not a question


async def test_sharp_pain(standin: StandIn, sqlite_db: Database) -> None:
    async with running_bot(standin, sqlite_db, timer_scale=0.05):
        ci = standin.user(9111)
        await onboard(ci, routine=ROUTINE)
        await _hurts(ci)
        await ci.press(texts.SHARP_PAIN)
        told = await ci.wait_for("Sharp, shooting or spreading pain is a sign to stop")
    assert "111" in told.display_text and "/resume" in told.display_text
    session = await _last(sqlite_db, ExerciseSession, ci.id)
    assert (session.state, session.stop_reason) == ("stopped", "sharp_pain")
    steps = await rows(sqlite_db, SessionStep, ci.id)
    assert [(s.number, s.status) for s in steps] == [(1, "stopped")]
    plan = await _plan(sqlite_db, ci.id)
    assert (plan.status, plan.status_reason) == ("paused", "severe_pain")


async def test_pain_high_during(standin: StandIn, sqlite_db: Database) -> None:
    async with running_bot(standin, sqlite_db, timer_scale=0.05):
        da = standin.user(9112)
        await onboard(da, routine=ROUTINE)
        await set_plan(sqlite_db, da.id, level=2)
        await _hurts(da)
        await da.press("6")
        await da.wait_for("Any tingling or numbness now")
        await da.press("None")
        waiting = await da.wait_for("more than that stretch should cause")
        held = await _last(sqlite_db, ExerciseSession, da.id)
        await da.press(texts.RESUME, message_id=waiting.message_id)
        resumed = await da.wait_for(
            lambda m: "Step 2 of" in m.display_text and "left" in m.display_text
        )
    assert "Step 2 of" in waiting.display_text and "Paused with" in waiting.display_text
    assert has_button(texts.RESUME)(waiting) and has_button(texts.STOP)(waiting)
    assert (held.state, held.step_index) == ("paused", 1)
    assert has_button(texts.PAUSE)(resumed)
    steps = await rows(sqlite_db, SessionStep, da.id)
    assert [(s.number, s.status) for s in steps][:1] == [(1, "stopped")]
    during = [c for c in await rows(sqlite_db, CheckIn, da.id) if c.phase == "during"]
    assert [(c.pain, c.action, c.reason, c.level_after) for c in during] == [
        (6, "stop_step", "pain_high_during", 2)
    ]
    assert (await _plan(sqlite_db, da.id)).level == 2


async def test_pain_high_after(standin: StandIn, sqlite_db: Database) -> None:
    async with running_bot(standin, sqlite_db):
        eo = standin.user(9113)
        await onboard(eo, routine=ROUTINE)
        await set_plan(sqlite_db, eo.id, level=3)
        summary = await run_session(eo, pain_before=3, pain_after=7)
        await eo.press(texts.FLARE_BUTTON, message_id=summary.message_id)
        plan_text = await eo.wait_for("When your back or leg flares up")
    assert "7/10 after the session" in summary.display_text and "level 2 of" in summary.display_text
    assert "Keep gently moving" in plan_text.display_text and "pharmacist" in plan_text.display_text
    assert (
        "2–3 days" in plan_text.display_text and "please rest" not in plan_text.display_text.lower()
    )
    plan = await _plan(sqlite_db, eo.id)
    assert (plan.level, plan.status) == (2, "active")
    change = await _last(sqlite_db, LevelChange, eo.id)
    assert (change.level_before, change.level_after, change.reason) == (3, 2, "pain_high_after")
    assert len(await _mornings(sqlite_db, eo.id)) == 1


async def test_amber(standin: StandIn, sqlite_db: Database) -> None:
    async with running_bot(standin, sqlite_db):
        fo = standin.user(9114)
        await onboard(fo, routine=ROUTINE)
        await set_plan(sqlite_db, fo.id, level=2)
        # A rise of 4 that stays at 5: acceptable, and the next morning decides.
        summary = await run_session(fo, pain_before=1, pain_after=5)
    assert "5/10 is acceptable if it has settled by tomorrow morning" in summary.display_text
    assert not has_button("Step up")(summary)
    plan = await _plan(sqlite_db, fo.id)
    assert (plan.level, plan.status) == (2, "active")
    after = [c for c in await rows(sqlite_db, CheckIn, fo.id) if c.phase == "after"]
    assert [(c.reason, c.level_before, c.level_after) for c in after] == [("amber", 2, 2)]
    assert await rows(sqlite_db, LevelChange, fo.id) == []
    assert len(await _mornings(sqlite_db, fo.id)) == 1


async def test_ok(standin: StandIn, sqlite_db: Database) -> None:
    async with running_bot(standin, sqlite_db):
        ga = standin.user(9115)
        await onboard(ga, routine=ROUTINE)
        await set_plan(sqlite_db, ga.id, level=2)
        # A rise of 2 into the green zone changes nothing.
        summary = await run_session(ga, pain_before=1, pain_after=3)
    assert "gentler" not in summary.display_text and "acceptable" not in summary.display_text
    assert not has_button(texts.FLARE_BUTTON)(summary)
    after = [c for c in await rows(sqlite_db, CheckIn, ga.id) if c.phase == "after"]
    assert [(c.reason, c.level_after) for c in after] == [("ok", 2)]
    assert (await _plan(sqlite_db, ga.id)).level == 2


@pytest.mark.parametrize("accept", [True, False])
async def test_good_streak(standin: StandIn, sqlite_db: Database, accept: bool) -> None:
    async with running_bot(standin, sqlite_db):
        fi = standin.user(9116)
        await onboard(fi, routine=ROUTINE)
        first = await run_session(fi, pain_before=3, pain_after=3)
        second = await run_session(fi, pain_before=3, pain_after=2)
        third = await run_session(fi, pain_before=3, pain_after=3)
        await fi.press("Step up to level 2" if accept else "Not yet", message_id=third.message_id)
        reply = await fi.wait_for("next session is level" if accept else "stay at level")
        mark = len(standin.calls)
        await fi.press("Step up to level 2", message_id=third.message_id)
        await asyncio.sleep(0.2)
    assert not has_button("Step up")(first) and not has_button("Step up")(second)
    assert "Three good sessions in a row" in third.display_text
    assert ("level 2 of" if accept else "level 1") in reply.display_text
    assert toasts(standin, mark) == [STALE]
    plan = await _plan(sqlite_db, fi.id)
    assert (plan.level, plan.offer_up_pending) == (2 if accept else 1, False)


async def test_new_tingling(standin: StandIn, sqlite_db: Database) -> None:
    async with running_bot(standin, sqlite_db):
        ha = standin.user(9117)
        await onboard(ha, routine=ROUTINE)
        await set_plan(sqlite_db, ha.id, level=2)
        await ha.send("/now")
        await ha.wait_for("Before we start")
        await ha.press("3")
        await ha.wait_for("tingling or numbness")
        await ha.press("New or worse")
        summary = await ha.wait_for("Session finished")
        screen = await ha.wait_for("so please take the safety check")
        await ha.press(texts.RED_FLAG_NO, message_id=screen.message_id)
        await ha.wait_for("And any of these")
        await ha.press(texts.RED_FLAG_NO)
        await ha.wait_for("None of the warning signs")
    assert "nerve is irritated" in summary.display_text and "level 1 of" in summary.display_text
    assert has_button(texts.FLARE_BUTTON)(summary)
    assert "Since your sciatica or back pain started" in screen.display_text
    session = await _last(sqlite_db, ExerciseSession, ha.id)
    assert (session.state, session.stop_reason) == ("stopped", "new_tingling")
    phases = [(c.phase, c.reason) for c in await rows(sqlite_db, CheckIn, ha.id)]
    assert phases[-2:] == [("before", "new_tingling"), ("redflags", "ok")]
    assert (await _plan(sqlite_db, ha.id)).level == 1


# The next-morning check and escalation


async def test_next_day_worse(standin: StandIn, sqlite_db: Database) -> None:
    clock = Clock()
    async with running_bot(standin, sqlite_db, clock=clock) as app:
        hy = standin.user(9120)
        await onboard(hy, routine=ROUTINE)
        await set_plan(sqlite_db, hy.id, level=3)
        await run_session(hy, pain_before=2, pain_after=2)
        asked = await _morning(app, clock, sqlite_db, hy)
        await hy.press("Worse", message_id=asked.message_id)
        told = await hy.wait_for("Sorry it's worse")
        mark = len(standin.calls)
        await hy.press_data(
            b.NextDayAnswer(
                (await _last(sqlite_db, ExerciseSession, hy.id)).id, NextDay.BETTER
            ).pack(),
            asked.message_id,
        )
        await asyncio.sleep(0.2)
    assert "back and leg" in asked.display_text and "yesterday's session" in asked.display_text
    assert "level 2 of" in told.display_text and has_button(texts.FLARE_BUTTON)(told)
    assert told.message_id == asked.message_id  # the answer replaces the question
    assert toasts(standin, mark) == [STALE]
    next_day = [c for c in await rows(sqlite_db, CheckIn, hy.id) if c.phase == "next_day"]
    assert [(c.next_day, c.reason, c.level_before, c.level_after) for c in next_day] == [
        ("worse", "next_day_worse", 3, 2)
    ]
    assert (await _plan(sqlite_db, hy.id)).level == 2


async def test_next_day_worse_again(standin: StandIn, sqlite_db: Database) -> None:
    clock = Clock()
    async with running_bot(standin, sqlite_db, clock=clock) as app:
        io = standin.user(9121)
        await onboard(io, routine=ROUTINE)
        await set_plan(sqlite_db, io.id, level=3)
        replies = []
        for _ in range(2):
            await run_session(io, pain_before=2, pain_after=2)
            asked = await _morning(app, clock, sqlite_db, io)
            await io.press("Worse", message_id=asked.message_id)
            replies.append(await io.wait_for(lambda m: "worse" in m.display_text.lower()))
    assert "level 2 of" in replies[0].text
    assert "Worse two mornings running" in replies[1].text and "/resume" in replies[1].text
    plan = await _plan(sqlite_db, io.id)
    assert (plan.status, plan.status_reason, plan.level) == ("paused", "flare_up", 2)


async def test_no_progress(standin: StandIn, sqlite_db: Database) -> None:
    async with running_bot(standin, sqlite_db):
        ju = standin.user(9122)
        await onboard(ju, routine=ROUTINE)
        first = await run_session(ju, pain_before=2, pain_after=6)
        second = await run_session(ju, pain_before=2, pain_after=6)
    assert "gentlest level (1)" in first.display_text
    assert (
        "second setback at the gentlest level" in second.display_text
        and "review" in second.display_text
    )
    plan = await _plan(sqlite_db, ju.id)
    assert (plan.status, plan.status_reason) == ("paused", "no_progress")
    after = [c.reason for c in await rows(sqlite_db, CheckIn, ju.id) if c.phase == "after"]
    assert after == ["pain_high_after", "no_progress"]


async def test_no_improvement(standin: StandIn, sqlite_db: Database) -> None:
    clock = Clock()
    async with running_bot(standin, sqlite_db, clock=clock):
        ka = standin.user(9123)
        await onboard(ka, routine=ROUTINE)
        now = clock.now()
        async with sqlite_db.session() as s:
            for weeks in (7, 6, 1):
                started = now - timedelta(weeks=weeks)
                s.add(
                    ExerciseSession(
                        user_id=ka.id,
                        routine_id=ROUTINE,
                        level=1,
                        side="left",
                        state="done",
                        total_steps=1,
                        pain_before=5,
                        pain_after=5,
                        local_date=started.date().isoformat(),
                        started_at=started,
                    )
                )
        await ka.send("/now")
        await ka.wait_for("Before we start")
        await ka.press("5")
        await ka.wait_for("tingling or numbness")
        await ka.press("None")
        card = await ka.wait_for("Step 1 of")
    assert "six weeks" in card.display_text and "GP" in card.display_text
    assert (await _user(sqlite_db, ka.id)).gp_advised_at is not None
    before = [c.reason for c in await rows(sqlite_db, CheckIn, ka.id) if c.phase == "before"]
    assert before == ["no_improvement"]


# Before the first session, the screen's timing, and lifting a pause


async def test_pre_screen(standin: StandIn, sqlite_db: Database) -> None:
    async with running_bot(standin, sqlite_db):
        la = standin.user(9130)
        await onboard(la, health=texts.RED_FLAG_YES)
        summary = la.chat.events[-1]
        await la.send("/now")
        refused = await la.wait_for("paused for safety")
        lifted = await _lift(la, "said these stretches are all right")
    waited = next(
        m for m in la.chat.events if "Please ask a GP or physiotherapist" in m.display_text
    )
    assert "it will wait" in waited.display_text
    assert "paused" in summary.display_text
    assert "these stretches are all right for you" in refused.display_text
    assert "level 1" in lifted.display_text
    check = next(c for c in await rows(sqlite_db, CheckIn, la.id) if c.phase == "prescreen")
    assert check.reason == "pre_screen"
    plan = await _plan(sqlite_db, la.id)
    assert (plan.status, plan.status_reason) == ("active", None)


async def test_screen(standin: StandIn, sqlite_db: Database) -> None:
    clock = Clock()
    async with running_bot(standin, sqlite_db, clock=clock) as app:
        ma = standin.user(9131)
        await onboard(ma)
        due = clock.now() + timedelta(weeks=4, hours=1)
        await set_plan(sqlite_db, ma.id, next_due_at=due)
        clock.advance(due + timedelta(minutes=1) - clock.now())
        await send_one_batch(app.bot_data.rt, app.bot)
        reminder = await ma.wait_for("Time for your stretches")
        await ma.press(texts.REDFLAG_CHECK, message_id=reminder.message_id)
        await pass_screen(ma)
        await ma.wait_for("None of the warning signs")
    assert "four weeks" in reminder.display_text
    screens = [c for c in await rows(sqlite_db, CheckIn, ma.id) if c.phase == "redflags"]
    assert [(c.red_flag, c.reason) for c in screens] == [(False, "ok")]
    plan = await _plan(sqlite_db, ma.id)
    assert plan.redflag_checked_at is not None and plan.redflag_checked_at >= due


async def test_lift(standin: StandIn, sqlite_db: Database) -> None:
    async with running_bot(standin, sqlite_db):
        na = standin.user(9132)
        await onboard(na, routine=ROUTINE)
        await set_plan(sqlite_db, na.id, level=3)
        await na.send("/now")
        await na.wait_for("Before we start")
        await na.press("9")
        await na.wait_for("too much to stretch through")
        # A "yes" on the screen again keeps it paused, now for that sign.
        await na.send("/resume")
        await na.wait_for("Has it settled")
        await na.press(texts.CLEARED_YES)
        await na.wait_for(texts.LIFT_SCREEN)
        await na.press(texts.RED_FLAG_NO)
        await na.wait_for("And any of these")
        await na.press(texts.RED_FLAG_YES)
        await na.wait_for("urgent GP appointment")
        still = await _plan(sqlite_db, na.id)
        lifted = await _lift(na, "Have you been seen")
        await na.send("/now")
        await na.wait_for("Before we start")
    assert (still.status, still.status_reason) == ("paused", "see_gp")
    assert (
        "level 1" in lifted.display_text
        and "The morning after your first session" in lifted.display_text
    )
    plan = await _plan(sqlite_db, na.id)
    assert (plan.status, plan.level) == ("active", 1)
    change = await _last(sqlite_db, LevelChange, na.id)
    assert (change.level_before, change.level_after, change.reason) == (3, 1, "lift")
    assert (await _last(sqlite_db, ExerciseSession, na.id)).level == 1


async def test_a_forged_lift_answer_lifts_nothing(standin: StandIn, sqlite_db: Database) -> None:
    async with running_bot(standin, sqlite_db):
        oz = standin.user(9133)
        await onboard(oz)
        await oz.send("/redflags")
        await oz.wait_for("safety check")
        await oz.press(texts.RED_FLAG_YES)
        told = await oz.wait_for("urgent medical help")
        mark = len(standin.calls)
        forged = b.RedFlags(b.Origin.LIFT, b.Flag.URGENT, yes=False).pack()
        await oz.press_data(forged, told.message_id)
        await asyncio.sleep(0.2)
    assert toasts(standin, mark) == [STALE]
    assert (await _plan(sqlite_db, oz.id)).status == "paused"


async def test_now_asks_a_due_morning_check_first(standin: StandIn, sqlite_db: Database) -> None:
    """A morning reminder time is the check's time too: /now asks it before the session."""
    clock = Clock()
    async with running_bot(standin, sqlite_db, clock=clock):
        pa = standin.user(9134)
        await onboard(pa, routine=ROUTINE, time="07:00")
        await set_plan(sqlite_db, pa.id, level=3)
        await run_session(pa)
        check = (await _mornings(sqlite_db, pa.id))[-1]
        clock.advance(check.due_at + timedelta(minutes=1) - clock.now())
        await pa.send("/now")
        asked = await pa.wait_for("Good morning")
        await pa.press("Worse", message_id=asked.message_id)
        told = await pa.wait_for("Sorry it's worse")
        await pa.wait_for("Before we start")
    assert told.message_id == asked.message_id
    assert (await _mornings(sqlite_db, pa.id))[-1].status == "sent"
    newest = await _last(sqlite_db, ExerciseSession, pa.id)
    assert newest.level == 2


async def test_the_second_list_of_a_lift_needs_the_first(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db):
        qi = standin.user(9135)
        await onboard(qi)
        await qi.send("/redflags")
        await qi.wait_for("safety check")
        await qi.press(texts.RED_FLAG_YES)
        await qi.wait_for("urgent medical help")
        await qi.send("/resume")
        await qi.wait_for("doctor checked you")
        await qi.press(texts.CLEARED_YES)
        screen = await qi.wait_for(texts.LIFT_SCREEN)
        mark = len(standin.calls)
        skipped = b.RedFlags(b.Origin.LIFT, b.Flag.URGENT, yes=False).pack()
        await qi.press_data(skipped, screen.message_id)
        await asyncio.sleep(0.2)
    assert toasts(standin, mark) == [STALE]
    plan = await _plan(sqlite_db, qi.id)
    assert (plan.status, plan.status_reason) == ("paused", "red_flag")


# The next-morning check: the right local hour, in two zones, once across two instances


async def _second_instance(standin: StandIn, db: Database, clock: Clock) -> Any:
    """Another instance on the same database, with a connection pool of its own."""
    if db.dialect == "postgresql":
        async with db.engine.connect() as conn:
            schema = (await conn.execute(text("show search_path"))).scalar_one()
        other = in_schema(schema)
    else:
        other = Database(db.url)
    app = build_application(bot_settings(standin, other), clock=clock, db=other)
    await app.initialize()
    return app


async def test_morning_check(standin: StandIn, database: Database) -> None:
    clock = Clock()
    # The day before New York springs forward (2027-03-14), in the afternoon in both zones.
    clock.advance(datetime(2027, 3, 13, 18, tzinfo=UTC) - clock.now())
    async with running_bot(standin, database, clock=clock) as app:
        other = await _second_instance(standin, database, clock)
        try:
            berlin, york = standin.user(9140), standin.user(9141)
            await onboard(berlin, time="19:00", zone="Europe/Berlin")
            await onboard(york, time="07:00", zone="America/New_York")
            await run_session(berlin)
            await run_session(york)

            async def both_instances() -> None:
                for _ in range(3):
                    await asyncio.gather(
                        send_morning_checks(app.bot_data.rt, app.bot),
                        send_morning_checks(other.bot_data.rt, other.bot),
                    )

            def checks() -> dict[int, int]:
                got = {9140: 0, 9141: 0}
                for call in standin.calls:
                    if call.method == "sendMessage" and "Good morning" in call.params["text"]:
                        got[call.params["chat_id"]] += 1
                return got

            seen = []
            # 09:00 in Berlin (CET) is 08:00 UTC; 07:00 in New York, now EDT, is 11:00 UTC.
            for moment in ("07:59", "08:01", "10:59", "11:01", "23:00"):
                hour, minute = map(int, moment.split(":"))
                clock.advance(datetime(2027, 3, 14, hour, minute, tzinfo=UTC) - clock.now())
                await both_instances()
                seen.append(checks())
        finally:
            await other.shutdown()
            await other.bot_data.rt.db.dispose()
    assert seen == [
        {9140: 0, 9141: 0},
        {9140: 1, 9141: 0},
        {9140: 1, 9141: 0},
        {9140: 1, 9141: 1},
        {9140: 1, 9141: 1},
    ]
    for user_id in (9140, 9141):
        [check] = await _mornings(database, user_id)
        assert (check.status, check.attempts) == ("sent", 1)


ROWS = {
    Reason.RED_FLAG: test_red_flag,
    Reason.BOTH_LEGS: test_both_legs,
    Reason.RED_FLAG_URGENT: test_red_flag_urgent,
    Reason.NEW_WEAKNESS: test_new_weakness,
    Reason.SEVERE_PAIN: test_severe_pain,
    Reason.SHARP_PAIN: test_sharp_pain,
    Reason.NO_PROGRESS: test_no_progress,
    Reason.NEXT_DAY_WORSE_AGAIN: test_next_day_worse_again,
    Reason.NEW_TINGLING: test_new_tingling,
    Reason.PAIN_HIGH_DURING: test_pain_high_during,
    Reason.PAIN_HIGH_AFTER: test_pain_high_after,
    Reason.NEXT_DAY_WORSE: test_next_day_worse,
    Reason.NO_IMPROVEMENT: test_no_improvement,
    Reason.AMBER: test_amber,
    Reason.GOOD_STREAK: test_good_streak,
    Reason.OK: test_ok,
    Reason.PRE_SCREEN: test_pre_screen,
    Reason.SCREEN: test_screen,
    Reason.MORNING_CHECK: test_morning_check,
    Reason.LIFT: test_lift,
}


def test_every_row_of_the_table_has_an_end_to_end_test() -> None:
    assert set(ROWS) == set(Reason)


async def test_a_morning_check_telegram_refused_is_asked_at_now(
    standin: StandIn, sqlite_db: Database
) -> None:
    clock = Clock()
    async with running_bot(standin, sqlite_db, clock=clock) as app:
        ra = standin.user(9136)
        await onboard(ra, routine=ROUTINE, time="19:00")
        await run_session(ra)
        check = (await _mornings(sqlite_db, ra.id))[-1]
        clock.advance(check.due_at + timedelta(minutes=1) - clock.now())
        standin.fail_next("sendMessage", 400, description="Bad Request: chat not found")
        await send_morning_checks(app.bot_data.rt, app.bot)
        failed = (await _mornings(sqlite_db, ra.id))[-1].status
        await ra.send("/now")
        asked = await ra.wait_for("Good morning")
        await ra.press("Better", message_id=asked.message_id)
        await ra.wait_for("Thanks")
        await ra.wait_for("Before we start")
    assert failed == "failed"
    answers = [c.next_day for c in await rows(sqlite_db, CheckIn, ra.id) if c.phase == "next_day"]
    assert answers == ["better"]
