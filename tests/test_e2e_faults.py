"""Faults found by probing the running bot: failing Bot API calls, odd input, group chats,
deleted people, and a database lock held by another process."""

from __future__ import annotations

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
