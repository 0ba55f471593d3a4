"""What goes out after a commit: every reply is tried, whatever failed before it."""

from __future__ import annotations

import pytest
from telegram.error import NetworkError

from bot.routing import run_all


async def test_every_action_runs_and_a_bug_still_surfaces() -> None:
    ran: list[str] = []

    async def refused() -> None:
        ran.append("toast")
        raise NetworkError("Bad Gateway")

    async def reply() -> None:
        ran.append("reply")

    async def bug() -> None:
        ran.append("bug")
        raise KeyError("oops")

    async def after() -> None:
        ran.append("after")

    with pytest.raises(KeyError):
        await run_all([refused, reply, bug, after], user_id=1)
    assert ran == ["toast", "reply", "bug", "after"]


async def test_a_refused_call_alone_is_not_an_error() -> None:
    async def refused() -> None:
        raise NetworkError("Bad Gateway")

    await run_all([refused], user_id=1)
