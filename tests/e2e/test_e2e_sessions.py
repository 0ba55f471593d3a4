"""Guided sessions through the stand-in: hands-free holds, pause, skip, stop, it hurts."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest
from sqlalchemy import select

from devtools.standin import StandIn
from routines.model import default_catalog
from routines.plan import PainSide, build_session
from storage.engine import Database
from storage.models import ExerciseSession, SessionStep
from tests.support.databases import set_plan
from tests.support.flows import onboard, run_session
from tests.support.harness import running_bot


async def _steps(db: Database, user_id: int) -> list[SessionStep]:
    async with db.session() as s:
        query = (
            select(SessionStep)
            .join(ExerciseSession, ExerciseSession.id == SessionStep.session_id)
            .where(ExerciseSession.user_id == user_id)
            .order_by(SessionStep.session_id, SessionStep.number)
        )
        return list((await s.execute(query)).scalars())


async def _session(db: Database, user_id: int) -> ExerciseSession:
    async with db.session() as s:
        query = (
            select(ExerciseSession)
            .where(ExerciseSession.user_id == user_id)
            .order_by(ExerciseSession.id.desc())
        )
        return (await s.execute(query)).scalars().first()


@pytest.mark.parametrize("routine_id", [r.id for r in default_catalog()])
async def test_full_session_of_every_routine_at_its_top_level(
    standin: StandIn, sqlite_db: Database, routine_id: str
) -> None:
    routine = default_catalog().get(routine_id)
    async with running_bot(standin, sqlite_db):
        user = standin.user(3000 + len(routine_id))
        await onboard(user, routine=routine_id, side="Right")
        await set_plan(sqlite_db, user.id, level=routine.top_level)
        summary = await run_session(user, pain_before=3, pain_after=3)
    plan = build_session(routine, routine.top_level, "right")
    recorded = await _steps(sqlite_db, user.id)
    assert [(r.step_id, r.side, r.status) for r in recorded] == [
        (s.step_id, s.side, "done") for s in plan.steps
    ]
    assert f"Steps done: {len(plan.steps)}" in summary.display_text
    assert "3/10 before → 3/10 after" in summary.display_text
    cards = [m for m in user.messages if m.display_text.count("Step ") and " of " in m.display_text]
    assert any("Side: right side" in m.display_text for m in cards) or plan.steps[0].side is None


async def test_hold_ends_with_a_new_message_naming_what_is_next(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db):
        ann = standin.user(3101)
        await onboard(ann, routine="seated_hamstring_progression", side="Left")
        await run_session(ann)
    texts = [m.display_text for m in ann.messages]
    assert any("Now switch to your right side" in t for t in texts)
    assert any("Well done. Next:" in t for t in texts)


async def test_pause_keeps_the_remaining_time_and_resume_continues(
    standin: StandIn, sqlite_db: Database
) -> None:
    # A slow scale, so the pause lands in the middle of the first hold (10 s → 1 s real).
    async with running_bot(
        standin, sqlite_db, timer_scale=0.1, get_ready_seconds=0.0, position_change_seconds=0.0
    ):
        bo = standin.user(3102)
        await onboard(bo)
        await bo.send("/now")
        await bo.wait_for("Before we start")
        await bo.press("1")
        await bo.wait_for("tingling")
        await bo.press("None")
        await bo.wait_for("Step 1 of")
        await asyncio.sleep(0.4)
        await bo.press("⏸ Pause")
        paused = await bo.wait_for("Paused with")
        row = await _session(sqlite_db, bo.id)
        assert row.state == "paused" and row.remaining_seconds is not None
        assert 3 <= row.remaining_seconds <= 8
        await asyncio.sleep(1.5)
        # Still paused: nothing moved on while the timer was held.
        assert (await _session(sqlite_db, bo.id)).step_index == 0
        await bo.press("▶ Resume", message_id=paused.message_id)
        await bo.wait_for("s left")
        await bo.wait_for("Step 2 of", timeout=10)
    steps = await _steps(sqlite_db, bo.id)
    assert steps[0].status == "done"


async def test_skip_stop_and_it_hurts(standin: StandIn, sqlite_db: Database) -> None:
    async with running_bot(
        standin, sqlite_db, timer_scale=0.1, get_ready_seconds=0.0, position_change_seconds=0.0
    ):
        cy = standin.user(3103)
        await onboard(cy)
        await cy.send("/now")
        await cy.wait_for("Before we start")
        await cy.press("2")
        await cy.wait_for("tingling")
        await cy.press("None")
        await cy.wait_for("Step 1 of")
        await cy.press("⏭ Skip")
        await cy.wait_for("Skipped. Next")
        await cy.press("🤕 It hurts")
        await cy.wait_for("Sorry it hurts")
        await cy.press("3")
        await cy.wait_for("tingling or numbness now")
        await cy.press("None")
        await cy.wait_for("Ease off a little")
        await cy.press("⏹ Stop")
        await cy.wait_for("Session stopped")
        await cy.press("3")
        summary = await cy.wait_for("Session finished")
    assert "skipped: 2" in summary.display_text and "Steps done: 0" in summary.display_text
    statuses = [s.status for s in await _steps(sqlite_db, cy.id)]
    assert statuses == ["skipped", "stopped"]
    row = await _session(sqlite_db, cy.id)
    assert row.state == "stopped" and row.stop_reason == "user" and row.pain_after == 3


async def test_old_button_after_the_session_ended(standin: StandIn, sqlite_db: Database) -> None:
    async with running_bot(standin, sqlite_db):
        di = standin.user(3104)
        await onboard(di)
        await run_session(di)
        card = next(m for m in di.messages if "Step 1 of" in m.display_text)
        before = len(standin.calls)
        await di.press("⏸ Pause", message_id=card.message_id)
        await di.press("⏹ Stop", message_id=card.message_id)
        await asyncio.sleep(0.3)
    answers = [p for m, p in standin.calls[before:] if m == "answerCallbackQuery"]
    assert [a.get("text") for a in answers] == [
        "That session has ended. /now starts a new one."
    ] * 2


async def test_restart_mid_hold_then_resume(standin: StandIn, sqlite_db: Database) -> None:
    ed = standin.user(3105)
    async with running_bot(
        standin, sqlite_db, timer_scale=0.5, get_ready_seconds=0.0, position_change_seconds=0.0
    ):
        await onboard(ed)
        await ed.send("/now")
        await ed.wait_for("Before we start")
        await ed.press("1")
        await ed.wait_for("tingling")
        await ed.press("None")
        await ed.wait_for("Step 1 of")
        await asyncio.sleep(0.5)
    async with running_bot(standin, sqlite_db):
        offer = await ed.wait_for("I restarted while you were stretching")
        assert "step 1 of" in offer.display_text
        await ed.press("▶ Resume", message_id=offer.message_id)
        await run_rest(ed)
    steps = await _steps(sqlite_db, ed.id)
    assert [s.number for s in steps] == list(range(1, len(steps) + 1))
    assert all(s.status == "done" for s in steps)


async def run_rest(user) -> None:
    message = await user.wait_for("last stretch", timeout=20)
    await user.press("2", message_id=message.message_id)
    await user.wait_for("Session finished")


async def test_two_people_at_once_do_not_touch_each_other(
    standin: StandIn, database: Database
) -> None:
    async with running_bot(standin, database):
        fi, gu = standin.user(3106), standin.user(3107)
        await asyncio.gather(
            onboard(fi, side="Left"), onboard(gu, routine="runner_cooldown_sciatica", side="Right")
        )
        a, b = await asyncio.gather(
            run_session(fi, pain_before=1, pain_after=1),
            run_session(gu, pain_before=4, pain_after=4),
        )
    assert "1/10 before" in a.text and "4/10 before" in b.text
    fi_steps, gu_steps = await _steps(database, fi.id), await _steps(database, gu.id)
    assert {s.step_id for s in fi_steps}.isdisjoint({s.step_id for s in gu_steps})
    assert all(s.status == "done" for s in fi_steps + gu_steps)


@pytest.mark.parametrize("routine_id", ["seated_couch_sciatica", "seated_hamstring_progression"])
async def test_api_calls_per_step_stay_within_the_budget(
    standin: StandIn, sqlite_db: Database, routine_id: str
) -> None:
    """The design's budget: at most 3 Bot API calls per step on average, check-ins included."""
    routine = default_catalog().get(routine_id)
    async with running_bot(standin, sqlite_db):
        user = standin.user(3200 + len(routine_id))
        await onboard(user, routine=routine_id)
        await set_plan(sqlite_db, user.id, level=routine.top_level)
        first_call = len(standin.calls)
        await run_session(user)
        session_calls = [
            method
            for method, params in standin.calls[first_call:]
            if params.get("chat_id") == user.id or method == "answerCallbackQuery"
        ]
    steps = len(build_session(routine, routine.top_level, "left").steps)
    assert len(session_calls) / steps <= 3, (len(session_calls), steps)
    # Every hold's end is announced by a new message (it makes a sound); edits do the rest.
    new = session_calls.count("sendMessage") + session_calls.count("sendPhoto")
    assert new >= steps - 1


async def test_a_stopped_session_is_stored_and_exported_as_stopped(
    standin: StandIn, database: Database
) -> None:
    async with running_bot(standin, database):
        jo = standin.user(3108)
        await onboard(jo)
        await _start_first_step(jo)
        await jo.press("⏹ Stop")
        await jo.wait_for("Session stopped")
        await jo.press("2")
        await jo.wait_for("Session finished")
        await jo.send("/export")
        sent = await jo.wait_for(lambda m: m.document is not None)
    row = await _session(database, jo.id)
    assert (row.state, row.stop_reason) == ("stopped", "user")
    assert sent.document is not None
    rows = list(csv.DictReader(io.StringIO(sent.document.data.decode("utf-8"))))
    assert [(r["status"], r["reason"]) for r in rows if r["record"] == "session"] == [
        ("stopped", "user")
    ]


def _level_one_length(routine_id: str = "seated_hamstring_progression") -> int:
    return len(build_session(default_catalog().get(routine_id), 1, PainSide.LEFT).steps)


async def _start_first_step(user) -> None:  # type: ignore[no-untyped-def]
    await user.send("/now")
    await user.wait_for("Before we start")
    await user.press("2")
    await user.wait_for("tingling")
    await user.press("None")
    await user.wait_for("Step 1 of")


async def test_a_step_card_that_fails_twice_is_retried_and_shown(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db):
        ki = standin.user(3109)
        await onboard(ki)
        # Once step 1's card is up, the next photo sent is step 2's card.
        await _start_first_step(ki)
        standin.fail_next("sendPhoto", 502, 2)
        await ki.wait_for("Step 2 of", timeout=10)
        await run_rest(ki)
    assert len([f for f in standin.failed if f.method == "sendPhoto"]) == 2
    statuses = [s.status for s in await _steps(sqlite_db, ki.id)]
    assert statuses == ["done"] * _level_one_length()


async def test_a_step_card_that_cannot_be_shown_for_a_minute_pauses_the_session(
    standin: StandIn, sqlite_db: Database
) -> None:
    # The minute is on the catalog's clock, so at the harness's timer scale it passes fast.
    async with running_bot(standin, sqlite_db):
        li = standin.user(3110)
        await onboard(li)
        await _start_first_step(li)
        standin.fail_next("sendPhoto", 502, 10_000)
        async with asyncio.timeout(10):
            while (await _session(sqlite_db, li.id)).state != "paused":  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        standin.faults._scripted.clear()  # Telegram is back
        row = await _session(sqlite_db, li.id)
        assert row.step_index == 1
        assert [s.status for s in await _steps(sqlite_db, li.id)] == ["done"]
        await li.send("/now")
        offer = await li.wait_for("couldn't show you step 2")
        await li.press("▶ Resume", message_id=offer.message_id)
        await li.wait_for("Step 2 of")
        await run_rest(li)
    statuses = [s.status for s in await _steps(sqlite_db, li.id)]
    assert statuses == ["done"] * _level_one_length()
