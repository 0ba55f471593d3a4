"""The real Application against the stand-in over HTTP: /start is answered."""

from __future__ import annotations

from devtools.standin import StandIn
from storage.engine import Database
from tests.support.harness import running_bot


async def test_start_is_answered_with_the_welcome(standin: StandIn, database: Database) -> None:
    async with running_bot(standin, database):
        ann = standin.user(1001, first_name="Ann")
        await ann.send("/start")
        message = await ann.wait_for("not medical advice")
        assert "Ann" in message.display_text
        assert [b["text"] for b in message.buttons] == ["I understand and agree"]
    commands = [params for method, params in standin.calls if method == "setMyCommands"]
    assert commands, "setMyCommands was not called at start-up"
