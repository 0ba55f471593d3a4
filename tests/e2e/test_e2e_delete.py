"""/delete erases every row of the person, in every table, and nobody else's."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, or_, select, update
from sqlmodel import SQLModel, col

from bot import buttons as b
from bot.clock import Clock
from bot.reminder_sender import send_one_batch
from bot.texts import DATA_GONE, DELETE_YES
from devtools.standin import ScriptedUser, StandIn
from routines.plan import PainSide
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import ExerciseSession, Plan, User
from tests.support.flows import onboard, pass_screen, past_the_pre_session_checks, run_session
from tests.support.harness import running_bot
from tests.support.standin import toasts

# Tables that hold no row about a person; any other table must say whose rows it holds.
NOT_PERSONAL = {"processed_update", "instance", "picture_file"}
PERSONAL = {
    "app_user",
    "plan",
    "delivery",
    "exercise_session",
    "session_step",
    "checkin",
    "level_change",
    "morning_check",
}


async def _ids(db: Database, model: Any, user_id: int) -> list[int]:
    async with db.session() as s:
        return list((await s.execute(select(model.id).where(model.user_id == user_id))).scalars())


async def _owners(db: Database, user_id: int) -> dict[str, list[int]]:
    """The ids that make a row this person's: theirs, their plan's, their sessions'."""
    return {
        "app_user.id": [user_id],
        "plan.id": await _ids(db, Plan, user_id),
        "exercise_session.id": await _ids(db, ExerciseSession, user_id),
    }


def _conditions(table: Table, owners: dict[str, list[int]]) -> list[Any]:
    """A condition for every column that can tie a row of `table` to the person."""
    conditions = []
    for column in table.columns:
        targets = {fk.target_fullname for fk in column.foreign_keys}
        if column.primary_key:
            targets.add(f"{table.name}.{column.name}")
        if column.name in {"user_id", "chat_id"}:  # a private chat's id is the user's id
            targets.add("app_user.id")
        conditions += [column.in_(owners[t]) for t in targets if t in owners]
    return conditions


async def _counts(db: Database, owners: dict[str, list[int]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    async with db.session() as s:
        for table in SQLModel.metadata.sorted_tables:
            conditions = _conditions(table, owners)
            if conditions:
                query = select(func.count()).select_from(table).where(or_(*conditions))
                counts[table.name] = int((await s.execute(query)).scalar_one())
    return counts


async def _use_everything(user: ScriptedUser, db: Database) -> None:
    """Leave rows behind: a plan, a finished session with its steps and check-ins, a level
    change and a red-flag answer (reminders and an open session are added by the test)."""
    await onboard(user)
    async with db.session() as s:
        await s.execute(update(Plan).where(col(Plan.user_id) == user.id).values(level=2))
    await run_session(user, pain_before=2, pain_after=7)  # red after: one level down
    await user.send("/redflags")
    await pass_screen(user)
    await user.wait_for("None of the warning signs")


async def test_delete_erases_every_row_of_the_person_and_no_one_elses(
    standin: StandIn, database: Database
) -> None:
    clock = Clock()
    async with running_bot(standin, database, clock=clock) as app:
        ann, bob = standin.user(5001), standin.user(5002)
        await _use_everything(ann, database)
        await _use_everything(bob, database)
        async with database.session() as s:
            due = (await s.execute(select(func.min(Plan.next_due_at)))).scalar_one()
        clock.advance(due + timedelta(minutes=1) - clock.now())
        await send_one_batch(app.bot_data.rt, app.bot)  # a delivery row for each plan
        await ann.send("/now")
        await past_the_pre_session_checks(ann)
        ann_owners, bob_owners = await _owners(database, ann.id), await _owners(database, bob.id)
        ann_before, bob_before = (
            await _counts(database, ann_owners),
            await _counts(database, bob_owners),
        )
        await ann.send("/delete")
        await ann.wait_for("erases everything")
        await ann.press("Yes, erase everything")
        await ann.wait_for("Everything about you has been erased")
        # A button of the erased session still gets a polite answer and brings nothing back.
        question = next(m for m in ann.messages if "Before we start" in m.display_text)
        mark, mark_toasts = len(standin.calls), standin.count("answerCallbackQuery")
        await ann.press("3", message_id=question.message_id)
        async with asyncio.timeout(5):
            await standin.wait_until(lambda: standin.count("answerCallbackQuery") > mark_toasts)
    assert toasts(standin, mark) == [DATA_GONE]
    tables = {t.name for t in SQLModel.metadata.sorted_tables}
    assert set(ann_before) == PERSONAL and tables - PERSONAL == NOT_PERSONAL
    assert all(ann_before[name] > 0 for name in PERSONAL), ann_before
    assert ann_before["exercise_session"] == 2 and ann_before["delivery"] == 1
    assert await _counts(database, ann_owners) == dict.fromkeys(PERSONAL, 0)
    assert await _counts(database, bob_owners) == bob_before
    assert all(bob_before[name] > 0 for name in PERSONAL), bob_before


async def _erase(user: ScriptedUser) -> None:
    await user.send("/delete")
    await user.wait_for("erase")
    await user.press(DELETE_YES)
    await user.wait_for("Everything about you has been erased")


async def test_old_buttons_do_not_bring_an_erased_person_back(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db):
        ida = standin.user(3101)
        await onboard(ida)
        old = ida.messages[0].message_id
        await _erase(ida)
        olds = (
            b.Consent(),
            b.RedFlags(b.Origin.ONBOARDING, b.Flag.EMERGENCY, yes=False),
            b.SideChoice(PainSide.LEFT),
            b.StartNow(),
        )
        for data in (button.pack() for button in olds):
            await ida.press_data(data, old)
        async with asyncio.timeout(5):
            await standin.wait_until(
                lambda: [c.params.get("text") for c in standin.calls].count(DATA_GONE) == 4
            )
        # A red flag still gets its advice, from anyone, and nothing is stored.
        await ida.press_data(b.RedFlags(b.Origin.CHECK, b.Flag.EMERGENCY, yes=True).pack(), old)
        await ida.wait_for("urgent")
    assert await _ids(sqlite_db, Plan, 3101) == []
    async with sqlite_db.session() as s:
        assert await s.get(User, 3101) is None


def _read_all(folder: Path, pattern: str) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.glob(pattern)}


async def test_an_erased_person_is_in_no_database_file(standin: StandIn, tmp_path: Path) -> None:
    """Not in the write-ahead log either, where SQLite keeps old pages until a checkpoint."""
    person_id = 987_654_321_987
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/coach.db")
    await upgrade(db.engine)
    try:
        async with running_bot(standin, db):
            zeb = standin.user(person_id, first_name="Zebediah")
            await onboard(zeb)
            await run_session(zeb)
            await _erase(zeb)
            files = _read_all(tmp_path, "coach.db*")
    finally:
        await db.dispose()
    assert {"coach.db", "coach.db-wal"} <= set(files)
    traces = (b"Zebediah", person_id.to_bytes(6, "big"), str(person_id).encode())
    found = {name: [t for t in traces if t in data] for name, data in files.items()}
    assert found == {name: [] for name in files}
