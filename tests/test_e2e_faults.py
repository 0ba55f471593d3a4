"""Faults found by probing the running bot: failing Bot API calls, odd input, group chats,
deleted people, and a database lock held by another process."""

from __future__ import annotations

import logging

import pytest

from bot import texts
from bot.standin import StandIn
from storage.engine import Database
from tests.flows import has_button
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
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
