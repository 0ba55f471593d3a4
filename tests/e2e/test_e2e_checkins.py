"""Check-ins and safety through the stand-in: tingling, severe pain, red flags, level changes."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlmodel import col

from bot import buttons as b
from bot import texts
from bot.clock import Clock
from bot.reminder_sender import send_one_batch
from devtools.standin import BotMessage, ScriptedUser, StandIn
from routines.model import default_catalog
from routines.plan import PainSide, build_session
from routines.safety import NextDay
from storage.engine import Database
from storage.models import CheckIn, ExerciseSession, LevelChange, Plan, SessionStep, User
from tests.support.databases import rows, set_plan
from tests.support.flows import has_button, onboard, run_session
from tests.support.harness import running_bot
from tests.support.standin import toasts

ROUTINE = "seated_hamstring_progression"  # nerve-tension steps from level 2
TOP = default_catalog().get(ROUTINE).top_level


def _nerve_steps(level: int) -> list[int]:
    plan = build_session(default_catalog().get(ROUTINE), level, PainSide.LEFT)
    return [step.number for step in plan.steps if step.nerve_tension]


def _length(level: int) -> int:
    return len(build_session(default_catalog().get(ROUTINE), level, PainSide.LEFT).steps)


STEPS_AT_LEVEL = {level: _length(level) for level in range(1, TOP + 1)}


async def _one(db: Database, model: Any, user_id: int) -> Any:
    found = await rows(db, model, user_id)
    return found[-1] if found else None


async def _steps(db: Database, session_id: int) -> list[SessionStep]:
    async with db.session() as s:
        query = (
            select(SessionStep)
            .where(col(SessionStep.session_id) == session_id)
            .order_by(col(SessionStep.number))
        )
        return list((await s.execute(query)).scalars())


def _shown_since(user: ScriptedUser, mark: int) -> list[str]:
    """Every text the person saw (sent or edited) after event number `mark`."""
    return [m.display_text for m in user.chat.events[mark:]]


async def _start(user: ScriptedUser, *, pain: str = "2", tingling: str = "None") -> None:
    await user.send("/now")
    await user.wait_for("Before we start")
    await user.press(pain)
    await user.wait_for("tingling or numbness")
    await user.press(tingling)


async def _reminders_at(app: Any, clock: Clock, user: ScriptedUser, due: datetime) -> int:
    """Move the clock just past `due`, run one round of the reminder sender, count reminders received."""
    clock.advance(due + timedelta(minutes=1) - clock.now())
    mark = len(user.chat.events)
    await send_one_batch(app.bot_data.rt, app.bot)
    return sum("Time for your stretches" in text for text in _shown_since(user, mark))


async def test_tingling_mid_session_drops_the_level_and_the_next_session_is_shorter(
    standin: StandIn, database: Database
) -> None:
    # The press must land during step 4's hold: at the usual scale it lasts 30 ms, which a
    # loaded machine misses. This scale gives it 300 ms.
    async with running_bot(standin, database, timer_scale=0.02):
        ann = standin.user(4001)
        await onboard(ann, routine=ROUTINE)
        await set_plan(database, ann.id, level=3)
        await _start(ann)
        # The card after the first nerve-tension step asks, without stopping the session.
        check = await ann.wait_for("pulled on the nerve")
        first_nerve, *later_nerve = _nerve_steps(3)
        assert f"Step {first_nerve + 1} of {_length(3)}" in check.text
        mark = len(ann.chat.events)
        await ann.press("⚡ New tingling or numbness", message_id=check.message_id)
        told = await ann.wait_for(f"we'll go gentler next time: level 2 of {TOP}")
        last = await ann.wait_for("last stretch", timeout=20)
        later = _shown_since(ann, mark)
        await ann.press("2", message_id=last.message_id)
        summary = await ann.wait_for("Session finished")
        await ann.send("/now")
        await ann.wait_for("Before we start")
    assert "nerve is irritated" in told.text and "leave out the nerve stretches" in told.text
    # The nerve check came once, after the first nerve step; every later one was left out.
    assert not any("pulled on the nerve" in text for text in later)
    first, second = await rows(database, ExerciseSession, ann.id)
    steps = await _steps(database, first.id or 0)
    nerve_numbers = set(later_nerve)
    assert {s.number for s in steps if s.status == "skipped"} == nerve_numbers
    assert all(s.status == "done" for s in steps if s.number not in nerve_numbers)
    assert f"skipped: {len(nerve_numbers)}" in summary.text
    during = [c for c in await rows(database, CheckIn, ann.id) if c.phase == "during"]
    assert [(c.tingling, c.action, c.reason, c.level_before, c.level_after) for c in during] == [
        ("worse", "stop_step", "new_tingling", 3, 2)
    ]
    change = await _one(database, LevelChange, ann.id)
    assert (change.level_before, change.level_after, change.reason) == (3, 2, "new_tingling")
    assert (await _one(database, Plan, ann.id)).level == 2
    assert (first.total_steps, second.total_steps, second.level) == (_length(3), _length(2), 2)


@pytest.mark.parametrize("when", ["before", "during", "after"])
async def test_severe_pain_pauses_the_plan_and_reminders_stop(
    standin: StandIn, sqlite_db: Database, when: str
) -> None:
    clock = Clock()
    # A slower timer only where "It hurts" must land inside the first hold.
    scale = 0.05 if when == "during" else 0.002
    async with running_bot(standin, sqlite_db, clock=clock, timer_scale=scale) as app:
        bo = standin.user(4010)
        await onboard(bo, routine=ROUTINE)
        due = (await _one(sqlite_db, Plan, bo.id)).next_due_at
        told = await _severe_pain(bo, when)
        await bo.send("/now")
        refused = await bo.wait_for("paused for safety")
        reminders = await _reminders_at(app, clock, bo, due)
        await bo.send("/resume")
        asked = await bo.wait_for(has_button("Yes, I've been cleared"))
    assert "too high to stretch" in told.text and "/resume" in told.text
    assert "doctor or physiotherapist" in told.text
    assert has_button("Yes, I've been cleared")(refused)
    assert "checked you" in asked.text and reminders == 0
    plan = await _one(sqlite_db, Plan, bo.id)
    assert (plan.status, plan.status_reason, plan.next_due_at) == ("paused", "severe_pain", None)
    sessions = await rows(sqlite_db, ExerciseSession, bo.id)
    assert len(sessions) == 1 and sessions[0].stop_reason == "severe_pain"
    assert sessions[0].state == ("done" if when == "after" else "stopped")
    last = (await rows(sqlite_db, CheckIn, bo.id))[-1]
    assert (last.action, last.reason, last.pain) == ("pause_plan", "severe_pain", 9)


async def _severe_pain(user: ScriptedUser, when: str) -> BotMessage:
    """Report 9/10 at one point of a session; returns the message that explains the pause."""
    if when == "after":
        return await run_session(user, pain_before=3, pain_after=9)
    await user.send("/now")
    await user.wait_for("Before we start")
    if when == "during":
        await user.press("3")
        await user.wait_for("tingling or numbness")
        await user.press("None")
        await user.wait_for("Step 1 of")
        await user.press("🤕 It hurts")
        await user.wait_for("Sorry it hurts")
    mark = len(user.chat.events)
    await user.press("9")
    told = await user.wait_for("too high to stretch")
    # That much pain pauses the plan at once: no tingling question first.
    assert not any("tingling" in text for text in _shown_since(user, mark))
    return told


async def test_it_hurts_with_severe_pain_records_the_interrupted_step(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db, timer_scale=0.05):
        cy = standin.user(4011)
        await onboard(cy, routine=ROUTINE)
        await _severe_pain(cy, "during")
    session = await _one(sqlite_db, ExerciseSession, cy.id)
    assert [(s.number, s.status) for s in await _steps(sqlite_db, session.id)] == [(1, "stopped")]
    assert (session.pain_before, session.pain_after) == (3, 9)


async def test_red_flag_sends_to_urgent_care_pauses_and_clearing_turns_reminders_on(
    standin: StandIn, database: Database
) -> None:
    clock = Clock()
    async with running_bot(standin, database, clock=clock, timer_scale=0.05) as app:
        di = standin.user(4020)
        await onboard(di, routine=ROUTINE)
        due = (await _one(database, Plan, di.id)).next_due_at
        await _start(di)
        await di.wait_for("Step 1 of")
        await di.send("/redflags")
        await di.wait_for("Do you have any of these right now")
        await di.press("Yes, at least one")
        urgent = await di.wait_for("urgent medical help")
        mark = len(di.chat.events)
        await asyncio.sleep(1.0)  # step 1 would have ended by now
        after_urgent = _shown_since(di, mark)
        await di.send("/now")
        await di.wait_for("paused for safety")
        silent = await _reminders_at(app, clock, di, due)
        await di.send("/resume")
        await di.wait_for("checked you")
        await di.press("Yes, I've been cleared")
        await di.wait_for("Reminders are back on")
        resumed = await _one(database, Plan, di.id)
        sent = await _reminders_at(app, clock, di, resumed.next_due_at)
    assert (
        "A&E" in urgent.text and "999" in urgent.text and "Do not do the stretches" in urgent.text
    )
    assert after_urgent == [] and silent == 0 and sent == 1
    sessions = await rows(database, ExerciseSession, di.id)
    assert [(s.state, s.stop_reason) for s in sessions] == [("stopped", "red_flag")]
    flag = next(c for c in await rows(database, CheckIn, di.id) if c.phase == "redflags")
    assert (flag.red_flag, flag.action, flag.reason) == (True, "urgent_care", "red_flag")
    assert resumed.status == "active" and resumed.status_reason is None
    async with database.session() as s:
        user = await s.get(User, di.id)
    assert user is not None and user.red_flag_at is None


async def test_a_later_no_does_not_lift_a_red_flag_pause(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db):
        ed = standin.user(4021)
        await onboard(ed, routine=ROUTINE)
        await ed.send("/redflags")
        await ed.wait_for("Do you have any of these right now")
        await ed.press("Yes, at least one")
        await ed.wait_for("urgent medical help")
        plan = await _one(sqlite_db, Plan, ed.id)
        await ed.send("/redflags")
        await ed.wait_for("Do you have any of these right now")
        await ed.press("No, none of these")
        still = await ed.wait_for("None of the warning signs")
        await ed.send("/now")
        await ed.wait_for("paused for safety")
    assert (plan.status, plan.status_reason, plan.next_due_at) == ("paused", "red_flag", None)
    # A later "no" does not lift the pause: only a professional's clearance does.
    assert "stays paused" in still.text and "/resume" in still.text
    assert (await _one(sqlite_db, Plan, ed.id)).status == "paused"
    assert await rows(sqlite_db, ExerciseSession, ed.id) == []


@pytest.mark.parametrize("accept", [True, False])
async def test_three_good_sessions_offer_a_level_up(
    standin: StandIn, sqlite_db: Database, accept: bool
) -> None:
    async with running_bot(standin, sqlite_db):
        fi = standin.user(4030)
        await onboard(fi, routine=ROUTINE)
        first = await run_session(fi, pain_before=3, pain_after=3)
        second = await run_session(fi, pain_before=3, pain_after=2)
        third = await run_session(fi, pain_before=3, pain_after=3)
        await fi.press("Step up to level 2" if accept else "Not yet", message_id=third.message_id)
        reply = await fi.wait_for("next session is level" if accept else "stay at level")
        mark = len(standin.calls)
        await fi.press("Step up to level 2", message_id=third.message_id)
        await fi.send("/now")
        await fi.wait_for("Before we start")
    assert not has_button("Step up")(first) and not has_button("Step up")(second)
    assert "Three good sessions in a row" in third.text and f"level 2 of {TOP}" in third.text
    assert (f"level 2 of {TOP}" if accept else "level 1") in reply.text
    assert (
        toasts(standin, mark)[0]
        == "That button is from an earlier message. Please use the latest one."
    )
    level = 2 if accept else 1
    plan = await _one(sqlite_db, Plan, fi.id)
    assert (plan.level, plan.offer_up_pending) == (level, False)
    changes = [
        (c.level_before, c.level_after, c.reason) for c in await rows(sqlite_db, LevelChange, fi.id)
    ]
    assert changes == ([(1, 2, "good_streak")] if accept else [])
    newest = await _one(sqlite_db, ExerciseSession, fi.id)
    assert (newest.level, newest.total_steps) == (level, STEPS_AT_LEVEL[level])


async def test_mild_rise_makes_the_next_session_one_level_lower(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db):
        gu = standin.user(4040)
        await onboard(gu, routine=ROUTINE)
        await set_plan(sqlite_db, gu.id, level=2)
        summary = await run_session(gu, pain_before=2, pain_after=4)
        await gu.send("/now")
        await gu.wait_for("Before we start")
    assert "Your pain went up a little (2 → 4)" in summary.text
    assert f"we'll go gentler next time: level 1 of {TOP}" in summary.text
    after = [c for c in await rows(sqlite_db, CheckIn, gu.id) if c.phase == "after"]
    assert [(c.pain, c.action, c.reason, c.level_before, c.level_after) for c in after] == [
        (4, "continue", "pain_rise_mild", 2, 1)
    ]
    done, newest = await rows(sqlite_db, ExerciseSession, gu.id)
    assert (done.state, done.stop_reason) == ("done", None)
    assert (newest.level, newest.total_steps) == (1, STEPS_AT_LEVEL[1])
    assert (await _one(sqlite_db, Plan, gu.id)).status == "active"


async def test_next_day_worse_steps_down_once_and_a_second_tap_is_stale(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db):
        hy = standin.user(4050)
        await onboard(hy, routine=ROUTINE)
        await set_plan(sqlite_db, hy.id, level=3)
        summary = await run_session(hy, pain_before=2, pain_after=2)
        session = await _one(sqlite_db, ExerciseSession, hy.id)
        data = b.NextDayAnswer(session.id or 0, NextDay.WORSE).pack()
        await hy.press_data(data, summary.message_id)
        told = await hy.wait_for("felt worse the day after")
        mark = len(standin.calls)
        await hy.press_data(data, summary.message_id)
        await asyncio.sleep(0.2)
    assert f"we'll go gentler next time: level 2 of {TOP}" in told.text
    assert toasts(standin, mark) == [
        "That button is from an earlier message. Please use the latest one."
    ]
    next_day = [c for c in await rows(sqlite_db, CheckIn, hy.id) if c.phase == "next_day"]
    assert [(c.next_day, c.reason, c.level_before, c.level_after) for c in next_day] == [
        ("worse", "next_day_worse", 3, 2)
    ]
    assert (await _one(sqlite_db, Plan, hy.id)).level == 2
    assert len(await rows(sqlite_db, LevelChange, hy.id)) == 1


async def test_one_session_steps_down_once_even_when_the_next_day_is_worse_too(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db):
        io = standin.user(4051)
        await onboard(io, routine=ROUTINE)
        await set_plan(sqlite_db, io.id, level=3)
        summary = await run_session(io, pain_before=2, pain_after=3)
        session = await _one(sqlite_db, ExerciseSession, io.id)
        await io.press_data(
            b.NextDayAnswer(session.id or 0, NextDay.WORSE).pack(), summary.message_id
        )
        told = await io.wait_for("felt worse the day after")
    assert f"level 2 of {TOP}" in summary.text and f"level 2 of {TOP}" in told.text
    assert (await _one(sqlite_db, Plan, io.id)).level == 2
    changes = [(c.level_before, c.level_after) for c in await rows(sqlite_db, LevelChange, io.id)]
    assert changes == [(3, 2)]


@pytest.mark.parametrize("typed", ["seven", "11", "-1", "²", "7/10"])
async def test_typed_pain_other_than_0_to_10_gets_a_hint_and_the_question_again(
    standin: StandIn, sqlite_db: Database, typed: str
) -> None:
    async with running_bot(standin, sqlite_db):
        jo = standin.user(4060)
        await onboard(jo, routine=ROUTINE)
        await jo.send("/now")
        await jo.wait_for("Before we start")
        await jo.send(typed)
        hint = await jo.wait_for("Please tap a number from 0 to 10")
        await jo.send("7")
        await jo.wait_for("tingling or numbness")
    assert "Before we start" in hint.text and has_button("10")(hint)
    session = await _one(sqlite_db, ExerciseSession, jo.id)
    assert (session.state, session.pain_before) == ("before_tingle", 7)


async def test_typed_pain_after_the_session_finishes_it(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db):
        ki = standin.user(4061)
        await onboard(ki, routine=ROUTINE)
        await _start(ki, pain="4")
        await ki.wait_for("last stretch", timeout=20)
        await ki.send("12")
        await ki.wait_for("Please tap a number from 0 to 10")
        await ki.send("3")
        summary = await ki.wait_for("Session finished")
    assert "4/10 before → 3/10 after" in summary.text
    session = await _one(sqlite_db, ExerciseSession, ki.id)
    assert (session.state, session.pain_after) == ("done", 3)


async def test_a_worse_next_day_withdraws_a_pending_level_up(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db):
        lu = standin.user(4070)
        await onboard(lu, routine=ROUTINE)
        for _ in range(3):
            offer = await run_session(lu, pain_before=3, pain_after=3)
        session = await _one(sqlite_db, ExerciseSession, lu.id)
        await lu.press_data(
            b.NextDayAnswer(session.id or 0, NextDay.WORSE).pack(), offer.message_id
        )
        told = await lu.wait_for("felt worse the day after")
        mark = len(standin.calls)
        await lu.press("Step up to level 2", message_id=offer.message_id)
        await asyncio.sleep(0.2)
    assert has_button("Step up to level 2")(offer)
    assert "stay at the gentlest level (1)" in told.text
    assert toasts(standin, mark) == [
        "That button is from an earlier message. Please use the latest one."
    ]
    plan = await _one(sqlite_db, Plan, lu.id)
    assert (plan.level, plan.offer_up_pending) == (1, False)
    assert await rows(sqlite_db, LevelChange, lu.id) == []


async def test_a_typed_answer_is_one_transaction_and_its_reply_follows_the_commit(
    standin: StandIn, sqlite_db: Database
) -> None:
    """The text router's transaction and the check-in handler's are one (`Ctx.tx` joins),
    and the question that follows is sent only once the answer is committed."""
    log: list[str] = []

    @event.listens_for(sqlite_db.engine.sync_engine, "begin")
    def _begin(_conn: Any) -> None:
        log.append("begin")

    @event.listens_for(sqlite_db.engine.sync_engine, "commit")
    def _commit(_conn: Any) -> None:
        log.append("commit")

    standin.add_listener(lambda kind, message: log.append(f"{kind}: {message.text[:30]}"))
    async with running_bot(standin, sqlite_db):
        mo = standin.user(4062)
        await onboard(mo, routine=ROUTINE)
        await mo.send("/now")
        await mo.wait_for("Before we start")
        mark = len(log)
        await mo.send("4")
        await mo.wait_for("tingling or numbness")
    after_answer = [entry for entry in log[mark:] if not entry.startswith("edited")]
    assert after_answer[:3] == ["begin", "commit", f"sent: {texts.TINGLING_BEFORE[:30]}"]
    session = await _one(sqlite_db, ExerciseSession, mo.id)
    assert (session.state, session.pain_before) == ("before_tingle", 4)
