"""Onboarding and plan settings through the stand-in, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot import buttons as b
from devtools.standin import StandIn
from storage.engine import Database
from storage.models import CheckIn, Plan, User
from tests.support.flows import onboard, to_side_question
from tests.support.harness import running_bot


async def _plan(db: Database, user_id: int) -> Plan | None:
    async with db.session() as s:
        return (await s.execute(select(Plan).where(Plan.user_id == user_id))).scalar_one_or_none()


async def test_whole_flow_saves_a_plan(standin: StandIn, database: Database) -> None:
    async with running_bot(standin, database):
        ann = standin.user(2001, first_name="Ann")
        await onboard(ann, side="Right", time="19:00", zone="new york")
        summary = ann.last_message
        assert summary is not None
        assert "Seated hamstring stretch" in summary.display_text
        assert "Right" in summary.display_text and "19:00" in summary.display_text
        assert "America/New_York" in summary.display_text
        assert [b["text"] for b in summary.buttons] == [
            "▶ Start a session now",
            "✏ Change something",
        ]
    plan = await _plan(database, 2001)
    assert plan is not None
    assert (plan.routine_id, plan.side, plan.time_local, plan.tz) == (
        "seated_hamstring_progression",
        "right",
        "19:00",
        "America/New_York",
    )
    assert plan.level == 1 and plan.status == "active"
    assert plan.next_due_at is not None and plan.next_due_at > datetime.now(UTC)
    local_due = plan.next_due_at.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York"))
    assert (local_due.hour, local_due.minute) == (19, 0)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7:30", "07:30"),
        ("07:30", "07:30"),
        ("7.30", "07:30"),
        ("7:30 pm", "19:30"),
        ("19:30", "19:30"),
    ],
)
async def test_each_way_of_typing_a_time(
    standin: StandIn, sqlite_db: Database, typed: str, expected: str
) -> None:
    async with running_bot(standin, sqlite_db):
        bob = standin.user(2002)
        await _to_time_question(bob)
        await bob.send(typed)
        await bob.wait_for("time zone")
        await bob.send("UTC+2")
        await bob.wait_for("Your plan")
    plan = await _plan(sqlite_db, 2002)
    assert plan is not None and plan.time_local == expected and plan.tz == "UTC+02:00"


async def test_bad_time_and_zone_get_a_hint_and_the_question_again(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db):
        cy = standin.user(2003)
        await _to_time_question(cy)
        await cy.send("25:99")
        hint = await cy.wait_for("couldn't read that as a time")
        assert any(b["text"] == "07:00" for b in hint.buttons)
        await cy.send("8:15")
        await cy.wait_for("time zone")
        await cy.send("Atlantis")
        await cy.wait_for("don't know that place")
        await cy.send_location(52.52, 13.40)
        await cy.wait_for("Europe/Berlin")
        await cy.wait_for("Your plan")
    plan = await _plan(sqlite_db, 2003)
    assert plan is not None and plan.tz == "Europe/Berlin" and plan.time_local == "08:15"


async def test_red_flag_yes_sends_to_urgent_care_and_creates_no_plan(
    standin: StandIn, database: Database
) -> None:
    async with running_bot(standin, database):
        dee = standin.user(2004)
        await dee.send("/start")
        await dee.wait_for("not medical advice")
        await dee.press("I understand and agree")
        await dee.wait_for("safety check")
        await dee.press("Yes, at least one")
        urgent = await dee.wait_for("urgent medical help")
        assert "999" in urgent.display_text and "A&E" in urgent.display_text
        await dee.send("/start")
        await dee.wait_for("safety check")
    assert await _plan(database, 2004) is None
    async with database.session() as s:
        answers = (await s.execute(select(CheckIn).where(CheckIn.user_id == 2004))).scalars().all()
        user = await s.get(User, 2004)
    assert [(a.phase, a.red_flag) for a in answers] == [("screen", True)]
    assert user is not None and user.red_flag_at is not None


async def test_settings_changes_one_thing(standin: StandIn, database: Database) -> None:
    async with running_bot(standin, database):
        eve = standin.user(2005)
        await onboard(eve)
        before = await _plan(database, 2005)
        await eve.send("/settings")
        await eve.wait_for("What would you like to change")
        await eve.press("Time zone")
        await eve.wait_for("time zone")
        await eve.send("Tokyo")
        await eve.wait_for("Your plan")
        await eve.send("/settings")
        await eve.wait_for("What would you like to change")
        await eve.press("Days")
        await eve.wait_for("Which days")
        await eve.press("Sun")
        await eve.wait_for(lambda m: "✅ Sun" in str(m.buttons))
        await eve.press("Done")
        await eve.wait_for("Your plan")
    after = await _plan(database, 2005)
    assert before is not None and after is not None
    assert after.tz == "Asia/Tokyo" and after.time_local == before.time_local
    assert after.days == before.days + ",6"
    assert after.next_due_at != before.next_due_at


async def test_pause_and_resume(standin: StandIn, database: Database) -> None:
    async with running_bot(standin, database):
        fay = standin.user(2006)
        await onboard(fay)
        await fay.send("/pause")
        await fay.wait_for("how long")
        await fay.press("Until I resume")
        await fay.wait_for("Reminders paused")
        paused = await _plan(database, 2006)
        assert paused is not None and paused.status == "paused" and paused.next_due_at is None
        await fay.send("/resume")
        await fay.wait_for("Reminders are back on")
        await fay.send("/pause 3")
        await fay.wait_for("paused until")
        short = await _plan(database, 2006)
        assert short is not None and short.paused_until is not None
        assert short.next_due_at is not None and short.next_due_at >= short.paused_until
    resumed = await _plan(database, 2006)
    assert resumed is not None and resumed.status == "active"


async def test_restart_mid_onboarding_continues_at_the_same_question(
    standin: StandIn, sqlite_db: Database
) -> None:
    gus = standin.user(2007)
    async with running_bot(standin, sqlite_db):
        await _to_time_question(gus)
    async with running_bot(standin, sqlite_db):
        await gus.press("08:00")
        await gus.wait_for("time zone")
        await gus.send("London")
        await gus.wait_for("Your plan")
    plan = await _plan(sqlite_db, 2007)
    assert plan is not None and plan.time_local == "08:00" and plan.tz == "Europe/London"


async def test_stale_and_forged_buttons_get_a_polite_answer(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db):
        hal = standin.user(2008)
        await onboard(hal)
        first = hal.messages[0]
        old = (b.Consent(), b.DayToggle(3), b.RoutineChoice("no_such_routine"))
        # Ours but out of date, and two that were never ours.
        for stale in (*(button.pack() for button in old), "0|old|format", "x" * 64):
            await hal.press_data(stale, first.message_id)
        await hal.send("hello?")
        await hal.wait_for("not waiting for an answer")
    answers = [p for m, p in standin.calls if m == "answerCallbackQuery"]
    assert sum("earlier message" in (p.get("text") or "") for p in answers) == 5
    plan = await _plan(sqlite_db, 2008)
    assert plan is not None and plan.days == "0,2,4"


async def _to_time_question(user) -> None:
    await to_side_question(user)
    await user.press("Back only")
    await user.wait_for("Which days")
    await user.press("Done")
    await user.wait_for("What time")


async def test_an_etc_gmt_zone_is_shown_with_the_sign_people_expect(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db):
        ivy = standin.user(2009)
        await onboard(ivy, zone="Etc/GMT+11")
        zone_set = next(m for m in ivy.messages if "Time zone:" in m.display_text)
        plan = await ivy.wait_for("Your plan")
    # Etc/GMT+11 is eleven hours behind UTC (POSIX signs); "GMT+11" would say the opposite.
    assert "Time zone: UTC−11." in zone_set.display_text
    assert "(UTC−11)" in plan.display_text
    assert "GMT+11" not in zone_set.display_text + plan.display_text
