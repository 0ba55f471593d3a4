"""Faults found by probing the running bot: failing Bot API calls, odd input, group chats,
deleted people, and a database lock held by another process."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot import texts
from bot.callbacks import pack
from bot.standin import StandIn
from storage.engine import Database
from tests.flows import has_button, onboard, shown
from tests.harness import running_bot


async def _to_side_question(user) -> None:  # type: ignore[no-untyped-def]
    await user.send("/start")
    await user.wait_for("not medical advice")
    await user.press("I understand and agree")
    await user.wait_for("safety check")
    await user.press("No, none of these")
    await user.wait_for("Choose a routine")
    await user.press("Seated hamstring stretch")
    await user.wait_for(has_button("Choose this routine"))
    await user.press("Choose this routine")
    await user.wait_for("Which side hurts")


async def test_a_failed_toast_does_not_drop_the_reply(
    standin: StandIn, sqlite_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(standin, sqlite_db):
        ann = standin.user(7001)
        await _to_side_question(ann)
        standin.fail_next("answerCallbackQuery", 502)
        await ann.press("Left")
        days = await ann.wait_for("Which days")
        assert any(b["text"] == texts.DAYS_DONE for b in days.buttons)
    assert texts.ERROR not in [m.text for m in ann.messages]
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
        await bo.press_data(pack("pz", "²"), bo.messages[-1].message_id)
        await standin.wait_until(
            lambda: any(c.params.get("text") == texts.STALE_BUTTON for c in standin.calls)
        )
        await bo.send("/now")
        await bo.wait_for(shown(texts.PAIN_BEFORE))
        await bo.send("²")
        await bo.wait_for(shown(texts.BAD_PAIN))
        await bo.send("٣")
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
                    "data": pack("set", "days"),
                }
            }
        )
        async with asyncio.timeout(5):
            await standin.wait_until(
                lambda: any(c.params.get("text") == texts.PRIVATE_ONLY for c in standin.calls)
            )
    assert standin.calls_for(-100) == []
