"""Answers to the unexpected: edits, stickers, photos, unknown commands, group chats."""

from __future__ import annotations

import asyncio

from devtools.standin import StandIn
from storage.engine import Database
from tests.support.harness import running_bot


async def test_edits_stickers_photos_and_unknown_commands_get_a_pointer(
    standin: StandIn, sqlite_db: Database
) -> None:
    async with running_bot(standin, sqlite_db):
        ann = standin.user(7001)
        sent = await ann.send("hello")
        await ann.wait_for("/start to set up")
        await ann.edit(sent["message_id"], "changed")
        await ann.wait_for("only read new messages")
        await ann.send_sticker()
        await ann.wait_for("only read text")
        await ann.send_photo()
        await ann.wait_for("only read text")
        await ann.send("/frobnicate")
        await ann.wait_for("don't know that command")


async def test_group_chats_get_no_answer(standin: StandIn, sqlite_db: Database) -> None:
    async with running_bot(standin, sqlite_db):
        standin.add_update(
            {
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": -100, "type": "group", "title": "Running club"},
                    "from": {"id": 7002, "is_bot": False, "first_name": "Bo"},
                    "text": "anyone up for a run?",
                }
            }
        )
        ann = standin.user(7003)
        await ann.send("/help")
        await ann.wait_for("Stretch Coach")
        await asyncio.sleep(0.2)
    assert standin.calls_for(-100) == []
