"""Whatever anyone sends, in any dialog state, the bot answers and breaks nothing.

The real Application runs once, on a loop in a background thread, against the validating
stand-in; hypothesis sends each example from a fresh person so states do not leak."""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlmodel import SQLModel

from bot import buttons
from bot import texts as bot_texts
from bot.app import ROUTES
from devtools.standin import ScriptedUser, StandIn
from storage.engine import Database
from storage.migrate import upgrade
from tests.support.flows import has_button, onboard
from tests.support.harness import running_bot
from tests.support.standin import load_spec

VICTIM = 900_001
ids = itertools.count(910_000)


class Rig:
    """A loop in a thread holding the stand-in and the running bot."""

    def __init__(self, db_path: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.db_path = db_path
        self.ready = threading.Event()
        self.stop_event: asyncio.Event | None = None
        self.main = asyncio.run_coroutine_threadsafe(self._serve(), self.loop)
        assert self.ready.wait(30), "bot did not start"

    async def _serve(self) -> None:
        self.stop_event = asyncio.Event()
        self.db = Database(f"sqlite+aiosqlite:///{self.db_path}")
        await upgrade(self.db.engine)
        async with (
            StandIn(load_spec()) as self.standin,
            running_bot(self.standin, self.db) as self.app,
        ):
            self.ready.set()
            await self.stop_event.wait()
        await self.db.dispose()

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        assert self.stop_event is not None
        self.loop.call_soon_threadsafe(self.stop_event.set)
        self.main.result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    rig = Rig(tmp_path_factory.mktemp("fuzz") / "fuzz.db")
    rig.run(_prepare_victim(rig))
    yield rig
    rig.close()
    assert rig.standin.violations == [], rig.standin.violations


async def _prepare_victim(rig: Rig) -> None:
    victim = rig.standin.user(VICTIM, first_name="Vic")
    await onboard(victim)
    await victim.send("/now")
    await victim.wait_for("Before we start")


async def _snapshot(db: Database, user_id: int) -> list[tuple[str, tuple[Any, ...]]]:
    rows: list[tuple[str, tuple[Any, ...]]] = []
    async with db.session() as s:
        for table in SQLModel.metadata.sorted_tables:
            column = (
                table.c.get("user_id")
                if "user_id" in table.c
                else table.c.get("id")
                if table.name == "app_user"
                else None
            )
            if column is None:
                continue
            for row in (await s.execute(select(table).where(column == user_id))).all():
                rows.append((table.name, tuple(row)))
    return sorted(rows, key=repr)


STATES = [
    "fresh",
    "consent",
    "screen",
    "urgent",
    "health",
    "routine",
    "time",
    "zone",
    "plan",
    "session",
    "holding",
]


async def _bring_to(user: ScriptedUser, state: str) -> None:
    steps: list[tuple[str, str, str, str]] = [
        ("consent", "send", "/start", "not medical advice"),
        ("screen", "press", "I understand and agree", "safety check"),
        ("urgent", "press", "No, none of these", "And any of these"),
        ("health", "press", "No, none of these", "before your first session"),
        ("routine", "press", "No, none of these", "Choose a routine"),
    ]
    for name, kind, value, then in steps:
        if state == "fresh":
            return
        await (user.send(value) if kind == "send" else user.press(value))
        await user.wait_for(then)
        if name == state:
            return
    await user.press("Seated hamstring stretch")
    await user.wait_for(has_button("Choose this routine"))
    await user.press("Choose this routine")
    await user.wait_for(has_button(bot_texts.FITS_NO))
    await user.press(bot_texts.FITS_NO)
    await user.wait_for("Where is your pain")
    await user.press("Left")
    await user.wait_for("Which days")
    await user.press("Done")
    await user.wait_for("What time")
    if state == "time":
        return
    await user.press("07:00")
    await user.wait_for("time zone")
    if state == "zone":
        return
    await user.send("UTC")
    await user.wait_for("Your plan")
    if state == "plan":
        return
    await user.send("/now")
    await user.wait_for("Before we start")
    if state == "session":
        return
    await user.press("2")
    await user.wait_for("tingling")
    await user.press("None")
    await user.wait_for("Step 1 of")


texts = st.one_of(
    st.text(min_size=1, max_size=300).filter(lambda t: t.strip() != ""),
    st.sampled_from(
        [
            "😀🙈💥",
            "11",
            "-3",
            "99999999999999999999",
            "7:99",
            "0",
            "10",
            "  ",
            "<b>hi</b>",
            "&amp;",
        ]
    ),
    st.sampled_from(
        [
            "/start",
            "/now",
            "/settings",
            "/pause",
            "/pause 999",
            "/pause -1",
            "/resume",
            "/stop",
            "/redflags",
            "/help",
            "/history",
            "/progress",
            "/export",
            "/stats",
            "/delete",
            "/nonsense",
            "/now@otherbot",
            "/start payload",
        ]
    ),
)
forged = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda kind, junk: f"{buttons.VERSION}|{kind.PREFIX}|{junk}",
        st.sampled_from(sorted(ROUTES.buttons, key=lambda kind: kind.PREFIX)),
        st.text(alphabet="0123456789|abcxyz-", max_size=20),
    ),
    st.just(buttons.Control(1, 0, buttons.Command.STOP).pack()),
    st.just(buttons.Pain(1, buttons.Moment.BEFORE, 5).pack()),
    st.just(buttons.DeleteConfirm(yes=True).pack()),
    st.just("x" * 200),
)
actions = st.lists(
    st.one_of(
        st.tuples(st.just("text"), texts),
        st.tuples(st.just("forged"), forged),
        st.tuples(st.just("press"), st.integers(0, 20)),
        st.tuples(st.just("sticker"), st.just("")),
        st.tuples(st.just("photo"), st.just("")),
        st.tuples(st.just("edit"), texts),
        st.tuples(st.just("location"), st.tuples(st.floats(-90, 90), st.floats(-180, 180))),
    ),
    min_size=1,
    max_size=6,
)


async def _act(rig: Rig, user: ScriptedUser, action: tuple[str, Any]) -> None:
    kind, value = action
    before = len(rig.standin.calls_for(user.id)) + _answers(rig)
    last = user.messages[-1].message_id if user.messages else 1
    if kind == "text":
        await user.send(value)
    elif kind == "forged":
        await user.press_data(value, last)
    elif kind == "press":
        buttons = [
            (m.message_id, b) for m in user.messages for b in m.buttons if "callback_data" in b
        ]
        if not buttons:
            return
        message_id, button = buttons[value % len(buttons)]
        await user.press_data(button["callback_data"], message_id)
    elif kind == "sticker":
        await user.send_sticker()
    elif kind == "photo":
        await user.send_photo()
    elif kind == "edit":
        sent = await user.send("first")
        await _answered(rig, user, before)
        before = len(rig.standin.calls_for(user.id)) + _answers(rig)
        await user.edit(sent["message_id"], value)
    else:
        await user.send_location(*value)
    await _answered(rig, user, before)


def _answers(rig: Rig) -> int:
    return rig.standin.count("answerCallbackQuery")


async def _answered(rig: Rig, user: ScriptedUser, before: int) -> None:
    """Every update gets some answer: a message, an edit, or an answered button."""
    async with asyncio.timeout(10):
        await rig.standin.wait_until(
            lambda: len(rig.standin.calls_for(user.id)) + _answers(rig) > before
        )


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(state=st.sampled_from(STATES), steps=actions)
def test_any_input_in_any_state_is_answered_and_harms_no_one(
    rig: Rig, state: str, steps: list[tuple[str, Any]]
) -> None:
    victim_before = rig.run(_snapshot(rig.db, VICTIM))
    errors_before = rig.app.bot_data.rt.metrics.count("handler_errors")
    user = rig.standin.user(next(ids))
    rig.run(_bring_to(user, state))
    for step in steps:
        rig.run(_act(rig, user, step))
    assert rig.app.bot_data.rt.metrics.count("handler_errors") == errors_before
    assert rig.standin.violations == []
    assert rig.run(_snapshot(rig.db, VICTIM)) == victim_before
