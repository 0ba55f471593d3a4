"""Check-ins through the stand-in: tingling and the nerve check, "It hurts", typed answers.
Each row of the safety rules has its own test in test_e2e_safety.py."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlmodel import col

from bot import texts
from bot.clock import Clock
from bot.reminder_sender import send_one_batch
from devtools.standin import BotMessage, ScriptedUser, StandIn
from routines.model import default_catalog
from routines.plan import PainSide, build_session
from storage.engine import Database
from storage.models import CheckIn, ExerciseSession, LevelChange, Plan, SessionStep
from tests.support.databases import rows, set_plan
from tests.support.flows import has_button, onboard, run_session
from tests.support.harness import running_bot

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
        assert f"Step {first_nerve + 1} of {_length(3)}" in check.display_text
        mark = len(ann.chat.events)
        await ann.press("⚡ New tingling or numbness", message_id=check.message_id)
        told = await ann.wait_for(f"we'll go gentler next time: level 2 of {TOP}")
        last = await ann.wait_for("last stretch", timeout=20)
        later = _shown_since(ann, mark)
        await ann.press("2", message_id=last.message_id)
        summary = await ann.wait_for("Session finished")
        await ann.send("/now")
        await ann.wait_for("Before we start")
    assert (
        "nerve is irritated" in told.display_text
        and "leave out the nerve stretches" in told.display_text
    )
    # The nerve check came once, after the first nerve step; every later one was left out.
    assert not any("pulled on the nerve" in text for text in later)
    first, second = await rows(database, ExerciseSession, ann.id)
    steps = await _steps(database, first.id or 0)
    nerve_numbers = set(later_nerve)
    assert {s.number for s in steps if s.status == "skipped"} == nerve_numbers
    assert all(s.status == "done" for s in steps if s.number not in nerve_numbers)
    assert f"skipped: {len(nerve_numbers)}" in summary.display_text
    during = [c for c in await rows(database, CheckIn, ann.id) if c.phase == "during"]
    assert [(c.tingling, c.action, c.reason, c.level_before, c.level_after) for c in during] == [
        ("worse", "spare_nerve", "new_tingling", 3, 2)
    ]
    change = await _one(database, LevelChange, ann.id)
    assert (change.level_before, change.level_after, change.reason) == (3, 2, "new_tingling")
    assert (await _one(database, Plan, ann.id)).level == 2
    assert (first.total_steps, second.total_steps, second.level) == (_length(3), _length(2), 2)


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
    told = await user.wait_for("too much to stretch through")
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
    assert "Before we start" in hint.display_text and has_button("10")(hint)
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
    assert "4/10 before → 3/10 after" in summary.display_text
    session = await _one(sqlite_db, ExerciseSession, ki.id)
    assert (session.state, session.pain_after) == ("done", 3)


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

    standin.add_listener(lambda kind, message: log.append(f"{kind}: {message.display_text[:30]}"))
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
