"""Faults found by probing the running bot: failing Bot API calls, odd input, group chats,
deleted people, and a database lock held by another process."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import buttons as b
from bot import texts
from devtools.standin import StandIn
from storage import sqlite_inline
from storage.engine import Database
from storage.models import User
from tests.support.flows import onboard, shown, to_side_question
from tests.support.harness import running_bot
from tests.support.standin import toasts


async def test_a_failed_toast_does_not_drop_the_reply(
    standin: StandIn, sqlite_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(standin, sqlite_db):
        ann = standin.user(7001)
        await to_side_question(ann)
        standin.fail_next("answerCallbackQuery", 502)
        await ann.press("Left")
        days = await ann.wait_for("Which days")
        assert any(b["text"] == texts.DAYS_DONE for b in days.buttons)
    assert texts.ERROR not in [m.display_text for m in ann.messages]
    assert not _errors(caplog)


def _errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_digits_that_int_refuses_get_a_clear_answer(
    standin: StandIn, sqlite_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(standin, sqlite_db):
        bo = standin.user(7002)
        await onboard(bo)
        await bo.send("/pause ²")
        await bo.wait_for(shown(texts.PAUSE_HOW_LONG))
        await bo.press_data(f"{b.VERSION}|{b.PauseFor.PREFIX}|²", bo.messages[-1].message_id)
        await standin.wait_until(
            lambda: any(c.params.get("text") == texts.STALE_BUTTON for c in standin.calls)
        )
        await bo.send("/now")
        await bo.wait_for(shown(texts.PAIN_BEFORE))
        for odd in ("²", "٣", "1" * 500):
            await bo.send(odd)
            await bo.wait_for(shown(texts.BAD_PAIN))
        await bo.send("3")
        await bo.wait_for(shown(texts.TINGLING_BEFORE))
    assert not _errors(caplog)


async def test_a_forged_chat_id_gets_nobody_s_data(
    standin: StandIn, sqlite_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """A private chat's id is its person's id; an update that says otherwise is dropped."""
    async with running_bot(standin, sqlite_db):
        victim, attacker = standin.user(7003), standin.user(7004)
        await onboard(victim)
        for command in ("/export", "/history"):
            standin.add_update(
                {
                    "message": {
                        "message_id": attacker.chat.next_message_id(),
                        "date": 0,
                        "from": victim.to_api(),
                        "chat": attacker.chat.to_api(),
                        "text": command,
                        "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
                    }
                }
            )
        async with asyncio.timeout(5):
            await standin.wait_until(
                lambda: sum("dropped update" in r.getMessage() for r in caplog.records) == 2
            )
        await attacker.send("/help")
        await attacker.wait_for("Stretch Coach")
    assert [c.method for c in standin.calls_for(attacker.id)] == ["sendMessage"]
    assert not _errors(caplog)


async def test_a_button_pressed_in_a_group_only_gets_a_toast(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db):
        cy = standin.user(7005)
        await onboard(cy)
        group = {"id": -100, "type": "group", "title": "Running club"}
        standin.add_update(
            {
                "callback_query": {
                    "id": standin.open_callback_query(),
                    "from": cy.to_api(),
                    "message": {"message_id": 1, "date": 0, "chat": group, "text": "plan"},
                    "chat_instance": "-100",
                    "data": b.SettingChoice(b.Setting.DAYS).pack(),
                }
            }
        )
        async with asyncio.timeout(5):
            await standin.wait_until(
                lambda: any(c.params.get("text") == texts.PRIVATE_ONLY for c in standin.calls)
            )
    assert standin.calls_for(-100) == []


async def test_a_new_person_can_still_start_after_an_old_button(
    standin: StandIn, sqlite_db: Database
) -> None:
    """Only /start makes a person; their consent button then works as before."""
    async with running_bot(standin, sqlite_db):
        eve = standin.user(8005)
        await eve.send("/redflags")
        question = await eve.wait_for("safety check")
        await eve.press("No, none of these", message_id=question.message_id)
        second = await eve.wait_for("And any of these")
        await eve.press("No, none of these", message_id=second.message_id)
        await _until_toasts(standin, 0, 2)
        assert await _users(sqlite_db) == 0
        await onboard(eve)
    assert await _users(sqlite_db) == 1


@contextmanager
def _write_lock(path: str) -> Iterator[None]:
    """Another process's writer, as far as SQLite can tell."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("COMMIT")
        other.close()


async def test_a_long_foreign_lock_gets_a_busy_answer(
    standin: StandIn,
    sqlite_db: Database,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(sqlite_inline, "BUSY_WAIT_SECONDS", 0.2)
    async with running_bot(standin, sqlite_db):
        fay = standin.user(8006)
        await onboard(fay)
        plan = fay.messages[-1]
        with _write_lock(f"{tmp_path}/test.db"):
            await fay.send("/settings")
            await fay.wait_for("busy for a moment")
            mark = len(standin.calls)
            await fay.press_data(b.SettingChoice(b.Setting.TIME).pack(), plan.message_id)
            answered = await _until_toasts(standin, mark, 1)
        await fay.send("/settings")
        await fay.wait_for("What would you like to change")
    assert answered == [texts.BUSY]
    assert _errors(caplog) == []
    waits = [r for r in caplog.records if "write lock" in r.getMessage()]
    assert len(waits) == 2 and all(r.levelno == logging.WARNING for r in waits)


async def _until_toasts(standin: StandIn, since: int, count: int) -> list[str | None]:
    """Waits (bounded) until `count` buttons pressed since `since` have been answered."""
    async with asyncio.timeout(5):
        await standin.wait_until(lambda: len(toasts(standin, since)) >= count)
    return toasts(standin, since)


async def _users(db: Database) -> int:
    async with db.session() as s:
        return int((await s.execute(select(func.count()).select_from(User))).scalar_one())
