"""The programme in Telegram: rep sets with Done, rests on the card, the floor choice, the
question a routine asks before it is chosen, and /learn."""

from __future__ import annotations

from sqlalchemy import select

from bot import texts
from devtools.standin import ScriptedUser, StandIn
from routines.model import default_catalog
from routines.plan import PainSide, build_session, works_off_floor
from storage.engine import Database
from storage.models import ExerciseSession, Plan, SessionStep
from tests.support.flows import choose_routine, has_button, onboard, pick_routine
from tests.support.harness import running_bot


async def _plan(db: Database, user_id: int) -> Plan:
    async with db.session() as s:
        return (await s.execute(select(Plan).where(Plan.user_id == user_id))).scalar_one()


async def _steps(db: Database, user_id: int) -> list[SessionStep]:
    async with db.session() as s:
        rows = await s.execute(
            select(SessionStep)
            .join(ExerciseSession, ExerciseSession.id == SessionStep.session_id)  # type: ignore[arg-type]
            .where(ExerciseSession.user_id == user_id)
            .order_by(SessionStep.number)  # type: ignore[arg-type]
        )
        return list(rows.scalars())


async def _begin(user: ScriptedUser) -> None:
    await user.send("/now")
    await user.wait_for("Before we start")
    await user.press("2")
    await user.wait_for("tingling or numbness")
    await user.press("None")


async def test_a_set_of_reps_is_one_card_that_done_ends_early(
    standin: StandIn, sqlite_db: Database
) -> None:
    # Slow enough that nobody's set ends before the press.
    async with running_bot(standin, sqlite_db, timer_scale=0.05, position_change_seconds=0.0):
        ann = standin.user(7101)
        await onboard(ann, routine="gentle_sciatica_set")
        await _begin(ann)
        card = await ann.wait_for(has_button(texts.DONE), timeout=60)
        assert " times" in card.display_text and "about " in card.display_text
        number = int(card.display_text.split("Step ", 1)[1].split(" of", 1)[0])
        await ann.press(texts.DONE, message_id=card.message_id)
        following = await ann.wait_for(f"Step {number + 1} of", timeout=30)
        # The next card is a new message, so that it makes a sound.
        assert following.message_id != card.message_id
        await ann.send("/stop")
    done = next(step for step in await _steps(sqlite_db, 7101) if step.number == number)
    routine = default_catalog().get("gentle_sciatica_set")
    planned = build_session(routine, 1, PainSide.LEFT).steps[number - 1]
    assert done.status == "done" and done.seconds < planned.seconds


async def test_no_floor_gives_the_standing_alternative(
    standin: StandIn, sqlite_db: Database
) -> None:
    routine = default_catalog().get("runner_cooldown_sciatica")
    lying = next(s for s in routine.steps.values() if s.off_floor)
    wall = routine.steps[lying.off_floor or ""]
    async with running_bot(standin, sqlite_db):
        bo = standin.user(7102)
        await choose_routine(bo, "runner_cooldown_sciatica")
        await bo.wait_for(has_button(texts.FLOOR_NO))
        await bo.press(texts.FLOOR_NO)
        await bo.wait_for("Where is your pain")
        await bo.press("Left")
        await bo.wait_for("Which days")
        await bo.press("Done")
        await bo.wait_for("What time")
        await bo.press("07:00")
        await bo.wait_for("time zone")
        await bo.send("Europe/London")
        await bo.wait_for("Your plan")
        assert not (await _plan(sqlite_db, 7102)).floor
        await _begin(bo)
        await bo.wait_for(wall.name, timeout=60)
        await bo.send("/stop")
    # The step cards; the routine's preview lists the steps of every level.
    names = {m.display_text for m in bo.messages if "Step " in m.display_text}
    assert not any(lying.name in text for text in names)

    # /settings turns the floor back on for the next session.
    async with running_bot(standin, sqlite_db):
        await bo.send("/settings")
        await bo.wait_for(has_button(texts.SETTINGS_ITEMS["floor"]))
        await bo.press(texts.SETTINGS_ITEMS["floor"])
        await bo.wait_for("floor")
        await bo.press(texts.FLOOR_YES)
        await bo.wait_for("Your plan")
    assert (await _plan(sqlite_db, 7102)).floor


async def test_a_yes_to_the_routines_question_steers_to_another(
    standin: StandIn, sqlite_db: Database
) -> None:
    routine = default_catalog().get("seated_hamstring_progression")
    assert routine.not_for_question is not None
    async with running_bot(standin, sqlite_db):
        cy = standin.user(7103)
        await choose_routine(cy, routine.id)
        await cy.wait_for(has_button(texts.FITS_YES))
        await cy.press(texts.FITS_YES)
        steered = await cy.wait_for(texts.NOT_FOR_YOU[:40])
        labels = [button["text"] for button in steered.buttons]
        assert labels and not any(routine.title in label for label in labels)
        # Another routine goes on as usual.
        await pick_routine(cy, "seated_couch_sciatica")
        await cy.wait_for("Where is your pain")


async def test_no_floor_for_a_floor_routine_steers_to_one_that_works_off_it(
    standin: StandIn, sqlite_db: Database
) -> None:
    catalog = default_catalog()
    async with running_bot(standin, sqlite_db):
        fa = standin.user(7106)
        await choose_routine(fa, "after_run_back_relief")
        await fa.wait_for(has_button(texts.FLOOR_NO))
        await fa.press(texts.FLOOR_NO)
        steered = await fa.wait_for(texts.FLOOR_NOT_HERE[:40])
        offered = {label for button in steered.buttons for label in [button["text"]]}
        expected = {r.title for r in catalog if works_off_floor(r)}
        assert {label.split(" · ")[0] for label in offered} == expected
        # The cool-down, off the floor, does not ask again.
        await pick_routine(fa, "runner_cooldown_sciatica")
        await fa.wait_for("Where is your pain")


async def test_learn_cards_page_in_place(standin: StandIn, sqlite_db: Database) -> None:
    async with running_bot(standin, sqlite_db):
        di = standin.user(7104)
        await di.send("/learn")
        first = await di.wait_for(texts.LEARN_CARDS[0][0])
        await di.press(texts.LEARN_NEXT)
        second = await di.wait_for(texts.LEARN_CARDS[1][0])
        await di.press(texts.LEARN_PREVIOUS)
        again = await di.wait_for(texts.LEARN_CARDS[0][0])
    assert first.message_id == second.message_id == again.message_id
    assert len(di.messages) == 1


async def test_a_session_begun_on_an_older_catalog_is_closed_with_a_word(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db, timer_scale=0.2):
        ed = standin.user(7105)
        await onboard(ed, routine="after_run_back_relief")
        await _begin(ed)
        card = await ed.wait_for("Step 1 of")
        # As if the session had begun before a new catalog gave the routine other steps.
        async with sqlite_db.session() as s:
            row = (
                await s.execute(select(ExerciseSession).where(ExerciseSession.user_id == 7105))
            ).scalar_one()
            row.total_steps += 5
        await ed.press("⏭ Skip", message_id=card.message_id)
        await ed.wait_for(texts.SESSION_PLAN_CHANGED[:40])
    async with sqlite_db.session() as s:
        row = (
            await s.execute(select(ExerciseSession).where(ExerciseSession.user_id == 7105))
        ).scalar_one()
    assert row.state == "stopped" and row.stop_reason == "plan_changed"


async def test_no_floor_in_settings_on_a_floor_routine_steers_to_another(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db):
        gi = standin.user(7107)
        await onboard(gi, routine="after_run_back_relief")
        await gi.send("/settings")
        await gi.wait_for(has_button(texts.SETTINGS_ITEMS["floor"]))
        await gi.press(texts.SETTINGS_ITEMS["floor"])
        await gi.wait_for(has_button(texts.FLOOR_NO))
        await gi.press(texts.FLOOR_NO)
        await gi.wait_for(texts.FLOOR_NOT_HERE[:40])
        await pick_routine(gi, "seated_couch_sciatica")
        await gi.wait_for("Your plan")
    plan = await _plan(sqlite_db, 7107)
    assert (plan.routine_id, plan.floor) == ("seated_couch_sciatica", False)
