"""/progress, /history, /export and /stats through the stand-in, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot import charts, export, texts
from devtools.standin import BotMessage, ScriptedUser, StandIn
from routines.model import default_catalog
from storage.engine import Database
from storage.models import CheckIn, ExerciseSession, LevelChange, Plan, SessionStep
from tests.support.databases import rows, set_plan
from tests.support.flows import onboard, run_session
from tests.support.harness import running_bot
from tests.support.png import png_size

BERLIN = ZoneInfo("Europe/Berlin")
TOP = default_catalog().get("seated_hamstring_progression").top_level


def has_photo(message: BotMessage) -> bool:
    return message.photo is not None


def has_document(message: BotMessage) -> bool:
    return message.document is not None


async def _stop_at_once(user: ScriptedUser) -> None:
    await user.send("/now")
    await user.wait_for("Before we start")
    await user.press("5")
    await user.wait_for("tingling")
    await user.press("None")
    await user.wait_for("Step 1 of")
    await user.press("⏹ Stop")
    await user.wait_for("Session stopped")
    await user.press("5")
    await user.wait_for("Session finished")


async def test_progress_explains_the_chart_until_there_are_two_sessions(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db):
        ann = standin.user(9001)
        await ann.send("/progress")
        await ann.wait_for(texts.NO_PLAN[:30])
        await onboard(ann)
        await run_session(ann)
        await ann.send("/progress")
        reply = await ann.wait_for("needs at least two sessions")
    assert "(so far: 1)" in reply.display_text
    assert not any("Your progress" in m.display_text for m in ann.messages)


async def test_progress_sends_a_chart_with_the_numbers(
    standin: StandIn, database: Database
) -> None:
    async with running_bot(standin, database):
        bo = standin.user(9002)
        await onboard(bo)
        await set_plan(database, bo.id, level=2)
        await run_session(bo, pain_before=4, pain_after=2)
        # Red after the session steps the level back down: a level change to mark.
        await run_session(bo, pain_before=1, pain_after=6)
        # A red flag pauses the plan: a pause to mark.
        await bo.send("/redflags")
        await bo.wait_for("safety check")
        await bo.press("Yes, at least one")
        await bo.wait_for("urgent medical help")
        await bo.send("/progress")
        chart = await bo.wait_for(has_photo, timeout=15)
    assert chart.photo is not None and png_size(chart.photo.data) == (charts.WIDTH, charts.HEIGHT)
    caption = chart.caption or ""
    assert "Streak: 1\n" in caption
    assert "Sessions this month: 2\n" in caption
    assert "Average change in pain per session: +1.5 " in caption
    assert caption.endswith(f"Level: 1 of {TOP}")
    changes = await rows(database, LevelChange, bo.id)
    assert [(c.level_before, c.level_after) for c in changes] == [(2, 1)]


def test_the_caption_fits_telegram_for_every_routine() -> None:
    longest = max((r.title for r in default_catalog()), key=len)
    caption = texts.PROGRESS_CAPTION.format(
        routine=escape(longest), streak=999, month=99, change="−10.0", level=99, top=99
    )
    assert len(caption) <= 1024


async def test_history_lists_the_last_sessions_newest_first(
    standin: StandIn, database: Database
) -> None:
    async with running_bot(
        standin, database, timer_scale=0.03, get_ready_seconds=0.0, position_change_seconds=0.0
    ):
        cy = standin.user(9003)
        await cy.send("/history")
        await cy.wait_for("haven't finished a session")
        await onboard(cy)
        await run_session(cy, pain_before=3, pain_after=1)
        await _stop_at_once(cy)
        await cy.send("/history")
        reply = await cy.wait_for("Your latest sessions")
    sessions = sorted(await rows(database, ExerciseSession, cy.id), key=lambda r: r.started_at)
    entries = reply.display_text.split("\n\n")[1:]
    assert len(entries) == 2
    stopped, done = entries
    day = sessions[0].started_at.astimezone(BERLIN).strftime("%a %d %b")
    assert stopped.startswith(day) and done.startswith(day)
    assert "Seated hamstring stretch" in done and "Level 1 · " in done
    assert "pain 3/10 → 1/10" in done and "Stopped" not in done
    assert "pain 5/10 → 5/10" in stopped
    assert stopped.endswith("⏹ Stopped by you")
    assert " min · " in done


async def test_export_sends_every_record_as_csv(standin: StandIn, database: Database) -> None:
    async with running_bot(standin, database):
        di = standin.user(9004)
        await di.send("/export")
        await di.wait_for("nothing stored about you")
        await onboard(di)
        await run_session(di, pain_before=3, pain_after=2)
        await di.send("/export")
        sent = await di.wait_for(has_document)
    assert sent.document is not None
    assert sent.document.filename == "stretchcoach-export.csv"
    assert sent.document.mime_type == "text/csv"
    reader = csv.DictReader(io.StringIO(sent.document.data.decode("utf-8")))
    assert tuple(reader.fieldnames or ()) == export.HEADER
    exported = list(reader)
    by_record = {kind: [r for r in exported if r["record"] == kind] for kind in export.RANK}
    steps = await rows(database, SessionStep, di.id)
    checkins = await rows(database, CheckIn, di.id)
    assert len(by_record["session"]) == 1 and len(by_record["level_change"]) == 0
    assert {r["id"] for r in by_record["step"]} == {str(s.id) for s in steps}
    assert {r["id"] for r in by_record["checkin"]} == {str(c.id) for c in checkins}
    session = by_record["session"][0]
    assert (session["status"], session["pain_before"], session["pain_after"]) == ("done", "3", "2")
    assert {r["phase"] for r in by_record["checkin"]} >= {"screen", "before", "after"}
    for row in exported:
        utc, here = (
            datetime.fromisoformat(row["time_utc"]),
            datetime.fromisoformat(row["time_local"]),
        )
        assert utc.utcoffset() == timedelta(0) and here == utc
        assert here.utcoffset() == utc.astimezone(BERLIN).utcoffset()


async def test_stats_for_admins_only(standin: StandIn, database: Database) -> None:
    admin, person, pauser = standin.user(9005), standin.user(9006), standin.user(9007)
    async with running_bot(standin, database, admin_ids=frozenset({admin.id})):
        await onboard(person)
        await set_plan(database, person.id, days="0,1,2,3,4,5,6")
        await run_session(person)
        await onboard(pauser)
        await pauser.send("/pause 3")
        await pauser.wait_for("Reminders paused")
        await _add_month_of_events(database, person.id)
        await person.send("/stats")
        refused = await person.wait_for(lambda m: True)
        await person.send("/no_such_command")
        unknown = await person.wait_for(lambda m: True)
        await admin.send("/stats")
        stats = await admin.wait_for("Stats")
    assert refused.display_text == unknown.display_text == texts.UNKNOWN_COMMAND
    assert refused.entities == unknown.entities
    assert stats.display_text.splitlines() == [
        "Stats",
        "People: 2",
        "Plans: 1 active, 1 paused",
        "",
        "Last 7 days",
        "Sessions: 2 started, 1 done",
        "Adherence: 1 of 1 planned days (100%)",
        "",
        "Last 30 days",
        "Stops: 1",
        "Regressions: 1",
        "Red flags: 1",
    ]


async def _add_month_of_events(db: Database, user_id: int) -> None:
    """What the last weeks might have held; only what falls within 30 days is counted."""
    now = datetime.now(UTC)
    async with db.session() as s:
        plan = (await s.execute(select(Plan).where(Plan.user_id == user_id))).scalar_one()
        s.add_all(
            [
                LevelChange(
                    user_id=user_id,
                    plan_id=plan.id,
                    level_before=2,
                    level_after=1,
                    reason="pain_rise_mild",
                    created_at=now - timedelta(days=3),
                ),
                LevelChange(
                    user_id=user_id,
                    plan_id=plan.id,
                    level_before=2,
                    level_after=1,
                    reason="routine_changed",
                    created_at=now - timedelta(days=2),
                ),
                LevelChange(
                    user_id=user_id,
                    plan_id=plan.id,
                    level_before=1,
                    level_after=2,
                    reason="good_streak",
                    created_at=now - timedelta(days=1),
                ),
                LevelChange(
                    user_id=user_id,
                    plan_id=plan.id,
                    level_before=3,
                    level_after=2,
                    reason="new_tingling",
                    created_at=now - timedelta(days=40),
                ),
                CheckIn(
                    user_id=user_id,
                    phase="redflags",
                    red_flag=True,
                    created_at=now - timedelta(days=10),
                ),
                CheckIn(
                    user_id=user_id,
                    phase="screen",
                    red_flag=True,
                    created_at=now - timedelta(days=45),
                ),
                ExerciseSession(
                    user_id=user_id,
                    routine_id=plan.routine_id,
                    level=1,
                    side="left",
                    state="stopped",
                    total_steps=4,
                    stop_reason="abandoned",
                    local_date=now.date().isoformat(),
                    started_at=now - timedelta(days=1),
                    ended_at=now - timedelta(days=1),
                ),
            ]
        )
